package rules

// RFC 8030, Generic Event Delivery Using HTTP Push: the push service, the application server
// (sender) and the user agent's own HTTP/2 interface.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

var PushServiceHTTPS = Register(Rule{
	ID: "rfc8030-3-https", Doc: RFC8030, Section: "3, 8",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "The push service is reached over HTTP over TLS (RFC 2818, following RFC 7525), for UA and application-server traffic alike.",
	Quote:   "The push service MUST use HTTP over Transport Layer Security (TLS) [RFC2818] following the recommendations in [RFC7525].",
	Check:   "Subscribe; the push resource URI must start `https://`; a TLS handshake with its host (the client's trust roots, SNI the URI's host) must verify the certificate chain and negotiate TLS 1.2 or later; a conformant push over it must be accepted. Whether the host still takes TLS 1.1, and the user agent link's URL, are recorded as evidence. pushspec's fake hands out `https://` endpoints on its loopback TLS listener (its own CA), so it is graded like any other service.",
})

var Subscribe201Location = Register(Rule{
	ID: "rfc8030-4-subscribe-201-location", Doc: RFC8030, Section: "4",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A created subscription is answered 201 with the subscription resource URI in `Location`.",
	Quote:   "A URI for the push message subscription resource that was created in response to the request MUST be returned in the Location header field.",
	Check:   "Virtual UA POSTs the subscribe URL; expect 201 and a `Location`.",
})

var SubscribeLinkPush = Register(Rule{
	ID: "rfc8030-4-subscribe-link-push", Doc: RFC8030, Section: "4",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "The subscribe response names the push resource in a `Link` with `rel=\"urn:ietf:params:push\"`.",
	Quote:   "The push service MUST provide a URI for the push resource corresponding to the push message subscription in a link relation of type \"urn:ietf:params:push\".",
	Check:   "Same response; parse `Link`; exactly one `urn:ietf:params:push` target.",
})

var PushURIConfidential = Register(Rule{
	ID: "rfc8030-4-push-uri-confidential", Doc: RFC8030, Section: "4",
	Level: Must, Actor: AppServer, Seen: Review,
	Summary: "The push URI reaches the application server over a confidential, server-authenticated channel.",
	Quote:   "Confidentiality protection and application server authentication MUST be used to ensure that this URI is not disclosed to unauthorized recipients (Section 8.3).",
	Check:   "Not decidable for third-party apps; pushspec's fixture only posts subscriptions over loopback. Catalogue only.",
})

var SubscriptionSetLink = Register(Rule{
	ID: "rfc8030-4.1-set-link", Doc: RFC8030, Section: "4.1",
	Level: May, Actor: PushService, Seen: RFC8030UA,
	Summary: "The service may return a subscription-set URI (`rel=\"urn:ietf:params:push:set\"`).",
	Quote:   "The push service MAY provide a URI for a subscription set resource in a link relation of type \"urn:ietf:params:push:set\".",
	Check:   "Record presence.",
})

var UAReusesSet = Register(Rule{
	ID: "rfc8030-4.1-ua-reuses-set", Doc: RFC8030, Section: "4.1",
	Level: Should, Actor: UserAgent, Seen: RFC8030UA,
	Summary: "Having been given a set, the UA includes it in later subscribe requests (it may omit it if it cannot receive aggregated).",
	Quote:   "When a subscription set is returned in a push message subscription response, the user agent SHOULD include this subscription set in a link relation of type \"urn:ietf:params:push:set\" in subsequent requests to create new push message subscriptions.",
	Check:   "Not checked: pushspec plays the RFC 8030 user agent itself (its own client, useragent/rfc8030), and there is no other RFC 8030 user agent to grade. Catalogue only.",
})

var ServiceReusesSet = Register(Rule{
	ID: "rfc8030-4.1-service-reuses-set", Doc: RFC8030, Section: "4.1",
	Level: Should, Actor: PushService, Seen: RFC8030UA,
	Summary: "The service returns the same set it was sent (a new one only if it cannot reuse it).",
	Quote:   "The push service SHOULD return the same subscription set in its response, although it MAY return a new subscription set if it is unable to reuse the one provided by the user agent.",
	Check:   "Subscribe twice, second time with the set link; compare.",
})

var InvalidSet400 = Register(Rule{
	ID: "rfc8030-4.1-invalid-set-400", Doc: RFC8030, Section: "4.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A subscribe request that carries an invalid set is rejected with 400.",
	Quote:   "A push service MUST return a 400 (Bad Request) status code for requests that contain an invalid subscription set.",
	Check:   "Subscribe with a made-up set link; expect 400.",
})

var MissingSet429 = Register(Rule{
	ID: "rfc8030-4.1-missing-set-429", Doc: RFC8030, Section: "4.1",
	Level: May, Actor: PushService, Seen: RFC8030UA,
	Summary: "The service may reject subscribe requests that omit a set with 429.",
	Quote:   "A push service MAY return a 429 (Too Many Requests) status code [RFC6585] to reject requests that omit a subscription set.",
	Check:   "Subscribe once; when the service gave a subscription set, subscribe again without it; 429 is what the MAY allows (info when the service creates the subscription anyway); no set given → skip.",
})

