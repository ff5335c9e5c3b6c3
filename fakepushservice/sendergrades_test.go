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
		{"TTL present", msg{}, "rfc8030-5.2-ttl-required", rules.Pass},
		{"TTL missing", msg{header: map[string]string{"TTL": ""}}, "rfc8030-5.2-ttl-required", rules.Fail},
		{"TTL twice", msg{mutate: twice("TTL", "60")}, "rfc8030-5.2-ttl-required", rules.Fail},
		// RFC 8030 §5.2: TTL = 1*DIGIT.
		{"TTL digits", msg{header: map[string]string{"TTL": "0"}}, "rfc8030-5.2-ttl-syntax", rules.Pass},
		{"TTL decimal", msg{header: map[string]string{"TTL": "1.5"}}, "rfc8030-5.2-ttl-syntax", rules.Fail},
		{"TTL negative", msg{header: map[string]string{"TTL": "-5"}}, "rfc8030-5.2-ttl-syntax", rules.Fail},
		// RFC 8030 §5.3: Urgency = "very-low" / "low" / "normal" / "high"; "Multiple values for
		// the Urgency header field MUST NOT be included".
		{"Urgency high", msg{header: map[string]string{"Urgency": "high"}}, "rfc8030-5.3-urgency-values", rules.Pass},
		{"Urgency urgent", msg{header: map[string]string{"Urgency": "urgent"}}, "rfc8030-5.3-urgency-values", rules.Fail},
		{"Urgency once", msg{header: map[string]string{"Urgency": "low"}}, "rfc8030-5.3-urgency-single-value", rules.Pass},
		{"Urgency list", msg{header: map[string]string{"Urgency": "low, high"}}, "rfc8030-5.3-urgency-single-value", rules.Fail},
		{"Urgency twice", msg{header: map[string]string{"Urgency": "low"}, mutate: twice("Urgency", "high")}, "rfc8030-5.3-urgency-single-value", rules.Fail},
		// RFC 8030 §5.4: "The Topic header field MUST be restricted to no more than 32
		// characters from the URL and filename-safe Base64 alphabet".
		{"Topic base64url", msg{header: map[string]string{"Topic": "update_1-A"}}, "rfc8030-5.4-topic-syntax", rules.Pass},
		{"Topic padded", msg{header: map[string]string{"Topic": "abcd=="}}, "rfc8030-5.4-topic-syntax", rules.Fail},
		{"Topic with a colon", msg{header: map[string]string{"Topic": "upd:1"}}, "rfc8030-5.4-topic-syntax", rules.Fail},
		{"Topic of 33", msg{header: map[string]string{"Topic": strings.Repeat("a", 33)}}, "rfc8030-5.4-topic-syntax", rules.Fail},
		// RFC 8291 §4: "An application server MUST NOT use other content encodings for push
		// messages." Content codings are case-insensitive (RFC 9110 §8.4.1).
		{"aes128gcm", msg{}, "rfc8291-4-aes128gcm-only", rules.Pass},
		{"AES128GCM upper case", msg{header: map[string]string{"Content-Encoding": "AES128GCM"}}, "rfc8291-4-aes128gcm-only", rules.Pass},
		{"aesgcm", msg{aesgcm: true}, "rfc8291-4-aes128gcm-only", rules.Fail},
		{"no coding", msg{header: map[string]string{"Content-Encoding": ""}}, "rfc8291-4-aes128gcm-only", rules.Fail},
		{"gzip", msg{header: map[string]string{"Content-Encoding": "gzip"}}, "rfc8291-4-aes128gcm-only", rules.Fail},
		// RFC 8030 §8.1: end-to-end protection — an aesgcm body that decrypts is protected;
		// only rfc8291-4-aes128gcm-only grades the draft coding.
		{"aes128gcm protected", msg{}, "rfc8030-8.1-end-to-end-protection", rules.Pass},
		{"aesgcm protected", msg{aesgcm: true}, "rfc8030-8.1-end-to-end-protection", rules.Pass},
		{"no coding unprotected", msg{header: map[string]string{"Content-Encoding": ""}}, "rfc8030-8.1-end-to-end-protection", rules.Fail},
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
		{"sub present", msg{}, "interop-apple-sub-required", rules.Pass, ""},
		{"no sub", msg{sub: "-"}, "interop-apple-sub-required", rules.Info, "sub present"},
		{"no sub, no TTL", msg{sub: "-", header: map[string]string{"TTL": ""}}, "interop-apple-sub-required", rules.Skip, "ttl-missing"},
		{"sub mailto:mailto:", msg{sub: "mailto:mailto:a@example.com"}, "interop-apple-sub-format", rules.Info, "Apple accepts"},
		{"sub fine, aesgcm", msg{aesgcm: true}, "interop-apple-sub-format", rules.Skip, "aesgcm"},
		{"Topic of 5", msg{header: map[string]string{"Topic": "abcde"}}, "interop-apple-topic-decodable", rules.Info, "decodes"},
		{"Topic of 4", msg{header: map[string]string{"Topic": "abcd"}}, "interop-apple-topic-decodable", rules.Pass, ""},
		{"Topic of 5, bad Urgency", msg{header: map[string]string{"Topic": "abcde", "Urgency": "urgent"}}, "interop-apple-topic-decodable", rules.Skip, "urgency-invalid"},
		{"TTL 0", msg{header: map[string]string{"TTL": "0"}}, "interop-wns-ttl-zero", rules.Info, "X-WNS-Cache-Policy"},
		{"TTL 0, aesgcm", msg{aesgcm: true, header: map[string]string{"TTL": "0"}}, "interop-wns-ttl-zero", rules.Skip, "aesgcm"},
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
