package fakepushservice

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// Tests of the sender-side grades of the body and VAPID as the push service records them (package
// graders decides them), each both ways: a conforming request passes the rule, a violating one
// breaks it, and the fault is graded once, under the rule of the party at fault (the application
// server).

// gradeFixture is a push service, one virtual UA subscription restricted to the sender's key,
// and a sender.
type gradeFixture struct {
	t   *testing.T
	s   *Server
	snd *sender
	vs  *VirtualSubscription
}

func newGradeFixture(t *testing.T, s *Server) *gradeFixture {
	t.Helper()
	s.NoTLS = true
	s = newTestServer(t, s)
	ua := s.NewVirtualUA(VirtualUAOptions{})
	t.Cleanup(ua.Close)
	snd := newSender(t)
	vs, err := ua.Subscribe(testCtx(t), snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &gradeFixture{t: t, s: s, snd: snd, vs: vs}
}

// send sends m and returns the recorded request.
func (f *gradeFixture) send(m msg) *Request {
	f.t.Helper()
	return f.do(f.snd.request(f.vs, "", m))
}

func (f *gradeFixture) do(req *http.Request) *Request {
	f.t.Helper()
	n := len(f.s.Requests())
	r := f.snd.do(req)
	reqs := f.s.Requests()
	if len(reqs) != n+1 {
		f.t.Fatalf("%d requests recorded, want %d", len(reqs), n+1)
	}
	q := reqs[len(reqs)-1]
	if q.Status != r.status {
		f.t.Fatalf("recorded status %d, answered %d", q.Status, r.status)
	}
	return q
}

// outcomes lists the outcomes of rule's verdicts on q.
func outcomes(q *Request, rule string) []rules.Outcome {
	var out []rules.Outcome
	for _, v := range q.Verdicts {
		if v.Rule == rule {
			out = append(out, v.Outcome)
		}
	}
	return out
}

// want checks that rule has exactly the outcomes given on q (none: no verdict at all).
func want(t *testing.T, q *Request, rule string, o ...rules.Outcome) {
	t.Helper()
	got := outcomes(q, rule)
	if len(got) != len(o) {
		t.Errorf("%s: outcomes %v, want %v\n%s", rule, got, o, verdictDump(q))
		return
	}
	for i := range o {
		if got[i] != o[i] {
			t.Errorf("%s: outcomes %v, want %v\n%s", rule, got, o, verdictDump(q))
			return
		}
	}
}

func verdictMessage(q *Request, rule string) string {
	for _, v := range q.Verdicts {
		if v.Rule == rule {
			return v.Message
		}
	}
	return ""
}

func verdictDump(q *Request) string {
	var b strings.Builder
	for _, v := range q.Verdicts {
		b.WriteString("  " + v.Rule + " " + string(v.Outcome) + ": " + v.Message + "\n")
	}
	return b.String()
}

// noFaultOf fails when q carries a fail or non-strict verdict under any rule but the allowed ones.
func noFaultOf(t *testing.T, q *Request, allowed ...string) {
	t.Helper()
	for _, v := range q.Verdicts {
		if (v.Outcome == rules.Fail || v.Outcome == rules.NonStrict) && !contains(allowed, v.Rule) {
			t.Errorf("unexpected %s %s: %s", v.Rule, v.Outcome, v.Message)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RFC 8292 §2: exp "MUST NOT be more than 24 hours from the time of the request". A sender that
// signs its own now + 24 h conforms, whatever the push service's clock says; a push service whose
// clock lags refuses the token (its own §4.2 check), and the skew risk is an interop note.
func TestGradeExpAgainstTimeOfRequest(t *testing.T) {
	t.Run("now + 24 h, correct service clock", func(t *testing.T) {
		f := newGradeFixture(t, &Server{})
		q := f.send(msg{exp: 24 * time.Hour})
		if q.Status != 201 {
			t.Fatalf("status %d: %s", q.Status, q.ResponseBody)
		}
		want(t, q, rules.ExpMax24h.ID, rules.Pass)
		want(t, q, rules.InteropExpSkewMargin.ID, rules.Info)
		noFaultOf(t, q)
	})
	t.Run("now + 24 h, service clock 2 min behind", func(t *testing.T) {
		f := newGradeFixture(t, &Server{ClockSkew: -2 * time.Minute})
		q := f.send(msg{exp: 24 * time.Hour})
		if q.Status != 403 || q.Answered != CondVAPIDExpTooLong {
			t.Errorf("the lagging service answered %d (%s), want 403 for %s", q.Status, q.Answered, CondVAPIDExpTooLong)
		}
		want(t, q, rules.ExpMax24h.ID, rules.Pass)
		want(t, q, rules.InteropExpSkewMargin.ID, rules.Info)
		if m := verdictMessage(q, rules.InteropExpSkewMargin.ID); !strings.Contains(m, "clock") {
			t.Errorf("skew note %q does not say why", m)
		}
		noFaultOf(t, q)
	})
	t.Run("now + 12 h leaves room", func(t *testing.T) {
		f := newGradeFixture(t, &Server{ClockSkew: -2 * time.Minute})
		q := f.send(msg{exp: 12 * time.Hour})
		if q.Status != 201 {
			t.Fatalf("status %d: %s", q.Status, q.ResponseBody)
		}
		want(t, q, rules.ExpMax24h.ID, rules.Pass)
		want(t, q, rules.InteropExpSkewMargin.ID, rules.Pass)
	})
	t.Run("now + 24 h 2 min", func(t *testing.T) {
		f := newGradeFixture(t, &Server{})
		q := f.send(msg{exp: 24*time.Hour + 2*time.Minute})
		want(t, q, rules.ExpMax24h.ID, rules.Fail)
		if m := verdictMessage(q, rules.ExpMax24h.ID); !strings.HasPrefix(m, "exp is 24 h ") || !strings.Contains(m, " after the request; RFC 8292 §2 allows at most 24 h") {
			t.Errorf("message %q", m)
		}
		if q.Answered != CondVAPIDExpTooLong {
			t.Errorf("answered %s, want %s", q.Answered, CondVAPIDExpTooLong)
		}
		want(t, q, rules.InteropExpSkewMargin.ID) // graded by the exp rule alone
	})
}

// A sender's expired token is the sender's fault: graded once under its exp rule, never under
// the push-service rule rfc8292-4.2-reject-expired. The service still refuses it.
func TestGradeExpiredTokenAgainstSender(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{exp: -time.Hour})
	want(t, q, rules.ExpMax24h.ID, rules.Fail)
	want(t, q, rules.RejectExpired.ID)
	want(t, q, rules.RestrictedNeedsJWT.ID, rules.Pass)
	if q.Status != 403 || q.Answered != CondVAPIDExpired {
		t.Errorf("answered %d %s, want 403 %s", q.Status, q.Answered, CondVAPIDExpired)
	}
	noFaultOf(t, q, rules.ExpMax24h.ID)
}

// RFC 8292 §2.1: sub is a MAY. No sub is no finding (info only); Apple's requirement is the
// interop note, and the apple profile still refuses.
func TestGradeNoSub(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{sub: "-"})
	if q.Status != 201 {
		t.Fatalf("status %d: %s", q.Status, q.ResponseBody)
	}
	want(t, q, rules.SubOptional.ID, rules.Info)
	want(t, q, rules.SubContactURI.ID)
	want(t, q, rules.InteropAppleSubRequired.ID, rules.Info)
	noFaultOf(t, q)

	// The violating side of sub: present but not a contact URI (SHOULD).
	q = f.send(msg{sub: "ops@example.com"})
	want(t, q, rules.SubContactURI.ID, rules.NonStrict)
	q = f.send(msg{})
	want(t, q, rules.SubContactURI.ID, rules.Pass)

	apple := newGradeFixture(t, &Server{Profile: "apple"})
	if q := apple.send(msg{sub: "-"}); q.Status != 403 || q.Answered != CondVAPIDSub {
		t.Errorf("apple: %d %s, want 403 %s", q.Status, q.Answered, CondVAPIDSub)
	}
}

// RFC 8292 §2: aud "MUST include" the origin; RFC 7519 §4.1.3 allows an array. Both the
// sender's grade and the service's acceptance follow.
func TestGradeAudArray(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	with := func(aud any) *Request {
		return f.send(msg{sign: &webpush.SignOptions{ExtraClaims: map[string]any{"aud": aud}}})
	}
	q := with([]string{"https://app.example", origin0(f.vs.Endpoint)})
	if q.Status != 201 {
		t.Errorf("array including the origin: status %d %s", q.Status, q.ResponseBody)
	}
	want(t, q, rules.AudOrigin.ID, rules.Pass)
	noFaultOf(t, q)

	q = with([]string{"https://app.example"})
	want(t, q, rules.AudOrigin.ID, rules.Fail)
	if q.Status != 403 || q.Answered != CondVAPIDAud {
		t.Errorf("array without the origin: %d %s, want 403 %s", q.Status, q.Answered, CondVAPIDAud)
	}
}

// One fault, one rule: the draft `WebPush <jwt>` scheme fails rfc8292-2-vapid-scheme only; the
// restricted subscription's rule is about k, and passes when k is the subscription's key.
func TestGradeSchemeFaultOnce(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{sign: &webpush.SignOptions{Scheme: webpush.SchemeWebPush}})
	want(t, q, rules.VAPIDScheme.ID, rules.Fail)
	want(t, q, rules.RestrictedNeedsJWT.ID, rules.Pass)
	noFaultOf(t, q, rules.VAPIDScheme.ID)

	// vapid without k: the sender's fault is the shape of its credentials, graded under
	// rfc8292-2-vapid-scheme, not the push-service rule rfc8292-4.2-reject-missing-t-or-k.
	q = f.send(msg{sign: &webpush.SignOptions{OmitK: true}})
	want(t, q, rules.VAPIDScheme.ID, rules.Fail)
	want(t, q, rules.RejectMissingTOrK.ID)
	want(t, q, rules.RestrictedNeedsJWT.ID)
	if q.Answered != CondVAPIDMissingTK {
		t.Errorf("answered %s, want %s", q.Answered, CondVAPIDMissingTK)
	}

	// The rule's own fault: a key other than the subscription's.
	other, err := webpush.NewVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	q = f.send(msg{vapid: other})
	want(t, q, rules.RestrictedNeedsJWT.ID, rules.Fail)
	want(t, q, rules.VAPIDScheme.ID, rules.Pass)
	want(t, q, rules.JWSES256.ID, rules.Pass)
	noFaultOf(t, q, rules.RestrictedNeedsJWT.ID)

	// And no Authorization at all on a restricted subscription.
	q = f.send(msg{noVAPID: true})
	want(t, q, rules.RestrictedNeedsJWT.ID, rules.Fail)
}

// RFC 8291 §4: "An application server MUST NOT use other content encodings for push messages."
// An aesgcm body breaks that rule alone: it is protected end to end (RFC 8030 §8.1) and decrypts.
func TestGradeAES128GCMOnly(t *testing.T) {
	f := newGradeFixture(t, &Server{Profile: "autopush"}) // autopush accepts aesgcm
	q := f.send(msg{aesgcm: true, plaintext: []byte("draft coding")})
	want(t, q, rules.AES128GCMOnly.ID, rules.Fail)
	want(t, q, rules.EndToEndProtection.ID, rules.Pass)
	want(t, q, rules.KeyDerivation.ID, rules.Pass)
	if string(q.Plaintext) != "draft coding" {
		t.Errorf("plaintext %q", q.Plaintext)
	}
	noFaultOf(t, q, rules.AES128GCMOnly.ID)

	q = f.send(msg{})
	want(t, q, rules.AES128GCMOnly.ID, rules.Pass)
	want(t, q, rules.EndToEndProtection.ID, rules.Pass)

	q = f.send(msg{header: map[string]string{"Content-Encoding": ""}})
	want(t, q, rules.AES128GCMOnly.ID, rules.Fail)
	want(t, q, rules.EndToEndProtection.ID, rules.Fail)
}

// RFC 8188 §2: the last record's padding delimiter is 2, followed only by zeros. A sender's bad
// delimiter fails the sender's rule rfc8188-2-padding-delimiter, not the user agent's rules; the
// tag verified, so the key derivation passes.
func TestGradePaddingDelimiterAgainstSender(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{enc: &webpush.Options{Pad: 40}})
	if q.Status != 201 {
		t.Fatalf("padded body: status %d %s", q.Status, q.ResponseBody)
	}
	want(t, q, rules.PaddingDelimiter.ID, rules.Pass)
	noFaultOf(t, q)

	for name, o := range map[string]*webpush.Options{
		"delimiter 0x01":  {Delimiter: 1},
		"delimiter 0x03":  {Delimiter: 3},
		"no delimiter":    {Delimiter: webpush.NoDelimiter, Pad: 3},
		"two records, 02": {Records: 2, RS: 40, InnerDelimiter: 2},
	} {
		t.Run(name, func(t *testing.T) {
			q := f.send(msg{enc: o, plaintext: []byte("a message in two records, perhaps")})
			want(t, q, rules.PaddingDelimiter.ID, rules.Fail)
			want(t, q, rules.KeyDerivation.ID, rules.Pass)
			for _, ua := range []string{rules.UAChecksDelimiter.ID, rules.FailNoDelimiter.ID, rules.FailWrongDelimiter.ID, rules.NoPartialProcessing.ID} {
				want(t, q, ua)
			}
		})
	}
}

