package rules

// RFC 8030, Generic Event Delivery Using HTTP Push: the push service, the application server
// (sender) and the user agent's own HTTP/2 interface.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

// PushServiceHTTPS — RFC 8030 §3, 8, paraphrased: The push service is reached over HTTP over TLS
// (RFC 2818, following RFC 7525), for UA and application-server traffic alike.
var PushServiceHTTPS = Register(Rule{
	ID: "rfc8030-3-https", Doc: RFC8030, Section: "3, 8",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "The push service is reached over HTTP over TLS (RFC 2818, following RFC 7525), for UA and application-server traffic alike.",
	Check:   "Endpoint of a real subscription starts `https://`; TLS ≥ 1.2 handshake with a valid chain. Waived for pushspec's loopback fake (plain `http://127.0.0.1`): report `info` there.",
})

// Subscribe201Location — RFC 8030 §4, paraphrased: A created subscription is answered 201 with the
// subscription resource URI in Location.
var Subscribe201Location = Register(Rule{
	ID: "rfc8030-4-subscribe-201-location", Doc: RFC8030, Section: "4",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A created subscription is answered 201 with the subscription resource URI in `Location`.",
	Check:   "Virtual UA POSTs the subscribe URL; expect 201 and a `Location`.",
})

// SubscribeLinkPush — RFC 8030 §4, paraphrased: The subscribe response names the push resource in
// a Link with rel="urn:ietf:params:push".
var SubscribeLinkPush = Register(Rule{
	ID: "rfc8030-4-subscribe-link-push", Doc: RFC8030, Section: "4",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "The subscribe response names the push resource in a `Link` with `rel=\"urn:ietf:params:push\"`.",
	Check:   "Same response; parse `Link`; exactly one `urn:ietf:params:push` target.",
})

// PushURIConfidential — RFC 8030 §4, paraphrased: The push URI reaches the application server over
// a confidential, server-authenticated channel.
var PushURIConfidential = Register(Rule{
	ID: "rfc8030-4-push-uri-confidential", Doc: RFC8030, Section: "4",
	Level: Must, Actor: AppServer, Seen: Review,
	Summary: "The push URI reaches the application server over a confidential, server-authenticated channel.",
	Check:   "Not decidable for third-party apps; pushspec's fixture only posts subscriptions over loopback. Catalogue only.",
})

// SubscriptionSetLink — RFC 8030 §4.1, paraphrased: The service may return a subscription-set URI
// (rel="urn:ietf:params:push:set").
var SubscriptionSetLink = Register(Rule{
	ID: "rfc8030-4.1-set-link", Doc: RFC8030, Section: "4.1",
	Level: May, Actor: PushService, Seen: RFC8030UA,
	Summary: "The service may return a subscription-set URI (`rel=\"urn:ietf:params:push:set\"`).",
	Check:   "Record presence.",
})

// UAReusesSet — RFC 8030 §4.1, paraphrased: Having been given a set, the UA includes it in later
// subscribe requests (it may omit it if it cannot receive aggregated).
var UAReusesSet = Register(Rule{
	ID: "rfc8030-4.1-ua-reuses-set", Doc: RFC8030, Section: "4.1",
	Level: Should, Actor: UserAgent, Seen: RFC8030UA,
	Summary: "Having been given a set, the UA includes it in later subscribe requests (it may omit it if it cannot receive aggregated).",
	Check:   "Virtual UA protocol only.",
})

// ServiceReusesSet — RFC 8030 §4.1, paraphrased: The service returns the same set it was sent (a
// new one only if it cannot reuse it).
var ServiceReusesSet = Register(Rule{
	ID: "rfc8030-4.1-service-reuses-set", Doc: RFC8030, Section: "4.1",
	Level: Should, Actor: PushService, Seen: RFC8030UA,
	Summary: "The service returns the same set it was sent (a new one only if it cannot reuse it).",
	Check:   "Subscribe twice, second time with the set link; compare.",
})

// InvalidSet400 — RFC 8030 §4.1, paraphrased: A subscribe request that carries an invalid set is
// rejected with 400.
var InvalidSet400 = Register(Rule{
	ID: "rfc8030-4.1-invalid-set-400", Doc: RFC8030, Section: "4.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A subscribe request that carries an invalid set is rejected with 400.",
	Check:   "Subscribe with a made-up set link; expect 400.",
})

// MissingSet429 — RFC 8030 §4.1, paraphrased: The service may reject subscribe requests that omit
// a set with 429.
var MissingSet429 = Register(Rule{
	ID: "rfc8030-4.1-missing-set-429", Doc: RFC8030, Section: "4.1",
	Level: May, Actor: PushService, Seen: RFC8030UA,
	Summary: "The service may reject subscribe requests that omit a set with 429.",
	Check:   "Record.",
})

