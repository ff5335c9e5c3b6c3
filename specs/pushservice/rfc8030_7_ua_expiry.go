package pushservice

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/useragent/rfc8030"
)

var _ = describe("RFC 8030 §7.2 Push Message Expiration (user-agent interface)", func() {
	// RFC 8030 §7.2: a push service that stores a message SHOULD include a Last-Modified header
	// field in its delivery, saying when delivery was requested.
	// Sends: a message while nothing monitors, then GET with Prefer: wait=0.
	// Expects: the pushed response carries a Last-Modified that is an HTTP-date.
	conformance.It("puts Last-Modified on a stored message when pushing it", tgt, rules.StoredLastModified,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			sendTo(ctx, r, "push", sub, "stored")
			res := ua.waitZero(ctx, "monitor.wait-0", sub.Resource, nil)
			Expect(res.Pushes).To(HaveLen(1), "the wait=0 request got %d pushed messages for the one sent; RFC 8030 §6 delivers each stored message once", len(res.Pushes))
			lm := res.Pushes[0].Header.Get("Last-Modified")
			Expect(lm).NotTo(BeEmpty(), "no Last-Modified on the pushed response")
			_, err := httpDate(lm)
			Expect(err).NotTo(HaveOccurred(), "Last-Modified %q is not an HTTP-date", lm)
		})
})

var _ = describe("RFC 8030 §7.3 Subscription Expiration (user-agent interface)", func() {
	// Sends: a long-lived GET on the subscription resource, proven open by a message pushed on
	// it; then the service expires the subscription. Expects: the open request ends with 404.
	conformance.It("ends an open monitoring request with 404 when the subscription expires", tgt, rules.OutstandingRequests404,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			ex := rfcExpirer()
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			st := ua.monitor(ctx, "monitor", sub.Resource, nil)
			sendTo(ctx, r, "push", sub, "proves the request is open")
			ua.ack(ctx, "ack", ua.nextPush(ctx, "monitor.push", st))
			conformance.HarnessError(ex.ExpireRFC8030(ctx, sub.Resource))
			res := ua.ending(ctx, "monitor.end", st)
			Expect(res.Status).To(Equal(http.StatusNotFound), "the monitor of an expired subscription ended with %d; RFC 8030 §7.3 requires 404", res.Status)
		})
})

var _ = describe("RFC 8030 §7.3.1 Subscription Set Expiration", func() {
	// RFC 8030 §7.3.1: a push service that expires a subscription set MUST also expire every
	// subscription in it, and outstanding requests on the set get 404 (Not Found).
	// Sends: two subscriptions in a set, a long-lived GET on the set proven open by a pushed
	// message; the service expires the set; then a message to each subscription.
	// Expects: the open request ends with 404, and both push resources answer 404.
	conformance.It("expires every subscription of an expired set and ends its monitor with 404", tgt, rules.SetExpiryCascades,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			ex := rfcExpirer()
			a, b := ua.inSet(ctx)
			st := ua.monitor(ctx, "monitor.set", a.Set, nil)
			sendTo(ctx, r, "push.a", a, "proves the request is open")
			ua.ack(ctx, "ack", ua.nextPush(ctx, "monitor.push", st))
			conformance.HarnessError(ex.ExpireRFC8030(ctx, a.Set))
			res := ua.ending(ctx, "monitor.end", st)
			Expect(res.Status).To(Equal(http.StatusNotFound), "the open request on the expired set ended with %d; RFC 8030 §7.3 requires 404", res.Status)
			for _, s := range []struct {
				label string
				sub   *rfc8030.Subscription
			}{{"after.a", a}, {"after.b", b}} {
				got := post(ctx, r, s.label, message(asTarget(s.sub), "after the set expired"), noFaults)
				Expect(got.Status).To(Equal(http.StatusNotFound), "%s: a subscription of the expired set", s.label)
			}
		})

	// RFC 8030 §7.3.1: a subscription that expires (or is removed) also leaves its set.
	// Sends: two subscriptions in a set; a message to the first while nothing monitors; the
	// service expires the first; a message to the second; GET on the set with Prefer: wait=0;
	// then a third subscription naming the set.
	// Expects: only the second's message is pushed (the first's stored one went with it), the set
	// still works (2xx), and it still takes new members.
	conformance.It("takes an expired subscription out of its set", tgt, rules.MemberLeavesSet,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			ex := rfcExpirer()
			a, b := ua.inSet(ctx)
			sendTo(ctx, r, "push.a", a, "stored for a")
			conformance.HarnessError(ex.ExpireRFC8030(ctx, a.Resource))
			sendTo(ctx, r, "push.b", b, "for b")
			res := ua.waitZero(ctx, "monitor.set", a.Set, nil)
			Expect(res.Status/100).To(Equal(2), "the set outlives one of its subscriptions")
			Expect(payloads(res.Pushes, a, b)).To(Equal([]string{want(b, "for b")}), "monitoring the set after one subscription expired delivered %q; RFC 8030 §7.3 drops the expired subscription's messages and keeps the others'", payloads(res.Pushes, a, b))
			c := ua.subscribe(ctx, "subscribe.c", rfc8030.SubscribeOptions{Set: a.Set})
			Expect(c.Set).To(Equal(a.Set), "a subscribe request naming the set after one member expired was given the set %q, not %q; RFC 8030 §7.3 expires the member, not its set", c.Set, a.Set)
		})
})
