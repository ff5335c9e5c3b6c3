// pushspec fixture service worker. Every event it handles ends in a report POSTed to /_beacon,
// which the harness receives as a sitefixture.Report: the worker is observed through the site,
// never through the browser's console (Firefox does not expose service-worker consoles over BiDi).
//
// A push payload may carry test instructions, as JSON:
//   {"pushspec": {"id": "m1", "show": false, "throw": true, "reject": true, "tag": "t"}, "notification": {...}}
// id      correlates the report with the message (also accepted as a top-level "id");
// show    false skips showNotification (default true);
// throw   throws from the push handler after the report was started (Firefox: nack 301);
// reject  rejects the waitUntil promise after the report (Firefox: nack 302);
// tryConstructor  tries new Notification() in the worker and reports the outcome as "constructor";
// holdMs  keeps waitUntil pending this many milliseconds before showing and reporting;
// afterPending  reports only once the handlers of every earlier push event have reported (a
//         sentinel: events are dispatched in order but their handlers run concurrently, so a
//         sentinel that shows nothing could otherwise report before an earlier one that does);
// notification {title, body, tag, data, icon, badge, image, actions, requireInteraction, silent,
//         renotify, dir, lang, timestamp, vibrate} is shown as is; otherwise a default notification
//         titled with the payload's text is shown.
"use strict";