// PostToPushResource — RFC 8030 §5, paraphrased: Delivery is requested with POST to the push
// resource, the message being the request body.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var PostToPushResource = Register(Rule{
	ID: "rfc8030-5-post-to-push-resource", Doc: RFC8030, Section: "5",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "Delivery is requested with POST to the push resource, the message being the request body.",
	Check:   "Method is POST, target is the endpoint URL unchanged (path and query kept).",
})

// PayloadAsGiven — RFC 8030 §5: "The push message is included in the body of the request" —
// the message the application gave its sender library. No sentence binds a library to send those
// bytes unchanged, so the rule is pushspec's reading (†) and recorded, not graded (MAY → info):
// a library may document a transformation (JSON-encoding its argument), and a delivered message
// that differs is then a surprise to its caller, not a protocol fault; no keyword makes it a
// failure, even under --strict. Graded apart from the key derivation
// (rfc8291-3.3-key-derivation), which passes when the body decrypts, whatever it holds.
var PayloadAsGiven = Register(Rule{
	ID: "rfc8030-5-payload-as-given", Doc: RFC8030, Section: "5",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "The message the user agent decrypts is the payload the sender was given, byte for byte (or no payload when given none).",
	Check:   "Decrypt the request with the subscription's keys; compare the plaintext with the payload the sender was asked to send (text, binary, 3993 octets, none).",
})

// HeadersAsAsked — RFC 8030 §5.2: "An application server MUST include the TTL (Time-To-Live)
// header field in its request"; §5.3, §5.4 make Urgency and Topic the application server's
// choice. None says a library must send the values its caller chose: a library that replaces
// TTL 0 with 60, or every TTL with 86400, still sends a valid request. pushspec records the
// difference (MAY, info; the reading is its own) because it changes delivery: a TTL 0 message
// meant to be dropped when the user agent is offline is stored instead.
var HeadersAsAsked = Register(Rule{
	ID: "rfc8030-5.2-headers-as-asked", Doc: RFC8030, Section: "5.2, 5.3, 5.4",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "The sender sends the `TTL`, `Urgency` and `Topic` its caller asked for, not values of its own.",
	Check:   "Ask for TTL 0, 60 and 2419200, Urgency high and Topic update1; compare each with the request's header (a missing TTL is graded by rfc8030-5.2-ttl-required).",
})

// Accepted201Location — RFC 8030 §5, paraphrased: An accepted message is answered 201 with the
// push message resource URI in Location.
var Accepted201Location = Register(Rule{
	ID: "rfc8030-5-accepted-201-location", Doc: RFC8030, Section: "5",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "An accepted message is answered 201 with the push message resource URI in `Location`.",
	Check:   "POST a valid aes128gcm message with `TTL`; expect 201 and `Location` (autopush: `…/m/<id>`; web-push-testing sends none → fail).",
})

// UnknownPushResource — no BCP 14 text: RFC 8030 §7.3's 404 is for an expired subscription, and
// a push resource the service never issued is not one. HTTP's 404 (RFC 9110 §15.5.5, "did not
// find a current representation for the target resource") or 410 are the usual answers, and
// senders take both as "subscription gone"; pushspec records the status (info).
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var UnknownPushResource = Register(Rule{
	ID: "rfc8030-5-unknown-push-resource-404", Doc: RFC8030, Section: "5",
	Level: May, Implied: true, Actor: PushService, Seen: Service,
	Summary: "A push to a push resource the service never issued is answered 404 (or 410); not §7.3, which is about expired subscriptions.",
	Check:   "POST a valid message to the endpoint with its token replaced by random hex (after the same message to the real endpoint is accepted); record the status.",
})

// ReceiptsSupported — RFC 8030 §5.1, paraphrased: The service supports delivery receipts requested
// with Prefer: respond-async.
var ReceiptsSupported = Register(Rule{
	ID: "rfc8030-5.1-receipts-supported", Doc: RFC8030, Section: "5.1",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "The service supports delivery receipts requested with `Prefer: respond-async`.",
	Check:   "POST with `Prefer: respond-async`; expect 202, not 201 (autopush documents no receipt support → fail).",
})

// Receipt202LocationLink — RFC 8030 §5.1, paraphrased: A message accepted with confirmation gets
// 202, Location, and a receipt subscription in Link rel="urn:ietf:params:push:receipt".
var Receipt202LocationLink = Register(Rule{
	ID: "rfc8030-5.1-receipt-202-location-link", Doc: RFC8030, Section: "5.1",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A message accepted with confirmation gets 202, `Location`, and a receipt subscription in `Link rel=\"urn:ietf:params:push:receipt\"`.",
	Check:   "Same request; all three present.",
})

// SenderReusesReceiptSubscription — RFC 8030 §5.1, paraphrased: For later receipt requests to the
// same origin, the sender passes back the receipt subscription it was given.
var SenderReusesReceiptSubscription = Register(Rule{
	ID: "rfc8030-5.1-sender-reuses-receipt-subscription", Doc: RFC8030, Section: "5.1",
	Level: Should, Actor: AppServer, Seen: Sender,
	Summary: "For later receipt requests to the same origin, the sender passes back the receipt subscription it was given.",
	Check:   "Fake answers 202 with a receipt link; make the sender send again; expect `Link: <that URI>; rel=\"urn:ietf:params:push:receipt\"`.",
})