var PostToPushResource = Register(Rule{
	ID: "rfc8030-5-post-to-push-resource", Doc: RFC8030, Section: "5",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "Delivery is requested with POST to the push resource, the message being the request body.",
	Quote:   "An application server requests the delivery of a push message by sending an HTTP POST request to a push resource distributed to the application server by a user agent.",
	Check:   "Method is POST, target is the endpoint URL unchanged (path and query kept).",
})

// No sentence binds a library to send the bytes its application gave it unchanged, so the rule is
// pushspec's reading (†) and recorded, not graded (MAY → info): a library may document a
// transformation (JSON-encoding its argument), and a delivered message that differs is then a
// surprise to its caller, not a protocol fault; no keyword makes it a failure, even under --strict.
// Graded apart from the key derivation (KeyDerivation), which passes when the body decrypts,
// whatever it holds.
var PayloadAsGiven = Register(Rule{
	ID: "rfc8030-5-payload-as-given", Doc: RFC8030, Section: "5",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "The message the user agent decrypts is the payload the sender was given, byte for byte (or no payload when given none).",
	Quote:   "The content of the push message is included in the body of the request.",
	Check:   "Decrypt the request with the subscription's keys; compare the plaintext with the payload the sender was asked to send (text, binary, 3993 octets, none).",
})

// §5.3 and §5.4 make Urgency and Topic the application server's choice. None says a library must
// send the values its caller chose: a library that replaces TTL 0 with 60, or every TTL with 86400,
// still sends a valid request. pushspec records the difference (MAY, info; the reading is its own)
// because it changes delivery: a TTL 0 message meant to be dropped when the user agent is offline
// is stored instead.
var HeadersAsAsked = Register(Rule{
	ID: "rfc8030-5.2-headers-as-asked", Doc: RFC8030, Section: "5.2, 5.3, 5.4",
	Level: May, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "The sender sends the `TTL`, `Urgency` and `Topic` its caller asked for, not values of its own.",
	Quote:   "An application server MUST include the TTL (Time-To-Live) header field in its request for push message delivery.",
	Check:   "Ask for TTL 0, 60 and 2419200, Urgency high and Topic update1; compare each with the request's header (a missing TTL is graded by rfc8030-5.2-ttl-required).",
})

var Accepted201Location = Register(Rule{
	ID: "rfc8030-5-accepted-201-location", Doc: RFC8030, Section: "5",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "An accepted message is answered 201 with the push message resource URI in `Location`.",
	Quote:   "A URI for the push message resource that was created in response to the request MUST be returned in the Location header field.",
	Check:   "POST a valid aes128gcm message with `TTL`; expect 201 and `Location` (autopush: `…/m/<id>`; web-push-testing sends none → fail).",
})

// RFC 8030 has no sentence for it: its §7.3 404 is for an expired subscription, and a push
// resource the service never issued is not one. The Quote is HTTP's (RFC 9110 §15.5.5, 404 Not
// Found), which has no BCP 14 keyword either: 404 or 410 are the usual answers, senders take both
// as "subscription gone", and pushspec records the status (info), hence MAY†.
var UnknownPushResource = Register(Rule{
	ID: "rfc8030-5-unknown-push-resource-404", Doc: RFC8030, Section: "5",
	Level: May, Implied: true, Actor: PushService, Seen: Service,
	Summary: "A push to a push resource the service never issued is answered 404 (or 410), HTTP's statuses (RFC 9110 §15.5.5); not §7.3, which is about expired subscriptions.",
	Quote:   "The 404 (Not Found) status code indicates that the origin server did not find a current representation for the target resource or is not willing to disclose that one exists. A 404 status code does not indicate whether this lack of representation is temporary or permanent; the 410 (Gone) status code is preferred over 404 if the origin server knows, presumably through some configurable means, that the condition is likely to be permanent.",
	Check:   "POST a valid message to the endpoint with its token replaced by random hex (after the same message to the real endpoint is accepted); record the status.",
})

var ReceiptsSupported = Register(Rule{
	ID: "rfc8030-5.1-receipts-supported", Doc: RFC8030, Section: "5.1",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "The service supports delivery receipts requested with `Prefer: respond-async`.",
	Quote:   "The push service MUST support delivery confirmations.",
	Check:   "POST with `Prefer: respond-async`; expect 202, not 201 (autopush documents no receipt support → fail).",
})

var Receipt202LocationLink = Register(Rule{
	ID: "rfc8030-5.1-receipt-202-location-link", Doc: RFC8030, Section: "5.1",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A message accepted with confirmation gets 202, `Location`, and a receipt subscription in `Link rel=\"urn:ietf:params:push:receipt\"`.",
	Quote:   "When the push service accepts the message for delivery with confirmation, it MUST return a 202 (Accepted) response.",
	Check:   "Same request; all three present.",
})

