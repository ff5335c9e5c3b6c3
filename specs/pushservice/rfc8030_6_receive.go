package pushservice

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/useragent/rfc8030"
)

var _ = describe("RFC 8030 §6 Receiving Push Messages (HTTP/2 server push)", func() {
	// Sends: three conformant messages while nothing monitors, then GET on the subscription
	// resource with Prefer: wait=0. Expects: a final response, and three server pushes (200)
	// that decrypt to the three payloads.
	conformance.It("pushes every undelivered message to a monitor with Prefer: wait=0", tgt, rules.WaitZeroPushesAll,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			for _, p := range []string{"one", "two", "three"} {
				sendTo(ctx, r, "push."+p, sub, p)
			}
			res := ua.waitZero(ctx, "monitor.wait-0", sub.Resource, nil)
			Expect(res.Status/100).To(Equal(2), "the wait=0 request must end in success once the pushes are made")
			for _, p := range res.Pushes {
				Expect(p.Err).NotTo(HaveOccurred(), "the push promise on stream %d failed: %v; RFC 8030 §6 delivers each message as a pushed response", p.StreamID, p.Err)
				Expect(p.Status).To(Equal(http.StatusOK), "pushed response on stream %d", p.StreamID)
			}
			Expect(payloads(res.Pushes, sub)).To(Equal([]string{want(sub, "one"), want(sub, "three"), want(sub, "two")}), "a wait=0 request delivered %q; RFC 8030 §6 requires all three stored messages", payloads(res.Pushes, sub))
		})

	// The sentence has no BCP 14 keyword: graded SHOULD.
	// Sends: GET with Prefer: wait=0 on a new subscription nothing was sent to. Expects: 204 and
	// no server push.
	conformance.It("answers 204 to Prefer: wait=0 when nothing is pending", tgt, rules.WaitZeroNothing204,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			res := ua.waitZero(ctx, "monitor.wait-0", sub.Resource, nil)
			Expect(res.Pushes).To(BeEmpty(), "nothing was sent, and %d messages were pushed", len(res.Pushes))
			Expect(res.Status).To(Equal(http.StatusNoContent), "Prefer: wait=0 with nothing pending was answered %d; RFC 8030 §6 says 204 (No Content)", res.Status)
		})

	// Sends: GET with Prefer: wait=0 on a new subscription nothing was sent to (the baseline);
	// on a second subscription, a message with TTL 2, then 4 s pass, then the same GET.
	// Expects: the second answer has the baseline's status and no server push.
	conformance.It("answers a subscription whose messages expired as though none was sent", tgt, rules.ExpiredAsNeverSent,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			never := ua.subscribe(ctx, "subscribe.never", rfc8030.SubscribeOptions{})
			base := ua.waitZero(ctx, "monitor.never", never.Resource, nil)
			// RFC 8030 §4.1: the user agent includes the set it was given (a service MAY refuse a
			// subscribe request without it with 429).
			sub := ua.subscribe(ctx, "subscribe.expired", rfc8030.SubscribeOptions{Set: never.Set})
			m := message(asTarget(sub), "stale")
			m.TTL = 2
			accepted(ctx, r, "push", m, noFaults)
			elapse(ctx, r, 4*time.Second)
			res := ua.waitZero(ctx, "monitor.expired", sub.Resource, nil)
			Expect(res.Pushes).To(BeEmpty(), "a message whose TTL of 2 s had passed was pushed %d s later", 4)
			Expect(res.Status).To(Equal(base.Status), "with only an expired message the answer was %d, and %d where nothing was ever sent; RFC 8030 §7.2 requires the same", res.Status, base.Status)
		})

	// RFC 8030 §6: each pushed message carries a Link with rel="urn:ietf:params:push" naming
	// the push resource it was sent to (pushspec's reading of §6, §6.1).
	// Sends: one message, then GET with Prefer: wait=0. Expects: the push's Link names exactly
	// the subscription's push resource.
	conformance.It(`names the push resource in a Link rel="urn:ietf:params:push" on each push`, tgt, rules.PushLinkOnDelivery,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			sendTo(ctx, r, "push", sub, "linked")
			res := ua.waitZero(ctx, "monitor.wait-0", sub.Resource, nil)
			Expect(res.Pushes).To(HaveLen(1), "the wait=0 request got %d pushed messages for the one sent; RFC 8030 §6 delivers each stored message once", len(res.Pushes))
			Expect(rfc8030.Links(res.Pushes[0].Header, rfc8030.RelPush, nil)).To(Equal([]string{sub.PushResource}), "the pushed message linked the push resources %q, not %s; RFC 8030 §6 requires a Link rel=\"urn:ietf:params:push\" to its push resource", rfc8030.Links(res.Pushes[0].Header, rfc8030.RelPush, nil), sub.PushResource)
		})

	// The user agent acknowledges with DELETE on the push message resource; a receipt
	// subscription then gets 204.
	// Sends: a message with Prefer: respond-async; GET with wait=0; DELETE on the pushed :path.
	// Expects: the DELETE succeeds, the receipt is 204, and a later wait=0 pushes nothing.
	conformance.It("takes DELETE on the pushed message resource as the acknowledgement", tgt, rules.Receipt204OnAck,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			rr := capability[target.ReceiptReader]("read receipt subscriptions")
			res := firstReceiptRequest(ctx, r, asTarget(sub), "receipt")
			link, loc := receiptTaken(res)
			got := ua.waitZero(ctx, "monitor.1", sub.Resource, nil)
			Expect(got.Pushes).To(HaveLen(1), "the wait=0 request got %d pushed messages for the one sent; RFC 8030 §6 delivers each stored message once", len(got.Pushes))
			Expect(got.Pushes[0].Path).NotTo(BeEmpty(), "the pushed message had no :path; RFC 8030 §6 requires the push promise to name the push message resource")
			del := ua.ack(ctx, "ack", got.Pushes[0])
			Expect(del.Status/100).To(Equal(2), "the acknowledgement must succeed")
			wctx, cancel := contextWithWait(ctx)
			defer cancel()
			status, err := rr.AwaitReceipt(wctx, link, loc)
			Expect(err).NotTo(HaveOccurred(), "no receipt within %s", waitFor)
			r.Evidence("receipt", itoa(status))
			Expect(status).To(Equal(http.StatusNoContent), "the receipt for a message acknowledged by DELETE was %d; RFC 8030 §6.2 requires 204", status)
			again := ua.waitZero(ctx, "monitor.2", sub.Resource, nil)
			Expect(again.Pushes).To(BeEmpty(), "an acknowledged message is not pushed again")
		})
})

