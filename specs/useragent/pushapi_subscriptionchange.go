package useragent

// Push API pushsubscriptionchange. Firefox's one trigger reachable offline is a push service
// that forgets it (Env.LoseSubscriptions: a new uaid on a forced reconnect); Firefox then drops
// every subscription and fires the event with the old subscription and no new one
// (docs/firefox-autopush.md §4.4, §7). Chromium's FCM client has no such path offline.

import (
	"errors"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("Push API pushsubscriptionchange", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			// flow.go checks the event itself (old subscription, newSubscription null); this
			// spec checks the old subscription's keys in the event and what follows the loss.
			conformance.It("after the push service loses the subscription: the event carries the old keys, getSubscription() in the page is null, the old endpoint is dead and a new subscription works", tg, rules.PushSubscriptionChangeOnLoss,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Also(rules.GetSubscriptionNull)
					c := newClient(ctx, r, k)
					old := c.Subscription
					wctx, cancel := bounded(ctx)
					defer cancel()
					err := env.LoseSubscriptions(wctx, k)
					if errors.Is(err, harness.ErrUnsupported) {
						conformance.SkipBecause(fmt.Sprintf("no trigger offline: pushspec cannot make %s's push service forget it (Chromium's GCM client learns of no lost registration over MCS)", k))
					}
					if err != nil {
						conformance.HarnessError(err)
					}
					rep, err := c.Origin.AwaitReport(wctx, func(rep sitefixture.Report) bool { return rep.Kind == sitefixture.KindPushSubscriptionChange })
					Expect(err).NotTo(HaveOccurred(), "no pushsubscriptionchange within %v of the loss", waitFor)
					ev(r, c, "report", string(rep.Raw), old)
					Expect(rep.OldSubscription).NotTo(BeNil(), "pushsubscriptionchange came with a null oldSubscription; the Push API passes the lost subscription as oldSubscription")
					Expect(rep.OldSubscription.Endpoint).To(Equal(old.Endpoint), "oldSubscription.endpoint is %q, not the lost %q; the Push API passes the lost subscription as oldSubscription", rep.OldSubscription.Endpoint, old.Endpoint)
					Expect(rep.OldSubscription.Keys).To(Equal(old.JSON.Keys), "oldSubscription.keys are not the lost subscription's keys; the Push API passes the lost subscription as oldSubscription")
					Expect(rep.NewSubscription).To(BeNil(), "pushsubscriptionchange came with a newSubscription for a lost subscription; the Push API passes null when there is no new one")
					// The Push API fixes only the event's oldSubscription and newSubscription; what
					// getSubscription() resolves to while the handler runs is not specified.
					if rep.CurrentSubscription == nil {
						r.Evidence("getSubscription() inside the handler", "null")
					} else {
						r.Evidence("getSubscription() inside the handler", "a subscription with endpoint "+rep.CurrentSubscription.Endpoint)
					}
					var v struct {
						Null bool `json:"null"`
					}
					Expect(evalInto(ctx, r, c, "getSubscription", `return {null: (await reg.pushManager.getSubscription()) === null};`, &v)).To(BeNil(), "the getSubscription script threw in %s (see the js evidence); getSubscription() must resolve", k)
					Expect(v.Null).To(BeTrue(), "getSubscription() in the page after the loss")
					res := sendRaw(ctx, r, c, "old", harness.Payload("to-lost", nil, nil), harness.SendOptions{})
					Expect(res.Status).To(BeElementOf(404, 410), "a push to the lost subscription's endpoint")
					sub, err := c.Subscribe(ctx, webpush.Base64URL(env.VAPID.Public()), nil)
					Expect(err).NotTo(HaveOccurred(), "subscribe() after the loss failed: %v; a user agent must be able to subscribe again", err)
					ev(r, c, "new subscription", string(sub.Value), old, sub)
					Expect(sub.Endpoint).NotTo(Equal(old.Endpoint), "subscribe() after the loss gave back the lost endpoint %s; the lost subscription's push resource is gone, so a new subscription needs a new one", old.Endpoint)
					c.Subscription = sub
					send(ctx, r, c, harness.Payload("after-loss", nil, nil), harness.SendOptions{})
					awaitPush(ctx, r, c, "a push to the new subscription", func(rep sitefixture.Report) bool { return rep.ID == "after-loss" })
				}, specTimeout)

			conformance.It("fires with old and new subscriptions after a refresh", tg, rules.PushSubscriptionChangeOnRefresh,
				func(ctx SpecContext, r *conformance.Recorder) {
					switch k {
					case browser.Firefox:
						conformance.SkipBecause("no trigger: Firefox never refreshes a subscription; every pushsubscriptionchange it fires has newSubscription null (docs/firefox-autopush.md §7)")
					default:
						conformance.SkipBecause("no trigger offline: Chromium's GCM client has no subscription refresh that the FCM emulation can cause")
					}
				}, SpecTimeout(10*time.Second))
		})
	}
})
