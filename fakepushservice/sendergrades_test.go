package fakepushservice

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/rules"
)

// The push service's sender-side grades, each proven both ways on its own: a conforming request
// passes the rule, a request that breaks it fails it (at the rule's level). Without these, a grade
// forced to pass (or loosened) survived every fakepushservice test.
func TestSenderGradesBothWays(t *testing.T) {
	s, snd, vs := subscribedOnRFC(t)
	twice := func(name, v string) func(http.Header) { return func(h http.Header) { h.Add(name, v) } }
	for _, c := range []struct {
		name string
		m    msg
		rule string
		want rules.Outcome
	}{
		// RFC 8030 §5.2: "An application server MUST include the TTL (Time-To-Live) header field
		// in its request for push message delivery."
		{"TTL present", msg{}, rules.TTLRequired.ID, rules.Pass},
		{"TTL missing", msg{header: map[string]string{"TTL": ""}}, rules.TTLRequired.ID, rules.Fail},
		{"TTL twice", msg{mutate: twice("TTL", "60")}, rules.TTLRequired.ID, rules.Fail},
		// RFC 8030 §5.2: TTL = 1*DIGIT.
		{"TTL digits", msg{header: map[string]string{"TTL": "0"}}, rules.TTLSyntax.ID, rules.Pass},
		{"TTL decimal", msg{header: map[string]string{"TTL": "1.5"}}, rules.TTLSyntax.ID, rules.Fail},
		{"TTL negative", msg{header: map[string]string{"TTL": "-5"}}, rules.TTLSyntax.ID, rules.Fail},
		// RFC 8030 §5.3: Urgency = "very-low" / "low" / "normal" / "high"; "Multiple values for
		// the Urgency header field MUST NOT be included".
		{"Urgency high", msg{header: map[string]string{"Urgency": "high"}}, rules.UrgencyValues.ID, rules.Pass},
		{"Urgency urgent", msg{header: map[string]string{"Urgency": "urgent"}}, rules.UrgencyValues.ID, rules.Fail},
		{"Urgency once", msg{header: map[string]string{"Urgency": "low"}}, rules.UrgencySingleValue.ID, rules.Pass},
		{"Urgency list", msg{header: map[string]string{"Urgency": "low, high"}}, rules.UrgencySingleValue.ID, rules.Fail},
		{"Urgency twice", msg{header: map[string]string{"Urgency": "low"}, mutate: twice("Urgency", "high")}, rules.UrgencySingleValue.ID, rules.Fail},
		// RFC 8030 §5.4: "The Topic header field MUST be restricted to no more than 32
		// characters from the URL and filename-safe Base64 alphabet".
		{"Topic base64url", msg{header: map[string]string{"Topic": "update_1-A"}}, rules.TopicSyntax.ID, rules.Pass},
		{"Topic padded", msg{header: map[string]string{"Topic": "abcd=="}}, rules.TopicSyntax.ID, rules.Fail},
		{"Topic with a colon", msg{header: map[string]string{"Topic": "upd:1"}}, rules.TopicSyntax.ID, rules.Fail},
		{"Topic of 33", msg{header: map[string]string{"Topic": strings.Repeat("a", 33)}}, rules.TopicSyntax.ID, rules.Fail},
		// RFC 8291 §4: "An application server MUST NOT use other content encodings for push
		// messages." Content codings are case-insensitive (RFC 9110 §8.4.1).
		{"aes128gcm", msg{}, rules.AES128GCMOnly.ID, rules.Pass},
		{"AES128GCM upper case", msg{header: map[string]string{"Content-Encoding": "AES128GCM"}}, rules.AES128GCMOnly.ID, rules.Pass},
		{"aesgcm", msg{aesgcm: true}, rules.AES128GCMOnly.ID, rules.Fail},
		{"no coding", msg{header: map[string]string{"Content-Encoding": ""}}, rules.AES128GCMOnly.ID, rules.Fail},
		{"gzip", msg{header: map[string]string{"Content-Encoding": "gzip"}}, rules.AES128GCMOnly.ID, rules.Fail},
		// RFC 8030 §8.1: end-to-end protection — an aesgcm body that decrypts is protected;
		// only rfc8291-4-aes128gcm-only grades the draft coding.
		{"aes128gcm protected", msg{}, rules.EndToEndProtection.ID, rules.Pass},
		{"aesgcm protected", msg{aesgcm: true}, rules.EndToEndProtection.ID, rules.Pass},
		{"no coding unprotected", msg{header: map[string]string{"Content-Encoding": ""}}, rules.EndToEndProtection.ID, rules.Fail},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := sendOne(t, s, snd, vs, c.m)
			var got []string
			for _, v := range q.Verdicts {
				if v.Rule == c.rule {
					got = append(got, string(v.Outcome))
					if v.Outcome != c.want {
						t.Errorf("%s: %s (%s), want %s", c.rule, v.Outcome, v.Message, c.want)
					}
					// A broken rule says what was seen against what the RFC requires.
					if v.Outcome != rules.Pass && !strings.Contains(v.Message, "RFC") {
						t.Errorf("%s: %s message %q does not say what the RFC requires", c.rule, v.Outcome, v.Message)
					}
				}
			}
			if len(got) == 0 {
				t.Errorf("%s: no verdict (conditions %v)", c.rule, q.Conditions)
			}
		})
	}
}