// RFC 8291 §4: the keyid is the sender's 65-octet uncompressed P-256 key. An off-curve keyid is
// graded once, under that application-server rule, not under rfc8291-7-ua-validates-key.
func TestGradeOffCurveKeyIDAgainstSender(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{enc: &webpush.Options{KeyIDNotOnCurve: true}})
	want(t, q, rules.KeyIDIsASPublicKey.ID, rules.Fail)
	want(t, q, rules.UAValidatesKey.ID)
	noFaultOf(t, q, rules.KeyIDIsASPublicKey.ID)

	q = f.send(msg{})
	want(t, q, rules.KeyIDIsASPublicKey.ID, rules.Pass)

	// The rs below 18 is graded once too, by the header check.
	q = f.send(msg{enc: &webpush.Options{HeaderRS: 17}})
	want(t, q, rules.RSMin18.ID, rules.Fail)
}

// RFC 8188 §2 (paraphrased, rules.RecordLayout): every record but the last is exactly rs octets,
// the last at most rs; Web Push sends one record (RFC 8291 §4), so the body after the header is
// at most rs.
// A header rs below the record is graded once, under the record layout (and rs-exceeds-record,
// which says the same of the same number): the body read as one record opens with the
// subscription's keys, so the key derivation passes.
func TestGradeRecordLayoutAgainstSender(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{})
	want(t, q, rules.RecordLayout.ID, rules.Pass)
	noFaultOf(t, q)

	q = f.send(msg{enc: &webpush.Options{HeaderRS: 20}}) // a 31-octet record or more
	want(t, q, rules.RecordLayout.ID, rules.Fail)
	want(t, q, rules.RSExceedsRecord.ID, rules.Fail)
	want(t, q, rules.KeyDerivation.ID, rules.Pass)
	noFaultOf(t, q, rules.RecordLayout.ID, rules.RSExceedsRecord.ID)

	// The same header rs with keys that are wrong: read as one record, the body still does not
	// open, so nothing says the keys are right.
	q = f.send(msg{enc: &webpush.Options{HeaderRS: 20, WrongAuth: true}})
	want(t, q, rules.RecordLayout.ID, rules.Fail)
	if slices.Contains(outcomes(q, rules.KeyDerivation.ID), rules.Pass) {
		t.Errorf("wrong keys and a record longer than rs: the key derivation passed\n%s", verdictDump(q))
	}

	// Read as one record, the body opens but its delimiter is wrong: the padding is graded on
	// that reading, the keys pass.
	q = f.send(msg{enc: &webpush.Options{HeaderRS: 20, Delimiter: 1}})
	want(t, q, rules.RecordLayout.ID, rules.Fail)
	want(t, q, rules.PaddingDelimiter.ID, rules.Fail)
	want(t, q, rules.KeyDerivation.ID, rules.Pass)
}