var SenderReusesReceiptSubscription = Register(Rule{
	ID: "rfc8030-5.1-sender-reuses-receipt-subscription", Doc: RFC8030, Section: "5.1",
	Level: Should, Actor: AppServer, Seen: Sender,
	Summary: "For later receipt requests to the same origin, the sender passes back the receipt subscription it was given.",
	Quote:   "For subsequent receipt requests to the same origin [RFC6454], the application server SHOULD include the returned receipt subscription in a link relation of type \"urn:ietf:params:push:receipt\".",
	Check:   "Fake answers 202 with a receipt link; make the sender send again; expect `Link: <that URI>; rel=\"urn:ietf:params:push:receipt\"`.",
})

var ServiceReusesReceiptSubscription = Register(Rule{
	ID: "rfc8030-5.1-service-reuses-receipt-subscription", Doc: RFC8030, Section: "5.1",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "The service returns the same receipt subscription it was given.",
	Quote:   "The push service SHOULD return the same receipt subscription in its response, although it MAY return a new receipt subscription if it is unable to reuse the one provided by the application server.",
	Check:   "Two receipt requests, the second carrying the first link; compare.",
})

var InvalidReceiptSubscription400 = Register(Rule{
	ID: "rfc8030-5.1-invalid-receipt-subscription-400", Doc: RFC8030, Section: "5.1",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A request with an invalid receipt subscription is rejected with 400.",
	Quote:   "A push service MUST return a 400 (Bad Request) status code for requests that contain an invalid receipt subscription.",
	Check:   "`Prefer: respond-async` plus a made-up receipt link; expect 400.",
})

var MissingReceiptSubscription429 = Register(Rule{
	ID: "rfc8030-5.1-missing-receipt-subscription-429", Doc: RFC8030, Section: "5.1",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "Receipt requests that omit a receipt subscription may get 429.",
	Quote:   "If a push service wishes to limit the number of receipt subscriptions that it maintains, it MAY return a 429 (Too Many Requests) status code [RFC6585] to reject receipt requests that omit a receipt subscription.",
	Check:   "Send the push without `Prefer` (the valid twin), then with `Prefer: respond-async` and no receipt `Link`; 429 is what the MAY allows (info otherwise: 202 means the service made a receipt subscription itself, 201 that it ignored the request for a receipt).",
})

var TTLRequired = Register(Rule{
	ID: "rfc8030-5.2-ttl-required", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "Every push request carries a `TTL` header.",
	Quote:   "An application server MUST include the TTL (Time-To-Live) header field in its request for push message delivery.",
	Check:   "`TTL` present exactly once.",
})

var TTLSyntax = Register(Rule{
	ID: "rfc8030-5.2-ttl-syntax", Doc: RFC8030, Section: "5.2",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`TTL` is `1*DIGIT`: whole non-negative seconds and nothing else.",
	Quote:   "The TTL rule specifies a non-negative integer, representing time in seconds.",
	Check:   "Value matches `^[0-9]+$` (no sign, space, decimal point).",
})

var TTLMissing400 = Register(Rule{
	ID: "rfc8030-5.2-ttl-missing-400", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A request without `TTL` is rejected with 400.",
	Quote:   "A push service MUST return a 400 (Bad Request) status code in response to requests that omit the TTL header field.",
	Check:   "Omit `TTL` from an otherwise valid request; expect 400.",
})

var TTL31Bit = Register(Rule{
	ID: "rfc8030-5.2-ttl-31-bit", Doc: RFC8030, Section: "5.2",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "The service parses TTL with at least 31 bits of non-negative range.",
	Quote:   "A recipient parsing and converting a TTL value to binary form SHOULD use an arithmetic type of at least 31 bits of non-negative integer range.",
	Check:   "`TTL: 2147483647`; expect acceptance (201/202), possibly with a smaller echoed `TTL`.",
})

var TTLOverflowAs2Pow31 = Register(Rule{
	ID: "rfc8030-5.2-ttl-overflow-as-2pow31", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A TTL too large to represent is treated as 2147483648 (2^31), not rejected.",
	Quote:   "If a recipient receives a TTL value greater than the greatest integer it can represent, or if any of its subsequent calculations overflows, it MUST consider the value to be 2147483648 (2^31).",
	Check:   "`TTL: 99999999999999999999`; expect acceptance; any `TTL` response value ≤ 2147483648.",
})

var TTLResponseNotAboveRequest = Register(Rule{
	ID: "rfc8030-5.2-ttl-response-not-above-request", Doc: RFC8030, Section: "5.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "If the service keeps a message for less than asked, it says so with a `TTL` response header no larger than the request's.",
	Quote:   "This TTL value MUST be less than or equal to the value provided by the application server.",
	Check:   "Send `TTL: 2147483647`; if a `TTL` response header exists it must be ≤ the request (autopush clamps and echoes).",
})

var TTLShorterRetention = Register(Rule{
	ID: "rfc8030-5.2-ttl-shorter-retention", Doc: RFC8030, Section: "5.2",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "The service may keep a message for less than the requested TTL.",
	Quote:   "A push service MAY retain a push message for a shorter duration than requested.",
	Check:   "Record the echoed maximum (feeds the profile table).",
})