// Interop rules note what a vendor refuses although the specifications allow it; they are judged
// only when that vendor would otherwise accept the request. Otherwise the verdict is skip, naming
// the fault the vendor refuses first (graded by its own rule) — never a pass.
func TestInteropGradedOnlyWhenOtherwiseAcceptable(t *testing.T) {
	s, snd, vs := subscribedOnRFC(t)
	for _, c := range []struct {
		name string
		m    msg
		rule string
		want rules.Outcome
		says string
	}{
		{"sub present", msg{}, rules.InteropAppleSubRequired.ID, rules.Pass, ""},
		{"no sub", msg{sub: "-"}, rules.InteropAppleSubRequired.ID, rules.Info, "sub present"},
		{"no sub, no TTL", msg{sub: "-", header: map[string]string{"TTL": ""}}, rules.InteropAppleSubRequired.ID, rules.Skip, "ttl-missing"},
		{"sub mailto:mailto:", msg{sub: "mailto:mailto:a@example.com"}, rules.InteropAppleSubFormat.ID, rules.Info, "Apple accepts"},
		{"sub fine, aesgcm", msg{aesgcm: true}, rules.InteropAppleSubFormat.ID, rules.Skip, "aesgcm"},
		{"Topic of 5", msg{header: map[string]string{"Topic": "abcde"}}, rules.InteropAppleTopicDecodable.ID, rules.Info, "decodes"},
		{"Topic of 4", msg{header: map[string]string{"Topic": "abcd"}}, rules.InteropAppleTopicDecodable.ID, rules.Pass, ""},
		{"Topic of 5, bad Urgency", msg{header: map[string]string{"Topic": "abcde", "Urgency": "urgent"}}, rules.InteropAppleTopicDecodable.ID, rules.Skip, "urgency-invalid"},
		{"TTL 0", msg{header: map[string]string{"TTL": "0"}}, rules.InteropWNSTTLZero.ID, rules.Info, "X-WNS-Cache-Policy"},
		{"TTL 0, aesgcm", msg{aesgcm: true, header: map[string]string{"TTL": "0"}}, rules.InteropWNSTTLZero.ID, rules.Skip, "aesgcm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := sendOne(t, s, snd, vs, c.m)
			n := 0
			for _, v := range q.Verdicts {
				if v.Rule != c.rule {
					continue
				}
				n++
				if v.Outcome != c.want || !strings.Contains(v.Message, c.says) {
					t.Errorf("%s: %s (%s), want %s saying %q", c.rule, v.Outcome, v.Message, c.want, c.says)
				}
			}
			if n != 1 {
				t.Errorf("%s: %d verdicts, want 1 (conditions %v)", c.rule, n, q.Conditions)
			}
		})
	}
}

// subscribedOnRFC starts a push service in the rfc profile and subscribes a virtual user agent to
// it, restricted to a fresh sender's VAPID key.
func subscribedOnRFC(t *testing.T) (*Server, *sender, *VirtualSubscription) {
	t.Helper()
	s := newTestServer(t, &Server{Profile: "rfc", NoTLS: true})
	ua := s.NewVirtualUA(VirtualUAOptions{})
	t.Cleanup(func() { ua.Close() })
	snd := newSender(t)
	vs, err := ua.Subscribe(testCtx(t), snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	return s, snd, vs
}

// sendOne sends m to vs and returns the one request the service recorded for it.
func sendOne(t *testing.T, s *Server, snd *sender, vs *VirtualSubscription, m msg) *Request {
	t.Helper()
	before := len(s.Requests())
	snd.send(vs, m)
	reqs := s.Requests()
	if len(reqs) != before+1 {
		t.Fatalf("%d requests recorded, want %d", len(reqs), before+1)
	}
	return reqs[len(reqs)-1]
}
