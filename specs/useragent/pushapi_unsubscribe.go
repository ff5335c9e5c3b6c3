package useragent

// Push API unsubscribe() and what follows it: true then false on the same object,
// getSubscription() null, the push service told (a POST to the old endpoint answers 404/410 and
// nothing reaches the service worker), and a new subscription with a new endpoint and fresh keys.

import (
	"context"
	"crypto/ecdh"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("Push API unsubscribe()", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var (
				c    *harness.Client
				old  harness.Subscription
				core *fakepushservice.Subscription
			)
			BeforeAll(func(ctx SpecContext) {
				c = newClient(ctx, nil, k)
				old = c.Subscription
				var ok bool
				core, ok = coreSubscription(old)
				if !ok {
					Fail(fmt.Sprintf("harness: the push service has no record of %s", old.SendEndpoint))
				}
			}, NodeTimeout(time.Minute))

			conformance.It("unsubscribe() resolves true, then false on the same object; getSubscription() is then null", tg, rules.UnsubscribeTrueThenFalse,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Also(rules.GetSubscriptionNull)
					clientEvidence(r, c)
					var v struct {
						First  any  `json:"first"`
						Second any  `json:"second"`
						Null   bool `json:"null"`
						Ms     float64
					}
					Expect(evalInto(ctx, r, c, "unsubscribe", `
const sub = await reg.pushManager.getSubscription();
const t0 = performance.now();
const first = await sub.unsubscribe();
const ms = performance.now() - t0;
let second;
try { second = await sub.unsubscribe(); } catch (e) { second = errv(e); }
return {first, second, null: (await reg.pushManager.getSubscription()) === null, Ms: ms};`, &v)).To(BeNil(), "the unsubscribe script threw in %s (see the js evidence); unsubscribe() must resolve", k)
					r.Evidence("unsubscribe.ms", fmt.Sprintf("%.1f", v.Ms))
					Expect(v.First).To(Equal(true), "the first unsubscribe() resolved %v, not true; the Push API resolves true when it deactivates the subscription", v.First)
					Expect(v.Second).To(Equal(false), "second unsubscribe() on the same, now deactivated, subscription")
					Expect(v.Null).To(BeTrue(), "getSubscription() after unsubscribe()")
				}, specTimeout)

			conformance.It("tells the push service: the old endpoint answers 404 or 410 and nothing reaches the service worker", tg, rules.UnsubscribeStopsDelivery,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					r.Evidence("old endpoint", old.SendEndpoint)
					// The browser tells the service on its link (autopush unregister, register3
					// delete=true); wait, bounded, until the service has recorded it.
					wctx, cancel := bounded(ctx)
					defer cancel()
					state, err := env.Push.AwaitSubscription(wctx, core.ID, fakepushservice.SubUnsubscribed)
					Expect(err).NotTo(HaveOccurred(), "the push service was not told of the unsubscribe within %v (its state: %q)", waitFor, state)
					r.Evidence("service state", string(state))
					since := len(c.Reports())
					res := sendRaw(ctx, r, c, "old", harness.Payload("to-old", nil, nil), harness.SendOptions{})
					Expect(res.Status).To(BeElementOf(404, 410), "a push to the unsubscribed endpoint")
					// Sentinel on a new subscription of the same registration.
					sub, err := c.Subscribe(ctx, webpush.Base64URL(env.VAPID.Public()), nil)
					if err != nil {
						conformance.HarnessError(err)
					}
					ev(r, c, "new subscription", string(sub.Value), old, sub)
					c.Subscription = sub
					sendSentinel(ctx, r, c, "sentinel-new")
					var ids []string
					for _, rep := range c.Reports()[since:] {
						ids = append(ids, rep.ID)
					}
					Expect(ids).To(Equal([]string{"sentinel-new"}), "the service worker reported %q, not only the sentinel of the new subscription; a message to the unsubscribed endpoint must fire no push event", ids)
				}, specTimeout)

			conformance.It("a new subscription has a new endpoint and a fresh key pair and auth secret", tg, rules.SubscriptionFreshKeys,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Also(rules.DeactivatedEndpointNotReused)
					r.Also(rules.UAP256KeyPair)
					r.Also(rules.AuthSecretCSPRNG)
					r.Also(rules.FreshIdentifiers)
					ensureNew(ctx, c, old)
					ev(r, c, "old", string(old.Value), old)
					ev(r, c, "new", string(c.Subscription.Value), old)
					n := c.Subscription
					Expect(n.Endpoint).NotTo(Equal(old.Endpoint), "the new subscription reuses the endpoint %s of the one unsubscribed; a new subscription has a new push resource", n.Endpoint)
					Expect(n.WebPush.P256dh).NotTo(Equal(old.WebPush.P256dh), "the new subscription reuses the p256dh of the one unsubscribed; a new subscription gets a fresh key pair")
					Expect(n.WebPush.Auth).NotTo(Equal(old.WebPush.Auth), "the new subscription reuses the auth secret of the one unsubscribed; a new subscription gets a fresh one")
					_, err := ecdh.P256().NewPublicKey(n.WebPush.P256dh)
					Expect(err).NotTo(HaveOccurred(), "the new p256dh is not a P-256 point")
					Expect(n.WebPush.Auth).NotTo(Equal(make([]byte, 16)), "the new subscription's auth secret is 16 zero octets; RFC 8291 §3.2 requires a hard-to-guess secret")
				}, specTimeout)
		})

		Describe(string(k)+" service worker unregistered", func() {
			conformance.It("unregistering the service worker deactivates its subscription", tg, rules.SWUnregisterDeactivates,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					core, ok := coreSubscription(c.Subscription)
					if !ok {
						conformance.HarnessError(fmt.Errorf("the push service has no record of %s", c.Subscription.SendEndpoint))
					}
					var v struct {
						Unregistered bool `json:"unregistered"`
					}
					Expect(evalInto(ctx, r, c, "unregister", `return {unregistered: await reg.unregister()};`, &v)).To(BeNil(), "the unregister script threw in %s (see the js evidence); unregister() must resolve", k)
					Expect(v.Unregistered).To(BeTrue(), "registration.unregister() resolved false; the registration must unregister before getSubscription() is checked")
					wctx, cancel := bounded(ctx)
					defer cancel()
					state, err := env.Push.AwaitSubscription(wctx, core.ID, fakepushservice.SubUnsubscribed)
					Expect(err).NotTo(HaveOccurred(), "the push service was not told within %v that the subscription ended (its state: %q)", waitFor, state)
					res := sendRaw(ctx, r, c, "old", harness.Payload("to-unregistered", nil, nil), harness.SendOptions{})
					Expect(res.Status).To(BeElementOf(404, 410), "a push to the endpoint of the unregistered worker")
					// A new registration of the same scope starts without a subscription.
					if _, err := c.Call(ctx, "register"); err != nil {
						conformance.HarnessError(fmt.Errorf("registering the service worker again: %w", err))
					}
					var g struct {
						Null bool `json:"null"`
					}
					Expect(evalInto(ctx, r, c, "getSubscription", `return {null: (await reg.pushManager.getSubscription()) === null};`, &g)).To(BeNil(), "the getSubscription script threw in %s (see the js evidence); getSubscription() must resolve", k)
					Expect(g.Null).To(BeTrue(), "getSubscription() on the new registration")
				}, specTimeout)
		})
	}
})

// ensureNew subscribes c again when the previous spec (which makes the new subscription) did not
// get that far.
func ensureNew(ctx context.Context, c *harness.Client, old harness.Subscription) {
	if c.Subscription.Endpoint != old.Endpoint {
		return
	}
	sub, err := c.Subscribe(ctx, webpush.Base64URL(env.VAPID.Public()), nil)
	if err != nil {
		conformance.HarnessError(err)
	}
	c.Subscription = sub
}
