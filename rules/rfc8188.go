package rules

// RFC 8188, Encrypted Content-Encoding for HTTP (aes128gcm): the record format that RFC 8291
// builds on.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

var RecordLayout = Register(Rule{
	ID: "rfc8188-2-record-layout", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender | Codec,
	Summary: "Every record but the last is exactly `rs` octets; the last is at most `rs`.",
	Quote:   "The final encoding consists of a header (see Section 2.1) and zero or more fixed-size encrypted records; the final record can be smaller than the record size.",
	Check:   "For Web Push: body after the header ≤ `rs` (single record).",
})

var PaddingDelimiter = Register(Rule{
	ID: "rfc8188-2-padding-delimiter", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "A record's plaintext ends with a delimiter (2 on the last record, 1 on the others) followed only by zero octets.",
	Quote:   "Each record contains a single padding delimiter octet followed by any number of zero octets.",
	Check:   "The fake decrypts; last non-zero octet is 0x02; nothing but 0x00 after it.",
})

var FailNoDelimiter = Register(Rule{
	ID: "rfc8188-2-fail-no-delimiter", Doc: RFC8188, Section: "2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A record with no non-zero octet fails to decrypt.",
	Quote:   "A decrypter MUST fail if the record contains no non-zero octet.",
	Check:   "Deliver `no-delimiter-all-zero` then a sentinel; only the sentinel.",
})

var FailWrongDelimiter = Register(Rule{
	ID: "rfc8188-2-fail-wrong-delimiter", Doc: RFC8188, Section: "2",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A last record whose delimiter is not 2, or an earlier record whose delimiter is not 1, fails to decrypt.",
	Quote:   "A decrypter MUST fail if the last record contains a padding delimiter with a value other than 2 or if any record other than the last contains a padding delimiter with a value other than 1.",
	Check:   "`bad-delimiter-01`, `two-records-bad-first-delimiter`, each then a sentinel.",
})

var EmptyAAD = Register(Rule{
	ID: "rfc8188-2-empty-aad", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: AppServer | UserAgent, Seen: Codec,
	Summary: "The AEAD additional data is empty.",
	Quote:   "The additional data passed to each invocation of AEAD_AES_128_GCM is a zero-length octet sequence.",
	Check:   "Vectors; sender bodies decrypt with empty AAD.",
})

var MinRecord = Register(Rule{
	ID: "rfc8188-2-min-record", Doc: RFC8188, Section: "2",
	Level: Must, Implied: true, Actor: UserAgent, Seen: Browser,
	Summary: "A valid record holds at least a delimiter and a 16-octet tag (≥ 17 octets).",
	Quote:   "Valid records always contain at least a padding delimiter octet and a 16-octet authentication tag.",
	Check:   "Deliver a body with a 10-octet record, then a sentinel.",
})

var HeaderLayout = Register(Rule{
	ID: "rfc8188-2.1-header-layout", Doc: RFC8188, Section: "2.1",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender | Codec,
	Summary: "The body starts with salt (16) ‖ rs (uint32, big-endian) ‖ idlen (1) ‖ keyid (idlen).",
	Quote:   "The header block is placed in the body of a message ahead of the sequence of records.",
	Check:   "Parse; `len(body) ≥ 21 + idlen`.",
})

// Only the sender is graded: RFC 8291 §4 says "A user agent MAY ignore the \"rs\" parameter.", so a
// browser that accepts a header with rs = 17 is recorded under UAMayIgnoreRS.
var RSMin18 = Register(Rule{
	ID: "rfc8188-2.1-rs-min-18", Doc: RFC8188, Section: "2.1",
	Level: Must, Implied: true, Actor: AppServer, Seen: Sender,
	Summary: "`rs` below 18 is invalid.",
	Quote:   "Values smaller than 18 are invalid.",
	Check:   "Sender: `rs ≥ 18`. A user agent may ignore `rs` (RFC 8291 §4): what a browser does with `rs-17` is recorded under rfc8291-4-ua-may-ignore-rs.",
})

var SaltNotReused = Register(Rule{
	ID: "rfc8188-2.1-salt-not-reused", Doc: RFC8188, Section: "2.1, 4.3",
	Level: MustNot, Actor: AppServer, Seen: Sender,
	Summary: "A salt is never used twice with the same input keying material.",
	Quote:   "The same \"salt\" parameter value MUST NOT be reused for two different payload bodies that have the same input-keying material; generating a random salt for every application of the content coding ensures that content-encryption key reuse is highly unlikely.",
	Check:   "Over a run, (subscription, keyid, salt) never repeats → else fail. The same salt under a different `keyid` is legal but see rfc8188-4.3-random-salt.",
})