// ServiceReusesReceiptSubscription — RFC 8030 §5.1, paraphrased: The service returns the same
// receipt subscription it was given.
var ServiceReusesReceiptSubscription = Register(Rule{
	ID: "rfc8030-5.1-service-reuses-receipt-subscription", Doc: RFC8030, Section: "5.1",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "The service returns the same receipt subscription it was given.",
	Check:   "Two receipt requests, the second carrying the first link; compare.",
})

// InvalidReceiptSubscription400 — RFC 8030 §5.1, paraphrased: A request with an invalid receipt
// subscription is rejected with 400.
var InvalidReceiptSubscription400 = Register(Rule{
	ID: "rfc8030-5.1-invalid-receipt-subscription-400", Doc: RFC8030, Section: "5.1",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A request with an invalid receipt subscription is rejected with 400.",
	Check:   "`Prefer: respond-async` plus a made-up receipt link; expect 400.",
})

// MissingReceiptSubscription429 — RFC 8030 §5.1, paraphrased: Receipt requests that omit a receipt
// subscription may get 429.
var MissingReceiptSubscription429 = Register(Rule{
	ID: "rfc8030-5.1-missing-receipt-subscription-429", Doc: RFC8030, Section: "5.1",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "Receipt requests that omit a receipt subscription may get 429.",
	Check:   "Record.",
})

// TTLRequired — RFC 8030 §5.2, paraphrased: Every push request carries a TTL header.
var TTLRequired = Register(Rule{
	ID: "rfc8030-5.2-ttl-required", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "Every push request carries a `TTL` header.",
	Check:   "`TTL` present exactly once.",
})

// TTLSyntax — RFC 8030 §5.2, paraphrased: TTL is 1*DIGIT: whole non-negative seconds and nothing
// else.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var TTLSyntax = Register(Rule{
	ID: "rfc8030-5.2-ttl-syntax", Doc: RFC8030, Section: "5.2",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`TTL` is `1*DIGIT`: whole non-negative seconds and nothing else.",
	Check:   "Value matches `^[0-9]+$` (no sign, space, decimal point).",
})

// TTLMissing400 — RFC 8030 §5.2, paraphrased: A request without TTL is rejected with 400.
var TTLMissing400 = Register(Rule{
	ID: "rfc8030-5.2-ttl-missing-400", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A request without `TTL` is rejected with 400.",
	Check:   "Omit `TTL` from an otherwise valid request; expect 400.",
})

// TTL31Bit — RFC 8030 §5.2, paraphrased: The service parses TTL with at least 31 bits of non-
// negative range.
var TTL31Bit = Register(Rule{
	ID: "rfc8030-5.2-ttl-31-bit", Doc: RFC8030, Section: "5.2",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "The service parses TTL with at least 31 bits of non-negative range.",
	Check:   "`TTL: 2147483647`; expect acceptance (201/202), possibly with a smaller echoed `TTL`.",
})

// TTLOverflowAs2Pow31 — RFC 8030 §5.2, paraphrased: A TTL too large to represent is treated as
// 2147483648 (2^31), not rejected.
var TTLOverflowAs2Pow31 = Register(Rule{
	ID: "rfc8030-5.2-ttl-overflow-as-2pow31", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A TTL too large to represent is treated as 2147483648 (2^31), not rejected.",
	Check:   "`TTL: 99999999999999999999`; expect acceptance; any `TTL` response value ≤ 2147483648.",
})

// TTLResponseNotAboveRequest — RFC 8030 §5.2, paraphrased: If the service keeps a message for less
// than asked, it says so with a TTL response header no larger than the request's.
var TTLResponseNotAboveRequest = Register(Rule{
	ID: "rfc8030-5.2-ttl-response-not-above-request", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "If the service keeps a message for less than asked, it says so with a `TTL` response header no larger than the request's.",
	Check:   "Send `TTL: 2147483647`; if a `TTL` response header exists it must be ≤ the request (autopush clamps and echoes).",
})

// TTLShorterRetention — RFC 8030 §5.2, paraphrased: The service may keep a message for less than
// the requested TTL.
var TTLShorterRetention = Register(Rule{
	ID: "rfc8030-5.2-ttl-shorter-retention", Doc: RFC8030, Section: "5.2",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "The service may keep a message for less than the requested TTL.",
	Check:   "Record the echoed maximum (feeds the profile table).",
})

// NoDeliveryAfterTTL — RFC 8030 §5.2, paraphrased: Once the TTL has elapsed, the message is not
// delivered.
var NoDeliveryAfterTTL = Register(Rule{
	ID: "rfc8030-5.2-no-delivery-after-ttl", Doc: RFC8030, Section: "5.2",
	Level: MustNot, Actor: PushService, Seen: ServiceUA,
	Summary: "Once the TTL has elapsed, the message is not delivered.",
	Check:   "UA link down; send `TTL: 2`; wait 4 s; send a sentinel (`TTL: 60`); reconnect; expect only the sentinel.",
})

