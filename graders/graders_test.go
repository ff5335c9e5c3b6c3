package graders

import (
	"crypto/ecdh"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// The graders decide each rule both ways on requests built here, without a push service: a
// conforming request passes the rule, one that breaks it gets the rule's broken outcome, and
// the fault is graded once, under the sender's rule.

const audience = "http://127.0.0.1:8080"

var now = time.Unix(1_800_000_000, 0)

// fixture is a subscription (user-agent keys, restricted to the sender's VAPID key) and a sender.
type fixture struct {
	ua    *webpush.UAKeys
	vapid *webpush.VAPIDKeys
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ua, err := webpush.NewUAKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := webpush.NewVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ua: ua, vapid: v}
}

// request is a conforming push request of plaintext, changed by the options given.
func (f *fixture) request(t *testing.T, plaintext string, eo *webpush.Options, so *webpush.SignOptions, header map[string]string) *Request {
	t.Helper()
	body, err := webpush.Encrypt(f.ua.Subscription(audience+"/push/x"), []byte(plaintext), eo)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := f.vapid.Authorization(audience, "mailto:ops@example.com", now.Add(12*time.Hour), so)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("TTL", "60")
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("Authorization", auth)
	for k, v := range header {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	return &Request{
		Method: http.MethodPost, Header: h, Body: body, BodySize: len(body), MaxPayload: 4096,
		Received: now, Audience: audience, Subscription: "sub-1", AppServerKey: f.vapid.Public(),
		Keys: f.ua, History: &KeyHistory{},
	}
}

// outcomes lists the outcomes of rule's verdicts in vs.
func outcomes(vs []rules.Verdict, r rules.Rule) []rules.Outcome {
	var out []rules.Outcome
	for _, v := range vs {
		if v.Rule == r.ID {
			out = append(out, v.Outcome)
		}
	}
	return out
}

// want checks that rule has exactly the outcomes given in vs.
func want(t *testing.T, vs []rules.Verdict, r rules.Rule, o ...rules.Outcome) {
	t.Helper()
	got := outcomes(vs, r)
	if len(got) != len(o) {
		t.Errorf("%s: outcomes %v, want %v (verdicts %+v)", r.ID, got, o, vs)
		return
	}
	for i := range o {
		if got[i] != o[i] {
			t.Errorf("%s: outcomes %v, want %v (verdicts %+v)", r.ID, got, o, vs)
			return
		}
	}
}

func all(r *Request) []rules.Verdict {
	var vs []rules.Verdict
	for _, g := range []func(*Request) []rules.Verdict{TTL, Urgency, Topic, Coding, Body, VAPID, Decryption, EndToEnd, Receipts, MozillaBridgeSize} {
		vs = append(vs, g(r)...)
	}
	return vs
}

// noFault fails when vs carries a fail or non-strict verdict.
func noFault(t *testing.T, vs []rules.Verdict) {
	t.Helper()
	for _, v := range vs {
		if v.Outcome == rules.Fail || v.Outcome == rules.NonStrict {
			t.Errorf("%s: %s (%s)", v.Rule, v.Outcome, v.Message)
		}
	}
}

func TestConformingRequestPasses(t *testing.T) {
	f := newFixture(t)
	r := f.request(t, "hello", nil, nil, map[string]string{"Urgency": "high", "Topic": "update_1"})
	vs := all(r)
	noFault(t, vs)
	for _, rule := range []rules.Rule{rules.TTLRequired, rules.TTLSyntax, rules.UrgencyValues, rules.UrgencySingleValue,
		rules.TopicSyntax, rules.AES128GCMOnly, rules.Fits4096, rules.HeaderLayout, rules.RSMin18, rules.KeyIDIsASPublicKey,
		rules.RecordLayout, rules.RSExceedsRecord, rules.RandomSalt, rules.SaltNotReused, rules.ASEphemeralKey,
		rules.VAPIDScheme, rules.JWSES256, rules.AudOrigin, rules.ExpMax24h, rules.RestrictedNeedsJWT, rules.DistinctKeys,
		rules.KeyDerivation, rules.PaddingDelimiter, rules.SingleRecord, rules.EndToEndProtection} {
		want(t, vs, rule, rules.Pass)
	}
	if pt, tried, err := r.Decrypted(); !tried || err != nil || string(pt) != "hello" {
		t.Errorf("Decrypted() = %q, %v, %v; want hello, true, nil", pt, tried, err)
	}
}

// RFC 8030 §5.2, §5.3, §5.4: each header both ways.
func TestHeaderGraders(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name   string
		header map[string]string
		grader func(*Request) []rules.Verdict
		rule   rules.Rule
		want   rules.Outcome
	}{
		{"TTL missing", map[string]string{"TTL": ""}, TTL, rules.TTLRequired, rules.Fail},
		{"TTL decimal", map[string]string{"TTL": "1.5"}, TTL, rules.TTLSyntax, rules.Fail},
		{"TTL negative", map[string]string{"TTL": "-5"}, TTL, rules.TTLSyntax, rules.Fail},
		{"Urgency urgent", map[string]string{"Urgency": "urgent"}, Urgency, rules.UrgencyValues, rules.Fail},
		{"Urgency list", map[string]string{"Urgency": "low, high"}, Urgency, rules.UrgencySingleValue, rules.Fail},
		{"Topic padded", map[string]string{"Topic": "abcd=="}, Topic, rules.TopicSyntax, rules.Fail},
		{"Topic of 33", map[string]string{"Topic": strings.Repeat("a", 33)}, Topic, rules.TopicSyntax, rules.Fail},
		{"gzip", map[string]string{"Content-Encoding": "gzip"}, Coding, rules.AES128GCMOnly, rules.Fail},
		{"AES128GCM upper case", map[string]string{"Content-Encoding": "AES128GCM"}, Coding, rules.AES128GCMOnly, rules.Pass},
		{"no coding", map[string]string{"Content-Encoding": ""}, EndToEnd, rules.EndToEndProtection, rules.Fail},
	} {
		t.Run(c.name, func(t *testing.T) {
			vs := c.grader(f.request(t, "hi", nil, nil, c.header))
			want(t, vs, c.rule, c.want)
			for _, v := range vs {
				if v.Rule == c.rule.ID && v.Outcome != rules.Pass && !strings.Contains(v.Message, "RFC") {
					t.Errorf("%s: message %q does not say what the RFC requires", v.Rule, v.Message)
				}
			}
		})
	}
}