var NoDeliveryAfterTTL = Register(Rule{
	ID: "rfc8030-5.2-no-delivery-after-ttl", Doc: RFC8030, Section: "5.2",
	Level: MustNot, Actor: PushService, Seen: ServiceUA,
	Summary: "Once the TTL has elapsed, the message is not delivered.",
	Quote:   "Once the TTL period elapses, the push service MUST NOT attempt to deliver the push message to the user agent.",
	Check:   "UA link down; send `TTL: 2`; wait 4 s; send a sentinel (`TTL: 60`); reconnect; expect only the sentinel.",
})

var TTLZeroConnected = Register(Rule{
	ID: "rfc8030-5.2-ttl-zero-connected", Doc: RFC8030, Section: "5.2",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "A TTL-0 message is delivered at once when the UA is connected.",
	Quote:   "A Push message with a zero TTL is immediately delivered if the user agent is available to receive the message.",
	Check:   "UA connected; `TTL: 0`; expect delivery.",
})

var TTLZeroOfflineDropped = Register(Rule{
	ID: "rfc8030-5.2-ttl-zero-offline-dropped", Doc: RFC8030, Section: "5.2",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "A TTL-0 message for an unavailable UA expires and is never delivered.",
	Quote:   "If the user agent is unavailable, a push message with a zero TTL expires and is never delivered.",
	Check:   "UA down; `TTL: 0`, then a sentinel; reconnect; expect only the sentinel (autopush still answers 201).",
})

var UrgencyValues = Register(Rule{
	ID: "rfc8030-5.3-urgency-values", Doc: RFC8030, Section: "5.3",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`Urgency`, when sent, is one of `very-low`, `low`, `normal`, `high`.",
	Quote:   "Urgency = urgency-option urgency-option = (\"very-low\" / \"low\" / \"normal\" / \"high\")",
	Check:   "Compare case-insensitively (ABNF quoted strings are case-insensitive).",
})

var UrgencySingleValue = Register(Rule{
	ID: "rfc8030-5.3-urgency-single-value", Doc: RFC8030, Section: "5.3",
	Level: MustNot, Actor: AppServer, Seen: Sender,
	Summary: "A request carries at most one Urgency value.",
	Quote:   "Multiple values for the Urgency header field MUST NOT be included in requests; otherwise, the push service MUST return a 400 (Bad Request) status code.",
	Check:   "No repeated `Urgency` field and no comma list.",
})

var UrgencyMultiple400 = Register(Rule{
	ID: "rfc8030-5.3-urgency-multiple-400", Doc: RFC8030, Section: "5.3",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "Multiple Urgency values are rejected with 400.",
	Quote:   "Multiple values for the Urgency header field MUST NOT be included in requests; otherwise, the push service MUST return a 400 (Bad Request) status code.",
	Check:   "`Urgency: low, high`, and separately two `Urgency` lines; expect 400 (autopush ignores Urgency → fail).",
})

var UrgencyDefaultNormal = Register(Rule{
	ID: "rfc8030-5.3-urgency-default-normal", Doc: RFC8030, Section: "5.3",
	Level: Must, Implied: true, Actor: PushService, Seen: RFC8030UA,
	Summary: "A message without `Urgency` counts as `normal`.",
	Quote:   "A push message without the Urgency header field defaults to a value of \"normal\".",
	Check:   "Virtual UA monitoring with `Urgency: high` does not get it; with `Urgency: normal` it does.",
})

var UrgencyNotForwarded = Register(Rule{
	ID: "rfc8030-5.3-urgency-not-forwarded", Doc: RFC8030, Section: "5.3",
	Level: MustNot, Actor: PushService, Seen: ServiceUA,
	Summary: "The `Urgency` header is not forwarded to the UA.",
	Quote:   "The push service MUST NOT forward the Urgency header field to the user agent.",
	Check:   "Send `Urgency: high`; the delivery on the UA link (autopush `notification.headers`, MCS app data, RFC 8030 push promise) carries no urgency.",
})

var RespectUAThreshold = Register(Rule{
	ID: "rfc8030-5.3-respect-ua-threshold", Doc: RFC8030, Section: "5.3, 6",
	Level: MustNot, Actor: PushService, Seen: RFC8030UA,
	Summary: "Messages below the urgency the UA asked for are not delivered to it.",
	Quote:   "A push service MUST NOT deliver push messages with lower urgency than the value indicated by the user agent in its monitoring request.",
	Check:   "Virtual UA monitors with `Urgency: high`; send `low`; no delivery; re-monitor without the header; delivery.",
})

var UAUrgencyThreshold = Register(Rule{
	ID: "rfc8030-5.3-ua-urgency-threshold", Doc: RFC8030, Section: "5.3, 6",
	Level: May, Actor: UserAgent, Seen: Browser,
	Summary: "When monitoring, the UA may state the lowest urgency it accepts.",
	Quote:   "A user agent MAY include the Urgency header field when monitoring for push messages to indicate the lowest urgency of push messages that it is willing to receive.",
	Check:   "Record whether the browser's link carries any urgency or priority hint.",
})

