// Package sitefixture is pushspec's fixture site: an embedded page (index.html, page.js) and
// service worker (sw.js) served on loopback, one listener per origin.
//
// The page exposes window.pushspec (register, subscribe, getSubscription, unsubscribe,
// permissionState, notificationPermission, getNotifications, supportedContentEncodings, …) for
// the harness to call through a browser session; every call resolves to a JSON value, errors as
// {error: {name, message}}. The service worker reports every push, pushsubscriptionchange and
// notification event by POSTing to /_beacon; the site turns those beacons into Report values on
// a channel and behind AwaitReport, so the harness never polls the DOM.
//
// Origins are http://localhost:PORT (localhost is a secure context, so service workers and push
// work without TLS). Push state and permissions are per origin: NewOrigin gives a fresh one
// serving the same content, for isolation between specs sharing one browser.
//
// The package imports nothing of pushspec's but internal/await (its waits): it is a leaf the
// harness and both browser engineers build on (internal/layers checks it).
package sitefixture
