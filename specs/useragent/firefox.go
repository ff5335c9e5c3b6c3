package useragent

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

// Firefox-only specs: what the autopush WebSocket link sees of Firefox (register answers, acks,
// nacks, reconnects). The Env's one link serves every Firefox client of this process; specs run
// one at a time per process and reset any knob they turn.
var _ = describe("Firefox, seen through the autopush link", Label("needs:browser", "target:firefox"), func() {
	if !slices.Contains(kinds, browser.Firefox) {
		return
	}
	k := browser.Firefox
	tg := target(k)

	// Push API, create a push subscription: "Request a new push subscription. … Rethrow any
	// exceptions." The spec names no exception for a push service that refuses, so the
	// rejection is required and its name is recorded, not graded.
	conformance.It("rejects subscribe() when the push service refuses the registration", tg, rules.SubscribePushServiceError,
		func(ctx SpecContext, r *conformance.Recorder) {
			c, err := env.OpenClient(ctx, k, harness.ClientOptions{NoSubscribe: true})
			if err != nil {
				conformance.HarnessError(err)
			}
			DeferCleanup(c.Close)
			link := env.Autopush()
			link.SetRegisterStatus(500)
			DeferCleanup(func() { link.SetRegisterStatus(0) })
			wctx, cancel := bounded(ctx)
			defer cancel()
			_, err = c.Subscribe(wctx, webpush.Base64URL(env.VAPID.Public()), nil)
			if reg, rerr := link.AwaitRegister(wctx, func(rg autopush.Register) bool { return rg.Status == 500 }); rerr == nil {
				r.Evidence("register", fmt.Sprintf("channel %s → status %d", reg.ChannelID, reg.Status))
			}
			Expect(err).To(HaveOccurred(), "subscribe() resolved although register was answered 500")
			var jsErr *sitefixture.JSError
			Expect(errors.As(err, &jsErr)).To(BeTrue(), "not a JavaScript rejection: %v", err)
			r.Evidence("rejection", jsErr.Error())
			r.Evidence("rejection.name", jsErr.Name)
		}, specTimeout)

	It("[link] acks 100, then nacks 301 when the push handler throws", func(ctx SpecContext) {
		c := newClient(ctx, nil, k)
		res := send(ctx, nil, c, harness.Payload("throws", map[string]any{"throw": true}, nil), harness.SendOptions{})
		rep := awaitPush(ctx, nil, c, "the throwing handler's report", func(rep sitefixture.Report) bool { return rep.ID == "throws" })
		Expect(rep.Threw).To(BeTrue(), "the service worker reported that its push handler did not throw; this link check needs a handler that throws")
		wctx, cancel := bounded(ctx)
		defer cancel()
		code, err := c.AwaitAck(wctx, res.MessageID)
		Expect(err).NotTo(HaveOccurred(), "no MCS-style ack from Firefox for %s: %v", res.MessageID, err)
		Expect(code).To(Equal(fakepushservice.AckDelivered), "ack 100 means handed to the service worker, whatever the handler does")
		nk, err := env.Autopush().AwaitNack(wctx, res.MessageID)
		Expect(err).NotTo(HaveOccurred(), "no nack for %s", res.MessageID)
		Expect(nk.Code).To(Equal(301), "Firefox nacked the throwing handler's message with code %d, not 301", nk.Code)
	}, specTimeout)

	It("[link] reconnects after a dropped connection and receives what was stored meanwhile", func(ctx SpecContext) {
		c := newClient(ctx, nil, k)
		link := env.Autopush()
		wctx, cancel := bounded(ctx)
		defer cancel()
		reg, err := link.AwaitRegister(wctx, func(rg autopush.Register) bool { return rg.Endpoint == c.Subscription.Endpoint })
		Expect(err).NotTo(HaveOccurred(), "Firefox did not register with the autopush link: %v", err)
		n := len(link.Hellos())
		Expect(link.Drop(reg.UAID)).To(BeTrue(), "no connection for uaid %s", reg.UAID)
		dropped := time.Now()
		res := send(ctx, nil, c, harness.Payload("stored", nil, nil), harness.SendOptions{})
		Expect(res.Request.Stored).To(BeTrue(), "the push service delivered the message at once instead of storing it for the dropped connection")
		h, err := link.AwaitHelloAfter(wctx, reg.UAID, n)
		Expect(err).NotTo(HaveOccurred(), "Firefox did not reconnect within %v", waitFor)
		AddReportEntry("reconnect", h.At.Sub(dropped).String())
		awaitPush(ctx, nil, c, "the stored message", func(rep sitefixture.Report) bool { return rep.ID == "stored" })
		code, err := c.AwaitAck(wctx, res.MessageID)
		Expect(err).NotTo(HaveOccurred(), "no ack from Firefox for the stored message %s: %v", res.MessageID, err)
		Expect(code).To(Equal(fakepushservice.AckDelivered), "Firefox acked the stored message with code %d, not %d (delivered)", code, fakepushservice.AckDelivered)
		// Evidence: the frames of this connection, hello to ack.
		var frames []string
		for _, f := range link.Frames(reg.UAID) {
			if f.Conn == h.Conn {
				frames = append(frames, map[bool]string{true: "< ", false: "> "}[f.In]+string(f.JSON))
			}
		}
		AddReportEntry("frames", strings.Join(frames, "\n"))
	}, specTimeout)
})
