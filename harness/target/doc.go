// Package target puts the push service under test behind one small interface, PushService, so
// that the same specs (specs/pushservice, specs/sender, specs/interop) run against every kind of
// target the configuration names:
//
//   - fake: pushspec's in-process fakepushservice.Server with a VirtualUA per subscription
//     (profile from the configuration). It offers every optional capability.
//   - control=<URL>: a test double speaking web-push-testing's control API (/subscribe,
//     /get-notifications, /expire-subscription/:id) — marc1706/web-push-testing itself, or
//     `pushspec serve`. The service holds the keys and decrypts; there is no UA link to watch.
//   - autopush=<ws URL>: an external service reached with Mozilla's autopush WebSocket protocol;
//     pushspec plays Firefox with its autopush client, useragent/autopush
//     (hello/register/notification/ack), and decrypts with its own keys.
//   - real: Mozilla's public autopush over the internet, through the same client. It reports a
//     skip reason (ErrUnavailable) when the service cannot be reached; tests never dial it.
//
// Optional capabilities are separate interfaces found by type assertion (StoreAndForward,
// Expirer, Unsubscriber, Acker, Clock, UrgencyThreshold, ReceiptReader, Verdicts); a spec that
// needs one the target lacks skips with the reason.
//
// What a delivery becomes is the same for every target: a Received, the shared record of package
// useragent (whose core also gives the fake's VirtualUA and the autopush client their keys,
// decryption and waits).
//
// What it is not: it grades nothing (specs do) and sends nothing (harness/sender does).
package target