// TTLZeroConnected — RFC 8030 §5.2, paraphrased: A TTL-0 message is delivered at once when the UA
// is connected.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var TTLZeroConnected = Register(Rule{
	ID: "rfc8030-5.2-ttl-zero-connected", Doc: RFC8030, Section: "5.2",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "A TTL-0 message is delivered at once when the UA is connected.",
	Check:   "UA connected; `TTL: 0`; expect delivery.",
})

// TTLZeroOfflineDropped — RFC 8030 §5.2, paraphrased: A TTL-0 message for an unavailable UA
// expires and is never delivered.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var TTLZeroOfflineDropped = Register(Rule{
	ID: "rfc8030-5.2-ttl-zero-offline-dropped", Doc: RFC8030, Section: "5.2",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "A TTL-0 message for an unavailable UA expires and is never delivered.",
	Check:   "UA down; `TTL: 0`, then a sentinel; reconnect; expect only the sentinel (autopush still answers 201).",
})

// UrgencyValues — RFC 8030 §5.3, paraphrased: Urgency, when sent, is one of very-low, low, normal,
// high.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var UrgencyValues = Register(Rule{
	ID: "rfc8030-5.3-urgency-values", Doc: RFC8030, Section: "5.3",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`Urgency`, when sent, is one of `very-low`, `low`, `normal`, `high`.",
	Check:   "Compare case-insensitively (ABNF quoted strings are case-insensitive).",
})

// UrgencySingleValue — RFC 8030 §5.3, paraphrased: A request carries at most one Urgency value.
var UrgencySingleValue = Register(Rule{
	ID: "rfc8030-5.3-urgency-single-value", Doc: RFC8030, Section: "5.3",
	Level: MustNot, Actor: AppServer, Seen: Sender,
	Summary: "A request carries at most one Urgency value.",
	Check:   "No repeated `Urgency` field and no comma list.",
})

// UrgencyMultiple400 — RFC 8030 §5.3, paraphrased: Multiple Urgency values are rejected with 400.
var UrgencyMultiple400 = Register(Rule{
	ID: "rfc8030-5.3-urgency-multiple-400", Doc: RFC8030, Section: "5.3",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "Multiple Urgency values are rejected with 400.",
	Check:   "`Urgency: low, high`, and separately two `Urgency` lines; expect 400 (autopush ignores Urgency → fail).",
})

// UrgencyDefaultNormal — RFC 8030 §5.3, paraphrased: A message without Urgency counts as normal.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var UrgencyDefaultNormal = Register(Rule{
	ID: "rfc8030-5.3-urgency-default-normal", Doc: RFC8030, Section: "5.3",
	Level: Must, Implied: true, Actor: PushService, Seen: RFC8030UA,
	Summary: "A message without `Urgency` counts as `normal`.",
	Check:   "Virtual UA monitoring with `Urgency: high` does not get it; with `Urgency: normal` it does.",
})

// UrgencyNotForwarded — RFC 8030 §5.3, paraphrased: The Urgency header is not forwarded to the UA.
var UrgencyNotForwarded = Register(Rule{
	ID: "rfc8030-5.3-urgency-not-forwarded", Doc: RFC8030, Section: "5.3",
	Level: MustNot, Actor: PushService, Seen: ServiceUA,
	Summary: "The `Urgency` header is not forwarded to the UA.",
	Check:   "Send `Urgency: high`; the delivery on the UA link (autopush `notification.headers`, MCS app data, RFC 8030 push promise) carries no urgency.",
})

// RespectUAThreshold — RFC 8030 §5.3, 6, paraphrased: Messages below the urgency the UA asked for
// are not delivered to it.
var RespectUAThreshold = Register(Rule{
	ID: "rfc8030-5.3-respect-ua-threshold", Doc: RFC8030, Section: "5.3, 6",
	Level: MustNot, Actor: PushService, Seen: RFC8030UA,
	Summary: "Messages below the urgency the UA asked for are not delivered to it.",
	Check:   "Virtual UA monitors with `Urgency: high`; send `low`; no delivery; re-monitor without the header; delivery.",
})

// UAUrgencyThreshold — RFC 8030 §5.3, 6, paraphrased: When monitoring, the UA may state the lowest
// urgency it accepts.
var UAUrgencyThreshold = Register(Rule{
	ID: "rfc8030-5.3-ua-urgency-threshold", Doc: RFC8030, Section: "5.3, 6",
	Level: May, Actor: UserAgent, Seen: Browser,
	Summary: "When monitoring, the UA may state the lowest urgency it accepts.",
	Check:   "Record whether the browser's link carries any urgency or priority hint.",
})