var TopicSyntax = Register(Rule{
	ID: "rfc8030-5.4-topic-syntax", Doc: RFC8030, Section: "5.4",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "`Topic` is at most 32 characters of the URL-safe base64 alphabet.",
	Quote:   "For use with this protocol, the Topic header field MUST be restricted to no more than 32 characters from the URL and a filename-safe Base 64 alphabet [RFC4648].",
	Check:   "Value matches `^[A-Za-z0-9_-]{1,32}$`. Trailing `=` is outside the alphabet (and not a token character): fail, though autopush accepts it.",
})

var TopicInvalid400 = Register(Rule{
	ID: "rfc8030-5.4-topic-invalid-400", Doc: RFC8030, Section: "5.4",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A Topic that is too long or uses other characters is rejected with 400.",
	Quote:   "A push service that receives a request with a Topic header field that does not meet these constraints MUST return a 400 (Bad Request) status code to the application server.",
	Check:   "33 characters; `upd:1`; `upd!`; expect 400 each.",
})

var TopicReplaces = Register(Rule{
	ID: "rfc8030-5.4-topic-replaces", Doc: RFC8030, Section: "5.4",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "A new message with the same Topic replaces the one still outstanding.",
	Quote:   "A push message with a topic replaces any outstanding push message with an identical topic.",
	Check:   "UA down; A then B with `Topic: upd`; reconnect; expect only B.",
})

var TopicReplacesTTLUrgencyReceipt = Register(Rule{
	ID: "rfc8030-5.4-topic-replaces-ttl-urgency-receipt", Doc: RFC8030, Section: "5.4",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "The replacement also replaces the stored TTL, Urgency and receipt subscription.",
	Quote:   "The replacement request also replaces the stored TTL, Urgency, and any receipt subscription associated with the previous message in the matching topic.",
	Check:   "UA down; A (`TTL: 600`, Topic t), B (`TTL: 2`, Topic t); wait 4 s; sentinel; reconnect; expect only the sentinel.",
})

var TopicNewLocation = Register(Rule{
	ID: "rfc8030-5.4-topic-new-location", Doc: RFC8030, Section: "5.4",
	Level: Must, Implied: true, Actor: PushService, Seen: Service,
	Summary: "The replacing request gets 201 and a new message resource in `Location`.",
	Quote:   "A URI for the new push message resource that was created in response to the request is included in the Location header field.",
	Check:   "Both responses carry `Location`; the two differ.",
})

var ReplacedReceiptSuppressed = Register(Rule{
	ID: "rfc8030-5.4-replaced-receipt-suppressed", Doc: RFC8030, Section: "5.4",
	Level: Should, Actor: PushService, Seen: ServiceUA,
	Summary: "Receipts for a replaced message are suppressed.",
	Quote:   "Delivery receipts for such deleted messages SHOULD be suppressed.",
	Check:   "A with receipt, replaced by B; UA acks B; no receipt for A arrives.",
})

var TopicNotForwarded = Register(Rule{
	ID: "rfc8030-5.4-topic-not-forwarded", Doc: RFC8030, Section: "5.4",
	Level: MustNot, Actor: PushService, Seen: ServiceUA,
	Summary: "The Topic value is not forwarded to the UA.",
	Quote:   "The value of the Topic header field MUST NOT be forwarded to user agents.",
	Check:   "Search every field of the UA-link delivery (headers, message id / `version`) for the raw topic string.",
})

var DistinctTopicsKept = Register(Rule{
	ID: "rfc8030-5.4-distinct-topics-kept", Doc: RFC8030, Section: "5.4",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "Messages whose topic is not shared (or absent) are stored and delivered as usual.",
	Quote:   "A push message with a topic that is not shared by an outstanding message to the same subscription is stored or delivered as normal.",
	Check:   "UA down; A (Topic x), B (Topic y), C (none); reconnect; all three arrive.",
})

var UndeliveredPushedOnReconnect = Register(Rule{
	ID: "rfc8030-6-undelivered-pushed-on-reconnect", Doc: RFC8030, Section: "6, 7.2",
	Level: Must, Implied: true, Actor: PushService, Seen: ServiceUA,
	Summary: "Stored, undelivered messages are delivered when the UA resumes monitoring.",
	Quote:   "Push messages that are stored and have not been delivered to a user agent are delivered when the user agent recommences monitoring.",
	Check:   "UA down; `TTL: 60`; reconnect; delivery.",
})

var WaitZeroPushesAll = Register(Rule{
	ID: "rfc8030-6-wait-0-pushes-all", Doc: RFC8030, Section: "6, 6.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A monitoring request with `Prefer: wait=0` gets every undelivered message pushed.",
	Quote:   "In response to this request, the push service MUST generate a server push for all push messages that have not yet been delivered.",
	Check:   "Three messages while nothing monitors, then GET on the subscription resource with `Prefer: wait=0`: a final response and three server pushes that decrypt to the three payloads; likewise one message to each of two subscriptions in a set, then GET on the set.",
})

// The sentence describes the answer without a BCP 14 keyword: pushspec grades it SHOULD.
var WaitZeroNothing204 = Register(Rule{
	ID: "rfc8030-6-wait-0-nothing-204", Doc: RFC8030, Section: "6",
	Level: Should, Implied: true, Actor: PushService, Seen: RFC8030UA,
	Summary: "A monitoring request with `Prefer: wait=0` and no message pending is answered 204 (No Content) with no server push.",
	Quote:   "A 204 (No Content) status code with no associated server pushes indicates that no messages are presently available.",
	Check:   "Virtual UA: subscribe, GET the subscription resource with `Prefer: wait=0`; expect 204 and no push.",
})