var KeyIDUTF8 = Register(Rule{
	ID: "rfc8188-2.1-keyid-utf8", Doc: RFC8188, Section: "2.1",
	Level: Should, Actor: AppServer, Seen: Review,
	Summary: "`keyid` should be UTF-8 — superseded for Web Push by rfc8291-4-keyid-is-as-public-key.",
	Quote:   "A \"keyid\" parameter SHOULD be a UTF-8-encoded [RFC3629] string, particularly where the identifier might need to be rendered in a textual form.",
	Check:   "Not graded for Web Push; listed for completeness.",
})

var CEKDerivation = Register(Rule{
	ID: "rfc8188-2.2-cek-derivation", Doc: RFC8188, Section: "2.2",
	Level: Must, Implied: true, Actor: AppServer | UserAgent, Seen: Codec,
	Summary: "PRK = HMAC-SHA-256(salt, IKM); CEK = first 16 octets of HMAC-SHA-256(PRK, `\"Content-Encoding: aes128gcm\"` ‖ 0x00 ‖ 0x01).",
	Quote:   "The content-encryption key is derived from the \"salt\" parameter using the HMAC-based key derivation function (HKDF) described in [RFC5869] using the SHA-256 hash algorithm [FIPS180-4].",
	Check:   "RFC 8188 §3.1, §3.2 and RFC 8291 App. A vectors.",
})

var NonceDerivation = Register(Rule{
	ID: "rfc8188-2.3-nonce-derivation", Doc: RFC8188, Section: "2.3",
	Level: Must, Implied: true, Actor: AppServer | UserAgent, Seen: Codec,
	Summary: "NONCE = first 12 octets of HMAC-SHA-256(PRK, `\"Content-Encoding: nonce\"` ‖ 0x00 ‖ 0x01) XOR SEQ (96-bit big-endian, from 0).",
	Quote:   "The nonce for each record is a 12-octet (96-bit) value that is derived from the record sequence number, input-keying material, and \"salt\" parameter.",
	Check:   "Vectors; RFC 8188 §3.2 exercises SEQ = 1.",
})

var RejectUncoded = Register(Rule{
	ID: "rfc8188-4.1-reject-uncoded", Doc: RFC8188, Section: "4.1",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A receiver that relies on content origin authentication rejects content without the `aes128gcm` coding.",
	Quote:   "Recipients that depend on content-origin authentication using this mechanism MUST reject messages that don't include the \"aes128gcm\" content coding.",
	Check:   "The fake delivers a payload with no encoding on the UA link (autopush `notification` with `data` but no `headers.encoding`); then a sentinel; only the sentinel.",
})

var NoPartialProcessing = Register(Rule{
	ID: "rfc8188-4.2-no-partial-processing", Doc: RFC8188, Section: "4.2",
	Level: MustNot, Actor: UserAgent, Seen: Browser,
	Summary: "A truncated message is not processed as if complete.",
	Quote:   "A partially delivered message MUST NOT be processed as though the entire message was successfully delivered.",
	Check:   "`truncated-tag`, and a two-record body with the last record dropped, each then a sentinel.",
})

var RandomSalt = Register(Rule{
	ID: "rfc8188-4.3-random-salt", Doc: RFC8188, Section: "4.3",
	Level: Should, Actor: AppServer, Seen: Sender,
	Summary: "A fresh random salt for every message.",
	Quote:   "An implementation SHOULD generate a random \"salt\" parameter for every message.",
	Check:   "Salts differ across messages and are not constant or zero *(heuristic)*.",
})

var DataLimit = Register(Rule{
	ID: "rfc8188-4.4-data-limit", Doc: RFC8188, Section: "4.4",
	Level: Must, Actor: AppServer, Seen: Review,
	Summary: "Under one IKM and salt, less than 2^44.5 blocks are encrypted.",
	Quote:   "In order to preserve a 2^-40 probability of indistinguishability under chosen plaintext attack (IND-CPA), the total amount of plaintext that can be enciphered with the key derived from the same input-keying material and salt MUST be less than 2^44.5 blocks of 16 octets [AEBounds].",
	Check:   "Unreachable for Web Push (one record ≤ 4 KiB). Catalogue only.",
})
