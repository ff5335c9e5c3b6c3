package rules

// RFC 8292, Voluntary Application Server Identification (VAPID) for Web Push.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

var P256SigningKey = Register(Rule{
	ID: "rfc8292-2-p256-signing-key", Doc: RFC8292, Section: "2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "The VAPID key pair is ECDSA on P-256.",
	Quote:   "This key pair MUST be usable with the Elliptic Curve Digital Signature Algorithm (ECDSA) over the P-256 curve [FIPS186].",
	Check:   "`k` decodes to a 65-octet uncompressed point on P-256.",
})

// RFC 7519 §4.1.3 lets aud be one string or an array of strings, so an array that includes the
// origin conforms.
var AudOrigin = Register(Rule{
	ID: "rfc8292-2-aud-origin", Doc: RFC8292, Section: "2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "`aud` includes the serialized origin (RFC 6454 §6.1) of the push resource URL.",
	Quote:   "An \"aud\" (Audience) claim in the token MUST include the Unicode serialization of the origin (Section 6.1 of [RFC6454]) of the push resource URL.",
	Check:   "`aud` is a string, or an array of strings (RFC 7519 §4.1.3), one of which equals `scheme://host[:port]` of the request URL: no path, no trailing slash, default port omitted.",
})

var ExpRequired = Register(Rule{
	ID: "rfc8292-2-exp-required", Doc: RFC8292, Section: "2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "The JWT has an `exp` claim.",
	Quote:   "An \"exp\" (Expiry) claim MUST be included with the time after which the token expires.",
	Check:   "`exp` present and a JSON number (a string such as `\"1463001340\"` → fail).",
})

// Judged against the time the request was received, never a push service's own clock, with a leeway
// for clock skew (RFC 7519 §4.1.4). A token whose exp had passed when it was sent is the sender's
// fault too (§2: exp is "the time after which the token expires"; §4.2: such a token is invalid),
// and is graded here, against the sender, not under a push-service rule.
var ExpMax24h = Register(Rule{
	ID: "rfc8292-2-exp-max-24h", Doc: RFC8292, Section: "2",
	Level: MustNot, Actor: AppServer, Seen: Sender,
	Summary: "`exp` is not more than 24 hours after the request.",
	Quote:   "An \"exp\" claim MUST NOT be more than 24 hours from the time of the request.",
	Check:   "`exp − time of the request ≤ 86400 + 60` s, the 60 s being a leeway for clock skew (RFC 7519 §4.1.4); an `exp` that had passed more than 60 s before the request also fails. The margin left for a service whose clock lags is interop-exp-skew-margin (info).",
})

var VAPIDScheme = Register(Rule{
	ID: "rfc8292-2-vapid-scheme", Doc: RFC8292, Section: "2, 3",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "The JWT travels in `Authorization` with auth-scheme `vapid` (`vapid t=…, k=…`).",
	Quote:   "This JWT is included in an Authorization header field, using an authentication scheme of \"vapid\".",
	Check:   "Scheme token (case-insensitive) is `vapid`. `WebPush <jwt>` + `Crypto-Key: p256ecdsa=` (draft form) or `Bearer` → fail, noting FCM and autopush accept them.",
})

var JWSES256 = Register(Rule{
	ID: "rfc8292-2-jws-es256", Doc: RFC8292, Section: "2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "The JWT is a JWS signed ES256.",
	Quote:   "The signature MUST use ECDSA on the NIST P-256 curve [FIPS186], which is identified as \"ES256\" [RFC7518].",
	Check:   "Header `alg` is `ES256`; signature is 64 octets r ‖ s (DER-encoded → fail); verifies with `k`.",
})

var ServiceMay403 = Register(Rule{
	ID: "rfc8292-2-service-may-403", Doc: RFC8292, Section: "2",
	Level: May, Actor: PushService, Seen: Service,
	Summary: "The service may answer 403 to a bad signature or bad claims.",
	Quote:   "A push service MAY reject a request with a 403 (Forbidden) status code [RFC7231] if the JWT signature or its claims are invalid.",
	Check:   "Bad JWT on an unrestricted subscription; record the status.",
})

