package pushservice

import (
	"fmt"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/useragent/rfc8030"
)

// These specs play RFC 8030's user agent with pushspec's own client (useragent/rfc8030)
// against the service's subscribe resource. The user-agent rules of these sections
// (rfc8030-4.1-ua-reuses-set, rfc8030-6.1-ua-monitors-set, rfc8030-7.1-ua-follows-307) have no
// target here: no browser speaks this interface, and the client is pushspec's, not under test.

var _ = describe("RFC 8030 §4 Subscribing for Push Messages", func() {
	// Sends: POST to the subscribe resource, no body. Expects: 201 with a Location that is a URI.
	conformance.It("answers a subscribe request with 201 and the subscription resource in Location", tgt, rules.Subscribe201Location,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			_, res := ua.subscribeRaw(ctx, "subscribe", rfc8030.SubscribeOptions{})
			Expect(res.Status).To(Equal(http.StatusCreated), "the subscribe request was answered %d; RFC 8030 §4 requires 201 Created", res.Status)
			loc := res.Header.Get("Location")
			Expect(loc).NotTo(BeEmpty(), "the 201 to the subscribe request has no Location; RFC 8030 §4 requires the subscription resource in Location")
			_, err := url.Parse(loc)
			Expect(err).NotTo(HaveOccurred(), "Location %q is not a URI (%v); RFC 8030 §4 requires the subscription resource's URI in Location", loc, err)
		})

	// Sends: POST to the subscribe resource, then a conformant message to the linked resource.
	// Expects: exactly one such Link, and that resource accepts the message (2xx).
	conformance.It(`names the push resource in a Link rel="urn:ietf:params:push"`, tgt, rules.SubscribeLinkPush,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			sub, res := ua.subscribeRaw(ctx, "subscribe", rfc8030.SubscribeOptions{})
			Expect(res.Status).To(Equal(http.StatusCreated), "the service must create the subscription")
			Expect(rfc8030.Links(res.Header, rfc8030.RelPush, nil)).To(HaveLen(1),
				`exactly one Link rel="urn:ietf:params:push"`)
			res2 := post(ctx, r, "push", message(asTarget(sub), "to the push resource"), noFaults)
			Expect(res2.Status/100).To(Equal(2), "the linked push resource must take a conformant message")
		})
})

var _ = describe("RFC 8030 §4.1 Collecting Subscriptions into Sets", func() {
	// Sends: POST to the subscribe resource. Expects: one such Link (info if none).
	conformance.It(`gives a subscription set in a Link rel="urn:ietf:params:push:set"`, tgt, rules.SubscriptionSetLink,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			_, res := ua.subscribeRaw(ctx, "subscribe", rfc8030.SubscribeOptions{})
			Expect(res.Status).To(Equal(http.StatusCreated), "the service must create the subscription")
			Expect(rfc8030.Links(res.Header, rfc8030.RelPushSet, nil)).To(HaveLen(1),
				`one Link rel="urn:ietf:params:push:set"`)
		})

	// Sends: a subscribe request, then a second one carrying the set of the first.
	// Expects: the second response names the same set.
	conformance.It("returns the subscription set it was given", tgt, rules.ServiceReusesSet,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			a := ua.subscribe(ctx, "subscribe.1", rfc8030.SubscribeOptions{})
			if a.Set == "" {
				conformance.SkipBecause("unsupported: target " + tgt.ID + " gives no subscription set (RFC 8030 §4.1: a MAY)")
			}
			b := ua.subscribe(ctx, "subscribe.2", rfc8030.SubscribeOptions{Set: a.Set})
			Expect(b.Set).To(Equal(a.Set), "a subscribe request naming the set %s was answered with the set %q; RFC 8030 §4.1 asks the service to return the same set", a.Set, b.Set)
		})

	// Sends: a subscribe request (and, when the service gave a set, one naming that set: the
	// valid twin), then one whose set Link is the service's own set URI with the last path
	// segment replaced by random hex (the subscribe URI's when it gives no set). Expects: the
	// twins created (201), the last one 400.
	conformance.It("rejects a subscribe request with an invalid subscription set with 400", tgt, rules.InvalidSet400,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			first, res := ua.subscribeRaw(ctx, "subscribe.1", rfc8030.SubscribeOptions{})
			if res.Status != http.StatusCreated {
				conformance.SkipBecause(fmt.Sprintf("the service refuses valid requests too: a subscribe request without a set was answered %d, so its refusal of an invalid set shows nothing", res.Status))
			}
			base := first.Set
			if base == "" {
				base = ua.access.SubscribeURL
			} else if _, twin := ua.subscribeRaw(ctx, "subscribe.valid-set", rfc8030.SubscribeOptions{Set: first.Set}); twin.Status != http.StatusCreated {
				conformance.SkipBecause(fmt.Sprintf("the service refuses valid requests too: a subscribe request naming the set it gave was answered %d, so its refusal of an invalid set shows nothing", twin.Status))
			}
			_, res = ua.subscribeRaw(ctx, "subscribe.invalid-set", rfc8030.SubscribeOptions{Set: madeUp(base)})
			Expect(res.Status).To(Equal(http.StatusBadRequest), "a subscribe request naming a set the service never gave was answered %d; RFC 8030 §4.1 requires 400", res.Status)
		})

	// RFC 8030 §4.1: a push service MAY answer 429 (Too Many Requests) to a subscribe request
	// that omits the subscription set it gave the user agent.
	// Sends: a subscribe request, then a second one without the set the first got.
	// Expects: 429 (info when the service creates the subscription anyway).
	conformance.It("may refuse a subscribe request without the set with 429", tgt, rules.MissingSet429,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			first := ua.subscribe(ctx, "subscribe.1", rfc8030.SubscribeOptions{})
			if first.Set == "" {
				conformance.SkipBecause("unsupported: target " + tgt.ID + " gives no subscription set (RFC 8030 §4.1: a MAY)")
			}
			_, res := ua.subscribeRaw(ctx, "subscribe.2-without-set", rfc8030.SubscribeOptions{})
			Expect(res.Status).To(Equal(http.StatusTooManyRequests), "a subscribe request without the set the service gave was answered %d; RFC 8030 §4.1 allows 429 for a user agent that does not use its subscription set", res.Status)
		})
})
