package graders

import (
	"fmt"
	"net/http"

	"github.com/pushspec/pushspec/rules"
)

// Method grades RFC 8030 §5: "An application server requests the delivery of a push message by
// sending a HTTP POST request to a push resource."
func Method(r *Request, path string) []rules.Verdict {
	return r.keep(append(r.out(), check(rules.PostToPushResource, r.Method == http.MethodPost, "POST on the push resource",
		func() string {
			return fmt.Sprintf("the request to the push resource is a %s; RFC 8030 §5 requests delivery with POST", r.Method)
		},
		rules.Evidence2("method", r.Method, "path", path))))
}
