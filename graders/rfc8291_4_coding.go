package graders

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/rules"
)

// Coding grades the content coding and the body's size (RFC 8291 §4), for a request with a body
// or a Content-Encoding.
func Coding(r *Request) []rules.Verdict {
	ce := r.Header.Values("Content-Encoding")
	tokens := r.Codings()
	out := r.out()
	if len(r.Body) > 0 || len(tokens) > 0 {
		// RFC 8291 §4: "An application server MUST NOT use other content encodings for push
		// messages." Content codings are case-insensitive (RFC 9110 §8.4.1).
		ev := rules.Evidence2("Content-Encoding", strings.Join(ce, " | "), "body_size", strconv.Itoa(r.BodySize))
		only := len(tokens) == 1 && tokens[0] == "aes128gcm"
		msg := "Content-Encoding is aes128gcm"
		if !only {
			msg = fmt.Sprintf("Content-Encoding is %q; RFC 8291 §4 allows only aes128gcm", strings.Join(ce, ", "))
		}
		out = append(out, rules.Check(rules.AES128GCMOnly, only, msg, ev))
	}
	// RFC 8291 §4: "A push service is not required to support more than 4096 octets of payload
	// body": a body within that reaches every push service.
	if n := len(r.Body); n > 0 && n <= r.MaxPayload {
		out = append(out, check(rules.Fits4096, n <= 4096, "body is "+strconv.Itoa(n)+" octets",
			func() string {
				return fmt.Sprintf("the body is %d octets, more than the 4096 that RFC 8291 §4 says a push service has to accept", n)
			},
			rules.Evidence("body_size", strconv.Itoa(n))))
	}
	if r.Truncated {
		out = append(out, rules.Check(rules.Fits4096, false, fmt.Sprintf("the body is more than %d octets; RFC 8291 §4 keeps it within 4096", r.MaxPayload),
			map[string]string{"body_size": strconv.Itoa(r.BodySize)}))
	}
	return r.keep(out)
}

// EndToEnd grades RFC 8030 §8.1 (paraphrased: push messages are protected end to end; for Web
// Push that is RFC 8291) for a request with a body. The draft aesgcm coding protects the body
// too; only rules.AES128GCMOnly grades it.
func EndToEnd(r *Request) []rules.Verdict {
	if len(r.Body) == 0 {
		return nil
	}
	ce := r.Header.Get("Content-Encoding")
	return r.keep(append(r.out(), check(rules.EndToEndProtection, r.Encoding() != "", "the body travels in an RFC 8291 (or draft aesgcm) content coding",
		func() string {
			return fmt.Sprintf("the body travels with Content-Encoding %q, not RFC 8291 encryption; RFC 8030 §8.1 requires end-to-end protection", ce)
		},
		rules.Evidence("Content-Encoding", ce))))
}