var InvalidTokenNotUsed = Register(Rule{
	ID: "rfc8292-2-invalid-token-not-used", Doc: RFC8292, Section: "2",
	Level: MustNot, Actor: PushService, Seen: Service | Review,
	Summary: "The service uses no information from an invalid token.",
	Quote:   "A push service MUST NOT use information from an invalid token.",
	Check:   "Indirectly through the 4.2 rows (an invalid token never opens a restricted subscription); otherwise catalogue only.",
})

var SubOptional = Register(Rule{
	ID: "rfc8292-2.1-sub-optional", Doc: RFC8292, Section: "2.1",
	Level: May, Actor: AppServer, Seen: Sender,
	Summary: "The JWT may carry `sub`.",
	Quote:   "If the application server wishes to provide contact details, it MAY include a \"sub\" (Subject) claim in the JWT.",
	Check:   "Record presence (the `apple` profile requires it).",
})

var SubContactURI = Register(Rule{
	ID: "rfc8292-2.1-sub-contact-uri", Doc: RFC8292, Section: "2.1",
	Level: Should, Actor: AppServer, Seen: Sender,
	Summary: "If present, `sub` is a `mailto:` or `https:` URI.",
	Quote:   "The \"sub\" claim SHOULD include a contact URI for the application server as either a \"mailto:\" (email) [RFC6068] or an \"https:\" [RFC2818] URI.",
	Check:   "`mailto:` + addr-spec, or an absolute `https:` URL. `mailto:mailto:…`, bare `a@b`, empty `mailto:`, `mailto: <a@b>` → `non-strict`.",
})

var ClaimsSmall = Register(Rule{
	ID: "rfc8292-2.2-claims-small", Doc: RFC8292, Section: "2.2",
	Level: Should, Actor: AppServer, Seen: Sender,
	Summary: "Additional claims are kept small.",
	Quote:   "Since the JWT is in a header field, the size of additional claims SHOULD be kept as small as possible.",
	Check:   "JWT length above a configurable bound (default 1 KiB: our choice, not the RFC's) → `non-strict`.",
})

var NoProxyAuth = Register(Rule{
	ID: "rfc8292-3-no-proxy-auth", Doc: RFC8292, Section: "3",
	Level: MustNot, Actor: AppServer, Seen: Sender,
	Summary: "The `vapid` scheme is never used in `Proxy-Authorization` / `Proxy-Authenticate`.",
	Quote:   "Therefore, this authentication scheme MUST NOT be used with the Proxy-Authenticate or Proxy-Authorization header fields.",
	Check:   "No `Proxy-Authorization: vapid …` on the request.",
})

var IgnoreUnknownParams = Register(Rule{
	ID: "rfc8292-3-ignore-unknown-params", Doc: RFC8292, Section: "3",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "Unknown auth parameters, and `realm`, are ignored.",
	Quote:   "All unknown or unsupported parameters to \"vapid\" authentication credentials MUST be ignored.",
	Check:   "Valid request with `vapid t=…, k=…, realm=\"x\", foo=bar`; same outcome as without them.",
})

var KUncompressedBase64URL = Register(Rule{
	ID: "rfc8292-3.2-k-uncompressed-base64url", Doc: RFC8292, Section: "3.2",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`k` is the signing public key, X9.62 uncompressed, base64url.",
	Quote:   "The \"k\" parameter includes an ECDSA public key [FIPS186] in uncompressed form [X9.62] that is encoded using base64url encoding [RFC7515].",
	Check:   "Base64url without padding and without `+` or `/` (else `fail`, as everywhere); 65 octets; first 0x04.",
})

var DistinctKeys = Register(Rule{
	ID: "rfc8292-3.2-distinct-keys", Doc: RFC8292, Section: "3.2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "The signing key differs from the key used for message key exchange.",
	Quote:   "An application server MUST select a different private key for the key exchange [RFC8291] and signing the authentication token.",
	Check:   "`k` ≠ body `keyid` (aes128gcm) / `dh` (aesgcm).",
})