// RFC 8188 §4.3: "An implementation SHOULD generate a random salt parameter for every message".
// The salt of 16 zero octets is the predictable one the check can tell (non-strict); a random one
// passes.
func TestGradeRandomSaltAgainstSender(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{})
	want(t, q, rules.RandomSalt.ID, rules.Pass)

	q = f.send(msg{enc: &webpush.Options{Salt: make([]byte, 16)}})
	want(t, q, rules.RandomSalt.ID, rules.NonStrict)
	want(t, q, rules.KeyDerivation.ID, rules.Pass)
	noFaultOf(t, q, rules.RandomSalt.ID)
}

// RFC 8188 §2.1: a salt "MUST NOT be reused for two different payload bodies that have the same
// input keying material". A resend of the same body is not reuse, and refused requests count for
// nothing; the same salt and key with another body is reuse.
func TestGradeSaltAndKeyReuseCountsDistinctBodies(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	salt := make([]byte, 16)
	rand.Read(salt)
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pinned := func(text string) msg {
		return msg{plaintext: []byte(text), enc: &webpush.Options{Salt: salt, ASPrivate: as}}
	}
	body := func(req *http.Request) []byte {
		b, _ := req.GetBody()
		var buf bytes.Buffer
		buf.ReadFrom(b)
		return buf.Bytes()
	}
	// A body refused with 503 is no message: its salt and key are not remembered.
	f.s.AddFault(FaultRule{Fault: Fault{Status: 503, RetryAfter: 1}, Count: 1})
	first := f.snd.request(f.vs, "", pinned("first"))
	firstBody := body(first)
	q := f.do(first)
	if q.Status != 503 {
		t.Fatalf("fault: status %d", q.Status)
	}
	want(t, q, rules.SaltNotReused.ID, rules.Pass)
	want(t, q, rules.ASEphemeralKey.ID, rules.Pass)

	// The identical body again (a retry): accepted, nothing reused.
	retry, _ := http.NewRequest(http.MethodPost, f.vs.Endpoint, bytes.NewReader(firstBody))
	retry.Header = first.Header.Clone()
	q = f.do(retry)
	if q.Status != 201 {
		t.Fatalf("retry: status %d %s", q.Status, q.ResponseBody)
	}
	want(t, q, rules.SaltNotReused.ID, rules.Pass)
	want(t, q, rules.ASEphemeralKey.ID, rules.Pass)

	// And once more after acceptance (a sender that timed out on the answer): still one body.
	again, _ := http.NewRequest(http.MethodPost, f.vs.Endpoint, bytes.NewReader(firstBody))
	again.Header = first.Header.Clone()
	q = f.do(again)
	want(t, q, rules.SaltNotReused.ID, rules.Pass)
	want(t, q, rules.ASEphemeralKey.ID, rules.Pass)

	// Another body under the same salt and ECDH key: both reused.
	q = f.send(pinned("second"))
	want(t, q, rules.SaltNotReused.ID, rules.Fail)
	want(t, q, rules.ASEphemeralKey.ID, rules.Fail)

	// The same ECDH key with a fresh salt: the key is reused, the salt is not.
	q = f.send(msg{plaintext: []byte("third"), enc: &webpush.Options{ASPrivate: as}})
	want(t, q, rules.SaltNotReused.ID, rules.Pass)
	want(t, q, rules.ASEphemeralKey.ID, rules.Fail)

	// A fresh body with fresh salt and key: nothing reused.
	q = f.send(msg{plaintext: []byte("fourth")})
	want(t, q, rules.SaltNotReused.ID, rules.Pass)
	want(t, q, rules.ASEphemeralKey.ID, rules.Pass)
}

