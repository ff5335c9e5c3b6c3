package useragent

// RFC 8188 §4.1 on the receiving side: a Web Push user agent relies on the aes128gcm coding to
// authenticate where a message comes from, so content that arrives without it is rejected. The
// push service refuses such a request (415) unless a fault lets it through
// (fakepushservice.Fault.Accept); then the link delivers the body as is with no encoding (autopush:
// `data` with empty `headers`; FCM: `raw_data` without a `content-encoding` app-data entry). Then
// a sentinel. Two rules: the content must not reach the service worker (RFC 8188 §4.1), and no
// push event may fire for a message that cannot be decrypted (Push API).

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

var _ = describe("RFC 8188 user agent: content without the aes128gcm coding", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			// The rule binds a receiver that relies on the coding for content origin authentication,
			// as Web Push does. The
			// content is what is judged here: its bytes must not reach the service worker.
			conformance.It("does not hand a payload delivered without a content coding to the service worker", tg, rules.RejectUncoded,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					u := deliverUncoded(ctx, r, c, "uncoded")
					for _, rep := range u.pushes {
						Expect(rep.Data.TextValue()).NotTo(Equal(string(u.plain)), "the uncoded bytes reached the service worker as event.data (push event %s)", rep.Raw)
						Expect(rep.HasData).To(BeFalse(), "a push event for the uncoded message carries data: %s", rep.Raw)
					}
				}, specTimeout)

			// A payload without the coding cannot be decrypted.
			conformance.It("fires no push event for a payload delivered without a content coding", tg, rules.UndecryptableNoEvent,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					u := deliverUncoded(ctx, r, c, "uncoded-event")
					var seen []string
					for _, rep := range u.pushes {
						seen = append(seen, fmt.Sprintf("push event (id %q, hasData %v, data %q)", rep.ID, rep.HasData, rep.Data.TextValue()))
					}
					Expect(seen).To(BeEmpty(), "push events for the uncoded message %s (before its sentinel)", u.msgID)
					// Chromium: its DevTools record must have been seen (a missing one is a harness
					// error, not a pass). Firefox's ack code is recorded (browserVerdict), not graded.
					if !env.AcksDecryption(k) {
						requireVerdict(u.verdict)
						Expect(u.verdict.Delivered).To(BeFalse(), "DevTools records the uncoded message as delivered (%v)", u.verdict.DevTools.Metadata)
					}
				}, specTimeout)
		})
	}
})

// uncoded is what deliverUncoded saw: the message, the push reports before its sentinel's (none
// for a browser that rejects it) and the browser's own verdict.
type uncoded struct {
	msgID   string
	plain   []byte
	pushes  []sitefixture.Report
	verdict verdict
}

// deliverUncoded lets one payload through the push service without a content coding (a fault),
// then a sentinel, and returns what reached the service worker before the sentinel.
func deliverUncoded(ctx SpecContext, r *conformance.Recorder, c *harness.Client, id string) uncoded {
	core, ok := coreSubscription(c.Subscription)
	if !ok {
		conformance.HarnessError(fmt.Errorf("the push service has no record of %s", c.Subscription.SendEndpoint))
	}
	since := len(c.Reports())
	u := uncoded{plain: harness.Payload(id, nil, nil)}
	env.Push.AddFault(fakepushservice.FaultRule{Subscription: core.ID, Count: 1,
		Fault: fakepushservice.Fault{Accept: []fakepushservice.Cond{fakepushservice.CondNoEncoding}}})
	u.msgID = postUncoded(ctx, r, c, u.plain)
	wctx, cancel := bounded(ctx)
	d, err := env.Push.AwaitDeliveryOf(wctx, u.msgID)
	cancel()
	if err != nil {
		conformance.HarnessError(fmt.Errorf("the push service did not hand the uncoded message %s to %s's link", u.msgID, c.Kind))
	}
	r.Evidence("delivery", fmt.Sprintf("attempt %d at %s", d.Attempt, d.At.Format("15:04:05.000")))
	sentinel := "sentinel-" + id
	sendSentinel(ctx, r, c, sentinel)
	u.verdict = browserVerdict(ctx, r, c, id, u.msgID)
	for _, rep := range c.Reports()[since:] {
		if rep.ID != sentinel {
			u.pushes = append(u.pushes, rep)
		}
	}
	return u
}

// postUncoded posts plain as the body of a push message with no Content-Encoding (VAPID-signed,
// TTL 60) and returns the message ID; a refusal is the harness's problem.
func postUncoded(ctx SpecContext, r *conformance.Recorder, c *harness.Client, plain []byte) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Subscription.SendEndpoint, bytes.NewReader(plain))
	if err != nil {
		conformance.HarnessError(err)
	}
	auth, err := env.VAPID.Authorization(req.URL.Scheme+"://"+req.URL.Host, env.Subject, time.Now().Add(12*time.Hour), nil)
	if err != nil {
		conformance.HarnessError(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("TTL", "60")
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		conformance.HarnessError(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	loc := resp.Header.Get("Location")
	r.Evidence("send.uncoded", fmt.Sprintf("POST %d octets, no Content-Encoding → %d %s, Location %s", len(plain), resp.StatusCode, strings.TrimSpace(string(body)), loc))
	i := strings.LastIndex(loc, "/m/")
	if resp.StatusCode/100 != 2 || i < 0 {
		conformance.HarnessError(fmt.Errorf("the push service refused the uncoded message despite the fault: %d %s", resp.StatusCode, body))
	}
	return loc[i+3:]
}
