package pushservice

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

// linkVisible skips when the target shows nothing of what its UA link carries (got nil: before
// sending anything).
func linkVisible(got *target.Received) {
	if !target.ShowsLink(svc) || (got != nil && !got.LinkVisible) {
		conformance.SkipBecause("unsupported: target " + tgt.ID + " does not show what its UA link carries")
	}
}

// forwardedContains reports the forwarded field (or the raw frame) that contains s, if any.
func forwardedContains(got *target.Received, s string) (string, bool) {
	s = strings.ToLower(s)
	for k, v := range got.Forwarded {
		if strings.Contains(strings.ToLower(k), s) || strings.Contains(strings.ToLower(v), s) {
			return k + "=" + v, true
		}
	}
	if strings.Contains(strings.ToLower(got.Raw), s) {
		return "frame " + cut(got.Raw, 200), true
	}
	return "", false
}

var _ = describe("RFC 8030 §5.3 Push Message Urgency", func() {
	// Sends: Urgency: low (the valid twin), then Urgency: low, high (one field). Expects: the
	// twin accepted, the other 400.
	conformance.It("rejects a comma list of Urgency values with 400", tgt, rules.UrgencyMultiple400,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "urgency low"), sender.Faults{Set: http.Header{"Urgency": {"low"}}}, "with one Urgency value")
			res := post(ctx, r, "push", message(sub, "urgency list"), sender.Faults{Set: http.Header{"Urgency": {"low, high"}}})
			Expect(res.Status).To(Equal(http.StatusBadRequest), "Urgency: low, high was answered %d; RFC 8030 §5.3 requires 400", res.Status)
			expectNamed(res, fakepushservice.CondUrgencyMultiple)
		})

	// Same rule. Sends: one Urgency field, low (the valid twin), then two fields, low and high.
	// Expects: the twin accepted, the other 400.
	conformance.It("rejects two Urgency fields with 400", tgt, rules.UrgencyMultiple400,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "urgency low"), sender.Faults{Set: http.Header{"Urgency": {"low"}}}, "with one Urgency field")
			res := post(ctx, r, "push", message(sub, "urgency twice"), sender.Faults{Set: http.Header{"Urgency": {"low", "high"}}})
			Expect(res.Status).To(Equal(http.StatusBadRequest), "two Urgency fields were answered %d; RFC 8030 §5.3 requires 400", res.Status)
			expectNamed(res, fakepushservice.CondUrgencyMultiple)
		})

	// Sends: Urgency: very-low (a value no other field would carry). Expects: the delivery on
	// the UA link carries no urgency field and no "very-low".
	conformance.It("does not forward Urgency to the user agent", tgt, rules.UrgencyNotForwarded,
		func(ctx SpecContext, r *conformance.Recorder) {
			linkVisible(nil)
			sub := subscribe(ctx, r)
			m := message(sub, "urgent")
			m.Urgency = "very-low"
			accepted(ctx, r, "push", m, sender.Faults{})
			got := next(ctx, r, sub, "urgent")
			linkVisible(got)
			for _, s := range []string{"urgency", "very-low"} {
				where, found := forwardedContains(got, s)
				Expect(found).To(BeFalse(), "the UA link carried %q (%s); RFC 8030 §5.3 does not forward Urgency to the user agent", s, where)
			}
		})

	// A UA monitoring with Urgency: high does not get a message of normal urgency.
	// Sends: to a UA monitoring with the threshold high, a message without Urgency, then a
	// sentinel with Urgency: high. Expects: the sentinel is the first delivery.
	conformance.It("treats a message without Urgency as normal", tgt, rules.UrgencyDefaultNormal,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			ut := capability[target.UrgencyThreshold]("monitor with an urgency threshold (RFC 8030 user agent)")
			conformance.HarnessError(ut.SetMinUrgency(ctx, sub, "high"))
			accepted(ctx, r, "push", message(sub, "default"), sender.Faults{})
			sentinel := message(sub, "sentinel")
			sentinel.Urgency = "high"
			accepted(ctx, r, "sentinel", sentinel, sender.Faults{})
			expectFirst(ctx, r, sub, "sentinel", "default")
		})

	// RFC 8030 §5.3: the push service MUST NOT deliver messages below the urgency the user agent
	// asked for; they stay stored until it asks for less.
	// Sends: to a UA monitoring with threshold high, Urgency: low, then a sentinel (high); then
	// the UA monitors without threshold. Expects: the sentinel first, then the low message.
	conformance.It("holds messages below the user agent's urgency threshold", tgt, rules.RespectUAThreshold,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			ut := capability[target.UrgencyThreshold]("monitor with an urgency threshold (RFC 8030 user agent)")
			conformance.HarnessError(ut.SetMinUrgency(ctx, sub, "high"))
			low := message(sub, "low")
			low.Urgency = "low"
			accepted(ctx, r, "push", low, sender.Faults{})
			sentinel := message(sub, "sentinel")
			sentinel.Urgency = "high"
			accepted(ctx, r, "sentinel", sentinel, sender.Faults{})
			expectFirst(ctx, r, sub, "sentinel", "low")
			conformance.HarnessError(ut.SetMinUrgency(ctx, sub, ""))
			got := next(ctx, r, sub, "low")
			Expect(string(got.Payload)).To(Equal("low"), "the held message arrives once the threshold is lifted")
		})
})