var ExpiredAsNeverSent = Register(Rule{
	ID: "rfc8030-7.2-expired-as-never-sent", Doc: RFC8030, Section: "7.2",
	Level: Must, Implied: true, Actor: PushService, Seen: RFC8030UA,
	Summary: "A monitoring request to a subscription whose only messages expired is answered as though none was ever sent.",
	Quote:   "A GET request to a push message subscription resource with only expired messages results in a response as though no push message was ever sent.",
	Check:   "Virtual UA: `Prefer: wait=0` on a fresh subscription (the baseline); on another, a message with `TTL: 2`, 4 s, `Prefer: wait=0`; same status as the baseline, no push.",
})

var PushLinkOnDelivery = Register(Rule{
	ID: "rfc8030-6-push-link-on-delivery", Doc: RFC8030, Section: "6",
	Level: Should, Actor: PushService, Seen: RFC8030UA,
	Summary: "Each pushed message names its push resource in `Link rel=\"urn:ietf:params:push\"`.",
	Quote:   "The response headers SHOULD provide a URI for the push resource corresponding to the push message subscription in a link relation of type \"urn:ietf:params:push\".",
	Check:   "One message, then GET with `Prefer: wait=0`: the push's `Link rel=\"urn:ietf:params:push\"` names exactly the subscription's push resource.",
})

var SetDeliveryLink = Register(Rule{
	ID: "rfc8030-6.1-set-delivery-link", Doc: RFC8030, Section: "6.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "Messages delivered through a subscription set carry the push-resource link so the UA can tell the source.",
	Quote:   "The synthetic request MUST provide a URI for the push resource corresponding to the push message subscription in a link relation of type \"urn:ietf:params:push\".",
	Check:   "Two subscriptions in one set, a message to each, then GET on the set with `Prefer: wait=0`: two pushes, each naming its own push resource and decrypting with that subscription's keys.",
})

var UAMonitorsSet = Register(Rule{
	ID: "rfc8030-6.1-ua-monitors-set", Doc: RFC8030, Section: "6.1",
	Level: Should, Actor: UserAgent, Seen: RFC8030UA,
	Summary: "The UA monitors through the set when one exists.",
	Quote:   "If a subscription set is available, the user agent SHOULD use the subscription set to monitor for push messages rather than individual push message subscriptions.",
	Check:   "Not checked: pushspec plays the RFC 8030 user agent itself (its own client, useragent/rfc8030), and there is no other RFC 8030 user agent to grade. Catalogue only.",
})

var UAAcknowledges = Register(Rule{
	ID: "rfc8030-6.2-ua-acknowledges", Doc: RFC8030, Section: "6.2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The UA acknowledges every message it receives (DELETE on the message resource; the link's ack elsewhere).",
	Quote:   "To ensure that a push message is properly delivered to the user agent at least once, the user agent MUST acknowledge receipt of the message by performing an HTTP DELETE on the push message resource.",
	Check:   "Deliver to a real browser; expect the ack on the UA link after the `push` event's `waitUntil` settles (Firefox: `ack` code 100).",
})

var RedeliverUnacked = Register(Rule{
	ID: "rfc8030-6.2-redeliver-unacked", Doc: RFC8030, Section: "6.2",
	Level: Should, Actor: PushService, Seen: ServiceUA,
	Summary: "Unacknowledged messages are retried until they expire.",
	Quote:   "The push service SHOULD continue to retry delivery of the message until its advertised expiration.",
	Check:   "Virtual UA takes the message but does not ack; reconnect; the same message comes again.",
})

var Receipt204OnAck = Register(Rule{
	ID: "rfc8030-6.2-receipt-204-on-ack", Doc: RFC8030, Section: "6.2, 6.3",
	Level: Must, Actor: PushService, Seen: ServiceUA,
	Summary: "When a receipt was requested and the UA acks, the receipt subscription gets 204.",
	Quote:   "If the push service receives the acknowledgement and the application has requested a delivery receipt, the push service MUST return a 204 (No Content) response to the application server monitoring the receipt subscription.",
	Check:   "Send with `Prefer: respond-async`; open the receipt subscription; UA acks; expect a pushed 204.",
})

// Only a give-up before the advertised expiry is owed a 410; a message that reaches its TTL is not.
var Receipt410OnGiveUp = Register(Rule{
	ID: "rfc8030-6.3-receipt-410-on-give-up", Doc: RFC8030, Section: "6.2, 6.3, 7.2",
	Level: Must, Actor: PushService, Seen: ServiceUA,
	Summary: "If the service stops retrying (or expires early) a message whose receipt was requested, the receipt subscription gets 410.",
	Quote:   "If the user agent fails to acknowledge the receipt of the push message and the push service ceases to retry delivery of the message prior to its advertised expiration, then the push service MUST push a failure response with a status code of 410 (Gone).",
	Check:   "Receipt requested, TTL 600, UA offline; the service expires the subscription (a give-up long before the expiry); expect 410 on the receipt subscription. A message reaching its TTL is not checked: no 410 is owed for it.",
})

