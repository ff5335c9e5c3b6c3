package rules

// RFC 8188, Encrypted Content-Encoding for HTTP (aes128gcm): the record format that RFC 8291
// builds on.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

// RecordLayout — RFC 8188 §2, paraphrased: Every record but the last is exactly rs octets; the
// last is at most rs.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var RecordLayout = Register(Rule{
	ID: "rfc8188-2-record-layout", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender | Codec,
	Summary: "Every record but the last is exactly `rs` octets; the last is at most `rs`.",
	Check:   "For Web Push: body after the header ≤ `rs` (single record).",
})

// PaddingDelimiter — RFC 8188 §2, paraphrased: A record's plaintext ends with a delimiter (2 on
// the last record, 1 on the others) followed only by zero octets.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var PaddingDelimiter = Register(Rule{
	ID: "rfc8188-2-padding-delimiter", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "A record's plaintext ends with a delimiter (2 on the last record, 1 on the others) followed only by zero octets.",
	Check:   "The fake decrypts; last non-zero octet is 0x02; nothing but 0x00 after it.",
})

// FailNoDelimiter — RFC 8188 §2, paraphrased: A record with no non-zero octet fails to decrypt.
var FailNoDelimiter = Register(Rule{
	ID: "rfc8188-2-fail-no-delimiter", Doc: RFC8188, Section: "2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A record with no non-zero octet fails to decrypt.",
	Check:   "Deliver `no-delimiter-all-zero` then a sentinel; only the sentinel.",
})

// FailWrongDelimiter — RFC 8188 §2, paraphrased: A last record whose delimiter is not 2, or an
// earlier record whose delimiter is not 1, fails to decrypt.
var FailWrongDelimiter = Register(Rule{
	ID: "rfc8188-2-fail-wrong-delimiter", Doc: RFC8188, Section: "2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A last record whose delimiter is not 2, or an earlier record whose delimiter is not 1, fails to decrypt.",
	Check:   "`bad-delimiter-01`, `two-records-bad-first-delimiter`, each then a sentinel.",
})

// EmptyAAD — RFC 8188 §2, paraphrased: The AEAD additional data is empty.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var EmptyAAD = Register(Rule{
	ID: "rfc8188-2-empty-aad", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: AppServer | UserAgent, Seen: Codec,
	Summary: "The AEAD additional data is empty.",
	Check:   "Vectors; sender bodies decrypt with empty AAD.",
})

// MinRecord — RFC 8188 §2, paraphrased: A valid record holds at least a delimiter and a 16-octet
// tag (≥ 17 octets).
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var MinRecord = Register(Rule{
	ID: "rfc8188-2-min-record", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: UserAgent, Seen: Browser,
	Summary: "A valid record holds at least a delimiter and a 16-octet tag (≥ 17 octets).",
	Check:   "Deliver a body with a 10-octet record, then a sentinel.",
})

// HeaderLayout — RFC 8188 §2.1, paraphrased: The body starts with salt (16) ‖ rs (uint32, big-
// endian) ‖ idlen (1) ‖ keyid (idlen).
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var HeaderLayout = Register(Rule{
	ID: "rfc8188-2.1-header-layout", Doc: RFC8188, Section: "2.1",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender | Codec,
	Summary: "The body starts with salt (16) ‖ rs (uint32, big-endian) ‖ idlen (1) ‖ keyid (idlen).",
	Check:   "Parse; `len(body) ≥ 21 + idlen`.",
})

// RSMin18 — RFC 8188 §2.1, paraphrased: rs below 18 is invalid.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
//
// Only the sender is graded: RFC 8291 §4 says "A user agent MAY ignore the rs field", so a
// browser that accepts a header with rs = 17 is recorded under rfc8291-4-ua-may-ignore-rs.
var RSMin18 = Register(Rule{
	ID: "rfc8188-2.1-rs-min-18", Doc: RFC8188, Section: "2.1",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`rs` below 18 is invalid.",
	Check:   "Sender: `rs ≥ 18`. A user agent may ignore `rs` (RFC 8291 §4): what a browser does with `rs-17` is recorded under rfc8291-4-ua-may-ignore-rs.",
})

// SaltNotReused — RFC 8188 §2.1, 4.3, paraphrased: A salt is never used twice with the same input
// keying material.
var SaltNotReused = Register(Rule{
	ID: "rfc8188-2.1-salt-not-reused", Doc: RFC8188, Section: "2.1, 4.3",
	Level: MustNot, Actor: AppServer, Seen: Sender,
	Summary: "A salt is never used twice with the same input keying material.",
	Check:   "Over a run, (subscription, keyid, salt) never repeats → else fail. The same salt under a different `keyid` is legal but see rfc8188-4.3-random-salt.",
})