// RFC 8292 §2 bounds exp by the token's validity, not the message's TTL: exp = now + TTL is an
// interop note (info), never a failure; a 12 h or 24 h TTL cannot be told from a default exp.
func TestGradeExpFollowsTTL(t *testing.T) {
	f := newGradeFixture(t, &Server{})
	q := f.send(msg{exp: 60 * time.Second}) // TTL 60, exp now + 60
	want(t, q, rules.InteropExpIndependentOfTTL.ID, rules.Info)
	want(t, q, rules.ExpMax24h.ID, rules.Pass)
	noFaultOf(t, q)

	q = f.send(msg{exp: 12 * time.Hour}) // TTL 60, exp now + 12 h
	want(t, q, rules.InteropExpIndependentOfTTL.ID, rules.Pass)

	q = f.send(msg{exp: 12 * time.Hour, header: map[string]string{"TTL": "43200"}})
	want(t, q, rules.InteropExpIndependentOfTTL.ID)

	// TTL 0 with exp = now + TTL: the token has expired on arrival. The service refuses it; the
	// sender's exp rule allows the leeway for clock skew, so the note is what tells.
	q = f.send(msg{exp: time.Nanosecond, header: map[string]string{"TTL": "0"}})
	want(t, q, rules.InteropExpIndependentOfTTL.ID, rules.Info)
	want(t, q, rules.ExpMax24h.ID, rules.Pass)
	if q.Status != 403 || q.Answered != CondVAPIDExpired {
		t.Errorf("exp = now: answered %d %s, want 403 %s", q.Status, q.Answered, CondVAPIDExpired)
	}
}
