package rules

// Interop rules: failures that real push services produced with requests that the specifications
// allow, or that the specifications do not foresee (docs/push-services.md §4). No specification
// states them, so every one is a MAY graded info, Implied (the reading is pushspec's), and carries
// a Ref to the public report. They feed the per-profile tables of the report: a sender that trips one
// works against pushspec's rfc profile and still fails against that vendor.

// InteropAppleSubRequired: Apple's push service answers 403 {"reason":"BadJwtToken"} when the
// VAPID JWT has no sub or an empty one (webpush-go with an empty Subscriber). RFC 8292 §2.1 makes
// sub optional; see SubContactURI.
var InteropAppleSubRequired = Register(Rule{
	ID: "interop-apple-sub-required", Doc: Interop, Section: "Apple",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "The VAPID JWT carries a non-empty `sub`: Apple's push service rejects tokens without one (403 BadJwtToken).",
	Check:   "Record whether `sub` is present and non-empty; the `apple` profile answers 403 `{\"reason\":\"BadJwtToken\"}` when it is not.",
	Ref:     "https://github.com/SherClockHolmes/webpush-go/issues/61",
})

// InteropAppleSubFormat: Apple answers BadJwtToken for sub values that other services accept
// (mailto:x@localhost, "mailto: <a@b>", a bare address).
var InteropAppleSubFormat = Register(Rule{
	ID: "interop-apple-sub-format", Doc: Interop, Section: "Apple",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`sub` is a form Apple accepts: `mailto:` with a real-looking address (no `localhost`, no space or angle brackets) or an `https:` URL.",
	Check:   "Record `sub`; `mailto:x@localhost`, `mailto: <a@b>` and bare addresses are noted, because the `apple` profile rejects them with 403 BadJwtToken.",
	Ref:     "https://github.com/web-push-libs/web-push/issues/947",
})

// InteropAppleTopicDecodable: Apple base64url-decodes Topic, so a topic whose length is
// ≡ 1 (mod 4) gets 400 BadWebPushTopic although RFC 8030 §5.4 allows it.
var InteropAppleTopicDecodable = Register(Rule{
	ID: "interop-apple-topic-decodable", Doc: Interop, Section: "Apple",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`Topic` has a length that base64url can decode (not ≡ 1 mod 4): Apple decodes topics and rejects others with 400 BadWebPushTopic.",
	Check:   "Record the Topic length mod 4; the `apple` profile answers 400 `{\"reason\":\"BadWebPushTopic\"}` for length ≡ 1 (mod 4).",
	Ref:     "https://github.com/AltanS/collie/pull/90",
})

// InteropAppleUrgency: historical — Safari 16's push service answered 400 BadUrgency for valid
// Urgency values until a 2023 fix (WebKit bug 247128). Kept as a profile knob.
var InteropAppleUrgency = Register(Rule{
	ID: "interop-apple-urgency", Doc: Interop, Section: "Apple",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "Historical (Safari 16, fixed 2023): Apple answered 400 BadUrgency to valid `Urgency` values; a sender that sends Urgency met it.",
	Check:   "Record whether the sender sends `Urgency`; with the `apple` profile's historical knob on, record how the sender handles the 400 BadUrgency.",
	Ref:     "https://github.com/zaru/webpush/issues/110",
})

// InteropMozillaBridgeSize: autopush's bridged routes (Firefox for Android and iOS via FCM/APNs)
// refuse bodies over 4096 octets of base64, about 3070 raw, with 413 errno 104; padding every body
// to 4096 (webpush-go's default) breaks them. See Fits4096.
var InteropMozillaBridgeSize = Register(Rule{
	ID: "interop-mozilla-bridge-size", Doc: Interop, Section: "Mozilla autopush",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "Bodies stay within about 3070 octets: autopush's bridged routes (Firefox for Android/iOS) refuse larger ones with 413 errno 104.",
	Check:   "Record the body length; above 3070 octets note that bridged Firefox would refuse it (the `autopush` profile's bridge knob answers 413/104).",
	Ref:     "https://github.com/SherClockHolmes/webpush-go/issues/23",
})

