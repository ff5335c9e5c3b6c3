package pushservice

import (
	"net/http"
	"net/url"
	"path"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

func itoa(n int) string { return strconv.Itoa(n) }

// unknownEndpoint is sub's endpoint with the last path segment replaced by random hex of the
// same length: a push resource the service never made.
func unknownEndpoint(sub *target.Subscription) string {
	u, err := url.Parse(sub.Endpoint)
	if err != nil {
		return sub.Endpoint + "x"
	}
	dir, last := path.Split(u.Path)
	u.Path = dir + randomHex(max(len(last), 16))
	return u.String()
}

var _ = describe("RFC 8030 §7.3 Subscription Expiration", func() {
	// No document says how to answer a push resource that never existed (RFC 8030 §7.3 speaks of
	// an expired subscription); services answer 404 or 410, which senders take as "gone"
	// (graded info). Sends: the message to the real endpoint (the valid twin), then to
	// the endpoint with its token replaced by random hex. Expects: the twin accepted, the other
	// 404 or 410.
	conformance.It("answers 404 or 410 for a push resource it never issued", tgt, rules.UnknownPushResource,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "somebody"), sender.Faults{}, "to the real endpoint")
			m := message(sub, "nobody")
			m.Subscription.Endpoint = unknownEndpoint(sub)
			res := post(ctx, r, "push", m, sender.Faults{})
			Expect(res.Status).To(BeElementOf(http.StatusNotFound, http.StatusGone), "a push resource never issued was answered %d, neither 404 nor 410", res.Status)
		})

	// Sends: a valid message (the twin), then the same after the service expired the
	// subscription. Expects: the twin accepted, the other 404.
	conformance.It("answers 404 for an expired subscription", tgt, rules.ExpiredSubscription404,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			ex := capability[target.Expirer]("expire a subscription")
			validTwin(ctx, r, message(sub, "live"), sender.Faults{}, "before the subscription expired")
			conformance.HarnessError(ex.Expire(ctx, sub))
			res := post(ctx, r, "push", message(sub, "expired"), sender.Faults{})
			Expect(res.Status).To(Equal(http.StatusNotFound), "a push to an expired subscription was answered %d; RFC 8030 §7.3 requires 404", res.Status)
		})

	// RFC 8030 names only expiry; a subscription its user agent dropped is gone as well, and
	// services answer 404 or 410 (docs/push-services.md §1). Sends: a valid message after the
	// UA unsubscribed (a valid message before, the twin). Expects: the twin accepted, then 404
	// or 410.
	conformance.It("answers 404 or 410 after the user agent unsubscribed", tgt, rules.ExpiredSubscription404,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			un := capability[target.Unsubscriber]("unsubscribe from the user agent side")
			validTwin(ctx, r, message(sub, "subscribed"), sender.Faults{}, "before the user agent unsubscribed")
			conformance.HarnessError(un.Unsubscribe(ctx, sub))
			res := post(ctx, r, "push", message(sub, "unsubscribed"), sender.Faults{})
			Expect(res.Status).To(BeElementOf(http.StatusNotFound, http.StatusGone), "a push to an unsubscribed push resource was answered %d; a subscription its user agent dropped is gone, which RFC 8030 §7.3 answers with 404 (410 is taken too)", res.Status)
		})
})