// RFC 8030 §5.2: several TTL fields are graded by rfc8030-5.2-ttl-required alone.
func TestTTLTwiceGradedOnce(t *testing.T) {
	f := newFixture(t)
	r := f.request(t, "hi", nil, nil, nil)
	r.Header.Add("TTL", "60")
	vs := TTL(r)
	want(t, vs, rules.TTLRequired, rules.Fail)
	want(t, vs, rules.TTLSyntax, rules.Pass)
}

// RFC 8291 §4: a body over the largest the service reads fails the 4096 bound (a SHOULD).
func TestTruncatedBody(t *testing.T) {
	f := newFixture(t)
	r := f.request(t, "hi", nil, nil, nil)
	r.Body, r.BodySize, r.Truncated = make([]byte, 4097), 5000, true
	vs := Coding(r)
	want(t, vs, rules.Fits4096, rules.NonStrict)
	if got := Body(r); got != nil {
		t.Errorf("Body graded a cut body: %+v", got)
	}
}

// RFC 8188 §2: a bad padding delimiter is the sender's fault, graded under
// rfc8188-2-padding-delimiter; the tag verified, so the key derivation passes.
func TestPaddingDelimiterAgainstSender(t *testing.T) {
	f := newFixture(t)
	vs := Decryption(f.request(t, "hi", &webpush.Options{Delimiter: 0x01}, nil, nil))
	want(t, vs, rules.PaddingDelimiter, rules.Fail)
	want(t, vs, rules.KeyDerivation, rules.Pass)
	want(t, vs, rules.UAChecksDelimiter)
}

// RFC 8291 §4: an off-curve keyid is graded once, under the sender's keyid rule.
func TestOffCurveKeyIDAgainstSender(t *testing.T) {
	f := newFixture(t)
	r := f.request(t, "hi", &webpush.Options{KeyIDNotOnCurve: true}, nil, nil)
	vs := append(Body(r), Decryption(r)...)
	want(t, vs, rules.KeyIDIsASPublicKey, rules.Fail)
	want(t, vs, rules.UAValidatesKey)
	want(t, vs, rules.KeyDerivation)
}

// RFC 8291 §4: several records fail the single-record rule.
func TestSeveralRecords(t *testing.T) {
	f := newFixture(t)
	vs := Decryption(f.request(t, strings.Repeat("x", 80), &webpush.Options{RS: 64, Records: 2}, nil, nil))
	want(t, vs, rules.SingleRecord, rules.Fail)
}