// Interop404410BothMeanGone: RFC 8030 §7.3 says 404 for an expired subscription; autopush answers
// 410, FCM 410 for unsubscribed and (since June 2024) 404 for stale tokens. A sender must treat
// both as "gone".
var Interop404410BothMeanGone = Register(Rule{
	ID: "interop-404-410-both-mean-gone", Doc: Interop, Section: "all services",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "A sender treats both 404 and 410 as \"subscription gone\" and stops sending to it.",
	Check:   "Answer a push with 404, and in another case with 410; the sender reports the subscription as gone and does not retry it.",
	Ref:     "https://github.com/pushpad/web-push/issues/14",
})

// InteropWNS406Throttle: WNS (Edge) throttles with 406 Not Acceptable, X-WNS-Status: appthrottled
// and Retry-After, instead of RFC 8030 §8.4's 429.
var InteropWNS406Throttle = Register(Rule{
	ID: "interop-wns-406-throttle", Doc: Interop, Section: "WNS",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "A sender treats WNS's `406 Not Acceptable` with `X-WNS-Status: appthrottled` like 429: back off, keep the subscription.",
	Check:   "The `wns` profile answers 406 with `Retry-After` and `X-WNS-Status: appthrottled`; record whether the sender waits and retries and keeps the subscription.",
	Ref:     "https://github.com/web-push-libs/web-push/issues/677",
})

// InteropWNSTTLZero: WNS answers 400 "Ttl value conflicts with X-WNS-Cache-Policy." to TTL: 0
// unless X-WNS-Cache-Policy: no-cache is sent; TTL 0 is the default of pywebpush and webpush-go.
var InteropWNSTTLZero = Register(Rule{
	ID: "interop-wns-ttl-zero", Doc: Interop, Section: "WNS",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`TTL: 0` without `X-WNS-Cache-Policy: no-cache` is refused by WNS with 400 (\"Ttl value conflicts with X-WNS-Cache-Policy.\").",
	Check:   "Record `TTL: 0` requests that lack `X-WNS-Cache-Policy: no-cache`; the `wns` profile answers them 400 with that `X-WNS-Error-Description`.",
	Ref:     "https://github.com/web-push-libs/pywebpush/issues/162",
})

// InteropAcceptAny2xx: older (Python) autopush answered 202 for messages stored for later
// delivery, and clients that accepted only 201 broke.
var InteropAcceptAny2xx = Register(Rule{
	ID: "interop-accept-any-2xx", Doc: Interop, Section: "Mozilla autopush",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "A sender treats any 2xx (201 and 202 alike) as accepted.",
	Check:   "The fake answers 202 (knob `AcceptedStatus`); the sender reports success and does not retry.",
	Ref:     "https://github.com/web-push-libs/web-push-csharp/issues/71",
})

// InteropExpSkewMargin: a push service judges exp by its own clock (RFC 8292 §4.2), so a token
// whose exp lies exactly 24 h after the sender's now (a conformant choice, graded pass by
// rfc8292-2-exp-max-24h) is refused by a service whose clock is behind the sender's: FCM answers
// 403, autopush 401 errno 109. Libraries now default to 12 h for that reason.
var InteropExpSkewMargin = Register(Rule{
	ID: "interop-exp-skew-margin", Doc: Interop, Section: "all services",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`exp` leaves room below the 24 h bound for a push service whose clock is behind the sender's.",
	Check:   "Record exp − the time of the request; less than 5 min below 24 h is noted (info), since a service whose clock lags by more refuses the token (the `rfc-lagging` sender-suite service, 2 min behind, shows it).",
	Ref:     "https://github.com/zaru/webpush/issues/81",
})

// InteropExpIndependentOfTTL: RFC 8292 §2 bounds exp by the token's validity, not the message's
// lifetime; a library that signs exp = now + TTL (@pushforge/builder) makes a token that has
// expired on arrival for TTL 0, and one past the 24 h bound for a TTL above 86400. No BCP 14
// keyword ties the two, so it is an observation.
var InteropExpIndependentOfTTL = Register(Rule{
	ID: "interop-exp-independent-of-ttl", Doc: Interop, Section: "all services",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`exp` does not follow the message's TTL: it bounds the token's validity (RFC 8292 §2), not the message's.",
	Check:   "Record whether exp − the time of the request equals TTL (±5 s); noted (info) when it does, except for TTL 43200 and 86400, which cannot be told from a 12 h or 24 h default.",
	Ref:     "https://github.com/draphy/pushforge/blob/03324daf737da3f58bf2b2e90d214c1f95ed9ad3/packages/builder/lib/request.ts",
})