// TopicSyntax — RFC 8030 §5.4, paraphrased: Topic is at most 32 characters of the URL-safe base64
// alphabet.
var TopicSyntax = Register(Rule{
	ID: "rfc8030-5.4-topic-syntax", Doc: RFC8030, Section: "5.4",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "`Topic` is at most 32 characters of the URL-safe base64 alphabet.",
	Check:   "Value matches `^[A-Za-z0-9_-]{1,32}$`. Trailing `=` is outside the alphabet (and not a token character): fail, though autopush accepts it.",
})

// TopicInvalid400 — RFC 8030 §5.4, paraphrased: A Topic that is too long or uses other characters
// is rejected with 400.
var TopicInvalid400 = Register(Rule{
	ID: "rfc8030-5.4-topic-invalid-400", Doc: RFC8030, Section: "5.4",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A Topic that is too long or uses other characters is rejected with 400.",
	Check:   "33 characters; `upd:1`; `upd!`; expect 400 each.",
})

// TopicReplaces — RFC 8030 §5.4, paraphrased: A new message with the same Topic replaces the one
// still outstanding.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var TopicReplaces = Register(Rule{
	ID: "rfc8030-5.4-topic-replaces", Doc: RFC8030, Section: "5.4",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "A new message with the same Topic replaces the one still outstanding.",
	Check:   "UA down; A then B with `Topic: upd`; reconnect; expect only B.",
})

// TopicReplacesTTLUrgencyReceipt — RFC 8030 §5.4, paraphrased: The replacement also replaces the
// stored TTL, Urgency and receipt subscription.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var TopicReplacesTTLUrgencyReceipt = Register(Rule{
	ID: "rfc8030-5.4-topic-replaces-ttl-urgency-receipt", Doc: RFC8030, Section: "5.4",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "The replacement also replaces the stored TTL, Urgency and receipt subscription.",
	Check:   "UA down; A (`TTL: 600`, Topic t), B (`TTL: 2`, Topic t); wait 4 s; sentinel; reconnect; expect only the sentinel.",
})

// TopicNewLocation — RFC 8030 §5.4, paraphrased: The replacing request gets 201 and a new message
// resource in Location.
var TopicNewLocation = Register(Rule{
	ID: "rfc8030-5.4-topic-new-location", Doc: RFC8030, Section: "5.4",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "The replacing request gets 201 and a new message resource in `Location`.",
	Check:   "Both responses carry `Location`; the two differ.",
})

// ReplacedReceiptSuppressed — RFC 8030 §5.4, paraphrased: Receipts for a replaced message are
// suppressed.
var ReplacedReceiptSuppressed = Register(Rule{
	ID: "rfc8030-5.4-replaced-receipt-suppressed", Doc: RFC8030, Section: "5.4",
	Level: Should, Actor: PushService, Seen: ServiceUA,
	Summary: "Receipts for a replaced message are suppressed.",
	Check:   "A with receipt, replaced by B; UA acks B; no receipt for A arrives.",
})

// TopicNotForwarded — RFC 8030 §5.4, paraphrased: The Topic value is not forwarded to the UA.
var TopicNotForwarded = Register(Rule{
	ID: "rfc8030-5.4-topic-not-forwarded", Doc: RFC8030, Section: "5.4",
	Level: MustNot, Actor: PushService, Seen: ServiceUA,
	Summary: "The Topic value is not forwarded to the UA.",
	Check:   "Search every field of the UA-link delivery (headers, message id / `version`) for the raw topic string.",
})

// DistinctTopicsKept — RFC 8030 §5.4, paraphrased: Messages whose topic is not shared (or absent)
// are stored and delivered as usual.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var DistinctTopicsKept = Register(Rule{
	ID: "rfc8030-5.4-distinct-topics-kept", Doc: RFC8030, Section: "5.4",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "Messages whose topic is not shared (or absent) are stored and delivered as usual.",
	Check:   "UA down; A (Topic x), B (Topic y), C (none); reconnect; all three arrive.",
})

// UndeliveredPushedOnReconnect — RFC 8030 §6, 7.2, paraphrased: Stored, undelivered messages are
// delivered when the UA resumes monitoring.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var UndeliveredPushedOnReconnect = Register(Rule{
	ID: "rfc8030-6-undelivered-pushed-on-reconnect", Doc: RFC8030, Section: "6, 7.2",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "Stored, undelivered messages are delivered when the UA resumes monitoring.",
	Check:   "UA down; `TTL: 60`; reconnect; delivery.",
})

// WaitZeroPushesAll — RFC 8030 §6, 6.1, paraphrased: A monitoring request with Prefer: wait=0 gets
// every undelivered message pushed.
var WaitZeroPushesAll = Register(Rule{
	ID: "rfc8030-6-wait-0-pushes-all", Doc: RFC8030, Section: "6, 6.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A monitoring request with `Prefer: wait=0` gets every undelivered message pushed.",
	Check:   "Virtual UA.",
})