var UAFollows307 = Register(Rule{
	ID: "rfc8030-7.1-ua-follows-307", Doc: RFC8030, Section: "7.1",
	Level: Must, Actor: UserAgent, Seen: RFC8030UA,
	Summary: "The UA follows 307 redirects when subscribing.",
	Quote:   "A user agent MUST support the 307 (Temporary Redirect) status code [RFC7231], which can be used by a push service to redistribute load at the time that a new subscription is requested.",
	Check:   "Not checked: pushspec plays the RFC 8030 user agent itself (its own client, useragent/rfc8030), and there is no other RFC 8030 user agent to grade. Catalogue only.",
})

var StoredLastModified = Register(Rule{
	ID: "rfc8030-7.2-stored-last-modified", Doc: RFC8030, Section: "7.2",
	Level: Should, Actor: PushService, Seen: RFC8030UA,
	Summary: "Stored messages carry `Last-Modified` (when delivery was requested).",
	Quote:   "Stored push messages SHOULD include a Last-Modified header field (Section 2.2 of [RFC7232]) indicating when delivery was requested by an application server.",
	Check:   "Virtual UA reads the header on a stored delivery.",
})

var No413UpTo4096 = Register(Rule{
	ID: "rfc8030-7.2-no-413-up-to-4096", Doc: RFC8030, Section: "7.2",
	Level: MustNot, Actor: PushService, Seen: Service,
	Summary: "A body of 4096 bytes or less is never refused with 413.",
	Quote:   "Push services MUST NOT return a 413 status code in responses to an entity body that is 4096 bytes or less in size.",
	Check:   "Valid aes128gcm bodies of exactly 4096 bytes (3993-byte plaintext) and of 4000 bytes; expect no 413.",
})

var Over4096May413 = Register(Rule{
	ID: "rfc8030-7.2-413-over-limit", Doc: RFC8030, Section: "7.2",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "Larger bodies may be refused with 413.",
	Quote:   "To limit the size of messages, the push service MAY return a 413 (Payload Too Large) status code [RFC7231] in response to requests that include an entity body that is too large.",
	Check:   "4097, 5000 and 8192 bytes; record the status (feeds the profile table).",
})

var EarlyExpiry = Register(Rule{
	ID: "rfc8030-7.2-early-expiry", Doc: RFC8030, Section: "7.2",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "The service may expire an accepted message before its TTL (then see rfc8030-6.3-receipt-410-on-give-up).",
	Quote:   "Once a message has been accepted, the push service MAY later expire the message prior to its advertised Time-To-Live.",
	Check:   "With the user agent offline, send a message with TTL 60, let most of the TTL pass (50 s on the fake's clock, 4 s of real time on an external target), send a sentinel, bring the user agent back: the sentinel arriving first shows an early expiry (info when the first message is still delivered).",
})

var ExpiredSubscription404 = Register(Rule{
	ID: "rfc8030-7.3-expired-subscription-404", Doc: RFC8030, Section: "7.3",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A push to an expired subscription is answered 404.",
	Quote:   "A push service MUST return a 404 (Not Found) status code if an application server attempts to send a push message to an expired push message subscription.",
	Check:   "Expire the subscription (control knob, or wait it out); POST; expect 404. Vendors often say 410 (see docs/push-services.md) → fail under `rfc`.",
})

var OutstandingRequests404 = Register(Rule{
	ID: "rfc8030-7.3-outstanding-requests-404", Doc: RFC8030, Section: "7.3",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "Requests still open on an expired subscription or receipt subscription end with 404.",
	Quote:   "If there are outstanding requests to an expired push message subscription resource (Section 6) from a user agent or to an expired receipt subscription resource (Section 6.3) from an application server, this MUST be signaled by returning a 404 (Not Found) status code.",
	Check:   "Virtual UA monitoring; expire; the open request ends with 404.",
})

var SetExpiryCascades = Register(Rule{
	ID: "rfc8030-7.3.1-set-expiry-cascades", Doc: RFC8030, Section: "7.3.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "Expiring or deleting a set expires every subscription in it; open requests on the set get 404.",
	Quote:   "A push service MAY expire a subscription set at any time and MUST also expire all push message subscriptions in the set.",
	Check:   "Two subscriptions in a set and a GET on the set proven open by a pushed message; the service expires the set: the open request ends with 404, and both push resources answer 404.",
})

var MemberLeavesSet = Register(Rule{
	ID: "rfc8030-7.3.1-member-leaves-set", Doc: RFC8030, Section: "7.3.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A subscription that expires or is removed also leaves its set.",
	Quote:   "If a specific push message subscription that is a member of a subscription set is expired or removed, then it MUST also be removed from its subscription set.",
	Check:   "Two subscriptions in a set, a stored message to the first; the service expires the first; a message to the second; GET on the set with `Prefer: wait=0`: only the second's message is pushed, the set still answers 2xx and still takes new members.",
})