var _ = describe("RFC 8030 §6.1 Receiving Push Messages for a Subscription Set", func() {
	// RFC 8030 §6.1: push messages delivered through a subscription set carry the Link
	// rel="urn:ietf:params:push" of their push resource, so the user agent can tell which
	// subscription each one is for.
	// Sends: two subscriptions in one set, a message to each, then GET on the set with
	// Prefer: wait=0. Expects: two pushes, each naming its own push resource and decrypting with
	// that subscription's keys to what was sent to it.
	conformance.It("names each message's push resource when delivering through a set", tgt, rules.SetDeliveryLink,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			a, b := ua.inSet(ctx)
			sendTo(ctx, r, "push.a", a, "for a")
			sendTo(ctx, r, "push.b", b, "for b")
			res := ua.waitZero(ctx, "monitor.set", a.Set, nil)
			Expect(payloads(res.Pushes, a, b)).To(ConsistOf(want(a, "for a"), want(b, "for b")), "monitoring the set delivered %q; RFC 8030 §6 requires the messages of every subscription in the set", payloads(res.Pushes, a, b))
		})

	// RFC 8030 §6.1, §6: Prefer: wait=0 on a set pushes every undelivered message of every
	// subscription in it.
	// Sends: one message to each of two subscriptions in a set, then GET on the set with wait=0.
	// Expects: both are pushed, and the request ends in success.
	conformance.It("pushes every undelivered message of a set to a monitor with Prefer: wait=0", tgt, rules.WaitZeroPushesAll,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			a, b := ua.inSet(ctx)
			sendTo(ctx, r, "push.a", a, "a1")
			sendTo(ctx, r, "push.b", b, "b1")
			res := ua.waitZero(ctx, "monitor.set", a.Set, nil)
			Expect(res.Status/100).To(Equal(2), "a wait=0 request on the subscription set was answered %d; RFC 8030 §6 requires success", res.Status)
			Expect(res.Pushes).To(HaveLen(2), "monitoring the set delivered %d messages; RFC 8030 §6 requires both stored messages of its two subscriptions", len(res.Pushes))
		})
})

var _ = describe("RFC 8030 §5.3 Urgency on the monitoring request", func() {
	// The user agent MAY include Urgency when monitoring (RFC 8030 §5.3).
	// Sends: a message without Urgency and one with Urgency: high, then GET with Prefer: wait=0
	// and Urgency: high. Expects: only the high one is pushed.
	conformance.It("treats a message without Urgency as normal for a monitor asking for high", tgt, rules.UrgencyDefaultNormal,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			sendTo(ctx, r, "push.default", sub, "default")
			high := message(asTarget(sub), "high")
			high.Urgency = "high"
			accepted(ctx, r, "push.high", high, noFaults)
			res := ua.waitZero(ctx, "monitor.high", sub.Resource, http.Header{"Urgency": {"high"}})
			Expect(payloads(res.Pushes, sub)).To(Equal([]string{want(sub, "high")}), "a monitor asking for Urgency high got %q; RFC 8030 §5.3 makes a message without Urgency normal, so only the high message is due", payloads(res.Pushes, sub))
		})

	// RFC 8030 §5.3: the push service MUST NOT deliver messages below the urgency the user
	// agent asked for; they stay stored.
	// Sends: a low message; GET wait=0 with Urgency: normal; then GET wait=0 without Urgency.
	// Expects: nothing pushed the first time, the low message the second time.
	conformance.It("holds a low message from a monitor asking for normal", tgt, rules.RespectUAThreshold,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{})
			low := message(asTarget(sub), "low")
			low.Urgency = "low"
			accepted(ctx, r, "push.low", low, noFaults)
			held := ua.waitZero(ctx, "monitor.normal", sub.Resource, http.Header{"Urgency": {"normal"}})
			Expect(held.Pushes).To(BeEmpty(), "a low message must not go to a monitor asking for normal")
			all := ua.waitZero(ctx, "monitor.all", sub.Resource, nil)
			Expect(payloads(all.Pushes, sub)).To(Equal([]string{want(sub, "low")}), "a monitor asking for all urgencies got %q; RFC 8030 §5.3 requires the held low message then", payloads(all.Pushes, sub))
		})
})
