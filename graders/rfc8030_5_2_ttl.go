package graders

import (
	"fmt"
	"strings"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// TTL grades the TTL header field of RFC 8030 §5.2.
func TTL(r *Request) []rules.Verdict {
	vals := r.Header.Values("TTL")
	ev := rules.Evidence("TTL", strings.Join(vals, ", "))
	// RFC 8030 §5.2: "An application server MUST include the TTL (Time-To-Live) header field in
	// its request for push message delivery."
	out := append(r.out(), check(rules.TTLRequired, len(vals) == 1, "one TTL header",
		func() string {
			return fmt.Sprintf("the request carries %d TTL headers; RFC 8030 §5.2 requires the application server to include one", len(vals))
		}, ev))
	if len(vals) > 0 {
		// RFC 8030 §5.2: TTL = 1*DIGIT. Several TTL fields are graded by TTLRequired alone.
		_, err := webpush.ParseTTL(r.Header)
		out = append(out, check(rules.TTLSyntax, err == nil || len(vals) != 1, "TTL is 1*DIGIT",
			func() string {
				return fmt.Sprintf("TTL %q is not a number of seconds; RFC 8030 §5.2 defines TTL = 1*DIGIT", strings.Join(vals, ", "))
			}, ev))
	}
	return r.keep(out)
}