var EndToEndProtection = Register(Rule{
	ID: "rfc8030-8.1-end-to-end-protection", Doc: RFC8030, Section: "8.1",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "Messages are protected end to end (for Web Push: RFC 8291).",
	Quote:   "Applications using this protocol MUST use mechanisms that provide end-to-end confidentiality, integrity, and data origin authentication.",
	Check:   "Covered by rfc8291-4-aes128gcm-only and rfc8291-3.3-key-derivation.",
})

var PushURIUncorrelatable = Register(Rule{
	ID: "rfc8030-8.2-push-uri-uncorrelatable", Doc: RFC8030, Section: "8.2",
	Level: MustNot, Actor: PushService, Seen: Service | Browser,
	Summary: "Push resource URIs give no basis to correlate subscriptions of one UA.",
	Quote:   "The URIs provided for push resources MUST NOT provide any basis to correlate communications for a given user agent.",
	Check:   "Three or more subscriptions from one browser profile (different origins); tokens share nothing beyond a fixed prefix, no identifier and no counter *(heuristic)*; their length is rfc8030-8.3-push-uri-entropy.",
})

var MessageURIUncorrelatable = Register(Rule{
	ID: "rfc8030-8.2-message-uri-uncorrelatable", Doc: RFC8030, Section: "8.2",
	Level: MustNot, Actor: PushService, Seen: Service,
	Summary: "Message URIs do not allow correlation across subscriptions.",
	Quote:   "Similarly, the URIs provided by the push service to identify a push message MUST NOT provide any information that allows for correlation across subscriptions.",
	Check:   "Compare `Location`s of messages to different subscriptions *(heuristic)*.",
})

// No BCP 14 keyword, and not §8.2's correlation: pushspec records a shorter token (info).
var PushURIEntropy = Register(Rule{
	ID: "rfc8030-8.3-push-uri-entropy", Doc: RFC8030, Section: "8.3",
	Level: May, Implied: true, Actor: PushService, Seen: Service,
	Summary: "Push resource URIs carry at least 120 bits of entropy (§8.3's advice, no BCP 14 keyword: recorded as info).",
	Quote:   "Encoding a large amount of random entropy (at least 120 bits) in the path component ensures that it is difficult to successfully guess a valid capability URL.",
	Check:   "Estimate the bits of each push resource URI's variable part (hex 4, base64url 6, decimal 3.3 a character); below 120 is info.",
})

var NoUserDeviceInfo = Register(Rule{
	ID: "rfc8030-8.2-no-user-device-info", Doc: RFC8030, Section: "8.2",
	Level: MustNot, Actor: PushService, Seen: Service | Browser,
	Summary: "Push and message URIs expose no user or device information.",
	Quote:   "User and device information MUST NOT be exposed through a push or push message URI.",
	Check:   "Scan endpoints and `Location`s for the UA string, host name, IP, profile name *(heuristic)*.",
})

var FreshIdentifiers = Register(Rule{
	ID: "rfc8030-8.2-fresh-identifiers", Doc: RFC8030, Section: "8.2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The UA can create a new subscription with new identifiers at any time.",
	Quote:   "A user agent MUST be able to create new subscriptions with new identifiers at any time.",
	Check:   "Unsubscribe, subscribe again: new endpoint (see pushapi-deactivated-endpoint-not-reused).",
})

var RateLimit = Register(Rule{
	ID: "rfc8030-8.4-rate-limit", Doc: RFC8030, Section: "8.4",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "The service limits the rate of messages to one UA.",
	Quote:   "Push services SHOULD limit the rate at which push messages are sent to individual user agents.",
	Check:   "Burst N messages (N configurable); record whether and when 429 appears.",
})

var RetryAfterOn429 = Register(Rule{
	ID: "rfc8030-8.4-429-retry-after", Doc: RFC8030, Section: "8.4",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "A 429 carries `Retry-After`.",
	Quote:   "The push service SHOULD also include a Retry-After header [RFC7231] to indicate how long the application server is requested to wait before it makes another request to the push resource.",
	Check:   "Whenever a 429 is seen (burst or injected), require `Retry-After`.",
})

// The sentence binds the push service; the sender's side is HTTP's: RFC 9110 §10.2.3: "Servers send
// the \"Retry-After\" header field to indicate how long the user agent ought to wait before making
// a follow-up request", and for 503 (§15.6.4) it is sent "to suggest an appropriate amount of time
// for the client to wait before retrying the request". "Is requested to", "ought to" and "suggest"
// are no BCP 14 keywords: the level is pushspec's reading (†), a SHOULD at most — a sender that
// posts again sooner is non-strict, never fail.
var SenderHonoursRetryAfter = Register(Rule{
	ID: "rfc8030-8.4-sender-honours-retry-after", Doc: RFC8030, Section: "8.4",
	Level: Should, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "After a 429 or 503 with `Retry-After`, the sender makes no further request to the push resource before that time.",
	Quote:   "The push service SHOULD also include a Retry-After header [RFC7231] to indicate how long the application server is requested to wait before it makes another request to the push resource.",
	Check:   "Answer every request to one subscription 429 (and, separately, 503) with `Retry-After: 10`; a second request within 10 s breaks the rule, one request or a later retry keeps it.",
})