// WaitZeroNothing204 — RFC 8030 §6: "A 204 (No Content) status code with no associated server
// pushes indicates that no messages are presently available." The sentence describes the answer
// without a BCP 14 keyword: pushspec grades it SHOULD.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var WaitZeroNothing204 = Register(Rule{
	ID: "rfc8030-6-wait-0-nothing-204", Doc: RFC8030, Section: "6",
	Level: Should, Implied: true, Actor: PushService, Seen: RFC8030UA,
	Summary: "A monitoring request with `Prefer: wait=0` and no message pending is answered 204 (No Content) with no server push.",
	Check:   "Virtual UA: subscribe, GET the subscription resource with `Prefer: wait=0`; expect 204 and no push.",
})

// ExpiredAsNeverSent — RFC 8030 §7.2: "A GET request to a push message subscription resource with
// only expired messages results in a response as though no push message was ever sent."
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var ExpiredAsNeverSent = Register(Rule{
	ID: "rfc8030-7.2-expired-as-never-sent", Doc: RFC8030, Section: "7.2",
	Level: Must, Implied: true, Actor: PushService, Seen: RFC8030UA,
	Summary: "A monitoring request to a subscription whose only messages expired is answered as though none was ever sent.",
	Check:   "Virtual UA: `Prefer: wait=0` on a fresh subscription (the baseline); on another, a message with `TTL: 2`, 4 s, `Prefer: wait=0`; same status as the baseline, no push.",
})

// PushLinkOnDelivery — RFC 8030 §6, paraphrased: Each pushed message names its push resource in
// Link rel="urn:ietf:params:push".
var PushLinkOnDelivery = Register(Rule{
	ID: "rfc8030-6-push-link-on-delivery", Doc: RFC8030, Section: "6",
	Level: Should, Actor: PushService, Seen: RFC8030UA,
	Summary: "Each pushed message names its push resource in `Link rel=\"urn:ietf:params:push\"`.",
	Check:   "Virtual UA.",
})

// SetDeliveryLink — RFC 8030 §6.1, paraphrased: Messages delivered through a subscription set
// carry the push-resource link so the UA can tell the source.
var SetDeliveryLink = Register(Rule{
	ID: "rfc8030-6.1-set-delivery-link", Doc: RFC8030, Section: "6.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "Messages delivered through a subscription set carry the push-resource link so the UA can tell the source.",
	Check:   "Virtual UA.",
})

// UAMonitorsSet — RFC 8030 §6.1, paraphrased: The UA monitors through the set when one exists.
var UAMonitorsSet = Register(Rule{
	ID: "rfc8030-6.1-ua-monitors-set", Doc: RFC8030, Section: "6.1",
	Level: Should, Actor: UserAgent, Seen: RFC8030UA,
	Summary: "The UA monitors through the set when one exists.",
	Check:   "Virtual UA only.",
})

// UAAcknowledges — RFC 8030 §6.2, paraphrased: The UA acknowledges every message it receives
// (DELETE on the message resource; the link's ack elsewhere).
var UAAcknowledges = Register(Rule{
	ID: "rfc8030-6.2-ua-acknowledges", Doc: RFC8030, Section: "6.2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The UA acknowledges every message it receives (DELETE on the message resource; the link's ack elsewhere).",
	Check:   "Deliver to a real browser; expect the ack on the UA link after the `push` event's `waitUntil` settles (Firefox: `ack` code 100).",
})

// RedeliverUnacked — RFC 8030 §6.2, paraphrased: Unacknowledged messages are retried until they
// expire.
var RedeliverUnacked = Register(Rule{
	ID: "rfc8030-6.2-redeliver-unacked", Doc: RFC8030, Section: "6.2",
	Level: Should, Actor: PushService, Seen: ServiceUA,
	Summary: "Unacknowledged messages are retried until they expire.",
	Check:   "Virtual UA takes the message but does not ack; reconnect; the same message comes again.",
})

// Receipt204OnAck — RFC 8030 §6.2, 6.3, paraphrased: When a receipt was requested and the UA acks,
// the receipt subscription gets 204.
var Receipt204OnAck = Register(Rule{
	ID: "rfc8030-6.2-receipt-204-on-ack", Doc: RFC8030, Section: "6.2, 6.3",
	Level: Must, Actor: PushService, Seen: ServiceUA,
	Summary: "When a receipt was requested and the UA acks, the receipt subscription gets 204.",
	Check:   "Send with `Prefer: respond-async`; open the receipt subscription; UA acks; expect a pushed 204.",
})

// Receipt410OnGiveUp — RFC 8030 §6.3: "If the user agent fails to acknowledge the receipt of the
// push message and the push service ceases to retry delivery of the message prior to its
// advertised expiration, then the push service MUST push a failure response with a status code
// of 410 (Gone)." Only a give-up before the advertised expiry is owed a 410; a message that
// reaches its TTL is not.
var Receipt410OnGiveUp = Register(Rule{
	ID: "rfc8030-6.3-receipt-410-on-give-up", Doc: RFC8030, Section: "6.2, 6.3, 7.2",
	Level: Must, Actor: PushService, Seen: ServiceUA,
	Summary: "If the service stops retrying (or expires early) a message whose receipt was requested, the receipt subscription gets 410.",
	Check:   "Receipt requested, TTL 600, UA offline; the service expires the subscription (a give-up long before the expiry); expect 410 on the receipt subscription. A message reaching its TTL is not checked: no 410 is owed for it.",
})