// RFC 8188 §2.1 and RFC 8291 §3.1: salt and key reuse count against earlier accepted bodies; the
// same body again is a resend.
func TestSaltAndKeyReuse(t *testing.T) {
	f := newFixture(t)
	h := &KeyHistory{}
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	salt := make([]byte, 16)
	salt[0] = 1
	first := f.request(t, "one", &webpush.Options{Salt: salt, ASPrivate: as}, nil, nil)
	first.History = h
	want(t, Body(first), rules.SaltNotReused, rules.Pass)
	h.Remember(first.KeyUse())

	resend := f.request(t, "one", nil, nil, nil)
	resend.Body, resend.BodySize, resend.History = first.Body, first.BodySize, h
	vs := Body(resend)
	want(t, vs, rules.SaltNotReused, rules.Pass)
	want(t, vs, rules.ASEphemeralKey, rules.Pass)

	again := f.request(t, "two", &webpush.Options{Salt: salt, ASPrivate: as}, nil, nil)
	again.History = h
	vs = Body(again)
	want(t, vs, rules.SaltNotReused, rules.Fail)
	want(t, vs, rules.ASEphemeralKey, rules.Fail)

	other := f.request(t, "two", &webpush.Options{ASPrivate: as}, nil, nil)
	other.History = h
	vs = Body(other)
	want(t, vs, rules.SaltNotReused, rules.Pass)
	want(t, vs, rules.ASEphemeralKey, rules.Fail)
}

// RFC 8292 §2: exp is judged against the time of the request, never the service's clock.
func TestExpAgainstTimeOfRequest(t *testing.T) {
	f := newFixture(t)
	auth, err := f.vapid.Authorization(audience, "mailto:ops@example.com", now.Add(24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := f.request(t, "hi", nil, nil, map[string]string{"Authorization": auth})
	r.ClockSkew = -time.Hour
	vs := VAPID(r)
	want(t, vs, rules.ExpMax24h, rules.Pass)
	want(t, vs, rules.InteropExpSkewMargin, rules.Info)

	auth, err = f.vapid.Authorization(audience, "mailto:ops@example.com", now.Add(-time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	vs = VAPID(f.request(t, "hi", nil, nil, map[string]string{"Authorization": auth}))
	want(t, vs, rules.RejectExpired)
	if len(outcomes(vs, rules.ExpMax24h))+len(outcomes(vs, rules.ExpRequired)) == 0 {
		t.Errorf("an expired token is graded under no exp rule of the sender: %+v", vs)
	}
}

// RFC 8292 §2.1: sub is a MAY: no sub is info, never a fault.
func TestNoSub(t *testing.T) {
	f := newFixture(t)
	vs := VAPID(f.request(t, "hi", nil, &webpush.SignOptions{OmitSub: true}, nil))
	noFault(t, vs)
	want(t, vs, rules.SubOptional, rules.Info)
	want(t, vs, rules.SubContactURI)
}

// One fault, one rule: the draft WebPush scheme fails rfc8292-2-vapid-scheme only; the
// restricted subscription's rule passes when k is the subscription's key.
func TestSchemeFaultOnce(t *testing.T) {
	f := newFixture(t)
	so := &webpush.SignOptions{Scheme: webpush.SchemeWebPush}
	vs := VAPID(f.request(t, "hi", nil, so, map[string]string{"Crypto-Key": f.vapid.CryptoKey(so)}))
	want(t, vs, rules.VAPIDScheme, rules.Fail)
	want(t, vs, rules.RestrictedNeedsJWT, rules.Pass)
}

// RFC 8292 §4.2: a restricted subscription needs a JWT; an unrestricted one takes none (info).
func TestNoAuthorization(t *testing.T) {
	f := newFixture(t)
	r := f.request(t, "hi", nil, nil, map[string]string{"Authorization": ""})
	want(t, VAPID(r), rules.RestrictedNeedsJWT, rules.Fail)
	r = f.request(t, "hi", nil, nil, map[string]string{"Authorization": ""})
	r.AppServerKey = nil
	vs := VAPID(r)
	noFault(t, vs)
	want(t, vs, rules.SubOptional, rules.Info)
}

// RFC 8030 §5.1: a sender given a receipt subscription passes it back.
func TestReceiptReuse(t *testing.T) {
	f := newFixture(t)
	r := f.request(t, "hi", nil, nil, map[string]string{"Prefer": "respond-async"})
	if vs := Receipts(r); vs != nil {
		t.Errorf("graded with no receipt subscription given: %+v", vs)
	}
	r.ReceiptGiven = "/receipts/abc"
	want(t, Receipts(r), rules.SenderReusesReceiptSubscription, rules.NonStrict)
	r.Header.Set("Link", `<http://127.0.0.1:8080/receipts/abc>; rel="urn:ietf:params:push:receipt"`)
	want(t, Receipts(r), rules.SenderReusesReceiptSubscription, rules.Pass)
	if l, ok := ReceiptLink(r.Header); !ok || l.Path != "/receipts/abc" {
		t.Errorf("ReceiptLink = %+v, %v", l, ok)
	}
}
