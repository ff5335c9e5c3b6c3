package webpush

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

// Hardening fuzz targets (see docs/reliability.md). FuzzParseVAPID feeds random headers, which
// never carry a valid signature; FuzzSignedClaims signs the fuzzed JOSE header and claims with a
// real key so that every claim check behind the signature (exp as float, string, huge; aud of
// any shape; sub; unknown alg values) is reached. FuzzCheckBody grades arbitrary bodies without
// keys, as the push service does for browsers' subscriptions. FuzzVerifyHeader goes through the
// verification cache the push service uses, twice per input (a miss, then a hit): both answers
// must agree.

// signJWS signs header.claims with ES256 (raw r‖s), the way VAPIDKeys.Token does.
func signJWS(t *testing.T, k *ecdsa.PrivateKey, header, claims []byte) string {
	t.Helper()
	in := Base64URL(header) + "." + Base64URL(claims)
	h := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + Base64URL(sig)
}

func FuzzSignedClaims(f *testing.F) {
	f.Add([]byte(`{"typ":"JWT","alg":"ES256"}`), []byte(`{"aud":"https://push.example.net","exp":1453523768,"sub":"mailto:push@example.com"}`), uint8(0))
	f.Add([]byte(`{"alg":"ES256"}`), []byte(`{"aud":"https://push.example.net","exp":"1453523768"}`), uint8(1))
	f.Add([]byte(`{"alg":"none"}`), []byte(`{"aud":["https://push.example.net"],"exp":1e400,"sub":7}`), uint8(2))
	f.Add([]byte(`{"alg":"ES256"}`), []byte(`{"aud":"https://push.example.net:443/x?y","exp":-1,"sub":"https:"}`), uint8(3))
	f.Add([]byte(`{"alg":"ES256"}`), []byte(`{"exp":99999999999999999999999999999999,"aud":null}`), uint8(0))
	f.Add([]byte(`[]`), []byte(`{"exp":1453523768.5,"aud":"https://push.example.net","sub":"mailto:"}`), uint8(1))
	f.Add([]byte(`{"alg":"ES256"}`), []byte(`{"aud":"https://push.example.net","exp":1453523768,"sub":"mailto:\u0000\ud800"}`), uint8(0))
	vk, err := NewVAPIDKeys()
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2016, 1, 23, 4, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, header, claims []byte, mode uint8) {
		token := signJWS(t, vk.Private, header, claims)
		k := Base64URL(vk.Public())
		var authz, cryptoKey string
		switch mode % 3 {
		case 0:
			authz = "vapid t=" + token + ", k=" + k
		case 1:
			authz, cryptoKey = "WebPush "+token, "p256ecdsa="+k
		default:
			authz = "vapid k=" + k + ",t=" + token + `, realm="x"`
		}
		v, err := ParseVAPID(authz, cryptoKey)
		requireRuleError(t, err)
		if err != nil {
			return
		}
		for _, o := range []VerifyOptions{
			{Audience: "https://push.example.net", Now: now},
			{Audience: "http://127.0.0.1:1", Now: time.Time{}},
		} {
			for _, p := range v.Verify(o) {
				if p.Rule == "" || p.Reason == "" || (p.Level != LevelMust && p.Level != LevelShould) {
					t.Fatalf("malformed problem %+v", p)
				}
				// A problem must never echo the signature (evidence is recorded and published).
				if sig := token[strings.LastIndex(token, ".")+1:]; len(sig) > 20 && strings.Contains(p.Reason, sig) {
					t.Fatalf("problem reason carries the JWT signature: %q", p.Reason)
				}
			}
		}
	})
}

func FuzzCheckBody(f *testing.F) {
	ua, as, salt := AppendixAKeys()
	good, _ := Encrypt(ua.Subscription(""), []byte(AppendixAPlaintext), &Options{Salt: salt, ASPrivate: as})
	f.Add(good)
	f.Add(good[:21])
	f.Add(good[:86])
	f.Add([]byte{})
	f.Add(append(append([]byte{}, good[:20]...), 0xff))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range CheckBody(body) {
			if p.Rule == "" || p.Reason == "" || (p.Level != LevelMust && p.Level != LevelShould) {
				t.Fatalf("malformed problem %+v for %d octets", p, len(body))
			}
		}
	})
}

func FuzzVerifyHeader(f *testing.F) {
	vk, _ := NewVAPIDKeys()
	now := time.Now()
	good, _ := vk.Authorization("https://push.example.net", "mailto:a@b.example", now.Add(time.Hour), nil)
	f.Add(good, "")
	f.Add(strings.Replace(good, "vapid ", "VAPID ", 1), "")
	f.Add("WebPush "+strings.TrimPrefix(strings.Split(good, ",")[0], "vapid t="), "p256ecdsa="+Base64URL(vk.Public()))
	f.Add("vapid t=a.b.c, k=", "")
	f.Add("vapid t=, k=, t=", "dh=x;p256ecdsa=y,p256ecdsa=z")
	cache := NewVerifyCache(64)
	f.Fuzz(func(t *testing.T, authorization, cryptoKey string) {
		o := VerifyOptions{Audience: "https://push.example.net", Now: now}
		v1, p1, err1 := cache.VerifyHeader(authorization, cryptoKey, o)
		requireRuleError(t, err1)
		v2, p2, err2 := cache.VerifyHeader(authorization, cryptoKey, o)
		if (err1 == nil) != (err2 == nil) || (v1 == nil) != (v2 == nil) || len(p1) != len(p2) {
			t.Fatalf("cache hit disagrees with miss: %v/%d vs %v/%d", err1, len(p1), err2, len(p2))
		}
		if cache.Len() > 64 {
			t.Fatalf("cache holds %d entries, bound 64", cache.Len())
		}
	})
}