// UAFollows307 — RFC 8030 §7.1, paraphrased: The UA follows 307 redirects when subscribing.
var UAFollows307 = Register(Rule{
	ID: "rfc8030-7.1-ua-follows-307", Doc: RFC8030, Section: "7.1",
	Level: Must, Actor: UserAgent, Seen: RFC8030UA,
	Summary: "The UA follows 307 redirects when subscribing.",
	Check:   "Virtual UA only.",
})

// StoredLastModified — RFC 8030 §7.2, paraphrased: Stored messages carry Last-Modified (when
// delivery was requested).
var StoredLastModified = Register(Rule{
	ID: "rfc8030-7.2-stored-last-modified", Doc: RFC8030, Section: "7.2",
	Level: Should, Actor: PushService, Seen: RFC8030UA,
	Summary: "Stored messages carry `Last-Modified` (when delivery was requested).",
	Check:   "Virtual UA reads the header on a stored delivery.",
})

// No413UpTo4096 — RFC 8030 §7.2, paraphrased: A body of 4096 bytes or less is never refused with
// 413.
var No413UpTo4096 = Register(Rule{
	ID: "rfc8030-7.2-no-413-up-to-4096", Doc: RFC8030, Section: "7.2",
	Level: MustNot, Actor: PushService, Seen: Service,
	Summary: "A body of 4096 bytes or less is never refused with 413.",
	Check:   "Valid aes128gcm bodies of exactly 4096 bytes (3993-byte plaintext) and of 4000 bytes; expect no 413.",
})

// Over4096May413 — RFC 8030 §7.2, paraphrased: Larger bodies may be refused with 413.
var Over4096May413 = Register(Rule{
	ID: "rfc8030-7.2-413-over-limit", Doc: RFC8030, Section: "7.2",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "Larger bodies may be refused with 413.",
	Check:   "4097, 5000 and 8192 bytes; record the status (feeds the profile table).",
})

// EarlyExpiry — RFC 8030 §7.2, paraphrased: The service may expire an accepted message before its
// TTL (then see rfc8030-6.3-receipt-410-on-give-up).
var EarlyExpiry = Register(Rule{
	ID: "rfc8030-7.2-early-expiry", Doc: RFC8030, Section: "7.2",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "The service may expire an accepted message before its TTL (then see rfc8030-6.3-receipt-410-on-give-up).",
	Check:   "Record.",
})

// ExpiredSubscription404 — RFC 8030 §7.3, paraphrased: A push to an expired subscription is
// answered 404.
var ExpiredSubscription404 = Register(Rule{
	ID: "rfc8030-7.3-expired-subscription-404", Doc: RFC8030, Section: "7.3",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A push to an expired subscription is answered 404.",
	Check:   "Expire the subscription (control knob, or wait it out); POST; expect 404. Vendors often say 410 (see docs/push-services.md) → fail under `rfc`.",
})

// OutstandingRequests404 — RFC 8030 §7.3, paraphrased: Requests still open on an expired
// subscription or receipt subscription end with 404.
var OutstandingRequests404 = Register(Rule{
	ID: "rfc8030-7.3-outstanding-requests-404", Doc: RFC8030, Section: "7.3",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "Requests still open on an expired subscription or receipt subscription end with 404.",
	Check:   "Virtual UA monitoring; expire; the open request ends with 404.",
})

// SetExpiryCascades — RFC 8030 §7.3.1, paraphrased: Expiring or deleting a set expires every
// subscription in it; open requests on the set get 404.
var SetExpiryCascades = Register(Rule{
	ID: "rfc8030-7.3.1-set-expiry-cascades", Doc: RFC8030, Section: "7.3.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "Expiring or deleting a set expires every subscription in it; open requests on the set get 404.",
	Check:   "Virtual UA.",
})

// MemberLeavesSet — RFC 8030 §7.3.1, paraphrased: A subscription that expires or is removed also
// leaves its set.
var MemberLeavesSet = Register(Rule{
	ID: "rfc8030-7.3.1-member-leaves-set", Doc: RFC8030, Section: "7.3.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A subscription that expires or is removed also leaves its set.",
	Check:   "Virtual UA.",
})

// EndToEndProtection — RFC 8030 §8.1, paraphrased: Messages are protected end to end (for Web
// Push: RFC 8291).
var EndToEndProtection = Register(Rule{
	ID: "rfc8030-8.1-end-to-end-protection", Doc: RFC8030, Section: "8.1",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "Messages are protected end to end (for Web Push: RFC 8291).",
	Check:   "Covered by rfc8291-4-aes128gcm-only and rfc8291-3.3-key-derivation.",
})

