package pushservice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

// receiptLink returns the target of the rel="urn:ietf:params:push:receipt" link in h.
func receiptLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			if !strings.Contains(part, "urn:ietf:params:push:receipt") {
				continue
			}
			lt, gt := strings.Index(part, "<"), strings.Index(part, ">")
			if lt >= 0 && gt > lt {
				return part[lt+1 : gt]
			}
		}
	}
	return ""
}

// receiptTaken skips unless res took a receipt request (202 with a receipt subscription): a
// service that does not support receipts fails rfc8030-5.1-receipts-supported once, not every
// rule about what receipts say.
func receiptTaken(res *sender.Result) (link, loc string) {
	link, loc = receiptLink(res.Header), res.Header.Get("Location")
	if res.Status != http.StatusAccepted || link == "" || loc == "" {
		conformance.SkipBecause(fmt.Sprintf("the service did not take the receipt request (answered %d, receipt subscription %q, Location %q; see rfc8030-5.1-receipts-supported): no receipt to wait for",
			res.Status, cut(link, 80), cut(loc, 80)))
	}
	return link, loc
}

// firstReceiptRequest sends the first receipt request of RFC 8030 §5.1's flow: Prefer:
// respond-async without a receipt subscription, which the 202 then names in its Link ("For
// subsequent receipt requests to the same origin, the application server SHOULD include the
// returned receipt subscription"). A service MAY refuse such a request with 429 "to reject
// receipt requests that omit a receipt subscription"; pushspec then has no receipt subscription
// to name, and the rules about receipts cannot be decided: info, saying so.
func firstReceiptRequest(ctx context.Context, r *conformance.Recorder, sub *target.Subscription, payload string) *sender.Result {
	res := post(ctx, r, "push", message(sub, payload), respondAsync)
	if res.Status == http.StatusTooManyRequests {
		conformance.InfoBecause("the service answered 429 to a receipt request without a receipt subscription, as RFC 8030 §5.1 allows; pushspec has no receipt subscription to name, so receipt support cannot be checked")
	}
	return res
}

var respondAsync = sender.Faults{Set: http.Header{"Prefer": {"respond-async"}}}

var _ = describe("RFC 8030 §5.1 Requesting Push Message Receipts", func() {
	// Delivery confirmations are requested with Prefer: respond-async; such a message is
	// accepted with 202 (Accepted).
	// Sends: a valid message with Prefer: respond-async. Expects: 202.
	conformance.It("answers 202 to a push with Prefer: respond-async", tgt, rules.ReceiptsSupported,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			res := firstReceiptRequest(ctx, r, sub, "receipt")
			Expect(res.Status).To(Equal(http.StatusAccepted), "a push with Prefer: respond-async was answered %d; RFC 8030 §5.1 accepts a receipt request with 202", res.Status)
		})

	// RFC 8030 §5.1: the 202 carries the push message resource in Location and the receipt
	// subscription in a Link with rel="urn:ietf:params:push:receipt".
	// Sends: the same. Expects: 202, Location and the receipt Link.
	conformance.It("gives Location and a receipt subscription Link with the 202", tgt, rules.Receipt202LocationLink,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			res := firstReceiptRequest(ctx, r, sub, "receipt")
			if res.Status != http.StatusAccepted {
				conformance.SkipBecause(fmt.Sprintf("the receipt request was answered %d, not 202 (see rfc8030-5.1-receipts-supported): no 202 to check", res.Status))
			}
			Expect(res.Header.Get("Location")).NotTo(BeEmpty(), "the 202 to a receipt request has no Location; RFC 8030 §5.1 gives the push message resource in Location")
			Expect(receiptLink(res.Header)).NotTo(BeEmpty(), `no Link rel="urn:ietf:params:push:receipt"`)
		})

	// Sends: the push without a receipt request (the valid twin), then with Prefer: respond-async
	// and a made-up receipt subscription on the service's origin. Expects: the twin accepted, the
	// other 400.
	conformance.It("rejects an invalid receipt subscription with 400", tgt, rules.InvalidReceiptSubscription400,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "no receipt"), sender.Faults{}, "without a receipt request")
			u, err := url.Parse(sub.Endpoint)
			Expect(err).NotTo(HaveOccurred(), "the push resource %q is not a URI (%v); RFC 8030 §4 requires the push resource to be a URI", sub.Endpoint, err)
			origin := u.Scheme + "://" + u.Host + "/"
			f := sender.Faults{Set: http.Header{"Prefer": {"respond-async"},
				"Link": {"<" + origin + "receipts/" + randomHex(32) + `>; rel="urn:ietf:params:push:receipt"`}}}
			res := post(ctx, r, "push", message(sub, "bad receipt"), f)
			Expect(res.Status).To(Equal(http.StatusBadRequest), "a made-up receipt subscription was answered %d; RFC 8030 §5.1 requires 400", res.Status)
			expectNamed(res, fakepushservice.CondReceiptInvalid)
		})

	// RFC 8030 §5.1: the push service SHOULD return the same receipt subscription it was sent.
	// Sends: two receipt requests, the second carrying the first's receipt Link.
	// Expects: the second 202 names the same receipt subscription.
	conformance.It("returns the receipt subscription it was given", tgt, rules.ServiceReusesReceiptSubscription,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			first := firstReceiptRequest(ctx, r, sub, "one")
			link := receiptLink(first.Header)
			Expect(link).NotTo(BeEmpty(), "the first receipt request got no receipt subscription")
			f := sender.Faults{Set: http.Header{"Prefer": {"respond-async"}, "Link": {"<" + link + `>; rel="urn:ietf:params:push:receipt"`}}}
			second := post(ctx, r, "push.2", message(sub, "two"), f)
			Expect(second.Status).To(Equal(http.StatusAccepted), "a push naming the receipt subscription the service gave was answered %d; RFC 8030 §5.1 accepts a receipt request with 202", second.Status)
			Expect(receiptLink(second.Header)).To(Equal(link), "a push naming the receipt subscription %s was answered with %q; RFC 8030 §5.1 asks the service to return the receipt subscription it was given", link, receiptLink(second.Header))
		})
})

var _ = describe("RFC 8030 §5.1 Requesting Push Message Receipts (MAY)", func() {
	// RFC 8030 §5.1, paraphrased: a push service MAY answer 429 (Too Many Requests) to a request
	// for a receipt that does not name a receipt subscription, to make application servers reuse
	// the one they were given.
	// Sends: the push without Prefer (the valid twin), then with Prefer: respond-async and no
	// receipt Link. Expects: the twin accepted, the other 429, the behaviour the MAY allows
	// (graded info with the status otherwise: 202 means the service made a receipt subscription
	// itself, 201 that it ignored the request for a receipt).
	conformance.It("answers 429 to a receipt request without a receipt subscription", tgt, rules.MissingReceiptSubscription429,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "no receipt"), sender.Faults{}, "without a receipt request")
			res := post(ctx, r, "push", message(sub, "no receipt link"), respondAsync)
			what := map[int]string{http.StatusAccepted: "accepted with a receipt subscription of its own",
				http.StatusCreated: "accepted without a receipt (Prefer ignored)"}[res.Status]
			Expect(res.Status).To(Equal(http.StatusTooManyRequests), "a receipt request without a receipt subscription was answered %d (%s); RFC 8030 §5.1 allows 429 for it", res.Status, what)
		})
})
