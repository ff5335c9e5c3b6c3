package pushservice

import (
	"net/http"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
)

var _ = describe("RFC 8030 §5.2 Push Message Time-To-Live", func() {
	// Sends: the message with TTL 60 (the valid twin), then the same without TTL. Expects: the
	// twin accepted, the other 400 with the answer the fake's profile gives for it.
	conformance.It("rejects a push without TTL with 400", tgt, rules.TTLMissing400,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "ttl"), sender.Faults{}, "with a TTL")
			res := post(ctx, r, "push", message(sub, "no ttl"), sender.Faults{Omit: []string{"TTL"}})
			Expect(res.Status).To(Equal(http.StatusBadRequest), "a push without TTL was answered %d; RFC 8030 §5.2 requires 400", res.Status)
			expectNamed(res, fakepushservice.CondTTLMissing)
		})

	// The service MAY keep the message for less and say so in TTL (rules.TTLShorterRetention).
	// Sends: TTL 2147483647. Expects: accepted (2xx); the echoed TTL is recorded.
	conformance.It("accepts TTL 2147483647", tgt, rules.TTL31Bit,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			res := post(ctx, r, "push", sender.Message{Subscription: sub.Sender(), Payload: []byte("long"), TTL: 2147483647, VAPID: vapidCreds}, sender.Faults{})
			if echo := res.Header.Get("TTL"); echo != "" && echo != "2147483647" {
				r.Observe(rules.TTLShorterRetention, "TTL 2147483647 requested, TTL "+echo+" kept")
			}
			Expect(res.Status/100).To(Equal(2), "TTL 2147483647 was answered %d; RFC 8030 §5.2 asks for at least 31 bits of TTL", res.Status)
		})

	// Treated as 2^31 means accepted, not rejected.
	// Sends: TTL 99999999999999999999. Expects: accepted; any TTL response ≤ 2147483648.
	conformance.It("treats an unrepresentable TTL as 2^31", tgt, rules.TTLOverflowAs2Pow31,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			res := post(ctx, r, "push", message(sub, "overflow"), sender.Faults{RawTTL: "99999999999999999999"})
			Expect(res.Status/100).To(Equal(2), "TTL 99999999999999999999 was answered %d; RFC 8030 §5.2 takes a TTL too large to represent as 2^31", res.Status)
			if echo := res.Header.Get("TTL"); echo != "" {
				n, err := strconv.ParseUint(echo, 10, 64)
				Expect(err).NotTo(HaveOccurred(), "response TTL %q is not a number", echo)
				Expect(n).To(BeNumerically("<=", uint64(1)<<31), "TTL 99999999999999999999 was answered with TTL %d; RFC 8030 §5.2 treats a TTL too large to represent as 2^31 (2147483648), so the answer may not be larger", n)
			}
		})

	// RFC 8030 §5.2: a push service that keeps a message for less than requested "MUST return
	// a TTL header field in the response with the duration", never more than requested.
	// Sends: TTL 2147483647 and TTL 60. Expects: any TTL response ≤ the request's.
	conformance.It("never echoes a TTL above the request's", tgt, rules.TTLResponseNotAboveRequest,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			for _, ttl := range []int{2147483647, 60} {
				res := post(ctx, r, "push.ttl-"+strconv.Itoa(ttl), sender.Message{Subscription: sub.Sender(), Payload: []byte("x"), TTL: ttl, VAPID: vapidCreds}, sender.Faults{})
				Expect(res.Status/100).To(Equal(2), "a conformant push with TTL %d was answered %d", ttl, res.Status)
				if echo := res.Header.Get("TTL"); echo != "" {
					n, err := strconv.ParseInt(echo, 10, 64)
					Expect(err).NotTo(HaveOccurred(), "response TTL %q is not a number", echo)
					Expect(n).To(BeNumerically("<=", ttl), "response TTL for a request of TTL %d", ttl)
				}
			}
		})

	// Sends: TTL 0 with the UA connected. Expects: it is delivered.
	conformance.It("delivers a TTL-0 message to a connected user agent", tgt, rules.TTLZeroConnected,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			m := message(sub, "now")
			m.TTL = 0
			accepted(ctx, r, "push", m, sender.Faults{})
			got := next(ctx, r, sub, "ttl0")
			Expect(string(got.Payload)).To(Equal("now"), "a TTL-0 message to a connected user agent delivered %q instead of \"now\"; RFC 8030 §5.2 delivers a TTL-0 message to a connected user agent", string(got.Payload))
		})

	// RFC 8030 §5.2: a TTL-0 message for a user agent that is not available expires at once
	// and is never delivered.
	// Sends: with the UA offline, TTL 0, then a sentinel (TTL 60); reconnects.
	// Expects: the sentinel is the first delivery.
	conformance.It("drops a TTL-0 message for an offline user agent", tgt, rules.TTLZeroOfflineDropped,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			m := message(sub, "ttl0")
			m.TTL = 0
			accepted(ctx, r, "push", m, sender.Faults{})
			accepted(ctx, r, "sentinel", message(sub, "sentinel"), sender.Faults{})
			online(ctx, sf, sub)
			expectFirst(ctx, r, sub, "sentinel", "ttl0")
		})

	// The service may have kept the message less long than its TTL, never longer.
	// Sends: with the UA offline, TTL 2; lets 4 s pass; a sentinel (TTL 60); reconnects.
	// Expects: the sentinel is the first delivery.
	conformance.It("never delivers a message after its TTL", tgt, rules.NoDeliveryAfterTTL,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			m := message(sub, "stale")
			m.TTL = 2
			accepted(ctx, r, "push", m, sender.Faults{})
			elapse(ctx, r, 4*time.Second)
			accepted(ctx, r, "sentinel", message(sub, "sentinel"), sender.Faults{})
			online(ctx, sf, sub)
			expectFirst(ctx, r, sub, "sentinel", "stale")
		})
})

var _ = describe("RFC 8030 §5.2 Push Message Time-To-Live (MAY)", func() {
	// RFC 8030 §5.2, paraphrased: a push service MAY retain a message for less than the TTL the
	// application server asked for; it then says so with a smaller TTL in its response.
	// Sends: TTL 31536000 (a year). Expects: an echoed TTL below it, the behaviour the MAY allows
	// (graded info when the service keeps the whole year or echoes no TTL).
	conformance.It("keeps a message for less than a long TTL", tgt, rules.TTLShorterRetention,
		func(ctx SpecContext, r *conformance.Recorder) {
			const year = 31536000
			sub := subscribe(ctx, r)
			m := message(sub, "a year")
			m.TTL = year
			res := accepted(ctx, r, "push", m, sender.Faults{})
			echo := res.Header.Get("TTL")
			Expect(echo).NotTo(BeEmpty(), "no TTL in the answer: the retention is not stated (RFC 8030 §5.2 says the service states a shorter one)")
			kept, err := strconv.ParseInt(echo, 10, 64)
			Expect(err).NotTo(HaveOccurred(), "the answer's TTL %q is not a number", echo)
			Expect(kept).To(BeNumerically("<", year), "TTL %d requested, TTL %d kept: the whole TTL", year, kept)
			r.Evidence("retention", "TTL "+strconv.Itoa(year)+" requested, "+echo+" s kept")
		})
})
