package useragent

import (
	"context"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

var _ = describe("Push API: permission revoked", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)
		Describe(string(k), func() {
			// Push API, Security and privacy: when the user revokes the permission, the
			// subscriptions made under it are deactivated (and pushsubscriptionchange MAY fire
			// with a null newSubscription).
			// Does: subscribes, then takes the notifications permission back (Firefox: BiDi
			// permissions back to prompt, which pushspec's Firefox turns into denied; Chromium:
			// DevTools Browser.setPermission denied, an override Chromium's push service checks
			// when a message arrives rather than at once). Sends a push to the old endpoint.
			// Expects: that push refused (404/410) or, when the service still takes it, never at
			// the service worker (a sentinel can not be used: nothing reaches it without the
			// permission, so the wait is bounded); then, within 15 s, getSubscription() null
			// and a second push to the old endpoint refused or lost the same way.
			// Recorded: whether the browser told the push service, and whether the change event
			// fired.
			conformance.It("revoking the notifications permission deactivates the subscription", tg, rules.PermissionRevokeDeactivates,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					revoker, ok := c.Session.(browser.PermissionRevoker)
					if !ok {
						conformance.SkipBecause(fmt.Sprintf("unsupported: pushspec cannot revoke the permission in %s", k))
					}
					core, ok := coreSubscription(c.Subscription)
					if !ok {
						conformance.HarnessError(fmt.Errorf("the push service has no record of %s", c.Subscription.SendEndpoint))
					}
					if err := revoker.RevokeNotifications(ctx, c.Origin.URL()); err != nil {
						conformance.HarnessError(err)
					}
					r.Evidence("revoked with", map[browser.Kind]string{
						browser.Firefox:  "BiDi permissions reset to prompt (pushspec's Firefox denies origins without a grant)",
						browser.Chromium: "DevTools Browser.setPermission denied",
					}[k])
					// oldEndpointDead sends payload id to the old endpoint: refused, or accepted
					// and never at the service worker. An accepted push is watched until the
					// browser unsubscribes (both drop such a message before telling the service)
					// or for 5 s, whichever comes first.
					oldEndpointDead := func(key, id string) {
						res := sendRaw(ctx, r, c, key, harness.Payload(id, nil, nil), harness.SendOptions{})
						if res.Status/100 != 2 {
							Expect(res.Status).To(BeElementOf(404, 410), "a push to the old endpoint after the revoke")
							return
						}
						reported := func() *sitefixture.Report {
							for _, rep := range c.Reports() {
								if rep.ID == id {
									return &rep
								}
							}
							return nil
						}
						// Whichever comes first ends the watch: the service told of the unsubscribe,
						// the push reported, or 5 s.
						nctx, ncancel := context.WithTimeout(ctx, 5*time.Second)
						var wg sync.WaitGroup
						wg.Go(func() {
							env.Push.AwaitSubscription(nctx, core.ID, fakepushservice.SubUnsubscribed)
							ncancel()
						})
						wg.Go(func() {
							c.AwaitPush(nctx, func(rep sitefixture.Report) bool { return rep.ID == id })
							ncancel()
						})
						wg.Wait()
						if rep := reported(); rep != nil {
							Fail("a push to the old endpoint reached the service worker after the revoke: " + string(rep.Raw))
						}
					}
					oldEndpointDead("old", "after-revoke")

					wctx, cancel := bounded(ctx)
					defer cancel()
					var g struct {
						Permission string `json:"permission"`
						Null       bool   `json:"null"`
					}
					Eventually(wctx, func() bool {
						jsErr := evalInto(ctx, nil, c, "getSubscription", `return {permission: Notification.permission, null: (await reg.pushManager.getSubscription()) === null};`, &g)
						return jsErr == nil && g.Null
					}).WithPolling(100*time.Millisecond).Should(BeTrue(),
						"getSubscription() still returns the subscription %v after the permission was revoked and a push sent (Notification.permission %q)", waitFor, g.Permission)
					r.Evidence("after revoke", fmt.Sprintf("Notification.permission %q, getSubscription() null", g.Permission))
					_, state, _ := env.Push.Subscription(core.ID)
					r.Evidence("service state", string(state))
					oldEndpointDead("old.again", "after-revoke-2")

					fired := false
					for _, rep := range c.Reports() {
						fired = fired || rep.Kind == sitefixture.KindPushSubscriptionChange
					}
					r.Evidence("pushsubscriptionchange fired", fmt.Sprint(fired))
					if state != fakepushservice.SubUnsubscribed {
						r.Evidence("note", "the browser had not told the push service when getSubscription() turned null")
					}
				}, specTimeout)
		})
	}
})
