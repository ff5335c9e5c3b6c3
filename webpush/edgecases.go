package webpush

import (
	"crypto/ecdh"

	"github.com/pushspec/pushspec/rules"
)

// The keys of RFC 8291 Appendix A (testdata/vectors.json, "rfc8291_appendix_a"). Public test
// data: a receiver holding ua_private and auth_secret decrypts every body EdgeCases builds.
const (
	AppendixAUAPrivate  = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	AppendixAAuthSecret = "BTBZMqHH6r4Tts7J_aSIgg"
	AppendixAASPrivate  = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	AppendixASalt       = "DGv6ra1nlYgDCS1FRnbzlw"
	AppendixAPlaintext  = "When I grow up, I want to be a watermelon"
)

// AppendixAKeys returns the user agent keys, the sender's ephemeral key and the salt of RFC 8291
// Appendix A.
func AppendixAKeys() (ua *UAKeys, as *ecdh.PrivateKey, salt []byte) {
	mustDecode := func(s string) []byte {
		b, err := DecodeBase64(s)
		if err != nil {
			panic("webpush: bad built-in vector: " + err.Error()) // constants above; covered by tests
		}
		return b
	}
	ua, err := UAKeysFromBytes(mustDecode(AppendixAUAPrivate), mustDecode(AppendixAAuthSecret))
	if err != nil {
		panic("webpush: bad built-in vector: " + err.Error())
	}
	as, err = ecdh.P256().NewPrivateKey(mustDecode(AppendixAASPrivate))
	if err != nil {
		panic("webpush: bad built-in vector: " + err.Error())
	}
	return ua, as, mustDecode(AppendixASalt)
}

// What a receiver is expected to do with an EdgeCase body.
const (
	ExpectAccept    = "accept"     // a conformant receiver decrypts it
	ExpectReject    = "reject"     // a conformant receiver discards it
	ExpectMayAccept = "may-accept" // either is conformant (multi-record support, ignoring rs, another keyid form)
)

// EdgeCase is one derived body of testdata/README.md ("Derived edge cases"), built with the
// fault knobs of Options from the Appendix A keys, salt and plaintext.
type EdgeCase struct {
	Name      string
	Body      []byte
	Expect    string // ExpectAccept, ExpectReject or ExpectMayAccept
	Rule      string // the rule a receiver's behaviour is graded under
	Plaintext []byte // what an accepting receiver must deliver
}

// compressedPoint is the 33-octet SEC 1 compressed form of an uncompressed P-256 point.
func compressedPoint(p []byte) []byte {
	return append([]byte{2 | p[64]&1}, p[1:33]...)
}

// EdgeCases builds every derived edge-case body of testdata/README.md, in the order of its table.
// Salt and sender key repeat across them on purpose; never do that outside test data.
func EdgeCases() []EdgeCase {
	ua, as, salt := AppendixAKeys()
	sub := ua.Subscription("https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV")
	text := []byte(AppendixAPlaintext)
	cases := []struct {
		name, expect, rule string
		plaintext          []byte
		o                  Options
	}{
		{"valid-padded", ExpectAccept, rules.PaddingDelimiter.ID, text, Options{Pad: 10}},
		{"two-records", ExpectMayAccept, rules.UAMultipleRecordsOptional.ID, text, Options{RS: 38, Records: 2}},
		{"empty-plaintext", ExpectAccept, rules.PushDataEmptyPayload.ID, []byte{}, Options{}},
		{"bad-delimiter-01", ExpectReject, rules.UAChecksDelimiter.ID, text, Options{Delimiter: 1}},
		{"bad-delimiter-03", ExpectReject, rules.UAChecksDelimiter.ID, text, Options{Delimiter: 3}},
		{"no-delimiter", ExpectReject, rules.UAChecksDelimiter.ID, text, Options{Delimiter: NoDelimiter}},
		{"no-delimiter-all-zero", ExpectReject, rules.FailNoDelimiter.ID, []byte{}, Options{Delimiter: NoDelimiter, Pad: 16}},
		{"two-records-bad-first-delimiter", ExpectReject, rules.FailWrongDelimiter.ID, text, Options{RS: 38, Records: 2, InnerDelimiter: 2}},
		{"two-records-last-dropped", ExpectReject, rules.NoPartialProcessing.ID, text, Options{RS: 38, Records: 2, Truncate: 38}},
		// RFC 8188 §2.1 makes rs below 18 invalid, but RFC 8291 §4: "A user agent MAY ignore the
		// rs field": a receiver that ignores it may accept.
		{"rs-17", ExpectMayAccept, rules.UAMayIgnoreRS.ID, text, Options{HeaderRS: 17}},
		{"rs-smaller-than-record", ExpectMayAccept, rules.UAMayIgnoreRS.ID, text, Options{HeaderRS: 50}},
		{"truncated-tag", ExpectReject, rules.NoPartialProcessing.ID, text, Options{Truncate: 1}},
		{"short-record", ExpectReject, rules.MinRecord.ID, text, Options{Truncate: 48}},
		{"truncated-header", ExpectReject, rules.HeaderLayout.ID, text, Options{Truncate: 94}},
		{"keyid-off-curve", ExpectReject, rules.UAValidatesKey.ID, text, Options{KeyIDNotOnCurve: true}},
		// RFC 8291 §4 binds the sender to the uncompressed form; it requires nothing of a receiver
		// that decompresses the same key.
		{"keyid-compressed", ExpectMayAccept, rules.UAKeyIDOtherForm.ID, text, Options{KeyID: compressedPoint(as.PublicKey().Bytes())}},
	}
	out := make([]EdgeCase, 0, len(cases))
	for _, c := range cases {
		c.o.Salt, c.o.ASPrivate = salt, as
		body, err := Encrypt(sub, c.plaintext, &c.o)
		if err != nil {
			panic("webpush: edge case " + c.name + ": " + err.Error()) // fixed inputs; covered by tests
		}
		out = append(out, EdgeCase{Name: c.name, Body: body, Expect: c.expect, Rule: c.rule, Plaintext: c.plaintext})
	}
	return out
}
