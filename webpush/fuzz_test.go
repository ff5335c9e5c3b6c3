package webpush

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// The fuzz targets check that no input panics and that every failure is a *Error naming a rule.
// Seeds live in testdata/fuzz/<FuzzName>/ (the vectors and edge cases); plain `go test` runs them.

func requireRuleError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if err != nil && (!errors.As(err, &e) || e.Rule == "" || e.Reason == "") {
		t.Fatalf("error %v (%T) is not a *webpush.Error with a rule and a reason", err, err)
	}
}

func FuzzDecrypt(f *testing.F) {
	ua, _, _ := AppendixAKeys()
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecryptMessage(ua, body)
		requireRuleError(t, err)
		if err == nil && (m.Records < 1 || len(m.Plaintext) > len(body)) {
			t.Fatalf("accepted with %d records and %d plaintext octets from %d", m.Records, len(m.Plaintext), len(body))
		}
	})
}

func FuzzParseContentHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := ParseContentHeader(body)
		requireRuleError(t, err)
		if err == nil && (h.Len != FixedHeaderLen+len(h.KeyID) || h.Len > len(body) || h.RS < MinRS || len(h.Salt) != SaltLen) {
			t.Fatalf("inconsistent header %+v for %d octets", h, len(body))
		}
	})
}

var digits = regexp.MustCompile(`^[0-9]+$`)

func FuzzParseTTL(f *testing.F) {
	f.Fuzz(func(t *testing.T, value string) {
		ttl, err := ParseTTL(http.Header{"Ttl": {value}})
		requireRuleError(t, err)
		if (err == nil) != digits.MatchString(value) {
			t.Fatalf("ParseTTL(%q) = %d, %v: acceptance must match 1*DIGIT", value, ttl, err)
		}
		if err == nil && (ttl < 0 || ttl > MaxTTL) {
			t.Fatalf("ParseTTL(%q) = %d, outside 0..2^31", value, ttl)
		}
	})
}

func FuzzParseUrgency(f *testing.F) {
	f.Fuzz(func(t *testing.T, value string) {
		u, err := ParseUrgency(http.Header{"Urgency": {value}})
		requireRuleError(t, err)
		if err == nil && u != "very-low" && u != "low" && u != "normal" && u != "high" {
			t.Fatalf("ParseUrgency(%q) = %q", value, u)
		}
	})
}

var topicSyntax = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func FuzzParseTopic(f *testing.F) {
	f.Fuzz(func(t *testing.T, value string) {
		topic, err := ParseTopic(http.Header{"Topic": {value}})
		requireRuleError(t, err)
		if (err == nil) != topicSyntax.MatchString(value) || (err == nil && topic != value) {
			t.Fatalf("ParseTopic(%q) = %q, %v: acceptance must match %s", value, topic, err, topicSyntax)
		}
	})
}

func FuzzParseVAPID(f *testing.F) {
	now := time.Date(2016, 1, 23, 4, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, authorization, cryptoKey string) {
		v, err := ParseVAPID(authorization, cryptoKey)
		requireRuleError(t, err)
		if err != nil {
			return
		}
		for _, p := range v.Verify(VerifyOptions{Audience: "https://push.example.net", Now: now}) {
			if p.Rule == "" || p.Reason == "" || (p.Level != LevelMust && p.Level != LevelShould) {
				t.Fatalf("malformed problem %+v", p)
			}
		}
		NewVerifyCache(1).Verify(v, VerifyOptions{Now: now})
	})
}

func FuzzDecryptAESGCM(f *testing.F) {
	ua, _, _ := AppendixAKeys()
	f.Fuzz(func(t *testing.T, body []byte, encryption, cryptoKey string) {
		plain, err := DecryptAESGCM(ua, body, encryption, cryptoKey)
		requireRuleError(t, err)
		if err == nil && len(plain) > len(body) {
			t.Fatalf("%d plaintext octets from a %d-octet body", len(plain), len(body))
		}
	})
}

// FuzzEncryptDecrypt drives the record layer past the tag check, which random bodies never reach:
// it encrypts with fuzzed knobs and decrypts. Conformant knobs must round-trip exactly; faulty ones
// must fail with a rule (or decrypt, when the fault happens to be harmless) and never panic.
func FuzzEncryptDecrypt(f *testing.F) {
	f.Add([]byte(AppendixAPlaintext), uint16(0), uint8(0), uint16(0), int16(0), int16(0), uint8(0))
	f.Add([]byte(AppendixAPlaintext), uint16(38), uint8(2), uint16(0), int16(0), int16(2), uint8(0))
	f.Add([]byte{}, uint16(0), uint8(0), uint16(16), int16(NoDelimiter), int16(0), uint8(0))
	f.Add([]byte("I am the walrus"), uint16(25), uint8(3), uint16(4), int16(1), int16(0), uint8(38))
	ua, as, salt := AppendixAKeys()
	sub := ua.Subscription("")
	f.Fuzz(func(t *testing.T, plain []byte, rs uint16, records uint8, pad uint16, delimiter, inner int16, truncate uint8) {
		o := &Options{Salt: salt, ASPrivate: as, RS: uint32(rs), Records: int(records), Pad: int(pad),
			Delimiter: int(delimiter), InnerDelimiter: int(inner), Truncate: int(truncate)}
		body, err := Encrypt(sub, plain, o)
		requireRuleError(t, err)
		if err != nil {
			return
		}
		m, err := DecryptMessage(ua, body)
		requireRuleError(t, err)
		conformant := (delimiter == 0 || delimiter == 2) && (inner == 0 || inner == 1) && truncate == 0 &&
			(rs == 0 || rs >= MinRS) // an rs below 18 is a knob that breaks rfc8188-2.1-rs-min-18 on purpose
		if conformant {
			if err != nil {
				t.Fatalf("conformant knobs %+v: %v", o, err)
			}
			if !bytes.Equal(m.Plaintext, plain) {
				t.Fatalf("conformant knobs %+v: round trip changed %d octets into %d", o, len(plain), len(m.Plaintext))
			}
		}
	})
}