// KeyIDUTF8 — RFC 8188 §2.1, paraphrased: keyid should be UTF-8 — superseded for Web Push by
// rfc8291-4-keyid-is-as-public-key.
var KeyIDUTF8 = Register(Rule{
	ID: "rfc8188-2.1-keyid-utf8", Doc: RFC8188, Section: "2.1",
	Level: Should, Actor: AppServer, Seen: Review,
	Summary: "`keyid` should be UTF-8 — superseded for Web Push by rfc8291-4-keyid-is-as-public-key.",
	Check:   "Not graded for Web Push; listed for completeness.",
})

// CEKDerivation — RFC 8188 §2.2, paraphrased: PRK = HMAC-SHA-256(salt, IKM); CEK = first 16 octets
// of HMAC-SHA-256(PRK, "Content-Encoding: aes128gcm" ‖ 0x00 ‖ 0x01).
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var CEKDerivation = Register(Rule{
	ID: "rfc8188-2.2-cek-derivation", Doc: RFC8188, Section: "2.2",
	Level: Must, Implied: true, Actor: AppServer | UserAgent, Seen: Codec,
	Summary: "PRK = HMAC-SHA-256(salt, IKM); CEK = first 16 octets of HMAC-SHA-256(PRK, `\"Content-Encoding: aes128gcm\"` ‖ 0x00 ‖ 0x01).",
	Check:   "RFC 8188 §3.1, §3.2 and RFC 8291 App. A vectors.",
})

// NonceDerivation — RFC 8188 §2.3, paraphrased: NONCE = first 12 octets of HMAC-SHA-256(PRK,
// "Content-Encoding: nonce" ‖ 0x00 ‖ 0x01) XOR SEQ (96-bit big-endian, from 0).
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var NonceDerivation = Register(Rule{
	ID: "rfc8188-2.3-nonce-derivation", Doc: RFC8188, Section: "2.3",
	Level: Must, Implied: true, Actor: AppServer | UserAgent, Seen: Codec,
	Summary: "NONCE = first 12 octets of HMAC-SHA-256(PRK, `\"Content-Encoding: nonce\"` ‖ 0x00 ‖ 0x01) XOR SEQ (96-bit big-endian, from 0).",
	Check:   "Vectors; RFC 8188 §3.2 exercises SEQ = 1.",
})

// RejectUncoded — RFC 8188 §4.1, paraphrased: A receiver that relies on content origin
// authentication rejects content without the aes128gcm coding.
var RejectUncoded = Register(Rule{
	ID: "rfc8188-4.1-reject-uncoded", Doc: RFC8188, Section: "4.1",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A receiver that relies on content origin authentication rejects content without the `aes128gcm` coding.",
	Check:   "The fake delivers a payload with no encoding on the UA link (autopush `notification` with `data` but no `headers.encoding`); then a sentinel; only the sentinel.",
})

// NoPartialProcessing — RFC 8188 §4.2, paraphrased: A truncated message is not processed as if
// complete.
var NoPartialProcessing = Register(Rule{
	ID: "rfc8188-4.2-no-partial-processing", Doc: RFC8188, Section: "4.2",
	Level: MustNot, Actor: UserAgent, Seen: Browser,
	Summary: "A truncated message is not processed as if complete.",
	Check:   "`truncated-tag`, and a two-record body with the last record dropped, each then a sentinel.",
})

// RandomSalt — RFC 8188 §4.3, paraphrased: A fresh random salt for every message.
var RandomSalt = Register(Rule{
	ID: "rfc8188-4.3-random-salt", Doc: RFC8188, Section: "4.3",
	Level: Should, Actor: AppServer, Seen: Sender,
	Summary: "A fresh random salt for every message.",
	Check:   "Salts differ across messages and are not constant or zero *(heuristic)*.",
})

// DataLimit — RFC 8188 §4.4, paraphrased: Under one IKM and salt, less than 2^44.5 blocks are
// encrypted.
var DataLimit = Register(Rule{
	ID: "rfc8188-4.4-data-limit", Doc: RFC8188, Section: "4.4",
	Level: Must, Actor: AppServer, Seen: Review,
	Summary: "Under one IKM and salt, less than 2^44.5 blocks are encrypted.",
	Check:   "Unreachable for Web Push (one record ≤ 4 KiB). Catalogue only.",
})
