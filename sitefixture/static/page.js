// pushspec fixture page API. The harness calls these through Session.Eval, e.g.
//   window.pushspec.subscribe("BNc…", {userVisibleOnly: true})
// Every function returns a promise of a JSON-able value. Errors are returned as
// {error: {name, message}} and never thrown, so an Eval never fails because of the page itself.
"use strict";

(function () {
  function errorValue(e) {
    if (e && typeof e === "object") {
      return { error: { name: String(e.name || "Error"), message: String(e.message || e) } };
    }
    return { error: { name: "Error", message: String(e) } };
  }

  // wrap turns a function into one that resolves to its value or to {error}.
  function wrap(fn) {
    return async function (...args) {
      try {
        return await fn(...args);
      } catch (e) {
        return errorValue(e);
      }
    };
  }

  function b64url(buf) {
    if (buf === null || buf === undefined) return null;
    const bytes = new Uint8Array(buf);
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromB64url(s) {
    const std = s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    const padded = std + "===".slice((std.length + 3) % 4);
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // subscriptionValue describes a PushSubscription with everything a spec may check.
  function subscriptionValue(sub) {
    if (!sub) return null;
    let options = null;
    if (sub.options) {
      options = {
        userVisibleOnly: sub.options.userVisibleOnly,
        applicationServerKey: b64url(sub.options.applicationServerKey),
      };
    }
    return {
      json: sub.toJSON(),
      endpoint: sub.endpoint,
      expirationTime: sub.expirationTime === undefined ? "undefined" : sub.expirationTime,
      options: options,
      p256dh: b64url(sub.getKey("p256dh")),
      auth: b64url(sub.getKey("auth")),
    };
  }

  async function registration() {
    const reg = await navigator.serviceWorker.getRegistration("/");
    if (!reg) throw new Error("no service worker registration: call pushspec.register() first");
    return reg;
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

  window.pushspec = {
    // register installs /sw.js for scope "/" and waits until it is active.
    register: wrap(async function (opts) {
      const t0 = performance.now();
      await navigator.serviceWorker.register("/sw.js", Object.assign({ scope: "/" }, opts || {}));
      const reg = await navigator.serviceWorker.ready;
      return { scope: reg.scope, active: !!reg.active, state: reg.active ? reg.active.state : null, elapsedMs: performance.now() - t0 };
    }),

    // subscribe calls pushManager.subscribe. key is the applicationServerKey as base64url (sent as a
    // Uint8Array), or null for none; opts.keyAsString passes the string itself (the spec allows both);
    // opts.userVisibleOnly defaults to true.
    subscribe: wrap(async function (key, opts) {
      opts = opts || {};
      const reg = await registration();
      const so = { userVisibleOnly: opts.userVisibleOnly === undefined ? true : opts.userVisibleOnly };
      if (key !== null && key !== undefined) so.applicationServerKey = opts.keyAsString ? key : fromB64url(key);
      const t0 = performance.now();
      const sub = await reg.pushManager.subscribe(so);
      const elapsed = performance.now() - t0;
      return Object.assign({ elapsedMs: elapsed }, subscriptionValue(sub));
    }),

    getSubscription: wrap(async function () {
      const reg = await registration();
      return { subscription: subscriptionValue(await reg.pushManager.getSubscription()) };
    }),

    unsubscribe: wrap(async function () {
      const reg = await registration();
      const sub = await reg.pushManager.getSubscription();
      if (!sub) return { unsubscribed: false, hadSubscription: false };
      const t0 = performance.now();
      const ok = await sub.unsubscribe();
      return { unsubscribed: ok, hadSubscription: true, elapsedMs: performance.now() - t0 };
    }),

    permissionState: wrap(async function (opts) {
      const reg = await registration();
      return { state: await reg.pushManager.permissionState(opts || { userVisibleOnly: true }) };
    }),

    notificationPermission: wrap(async function () {
      return { permission: typeof Notification === "undefined" ? "unsupported" : Notification.permission };
    }),

    // getNotifications lists the registration's notifications; filter is {tag} or undefined.
    getNotifications: wrap(async function (filter) {
      const reg = await registration();
      const list = await reg.getNotifications(filter || {});
      return { notifications: list.map(notificationValue) };
    }),

    closeNotifications: wrap(async function () {
      const reg = await registration();
      const list = await reg.getNotifications();
      list.forEach((n) => n.close());
      return { closed: list.length };
    }),

    // showNotification shows a notification from the page through the registration.
    showNotification: wrap(async function (title, options) {
      const reg = await registration();
      await reg.showNotification(title, options || {});
      return { shown: true };
    }),

    supportedContentEncodings: wrap(async function () {
      const v = typeof PushManager !== "undefined" ? PushManager.supportedContentEncodings : undefined;
      return { encodings: v === undefined ? null : Array.from(v) };
    }),

    info: wrap(async function () {
      return {
        userAgent: navigator.userAgent,
        origin: location.origin,
        secureContext: window.isSecureContext,
        serviceWorker: "serviceWorker" in navigator,
        pushManager: typeof PushManager !== "undefined",
        notification: typeof Notification !== "undefined",
        pushMessageDataBytes: typeof PushMessageData !== "undefined" && "bytes" in PushMessageData.prototype,
      };
    }),
  };
})();
