package useragent

// Push API "Receiving a Push Message": "If all the promises resolve successfully, acknowledge the
// receipt of the push message according to [RFC8030]", and "multiple rejections SHOULD be
// permitted before acknowledging". The service worker holds waitUntil for a second, then reports
// (the report's arrival is the last thing before the promise resolves); the acknowledgement the
// push service records must come after that report.
//
// Only Firefox's autopush link carries that acknowledgement (ack after the event, nack when the
// worker failed). Chromium's MCS stream ack is transport receipt: the FCM link asks for an
// immediate ack of every data stanza (docs/chromium-fcm.md §8) and Chromium's GCM client sends it
// on receipt of the data stanza (seen about 4 ms after the push was accepted, a second before a
// held waitUntil settled). It says nothing about the service worker, so both rules are not
// observable on Chromium and skip with that reason, rather than judging the stream ack as the
// Push API acknowledgement in one spec and as transport receipt in the other.

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

var _ = describe("Push API acknowledgement", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			conformance.It("acknowledges the message only after waitUntil's promise settled", tg, rules.AckAfterWaitUntil,
				func(ctx SpecContext, r *conformance.Recorder) {
					if reason, transportOnly := transportAckOnly(k); transportOnly {
						conformance.SkipBecause(reason)
					}
					c := newClient(ctx, r, k)
					const hold = time.Second
					res := send(ctx, r, c, harness.Payload("held", map[string]any{"holdMs": hold.Milliseconds()}, nil), harness.SendOptions{})
					rep := awaitPush(ctx, r, c, "the held message", func(rep sitefixture.Report) bool { return rep.ID == "held" })
					wctx, cancel := bounded(ctx)
					defer cancel()
					code, err := c.AwaitAck(wctx, res.MessageID)
					Expect(err).NotTo(HaveOccurred(), "%s did not acknowledge the held message %s: %v; the Push API acknowledges once the waitUntil promises resolve", k, res.MessageID, err)
					var ackAt time.Time
					for _, a := range env.Push.Acks() {
						if a.MessageID == res.MessageID {
							ackAt = a.At
							break
						}
					}
					r.Evidence("ack", fmt.Sprintf("%d at %s", int(code), ackAt.Format("15:04:05.000")))
					r.Evidence("report.received", rep.ReceivedAt.Format("15:04:05.000"))
					r.Evidence("ack.after.post", ackAt.Sub(res.PostedAt).String())
					Expect(ackAt.IsZero()).To(BeFalse(), "harness: the ack has no record")
					Expect(ackAt.After(rep.ReceivedAt)).To(BeTrue(),
						"ack %d came %v after the push was accepted, %v before the service worker's waitUntil (held %v) settled",
						int(code), ackAt.Sub(res.PostedAt).Round(time.Millisecond), rep.ReceivedAt.Sub(ackAt).Round(time.Millisecond), hold)
				}, specTimeout)

			conformance.It("makes several attempts before acknowledging a message whose waitUntil rejected", tg, rules.RejectedWaitUntilRetries,
				func(ctx SpecContext, r *conformance.Recorder) {
					if reason, transportOnly := transportAckOnly(k); transportOnly {
						conformance.SkipBecause(reason)
					}
					c := newClient(ctx, r, k)
					res := send(ctx, r, c, harness.Payload("rejected", map[string]any{"reject": true}, nil), harness.SendOptions{})
					awaitPush(ctx, r, c, "the message whose waitUntil rejects", func(rep sitefixture.Report) bool { return rep.ID == "rejected" })
					wctx, cancel := bounded(ctx)
					defer cancel()
					code, err := c.AwaitAck(wctx, res.MessageID)
					Expect(err).NotTo(HaveOccurred(), "%s did not acknowledge the message %s whose waitUntil rejects: %v; the Push API acknowledges it after its retries", k, res.MessageID, err)
					if link := env.Autopush(); link != nil {
						if n, err := link.AwaitNack(wctx, res.MessageID); err == nil {
							r.Evidence("nack", fmt.Sprintf("%d", n.Code))
						}
					}
					var ackAt time.Time
					for _, a := range env.Push.Acks() {
						if a.MessageID == res.MessageID {
							ackAt = a.At
							break
						}
					}
					// The ack ends the push service's redelivery: count the attempts before it.
					attempts := 0
					for _, d := range env.Push.Deliveries() {
						if d.MessageID == res.MessageID && !d.At.After(ackAt) {
							attempts++
						}
					}
					r.Evidence("ack", fmt.Sprintf("%d at %s", int(code), ackAt.Format("15:04:05.000")))
					r.Evidence("attempts before the ack", fmt.Sprint(attempts))
					Expect(attempts).To(BeNumerically(">", 1), "the browser acknowledged the message (ack %d) after %d delivery although its waitUntil promise rejected; the Push API recommends allowing at least three attempts", int(code), attempts)
				}, specTimeout)
		})
	}
})

// transportAckOnly reports whether k's link acknowledges messages on receipt only (Chromium's MCS
// stream ack), so that the Push API acknowledgement, which follows the push event, cannot be seen
// on it; reason says so for SkipBecause.
func transportAckOnly(k browser.Kind) (reason string, transportOnly bool) {
	// AcksDecryption is true for the links whose acks follow the browser's handling of the
	// message (autopush: ack 100 after the event, 101 for a decryption failure, nack on failure).
	if env.AcksDecryption(k) {
		return "", false
	}
	return fmt.Sprintf("not observable: %s's link acknowledges receipt of each message on the connection (MCS stream ack, sent on receipt of the data stanza), not the service worker's completion", k), true
}
