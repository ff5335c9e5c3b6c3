package graders

import (
	"fmt"
	"strconv"

	"github.com/pushspec/pushspec/rules"
)

// Interop notes record what a real push service refuses although the specifications allow it
// (rules.Interop). The ones below hold whatever else the request carries; those that depend on
// whether a vendor would refuse the request first are graded by the push service, which knows
// its profiles.

// MozillaBridgeSize notes a body larger than autopush takes for a bridged Firefox.
func MozillaBridgeSize(r *Request) []rules.Verdict {
	if len(r.Body) == 0 {
		return nil
	}
	return r.keep(append(r.out(), check(rules.InteropMozillaBridgeSize, r.BodySize <= 3070, "body within 3070 octets",
		func() string {
			return fmt.Sprintf("the body is %d octets; autopush refuses more than 3070 for a bridged Firefox (413, errno 104)", r.BodySize)
		},
		rules.Evidence("body_size", strconv.Itoa(r.BodySize)))))
}