var SameKeys400 = Register(Rule{
	ID: "rfc8292-3.2-same-keys-400", Doc: RFC8292, Section: "3.2",
	Level: Should, Actor: PushService, Seen: Service,
	Summary: "A message whose `k` equals its ECDH key is rejected with 400.",
	Quote:   "Though a push service is not obligated to check either parameter for every push message, a push service SHOULD reject push messages that have identical values for these parameters with a 400 (Bad Request) status code.",
	Check:   "Encrypt with the VAPID key pair as the ephemeral key; expect 400.",
})

var UASendsKey = Register(Rule{
	ID: "rfc8292-4.1-ua-sends-key", Doc: RFC8292, Section: "4.1",
	Level: Must, Implied: true, Actor: UserAgent, Seen: Browser,
	Summary: "Given an applicationServerKey, the UA hands that key to the push service when subscribing.",
	Quote:   "A user agent that wishes to create a restricted subscription includes the public key of the application server when requesting the creation of a push message subscription.",
	Check:   "Firefox: autopush `register` carries `key` equal to the applicationServerKey; Chromium: the FCM emulation's registration request carries it. Compare bytes.",
})

var IgnoreOtherMediaType = Register(Rule{
	ID: "rfc8292-4.1-ignore-other-media-type", Doc: RFC8292, Section: "4.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "A subscribe body whose media type is not `application/webpush-options+json` is ignored.",
	Quote:   "A push service MUST ignore the body of a request that uses a different media type.",
	Check:   "Virtual UA subscribes with a `text/plain` body containing `{\"vapid\": …}`; the subscription is not restricted.",
})

var IgnoreUnknownMembers = Register(Rule{
	ID: "rfc8292-4.1-ignore-unknown-members", Doc: RFC8292, Section: "4.1",
	Level: Must, Actor: PushService, Seen: RFC8030UA,
	Summary: "Unknown members of the options object are ignored.",
	Quote:   "For the \"application/webpush-options+json\" media type, a push service MUST ignore any members on this object that it does not understand.",
	Check:   "`{\"vapid\": \"…\", \"x\": 1}`; restricted subscription created.",
})

var RestrictedNeedsJWT = Register(Rule{
	ID: "rfc8292-4.2-restricted-needs-jwt", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "For a restricted subscription, the request carries a JWT signed by the key used at subscribe time.",
	Quote:   "When a push message subscription has been restricted to an application server, the request for push message delivery MUST include a JWT signed by the private key that corresponds to the public key used when creating the subscription.",
	Check:   "Subscription made with applicationServerKey K: `Authorization` is present and its `k` = K. The scheme and the signature are graded by rfc8292-2-vapid-scheme and rfc8292-2-jws-es256 alone (one fault, one rule).",
})

var RejectAbsent = Register(Rule{
	ID: "rfc8292-4.2-reject-absent", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A message to a restricted subscription without vapid auth is rejected.",
	Quote:   "A push service MUST reject a message sent to a restricted push message subscription if that message includes no \"vapid\" authentication or invalid \"vapid\" authentication.",
	Check:   "Omit `Authorization`; expect 4xx (401 recommended; record the code).",
})

var RejectMissingTOrK = Register(Rule{
	ID: "rfc8292-4.2-reject-missing-t-or-k", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "vapid auth without `t` or without `k` is invalid and rejected.",
	Quote:   "A push service MUST reject a message sent to a restricted push message subscription if that message includes no \"vapid\" authentication or invalid \"vapid\" authentication.",
	Check:   "`vapid t=<jwt>` alone, `vapid k=<key>` alone; expect 4xx.",
})

var RejectBadSignature = Register(Rule{
	ID: "rfc8292-4.2-reject-bad-signature", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A JWT whose signature does not verify with `k` is rejected.",
	Quote:   "A push service MUST reject a message sent to a restricted push message subscription if that message includes no \"vapid\" authentication or invalid \"vapid\" authentication.",
	Check:   "Flip one signature byte; also a DER signature; expect 4xx.",
})

