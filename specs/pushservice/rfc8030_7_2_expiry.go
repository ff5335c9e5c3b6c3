package pushservice

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

var _ = describe("RFC 8030 §7.2 Push Message Expiration", func() {
	// RFC 8030 §7.2, paraphrased: a push service is not obligated to store messages
	// indefinitely; it MAY expire an accepted message before its TTL has passed (and then
	// answers its receipt with 410, rfc8030-6.3-receipt-410-on-give-up).
	// Sends: with the user agent offline, a message with TTL 60; lets most of the TTL pass (50 s
	// on an in-process clock, 4 s of real time on an external target); then a sentinel; then
	// brings the user agent back. Expects: the sentinel first, i.e. the service dropped the first
	// message early, the behaviour the MAY allows (graded info when it kept it and delivered it).
	conformance.It("expires a stored message before its TTL", tgt, rules.EarlyExpiry,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			accepted(ctx, r, "push", message(sub, "early"), sender.Faults{})
			wait := 4 * time.Second
			if _, ok := svc.(target.Clock); ok {
				wait = 50 * time.Second
			}
			elapse(ctx, r, wait)
			accepted(ctx, r, "sentinel", message(sub, "sentinel"), sender.Faults{})
			online(ctx, sf, sub)
			got := next(ctx, r, sub, "first")
			Expect(string(got.Payload)).To(Equal("sentinel"), "the service kept the message for %s of its 60 s TTL and delivered it: no early expiry", wait)
		})
})