self.addEventListener("install", (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function errorValue(e) {
  if (e && typeof e === "object") return { name: String(e.name || "Error"), message: String(e.message || e) };
  return { name: "Error", message: String(e) };
}

function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

function notificationValue(n) {
  return {
    title: n.title,
    body: n.body,
    tag: n.tag,
    data: n.data === undefined ? null : n.data,
    icon: n.icon,
    badge: n.badge,
    image: n.image,
    dir: n.dir,
    lang: n.lang,
    requireInteraction: n.requireInteraction,
    silent: n.silent,
    renotify: n.renotify,
    timestamp: n.timestamp,
    actions: n.actions ? Array.from(n.actions, (a) => ({ action: a.action, title: a.title, icon: a.icon })) : [],
  };
}

function subscriptionValue(sub) {
  if (!sub) return null;
  try {
    return sub.toJSON();
  } catch (e) {
    return { endpoint: sub.endpoint, toJSONError: errorValue(e) };
  }
}

// dataViews reads PushMessageData every way the Push API offers. Each view is read from the same
// object: the spec allows reading it repeatedly.
function dataViews(data) {
  if (data === null || data === undefined) return null;
  const out = { text: null, textError: null, json: null, jsonError: null, base64: null, size: null, bytesMethod: false };
  try {
    out.text = data.text();
  } catch (e) {
    out.textError = errorValue(e);
  }
  try {
    out.json = data.json();
    if (out.json === undefined) out.json = null;
    out.jsonOK = true;
  } catch (e) {
    out.jsonOK = false;
    out.jsonError = errorValue(e);
  }
  try {
    const bytes = new Uint8Array(data.arrayBuffer());
    out.base64 = b64(bytes);
    out.size = bytes.length;
  } catch (e) {
    out.arrayBufferError = errorValue(e);
  }
  out.bytesMethod = typeof data.bytes === "function";
  return out;
}

// blobAndBytes adds the views of event.data that need a promise or may be absent: blob()'s type,
// size and bytes, and bytes() (a 2024 addition; bytesMethod says whether it exists). Call it before
// the handler's first await.
async function blobAndBytes(data, out) {
  if (data === null || data === undefined || !out) return;
  let blob = null;
  try {
    blob = data.blob();
    out.blobIsBlob = blob instanceof Blob;
    out.blobType = blob.type;
    out.blobSize = blob.size;
  } catch (e) {
    out.blobError = errorValue(e);
  }
  if (typeof data.bytes === "function") {
    try {
      const u = data.bytes();
      out.bytesIsUint8Array = u instanceof Uint8Array;
      out.bytesBase64 = b64(u);
    } catch (e) {
      out.bytesError = errorValue(e);
    }
  }
  if (blob) {
    try {
      out.blobBase64 = b64(new Uint8Array(await blob.arrayBuffer()));
    } catch (e) {
      out.blobError = errorValue(e);
    }
  }
}

async function beacon(report) {
  report.sentAtMs = Date.now();
  const resp = await fetch("/_beacon", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(report),
  });
  if (!resp.ok) throw new Error("beacon answered " + resp.status);
}

async function listNotifications(report) {
  try {
    const list = await self.registration.getNotifications();
    report.notifications = list.map(notificationValue);
  } catch (e) {
    report.notificationsError = errorValue(e);
  }
}

// pending holds the work of the push handlers still running (see afterPending).
const pending = new Set();

self.addEventListener("push", (event) => {
  const report = {
    kind: "push",
    handlerStartMs: Date.now(),
    handlerStartPerfMs: performance.now(),
    timeOrigin: performance.timeOrigin,
    hasData: event.data !== null && event.data !== undefined,
    data: dataViews(event.data),
  };
  const payload = report.data && report.data.jsonOK ? report.data.json : null;
  const isObject = payload !== null && typeof payload === "object" && !Array.isArray(payload);
  const instr = isObject && payload.pushspec && typeof payload.pushspec === "object" ? payload.pushspec : {};
  report.id = instr.id !== undefined ? String(instr.id) : isObject && payload.id !== undefined ? String(payload.id) : null;
  report.instructions = instr;

  // Taken before the handler's first await, so it holds exactly the earlier events' handlers.
  const earlier = instr.afterPending ? Array.from(pending) : [];
  const work = (async () => {
    await blobAndBytes(event.data, report.data);
    if (instr.afterPending) {
      await Promise.allSettled(earlier);
      report.waitedFor = earlier.length;
    }
    if (instr.holdMs) {
      // pushapi-ack-after-waituntil: keep the event's lifetime promise pending this long.
      await new Promise((resolve) => setTimeout(resolve, Number(instr.holdMs)));
      report.heldMs = Number(instr.holdMs);
    }
    if (instr.tryConstructor) {
      // notifications-constructor-in-sw: new Notification() must throw TypeError in a worker.
      try {
        new Notification("pushspec: constructed in the service worker");
        report.constructor = { constructed: true, error: null };
      } catch (e) {
        report.constructor = { constructed: false, error: errorValue(e) };
      }
    }
    const show = instr.show === undefined ? true : !!instr.show;
    report.show = { called: show, ok: false, error: null };
    if (show) {
      let title, options;
      if (isObject && payload.notification && typeof payload.notification === "object") {
        const n = Object.assign({}, payload.notification);
        title = n.title === undefined ? "" : String(n.title);
        delete n.title;
        options = n;
      } else {
        title = report.data ? (report.data.text === null ? "" : report.data.text) : "pushspec: push without data";
        options = { body: "pushspec default notification", data: { pushspecId: report.id } };
        if (instr.tag !== undefined) options.tag = String(instr.tag);
      }
      report.show.title = title;
      const t0 = performance.now();
      try {
        await self.registration.showNotification(title, options);
        report.show.ok = true;
      } catch (e) {
        report.show.error = errorValue(e);
      }
      report.show.elapsedMs = performance.now() - t0;
    }
    await listNotifications(report);
    report.handlerEndMs = Date.now();
    report.handlerEndPerfMs = performance.now();
    report.threw = !!instr.throw;
    report.rejected = !!instr.reject;
    await beacon(report);
  })();

  pending.add(work);
  const done = () => pending.delete(work);
  work.then(done, done);
  event.waitUntil(work);
  if (instr.reject) {
    // After the report has gone out, so the harness sees the message and Firefox sees a rejected
    // waitUntil promise (nack 302).
    event.waitUntil(work.then(() => Promise.reject(new Error("pushspec: rejected on request"))));
  }
  if (instr.throw) {
    throw new Error("pushspec: thrown on request");
  }
});

self.addEventListener("pushsubscriptionchange", (event) => {
  const report = {
    kind: "pushsubscriptionchange",
    handlerStartMs: Date.now(),
    handlerStartPerfMs: performance.now(),
    timeOrigin: performance.timeOrigin,
    oldSubscription: subscriptionValue(event.oldSubscription),
    newSubscription: subscriptionValue(event.newSubscription),
  };
  event.waitUntil(
    (async () => {
      try {
        report.currentSubscription = subscriptionValue(await self.registration.pushManager.getSubscription());
      } catch (e) {
        report.currentSubscriptionError = errorValue(e);
      }
      await beacon(report);
    })()
  );
});

function notificationEvent(kind) {
  return (event) => {
    const report = {
      kind: kind,
      handlerStartMs: Date.now(),
      handlerStartPerfMs: performance.now(),
      timeOrigin: performance.timeOrigin,
      action: event.action === undefined ? null : event.action,
      notification: notificationValue(event.notification),
    };
    const d = event.notification.data;
    report.id = d && typeof d === "object" && d.pushspecId ? String(d.pushspecId) : null;
    event.waitUntil(beacon(report));
  };
}

self.addEventListener("notificationclick", notificationEvent("notificationclick"));
self.addEventListener("notificationclose", notificationEvent("notificationclose"));
