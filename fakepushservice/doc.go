// Package fakepushservice is pushspec's push service: an RFC 8030 push resource with VAPID
// (RFC 8292) and message-encryption (RFC 8188/8291) grading, a message store, user-agent links,
// an in-process virtual user agent and a control API compatible with web-push-testing. It runs
// in process, httptest style, and standalone as `pushspec serve`. The virtual user agent
// (VirtualUA) is the in-process transport of pushspec's shared user agent, package useragent:
// its subscriptions' keys, decryption, record of deliveries and waits are that package's.
//
// # In process
//
//	s := &fakepushservice.Server{Profile: "rfc", Logf: t.Logf} // zero value works
//	if err := s.Start(); err != nil { … }                       // 127.0.0.1:0, plus HTTPS
//	defer s.Close()
//	ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
//	sub, _ := ua.Subscribe(ctx, vapidPublicKey)                  // sub.JSON() is browser-shaped
//	… send to sub.Endpoint with any library …
//	got, _ := ua.AwaitMessage(ctx, sub.ID)                       // decrypted payload
//	req, _ := s.AwaitRequest(ctx, nil)                            // req.Verdicts, one per rule
//
// Option fields are documented with their zero meaning (Profile, MaxPayload, MaxTTL, Clock,
// Logf, Addr, TLSAddr, NoTLS, HTTPSEndpoints, EndpointHost, EndpointBase, AcceptedStatus,
// CAFilePath, BodyTimeout, MaxRecorded) and must be set before Start. The Server is also an
// http.Handler: httptest.NewServer(s) works without Start once EndpointBase is set.
//
// Hooks: OnRequest is called for every push request on that request's handler goroutine, after
// the headers and body were read and before validation; it may block (to hold a request) and may
// return a Fault (delay, drop the connection, a status with Retry-After, or a profile condition
// such as CondRateLimited, which WNS answers 406 and autopush 503). Queued fault rules
// (AddFault, POST /_pushspec/faults) do the same for the next N requests. OnDelivery is called
// after each hand-off to a UA connection, on that connection's delivery goroutine.
//
// Observation: Requests, AwaitRequest(ctx, pred), RequestForMessage, Verdicts, Deliveries,
// AwaitDelivery(ctx, subID), AwaitDeliveryOf(ctx, msgID), Acks, AwaitAck(ctx, msgID), Receipts,
// AwaitReceipt, Stored, Events, Unhandled. Every Await… returns an error only when ctx ends.
//
// # Links
//
// link.go is the contract with the user-agent links (autopush WebSocket for Firefox, FCM
// emulation for Chromium, the VirtualUA): CreateSubscription, Unsubscribe, Connect (newest
// connection wins; a goroutine per connection hands out stored messages oldest first, one at a
// time; a Deliver error ends the connection and leaves the message stored), Ack, Handle.
//
// # Push resource
//
// POST /push/{id}, /wp/{id}, /fcm/send/{id}, /notify/{id}, over HTTP (URL) and HTTPS (TLSURL;
// the CA is in CAFile, Client trusts it). The default profile "rfc" answers:
//
//	201 Created + Location <origin>/m/{msg} + TTL (the stored TTL, lower than asked when capped)
//	202 Accepted + Location + Link <origin>/receipts/{rid}; rel="urn:ietf:params:push:receipt"  (Prefer: respond-async)
//	400 TTL missing, not 1*DIGIT, negative; Urgency unknown or several; Topic > 32 chars or not base64url;
//	    an invalid receipt subscription; k equal to the message's ECDH key (rfc8292-3.2-same-keys-400)
//	401 restricted subscription without Authorization, or a scheme other than vapid (WWW-Authenticate: vapid)
//	403 invalid VAPID: t or k missing, malformed JWT, alg not ES256, bad or DER signature, exp passed or
//	    more than 24 h ahead, aud not the push resource's origin, k not the subscription's key
//	404 unknown subscription (rfc8030-5-unknown-push-resource-404), expired or unsubscribed one
//	    (rfc8030-7.3-expired-subscription-404)
//	405 any method but POST
//	413 body above MaxPayload (4096); never for 4096 octets or less
//	415 a body without Content-Encoding, or a coding other than aes128gcm / aesgcm, or several.
//	    415 Unsupported Media Type is the status RFC 9110 §15.5.16 names for an unsupported content
//	    coding; RFC 8030 names none. The compat profile and the vendors answer 400.
//
// Error bodies are JSON {"rule":"<rule id>","error":"<what was wrong>","status":N}; every error
// answer also carries the header Pushspec-Rule. A TTL above 2^31-1 counts as 2^31. `sub` missing
// is accepted (graded non-strict). aesgcm (the draft coding) is accepted and graded as a failure of
// rfc8291-4-aes128gcm-only. DELETE /m/{msg} answers 204 and removes a stored message (404 once
// gone). Receipts: GET /receipts/{rid}[?after=N&wait=S] returns {"receipts":[{"seq","message",
// "status":204|410,"time"}]} (see receipts.go).
//
// # RFC 8030 user-agent interface
//
// Profile rfc only (the vendors' services have none), on the HTTPS listener (RFC8030SubscribeURL):
// POST /rfc8030/subscribe → 201, Location (subscription resource /rfc8030/s/{sid}), Link to the
// push resource (rel="urn:ietf:params:push", an ordinary /push/{id}) and to a subscription set
// (rel="urn:ietf:params:push:set"; a Link naming one in the request joins it, an unknown or
// expired one → 400); an application/webpush-options+json body {"vapid": key} restricts it (RFC
// 8292 §4.1). GET on the subscription or set resource over HTTP/2 delivers each message as a
// server push (PUSH_PROMISE :path /m/{msg}, then 200 with Last-Modified and the push resource's
// Link); Prefer: wait=0 ends with 204 once what was stored is pushed; expiry ends it with 404.
// DELETE /m/{msg} from the UA is the acknowledgement. ExpireSubscriptionSet cascades to the
// members. useragent/rfc8030 is a client for it. See rfc8030ua.go.
//
// # Profiles
//
// Profiles are data (profiles.go): an order of checks and an answer per condition, taken from each
// service's documented and observed answers. "autopush" (every VAPID problem 401 errno 109, 410
// errno 106 for gone, TTL clamped to 30 days, Urgency ignored), "fcm" (400 UnauthorizedRegistration
// HTML, 403 text bodies, 410), "apple" ({"reason":"BadJwtToken"} etc., sub required, Topic must
// decode, apns-id), "wns" (empty bodies, X-WNS-* headers, 406 throttling, TTL 0 needs
// X-WNS-Cache-Policy: no-cache, 5000-octet limit), "compat" (web-push-testing's answers: 400 for
// nearly everything, 410 for expired, 201 without Location or TTL). Non-JSON vendor bodies (fcm,
// wns) carry pushspec's rule only in the Pushspec-Rule header; JSON vendor bodies get "rule" and
// "status" next to the vendor's own fields (autopush keeps its own "error", the reason phrase).
// Verdicts are graded against the RFCs in every profile: the profile only chooses what the sender
// sees.
//
// # Verdicts
//
// Every push request, whatever its status, is graded against the sender-side rules by package
// graders (rules.Verdict with evidence; JWT signatures, private keys and auth secrets are never
// recorded):
// rfc8030-5-post-to-push-resource, rfc8030-5.2-ttl-required / -ttl-syntax,
// rfc8030-5.3-urgency-values / -urgency-single-value, rfc8030-5.4-topic-syntax,
// rfc8291-4-aes128gcm-only, rfc8291-4-fits-4096, rfc8188-2.1-header-layout, rfc8188-2.1-rs-min-18,
// rfc8291-4-keyid-is-as-public-key, rfc8188-2-record-layout, rfc8291-4-rs-exceeds-record,
// rfc8188-4.3-random-salt, rfc8188-2.1-salt-not-reused and rfc8291-3.1-as-ephemeral-key (over
// the distinct bodies the service accepted: a resend of the same body is no reuse), the VAPID rules
// (rfc8292-2-vapid-scheme, -p256-signing-key, -jws-es256, -exp-required, -exp-max-24h judged by
// the time of the request, -aud-origin, rfc8292-2.1-sub-optional (info) / -sub-contact-uri,
// rfc8292-2.2-claims-small, rfc8292-3.2-k-uncompressed-base64url, rfc8292-3.2-distinct-keys,
// rfc8292-3-no-proxy-auth, rfc8292-4.2-restricted-needs-jwt), and, when the subscription belongs
// to a VirtualUA (the service holds the private key), rfc8291-3.3-key-derivation,
// rfc8188-2-padding-delimiter and rfc8291-4-single-record from decrypting the body. Each fault is
// graded once, under the application server's rule: the push-service rules (the 4.2 reject-*
// rules, rfc8291-7-ua-validates-key) only name the service's answer (Request.Rule).
//
// # Store
//
// Messages are stored per UA until acknowledged or expired (Clock-driven, so tests move time
// instead of sleeping; Kick makes connections look again, and Start runs a janitor that drops
// expired messages once a second, firing their 410 receipts). TTL 0 is delivered only to a connected
// UA (otherwise dropped, still 201). A message with the same Topic replaces the stored one (TTL,
// Urgency and receipt included; the replaced receipt is suppressed). ConnectOptions.MinUrgency
// filters (no Urgency counts as normal). Unacknowledged messages are redelivered on the next
// connection with the same MessageID and Attempt+1; one connection never gets a message twice.
// Topic, Urgency, the JWT and the VAPID key are never forwarded to the UA.
//
// # Control API
//
// web-push-testing's routes (POST /status, /subscribe, /expire-subscription/{clientHash},
// /get-notifications, and the endpoint /notify/{clientHash}) with its status codes, JSON shapes
// and messages, and pushspec's own under /_pushspec/ (requests with verdicts, messages, events,
// subscriptions, stored, deliveries, acks, faults, ca.pem): see control.go.
package fakepushservice