var RejectExpired = Register(Rule{
	ID: "rfc8292-4.2-reject-expired", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A JWT whose `exp` has passed is rejected.",
	Quote:   "A push service MUST reject a message sent to a restricted push message subscription if that message includes no \"vapid\" authentication or invalid \"vapid\" authentication.",
	Check:   "`exp = now − 60`; expect 4xx.",
})

var RejectExpOver24h = Register(Rule{
	ID: "rfc8292-4.2-reject-exp-over-24h", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A JWT expiring more than 24 h after now is rejected.",
	Quote:   "A push service MUST reject a message sent to a restricted push message subscription if that message includes no \"vapid\" authentication or invalid \"vapid\" authentication.",
	Check:   "`exp = now + 86400 + 120`; expect 4xx.",
})

var RejectWrongAud = Register(Rule{
	ID: "rfc8292-4.2-reject-wrong-aud", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A JWT whose `aud` does not include the push resource's origin is rejected.",
	Quote:   "A push service MUST reject a message sent to a restricted push message subscription if that message includes no \"vapid\" authentication or invalid \"vapid\" authentication.",
	Check:   "`aud` = the app's origin; the endpoint origin plus `/`; `http:` instead of `https:`; expect 4xx.",
})

var RejectKeyMismatch = Register(Rule{
	ID: "rfc8292-4.2-reject-key-mismatch", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A JWT signed by a key other than the subscription's is rejected.",
	Quote:   "A push service MUST reject a message sent to a restricted push message subscription if that message includes no \"vapid\" authentication or invalid \"vapid\" authentication.",
	Check:   "Valid JWT under key L ≠ K; expect 4xx (autopush 401, FCM 403, Apple 403 or 400 `VapidPkHashMismatch`).",
})

// The requirement is RFC 9110's (§15.5.2), and so is the Quote; the Summary names it. RFC 8292
// §4.2 suggests 401 for a missing token; a push service that answers 401 owes the challenge.
var Unauthorized401Challenge = Register(Rule{
	ID: "rfc8292-4.2-401-www-authenticate", Doc: RFC8292, Section: "4.2",
	Level: Must, Actor: PushService, Seen: Service,
	Summary: "A 401 (Unauthorized) carries `WWW-Authenticate` with a challenge (RFC 9110 §15.5.2).",
	Quote:   "The server generating a 401 response MUST send a WWW-Authenticate header field (Section 11.6.1) containing at least one challenge applicable to the target resource.",
	Check:   "Push without `Authorization` to a restricted subscription (after the same push with its token is accepted); when the answer is 401, require a non-empty `WWW-Authenticate`.",
})

// "might" is no BCP 14 keyword: the level is pushspec's reading, and the lowest there is.
var Status401Absent = Register(Rule{
	ID: "rfc8292-4.2-status-401-absent", Doc: RFC8292, Section: "4.2",
	Level: May, Implied: true, Actor: PushService, Seen: Service,
	Summary: "Absent auth may be answered 401.",
	Quote:   "A 401 (Unauthorized) status code might be used if the authentication is absent; a 403 (Forbidden) status code might be used if authentication is invalid.",
	Check:   "Record the code.",
})

// "might" is no BCP 14 keyword: the level is pushspec's reading.
var Status403Invalid = Register(Rule{
	ID: "rfc8292-4.2-status-403-invalid", Doc: RFC8292, Section: "4.2",
	Level: May, Implied: true, Actor: PushService, Seen: Service,
	Summary: "Invalid auth may be answered 403.",
	Quote:   "A 401 (Unauthorized) status code might be used if the authentication is absent; a 403 (Forbidden) status code might be used if authentication is invalid.",
	Check:   "Record the code.",
})

var NoJWTToUA = Register(Rule{
	ID: "rfc8292-4.2-no-jwt-to-ua", Doc: RFC8292, Section: "4.2",
	Level: MustNot, Actor: PushService, Seen: ServiceUA,
	Summary: "Neither the JWT nor the public key is forwarded to the UA.",
	Quote:   "A push service MUST NOT forward the JWT or public key to the user agent when delivering the push message.",
	Check:   "Inspect the UA-link delivery: no token, no `k`, no `p256ecdsa` (watch aesgcm `Crypto-Key` values that a link forwards whole).",
})
