package sender

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

// What a sender does with answers that are not success (docs/push-services.md §4:
// interop-404-410-both-mean-gone, interop-wns-406-throttle).
// A library does not decide to drop or keep a subscription: the application does, from what the
// library hands back. So a sender is observed through two things: how many requests reached the
// service (a retry is visible for every sender kind), and the status it reports to its caller
// (webpush-go and web-push return it; a command shows it by printing status=NNN, and when it
// prints none, how it treated the answer cannot be observed and the spec skips). Both rules are
// MAY: a sender that falls short gets info, not fail.
var _ = describe("How the sender reports gone and throttled subscriptions", func() {
	// §4 #12: RFC 8030 §7.3 answers an expired subscription with 404; autopush, Apple and WNS
	// answer 410, FCM 410 for an unsubscribed one and (since June 2024) 404 for a stale token. A
	// sender that takes only one of them as "gone" keeps posting to the other.
	// Sends: the typical message to a subscription the rfc service has expired (404), to one the
	// autopush service has expired (410), and, for contrast, to a live one the rfc service answers
	// 503 (transient). Expects: one request each for the 404 and the 410, no retry; the sender
	// reports status 404 and 410 to its caller (so the application can tell them from the 503 and
	// drop the subscription), and reports both the same way (as errors, or both as returned
	// statuses).
	conformance.It("reports 404 and 410 alike, with their status, and does not retry them", tgt, rules.Interop404410BothMeanGone,
		func(ctx SpecContext, r *conformance.Recorder) {
			g404, g410 := gone404.get(ctx, r)[0], gone410.get(ctx, r)[0]
			t503 := unavailable503.get(ctx, r)[0]
			for _, c := range []struct {
				ex   *exchange
				want int
			}{{g404, 404}, {g410, 410}, {t503, 503}} {
				expectAnswered(c.ex, c.want)
				r.Evidence(fmt.Sprintf("%d.sender", c.want), fmt.Sprintf("%d request(s) reached the service; the sender reported %s",
					len(requestsFor(c.ex)), reported(c.ex)))
			}
			Expect(requestsFor(g404)).To(HaveLen(1), "the sender posted again to a subscription the service answered 404 (gone)")
			Expect(requestsFor(g410)).To(HaveLen(1), "the sender posted again to a subscription the service answered 410 (gone)")
			if statusOf(g404) == 0 && statusOf(g410) == 0 && !senderFor(services["rfc"]).Capabilities().Status {
				conformance.SkipBecause("not observable: sender " + tgt.Name + " sent one request each but reported neither the 404 nor the 410 " +
					"(a command shows the status by printing status=NNN), so how it treats them cannot be told")
			}
			Expect(statusOf(g404)).To(Equal(404), "the sender did not report the 404 to its caller: it reported %s", reported(g404))
			Expect(statusOf(g410)).To(Equal(410), "the sender did not report the 410 to its caller: it reported %s", reported(g410))
			Expect(g404.err == nil).To(Equal(g410.err == nil), "the sender reported the 404 as %s but the 410 as %s", reported(g404), reported(g410))
		})

	// §4 #13: WNS (Edge) throttles with 406 Not Acceptable, X-WNS-Status: appthrottled and a
	// Retry-After, where RFC 8030 §8.4 says 429. A sender that takes the 406 as a permanent
	// refusal drops a good subscription; one that retries at once makes the throttling worse.
	// Sends: the typical message to a subscription the wns service throttles on every request
	// (406, Retry-After: 900, X-WNS-Status: appthrottled). Expects: one request (nothing again
	// before the 900 s), and the sender reports status 406 to its caller — not a gone
	// subscription's 404 or 410 — so the application keeps the subscription and retries later.
	conformance.It("reports WNS's 406 appthrottled with its status and does not retry at once", tgt, rules.InteropWNS406Throttle,
		func(ctx SpecContext, r *conformance.Recorder) {
			ex := throttled406.get(ctx, r)[0]
			expectAnswered(ex, 406)
			q := ex.request
			r.Evidence("service.answer", fmt.Sprintf("%d, Retry-After: %s, X-WNS-Status: %s", q.Status,
				q.ResponseHeader.Get("Retry-After"), q.ResponseHeader.Get("X-WNS-Status")))
			seen := reported(ex)
			if ex.result != nil && ex.result.Header != nil {
				seen += fmt.Sprintf(" (Retry-After as the sender returned it: %q)", ex.result.Header.Get("Retry-After"))
			}
			r.Evidence("sender", fmt.Sprintf("%d request(s) reached the service; the sender reported %s", len(requestsFor(ex)), seen))
			Expect(requestsFor(ex)).To(HaveLen(1), "the sender posted again without waiting the Retry-After of 900 seconds")
			if statusOf(ex) == 0 && !senderFor(services["rfc"]).Capabilities().Status {
				conformance.SkipBecause("not observable: sender " + tgt.Name + " sent one request but reported no status " +
					"(a command shows it by printing status=NNN), so whether it keeps the subscription cannot be told")
			}
			Expect(statusOf(ex)).To(Equal(406), "the sender did not report the 406 to its caller: it reported %s", reported(ex))
		})
})

// expectAnswered checks that the sender's request reached the service and got the answer the
// scenario set up; another answer means the scenario, not the sender, went wrong.
func expectAnswered(ex *exchange, want int) {
	needSent(ex)
	if ex.request.Status != want {
		conformance.HarnessError(fmt.Errorf("the push service answered %d (%s), not the %d the scenario set up", ex.request.Status, ex.request.Answered, want))
	}
}

// requestsFor returns every request the service recorded for ex's subscription.
func requestsFor(ex *exchange) []*fakepushservice.Request {
	var out []*fakepushservice.Request
	for _, q := range ex.svc.Server.Requests() {
		if q.SubscriptionID == ex.sub.ID {
			out = append(out, q)
		}
	}
	return out
}

// statusOf is the push service's status as the sender reported it to its caller; 0 when it
// reported none.
func statusOf(ex *exchange) int {
	if ex.result == nil {
		return 0
	}
	return ex.result.Status
}

// reported says, for evidence and messages, what the sender told its caller.
func reported(ex *exchange) string {
	switch st := statusOf(ex); {
	case st != 0 && ex.err != nil:
		return fmt.Sprintf("status %d with an error (%s)", st, cut(ex.err.Error(), 120))
	case st != 0:
		return fmt.Sprintf("status %d, no error", st)
	case ex.err != nil:
		return fmt.Sprintf("an error without a status (%s)", cut(ex.err.Error(), 120))
	}
	return "success, without a status"
}
