package rules

// RFC 8291, Message Encryption for Web Push: key agreement and the single aes128gcm record.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

// KeysConfidential — RFC 8291 §2.1, paraphrased: p256dh and auth reach the application server over
// an authenticated, confidential channel.
var KeysConfidential = Register(Rule{
	ID: "rfc8291-2.1-keys-confidential", Doc: RFC8291, Section: "2.1",
	Level: Must, Actor: AppServer, Seen: Review,
	Summary: "`p256dh` and `auth` reach the application server over an authenticated, confidential channel.",
	Check:   "Not decidable; catalogue only.",
})

// UAP256KeyPair — RFC 8291 §3.1, paraphrased: Each subscription has its own P-256 ECDH key pair.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var UAP256KeyPair = Register(Rule{
	ID: "rfc8291-3.1-ua-p256-keypair", Doc: RFC8291, Section: "3.1",
	Level: Must, Implied: true, Actor: UserAgent, Seen: Browser,
	Summary: "Each subscription has its own P-256 ECDH key pair.",
	Check:   "`p256dh` is a valid P-256 point and differs between two subscriptions.",
})

// ASEphemeralKey — RFC 8291 §3.1, paraphrased: The sender makes a fresh ECDH key pair for every
// message.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var ASEphemeralKey = Register(Rule{
	ID: "rfc8291-3.1-as-ephemeral-key", Doc: RFC8291, Section: "3.1",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "The sender makes a fresh ECDH key pair for every message.",
	Check:   "Two sends: the `keyid` (aes128gcm) or `dh` (aesgcm) values differ.",
})

// AuthSecret16 — RFC 8291 §3.2, paraphrased: The UA makes a hard-to-guess 16-octet authentication
// secret.
var AuthSecret16 = Register(Rule{
	ID: "rfc8291-3.2-auth-secret-16", Doc: RFC8291, Section: "3.2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The UA makes a hard-to-guess 16-octet authentication secret.",
	Check:   "`getKey('auth').byteLength === 16`.",
})

// AuthSecretCSPRNG — RFC 8291 §3.2, paraphrased: The secret comes from a cryptographically strong
// generator.
var AuthSecretCSPRNG = Register(Rule{
	ID: "rfc8291-3.2-auth-secret-csprng", Doc: RFC8291, Section: "3.2",
	Level: Should, Actor: UserAgent, Seen: Browser,
	Summary: "The secret comes from a cryptographically strong generator.",
	Check:   "Secrets differ across subscriptions, are not all-zero *(heuristic)*.",
})

// KeyDerivation — RFC 8291 §3.3, 3.4, paraphrased: IKM = HKDF-SHA-256(salt = auth secret, IKM =
// ECDH secret, info = "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, L = 32), then the RFC 8188
// CEK/nonce steps.
var KeyDerivation = Register(Rule{
	ID: "rfc8291-3.3-key-derivation", Doc: RFC8291, Section: "3.3, 3.4",
	Level: Must, Actor: AppServer | UserAgent, Seen: Codec | Sender | Browser,
	Summary: "IKM = HKDF-SHA-256(salt = auth secret, IKM = ECDH secret, info = `\"WebPush: info\"` ‖ 0x00 ‖ ua_public ‖ as_public, L = 32), then the RFC 8188 CEK/nonce steps.",
	Check:   "Codec: reproduce Appendix A byte for byte. Sender: the fake decrypts every body with the subscription's private key and auth (failure → fail). Browser: pushspec-encrypted messages reach the SW with the exact bytes.",
})

// SingleRecord — RFC 8291 §4, paraphrased: The message is encrypted as exactly one record.
var SingleRecord = Register(Rule{
	ID: "rfc8291-4-single-record", Doc: RFC8291, Section: "4",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "The message is encrypted as exactly one record.",
	Check:   "`len(body) − (21 + idlen) ≤ rs`, and that single record decrypts with delimiter 0x02.",
})

// RSExceedsRecord — RFC 8291 §4, paraphrased: rs is greater than plaintext + 1 (delimiter) +
// padding + 16 (tag).
var RSExceedsRecord = Register(Rule{
	ID: "rfc8291-4-rs-exceeds-record", Doc: RFC8291, Section: "4",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "`rs` is greater than plaintext + 1 (delimiter) + padding + 16 (tag).",
	Check:   "`rs > len(body) − (21 + idlen)`.",
})

// KeyIDIsASPublicKey — RFC 8291 §4, paraphrased: keyid is the sender's ECDH public key, 65-octet
// uncompressed (idlen = 65, first octet 0x04), and nothing else. It binds the application server;
// a browser's handling of another serialization is UAKeyIDOtherForm.
var KeyIDIsASPublicKey = Register(Rule{
	ID: "rfc8291-4-keyid-is-as-public-key", Doc: RFC8291, Section: "4",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "`keyid` is the sender's ECDH public key, 65-octet uncompressed (`idlen` = 65, first octet 0x04), and nothing else.",
	Check:   "Check `idlen`, first octet, point on curve.",
})