// PushURIUncorrelatable — RFC 8030 §8.2, paraphrased: Push resource URIs give no basis to
// correlate subscriptions of one UA.
var PushURIUncorrelatable = Register(Rule{
	ID: "rfc8030-8.2-push-uri-uncorrelatable", Doc: RFC8030, Section: "8.2",
	Level: MustNot, Actor: PushService, Seen: Service | Browser,
	Summary: "Push resource URIs give no basis to correlate subscriptions of one UA.",
	Check:   "Three or more subscriptions from one browser profile (different origins); tokens share nothing beyond a fixed prefix, no identifier and no counter *(heuristic)*; their length is rfc8030-8.3-push-uri-entropy.",
})

// MessageURIUncorrelatable — RFC 8030 §8.2, paraphrased: Message URIs do not allow correlation
// across subscriptions.
var MessageURIUncorrelatable = Register(Rule{
	ID: "rfc8030-8.2-message-uri-uncorrelatable", Doc: RFC8030, Section: "8.2",
	Level: MustNot, Actor: PushService, Seen: Service,
	Summary: "Message URIs do not allow correlation across subscriptions.",
	Check:   "Compare `Location`s of messages to different subscriptions *(heuristic)*.",
})

// PushURIEntropy — RFC 8030 §8.3, paraphrased: push resource URIs work as capabilities, and the
// advice is that they carry at least 120 bits of entropy. No BCP 14 keyword, and not §8.2's
// correlation: pushspec records a shorter token (info).
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var PushURIEntropy = Register(Rule{
	ID: "rfc8030-8.3-push-uri-entropy", Doc: RFC8030, Section: "8.3",
	Level: May, Implied: true, Actor: PushService, Seen: Service,
	Summary: "Push resource URIs carry at least 120 bits of entropy (§8.3's advice, no BCP 14 keyword: recorded as info).",
	Check:   "Estimate the bits of each push resource URI's variable part (hex 4, base64url 6, decimal 3.3 a character); below 120 is info.",
})

// NoUserDeviceInfo — RFC 8030 §8.2, paraphrased: Push and message URIs expose no user or device
// information.
var NoUserDeviceInfo = Register(Rule{
	ID: "rfc8030-8.2-no-user-device-info", Doc: RFC8030, Section: "8.2",
	Level: MustNot, Actor: PushService, Seen: Service | Browser,
	Summary: "Push and message URIs expose no user or device information.",
	Check:   "Scan endpoints and `Location`s for the UA string, host name, IP, profile name *(heuristic)*.",
})

// FreshIdentifiers — RFC 8030 §8.2, paraphrased: The UA can create a new subscription with new
// identifiers at any time.
var FreshIdentifiers = Register(Rule{
	ID: "rfc8030-8.2-fresh-identifiers", Doc: RFC8030, Section: "8.2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The UA can create a new subscription with new identifiers at any time.",
	Check:   "Unsubscribe, subscribe again: new endpoint (see pushapi-deactivated-endpoint-not-reused).",
})

// RateLimit — RFC 8030 §8.4, paraphrased: The service limits the rate of messages to one UA.
var RateLimit = Register(Rule{
	ID: "rfc8030-8.4-rate-limit", Doc: RFC8030, Section: "8.4",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "The service limits the rate of messages to one UA.",
	Check:   "Burst N messages (N configurable); record whether and when 429 appears.",
})

// RetryAfterOn429 — RFC 8030 §8.4, paraphrased: A 429 carries Retry-After.
var RetryAfterOn429 = Register(Rule{
	ID: "rfc8030-8.4-429-retry-after", Doc: RFC8030, Section: "8.4",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "A 429 carries `Retry-After`.",
	Check:   "Whenever a 429 is seen (burst or injected), require `Retry-After`.",
})

// SenderHonoursRetryAfter — RFC 8030 §8.4: the push service "SHOULD also include a Retry-After
// header [RFC7231] to indicate how long the application server is expected to wait before it
// makes another request to the push resource"; RFC 9110 §10.2.3: "Servers send the
// \"Retry-After\" header field to indicate how long the user agent ought to wait before making a
// follow-up request", and for 503 (§15.6.4) it is sent "to suggest an appropriate amount of time
// for the client to wait before retrying the request". "Is expected to", "ought to" and
// "suggest" are no BCP 14 keywords: the level is pushspec's reading (†), a SHOULD at most —
// a sender that posts again sooner is non-strict, never fail.
var SenderHonoursRetryAfter = Register(Rule{
	ID: "rfc8030-8.4-sender-honours-retry-after", Doc: RFC8030, Section: "8.4",
	Level: Should, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "After a 429 or 503 with `Retry-After`, the sender makes no further request to the push resource before that time.",
	Check:   "Answer every request to one subscription 429 (and, separately, 503) with `Retry-After: 10`; a second request within 10 s breaks the rule, one request or a later retry keeps it.",
})
