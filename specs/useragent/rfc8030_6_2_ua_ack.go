package useragent

// RFC 8030 §6.2 on the browser side: the user agent acknowledges what it receives. pushspec's
// push service records each link's acknowledgement (Firefox: autopush `ack` with a code; Chromium:
// the MCS stream ack that covers the data stanza) and drops the message from its store on it.

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

var _ = describe("RFC 8030 user agent acknowledgement", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			// RFC 8030 §6.2, paraphrased: the push service retries a message that is not
			// acknowledged until it expires, so one that stops holding it saw the acknowledgement.
			conformance.It("acknowledges a delivered message, and the push service stops holding it", tg, rules.UAAcknowledges,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					res := send(ctx, r, c, harness.Payload("acked", nil, nil), harness.SendOptions{})
					awaitPush(ctx, r, c, "the message", func(rep sitefixture.Report) bool { return rep.ID == "acked" })
					wctx, cancel := bounded(ctx)
					defer cancel()
					code, err := c.AwaitAck(wctx, res.MessageID)
					Expect(err).NotTo(HaveOccurred(), "no acknowledgement of %s within %v of its delivery", res.MessageID, waitFor)
					for _, a := range env.Push.Acks() {
						if a.MessageID == res.MessageID {
							r.Evidence("ack", fmt.Sprintf("code %d at +%v after the POST; %v", int(a.Code), a.At.Sub(res.PostedAt), a.Evidence))
						}
					}
					Expect(code).To(Equal(fakepushservice.AckDelivered), "acknowledgement code for a message the service worker received")
					for _, m := range env.Push.Stored() {
						Expect(m.ID).NotTo(Equal(res.MessageID), "the acknowledged message is still stored (%d attempts)", m.Attempts)
					}
				}, specTimeout)
		})
	}
})
