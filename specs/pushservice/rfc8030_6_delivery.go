package pushservice

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

var _ = describe("RFC 8030 §6 Receiving Push Messages", func() {
	// RFC 8030 §6, §7.2: a push service stores push messages for a user agent that is not
	// monitoring and delivers them when it resumes.
	// Sends: with the UA offline, one message (TTL 60); reconnects. Expects: it is delivered.
	conformance.It("delivers stored messages when the user agent comes back", tgt, rules.UndeliveredPushedOnReconnect,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			accepted(ctx, r, "push", message(sub, "stored"), sender.Faults{})
			online(ctx, sf, sub)
			got := next(ctx, r, sub, "stored")
			Expect(string(got.Payload)).To(Equal("stored"), "the stored message was delivered as %q, not \"stored\"; RFC 8030 §6 requires a stored message to be delivered when the user agent comes online", string(got.Payload))
		})

	// Sends: one message to a UA that takes it without acknowledging; the UA reconnects.
	// Expects: the same message (same id) is delivered again.
	conformance.It("redelivers a message that was not acknowledged", tgt, rules.RedeliverUnacked,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			acker := capability[target.Acker]("withhold acknowledgements")
			acker.SetNoAck(sub, true)
			accepted(ctx, r, "push", message(sub, "unacked"), sender.Faults{})
			first := next(ctx, r, sub, "first")
			sf := offline(ctx, sub)
			acker.SetNoAck(sub, false)
			online(ctx, sf, sub)
			again := next(ctx, r, sub, "again")
			Expect(string(again.Payload)).To(Equal("unacked"), "after an unacknowledged delivery and a reconnect the service delivered %q, not \"unacked\" again; RFC 8030 §6.2 requires it to keep delivering until acknowledged", string(again.Payload))
			if first.MessageID != "" {
				Expect(again.MessageID).To(Equal(first.MessageID), "a redelivery keeps the message id")
			}
		})

	// RFC 8030 §6.2, §6.3: when the user agent acknowledges a message sent with a receipt
	// request, the push service delivers a receipt with 204 (No Content) on the receipt
	// subscription.
	// Sends: Prefer: respond-async; the UA takes and acknowledges the message. Expects: a 204
	// receipt for that message resource.
	conformance.It("sends a 204 receipt once the user agent acknowledges", tgt, rules.Receipt204OnAck,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			rr := capability[target.ReceiptReader]("read receipt subscriptions")
			res := post(ctx, r, "push", message(sub, "receipted"), respondAsync)
			link, loc := receiptTaken(res)
			next(ctx, r, sub, "receipted")
			wctx, cancel := context.WithTimeout(ctx, waitFor)
			defer cancel()
			status, err := rr.AwaitReceipt(wctx, link, loc)
			Expect(err).NotTo(HaveOccurred(), "no receipt within %s", waitFor)
			r.Evidence("receipt", http.StatusText(status))
			Expect(status).To(Equal(http.StatusNoContent), "the receipt for a delivered and acknowledged message was %d; RFC 8030 §6.2 requires 204", status)
		})

	// RFC 8030 §6.3 (paraphrased) asks the same of the receipt: a 410 (Gone) failure response
	// when the service ceases to retry before the advertised expiration. The 410 is owed only for a
	// give-up before the advertised expiry: a message that simply reaches its TTL needs none
	// (§7.2, paraphrased: a user agent does not receive messages that expire), so this check
	// never lets a TTL run out.
	// Sends: with the UA offline, Prefer: respond-async and TTL 600; then the service expires the
	// subscription, so it can never deliver the message (a give-up long before the 600 s).
	// Expects: a 410 receipt for that message.
	conformance.It("sends a 410 receipt for a message it gives up on before its expiry", tgt, rules.Receipt410OnGiveUp,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			rr := capability[target.ReceiptReader]("read receipt subscriptions")
			ex := capability[target.Expirer]("expire a subscription")
			offline(ctx, sub)
			m := message(sub, "given up")
			m.TTL = 600
			res := post(ctx, r, "push", m, respondAsync)
			link, loc := receiptTaken(res)
			conformance.HarnessError(ex.Expire(ctx, sub))
			r.Evidence("give-up", "the service expired the subscription while the message (TTL 600) was stored")
			wctx, cancel := context.WithTimeout(ctx, waitFor)
			defer cancel()
			status, err := rr.AwaitReceipt(wctx, link, loc)
			Expect(err).NotTo(HaveOccurred(), "no receipt within %s of the service ending the subscription the message was stored for; RFC 8030 §6.3 requires a 410", waitFor)
			r.Evidence("receipt", itoa(status))
			Expect(status).To(Equal(http.StatusGone), "the receipt for a message the service gave up on was %d; RFC 8030 §6.3 requires 410", status)
		})
})