// AES128GCMOnly — RFC 8291 §4, paraphrased: No content coding other than aes128gcm; Content-
// Encoding has exactly one value, aes128gcm.
var AES128GCMOnly = Register(Rule{
	ID: "rfc8291-4-aes128gcm-only", Doc: RFC8291, Section: "4",
	Level: MustNot, Actor: AppServer, Seen: Sender,
	Summary: "No content coding other than `aes128gcm`; `Content-Encoding` has exactly one value, `aes128gcm`.",
	Check:   "Header equals `aes128gcm`, once, no list. `aesgcm` (draft) → fail, with a note that FCM and autopush still accept it.",
})

// Fits4096 — RFC 8291 §4, paraphrased: Keep the plaintext ≤ 3993 octets so the body stays within
// the 4096 a service must accept.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var Fits4096 = Register(Rule{
	ID: "rfc8291-4-fits-4096", Doc: RFC8291, Section: "4",
	Level: Should, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "Keep the plaintext ≤ 3993 octets so the body stays within the 4096 a service must accept.",
	Check:   "`len(body) ≤ 4096`, else `non-strict`.",
})

// UAMultipleRecordsOptional — RFC 8291 §4, paraphrased: A UA need not support more than one
// record.
var UAMultipleRecordsOptional = Register(Rule{
	ID: "rfc8291-4-ua-multiple-records-optional", Doc: RFC8291, Section: "4",
	Level: May, Actor: UserAgent, Seen: Browser,
	Summary: "A UA need not support more than one record.",
	Check:   "Deliver the `two-records` vector; record whether `push` fires.",
})

// UAMayIgnoreRS — RFC 8291 §4: "A user agent MAY ignore the rs field."
var UAMayIgnoreRS = Register(Rule{
	ID: "rfc8291-4-ua-may-ignore-rs", Doc: RFC8291, Section: "4",
	Level: May, Actor: UserAgent, Seen: Browser,
	Summary: "A UA may ignore `rs`.",
	Check:   "Deliver `rs-smaller-than-record` and `rs-17` (below RFC 8188's minimum of 18); record the outcome of each.",
})

// UAKeyIDOtherForm — RFC 8291 §4 says what the sender puts in keyid ("The uncompressed point
// form defined in [X9.62] (that is, a 65-octet sequence that starts with a 0x04 octet) forms the
// entirety of the keyid"); it states nothing a user agent must do with another serialization of
// the same key, such as the 33-octet compressed form.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var UAKeyIDOtherForm = Register(Rule{
	ID: "rfc8291-4-ua-keyid-other-form", Doc: RFC8291, Section: "4",
	Level: May, Implied: true, Actor: UserAgent, Seen: Browser,
	Summary: "A UA may accept or discard a `keyid` that is the sender's key in another form than 65-octet uncompressed (the rule binds the sender).",
	Check:   "Deliver `keyid-compressed` (the real key, 33-octet compressed); record whether `push` fires; accepted data must be the plaintext.",
})

// UAChecksDelimiter — RFC 8291 §4, paraphrased: The UA checks the padding delimiter; any value but
// 0x02 discards the message.
var UAChecksDelimiter = Register(Rule{
	ID: "rfc8291-4-ua-checks-delimiter", Doc: RFC8291, Section: "4",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The UA checks the padding delimiter; any value but 0x02 discards the message.",
	Check:   "Deliver `bad-delimiter-01`, `bad-delimiter-03`, `no-delimiter`, each followed by a sentinel; only sentinels reach the SW.",
})

// UAHeadersUntrusted — RFC 8291 §7, paraphrased: The UA treats HTTP header fields as coming from
// the push service, not from the sender.
var UAHeadersUntrusted = Register(Rule{
	ID: "rfc8291-7-ua-headers-untrusted", Doc: RFC8291, Section: "7",
	Level: Must, Actor: UserAgent, Seen: Review,
	Summary: "The UA treats HTTP header fields as coming from the push service, not from the sender.",
	Check:   "Not observable from a page (PushMessageData exposes no headers). Catalogue only.",
})

// UAValidatesKey — RFC 8291 §7, paraphrased: The UA checks that the sender's public key (keyid) is
// on P-256.
var UAValidatesKey = Register(Rule{
	ID: "rfc8291-7-ua-validates-key", Doc: RFC8291, Section: "7",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The UA checks that the sender's public key (`keyid`) is on P-256.",
	Check:   "Deliver `keyid-off-curve` then a sentinel; only the sentinel arrives; the browser keeps working.",
})

// ASValidatesKey — RFC 8291 §7, paraphrased: The sending application checks that the
// subscription's p256dh is on P-256.
var ASValidatesKey = Register(Rule{
	ID: "rfc8291-7-as-validates-key", Doc: RFC8291, Section: "7",
	Level: Must, Actor: AppServer, Seen: Sender,
	Summary: "The sending application checks that the subscription's `p256dh` is on P-256.",
	Check:   "Hand the sender a subscription whose `p256dh` is 65 bytes starting 0x04 but off the curve; the library must refuse and send nothing.",
})
