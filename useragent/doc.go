// Package useragent is the receiving side pushspec plays, shared by its three virtual user
// agents: the in-process one on the push service's core (fakepushservice.VirtualUA), the
// autopush WebSocket client that speaks as Firefox does (useragent/autopush) and the HTTP/2
// client of RFC 8030's own user-agent interface (useragent/rfc8030). Each transport takes
// deliveries its own way; what happens to a delivery is the same for all and lives here:
//
//   - Subscription: a subscription's keys (a fresh P-256 key pair and 16-octet auth secret per
//     subscription, RFC 8291 §2) with the fields a browser hands the application server
//     (PushSubscription.toJSON(): endpoint, p256dh, auth);
//   - Decrypt and Open: a delivery decrypted by its content coding (aes128gcm, RFC 8291; the
//     draft aesgcm) into one Received record, with the acknowledgement code it earns
//     (AckDelivered, AckDecryptError, AckNotDelivered);
//   - Inbox: the deliveries taken, in arrival order, with duplicate counting and the waits
//     (the next delivery of a subscription, a total count) built on internal/await.
//
// The package is a leaf: it imports only webpush, internal/await and internal/history of
// pushspec's (the wire clients below it add golang.org/x/net and coder/websocket), never the
// push service or the harness, so a client can face any push service and the push service's own
// tests can use it.
package useragent
