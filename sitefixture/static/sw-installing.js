// pushspec fixture: a service worker that stays in "installing". Its install handler calls
// pushManager.subscribe() while the registration has no active worker
// (pushapi-subscribe-no-active-worker: InvalidStateError) and reports the outcome as kind
// "install", then holds the install open for ?holdMs= milliseconds so that the page can act on a
// registration whose only worker is still installing (notifications-show-requires-active-worker).
// ?key= is the applicationServerKey (base64url).
"use strict";

const params = new URL(self.location.href).searchParams;

function errorValue(e) {
  if (e && typeof e === "object") return { name: String(e.name || "Error"), message: String(e.message || e) };
  return { name: "Error", message: String(e) };
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const report = { kind: "install", id: params.get("id") || null, handlerStartMs: Date.now(), active: !!self.registration.active };
      try {
        const sub = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: params.get("key") });
        report.subscribe = { resolved: sub.endpoint };
        await sub.unsubscribe();
      } catch (e) {
        report.subscribe = { error: errorValue(e) };
      }
      report.handlerEndMs = Date.now();
      await fetch("/_beacon", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(report) });
      await new Promise((resolve) => setTimeout(resolve, Number(params.get("holdMs") || 0)));
    })()
  );
});
