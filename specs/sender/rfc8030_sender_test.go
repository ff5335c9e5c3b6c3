package sender_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/rules"
)

var _ = Describe("RFC 8030 at the application server", func() {
	// RFC 8030 §5: "An application server requests the delivery of a push message by sending
	// an HTTP POST request to a push resource" — the endpoint URL unchanged, the message as
	// the body. Sends: the typical message. Expects: POST, on the endpoint's path.
	conformance.It("POSTs to the endpoint unchanged", tgt, rules.PostToPushResource,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			u, err := url.Parse(typical.exchanges[0].sub.Endpoint)
			Expect(err).NotTo(HaveOccurred())
			Expect(q.Method).To(Equal("POST"))
			Expect(q.Path).To(Equal(u.Path), "the request path must be the endpoint's")
		})

	// RFC 8030 §5.2: "An application server MUST include the TTL (Time-To-Live) header field
	// in its request for push message delivery." Expects: TTL present exactly once.
	graded("sends a TTL header", rules.TTLRequired, typical, 0)

	// RFC 8030 §5.2 ABNF: TTL = 1*DIGIT. Expects: digits only.
	graded("sends TTL as 1*DIGIT", rules.TTLSyntax, typical, 0)

	// RFC 8030 §5.3: Urgency is one of very-low, low, normal, high. Sends: Urgency high.
	graded("sends a valid Urgency", rules.UrgencyValues, urgencyTopic, 0)

	// RFC 8030 §5.3: "Multiple values for the Urgency header field MUST NOT be included".
	graded("sends one Urgency value", rules.UrgencySingleValue, urgencyTopic, 0)

	// RFC 8030 §5.4: a Topic is at most 32 characters of the URL and filename safe base64
	// alphabet. Sends: Topic update1. Expects: it travels in that form.
	graded("sends a valid Topic", rules.TopicSyntax, urgencyTopic, 0)

	// RFC 8030 §5.1 (paraphrased): for later receipt requests to the same origin, the application
	// server SHOULD pass back, in a Link with rel="urn:ietf:params:push:receipt", the receipt
	// subscription the push service gave it. Sends: two messages, each asking for a receipt
	// (Prefer: respond-async), to the rfc profile, which answers the first 202 with a receipt
	// subscription. Expects: the second request carries a receipt Link naming that subscription.
	conformance.It("passes back the receipt subscription it was given", tgt, rules.SenderReusesReceiptSubscription,
		func(ctx SpecContext, r *conformance.Recorder) {
			q1 := receipts.request(ctx, r, 0)
			if !strings.Contains(strings.ToLower(strings.Join(q1.Header.Values("Prefer"), ",")), "respond-async") {
				conformance.SkipBecause("unsupported: sender " + tgt.Name + " was asked for a delivery receipt but sent no Prefer: respond-async, so it was given no receipt subscription")
			}
			given := q1.ResponseHeader.Get("Link")
			r.Evidence("first.answer", fmt.Sprintf("%d, Link: %s", q1.Status, given))
			target := linkTarget.FindStringSubmatch(given)
			if q1.Status != 202 || target == nil || !strings.Contains(given, "urn:ietf:params:push:receipt") {
				conformance.SkipBecause(fmt.Sprintf("not applicable: the first receipt request was answered %d without a receipt subscription (%s)", q1.Status, cut(q1.ResponseBody, 200)))
			}
			uri := target[1]
			q2 := receipts.request(ctx, r, 1)
			r.Evidence("second.link", strings.Join(q2.Header.Values("Link"), " | "))
			for _, v := range verdicts(q2, rules.SenderReusesReceiptSubscription) {
				r.Evidence("verdict", string(v.Outcome)+": "+v.Message)
				Expect(v.Outcome).To(Equal(rules.Pass), "%s", v.Message)
			}
			Expect(strings.Join(q2.Header.Values("Link"), ",")).To(And(ContainSubstring("<"+uri+">"), ContainSubstring("urn:ietf:params:push:receipt")),
				"the second receipt request does not pass back the receipt subscription %s", uri)
		})

	// RFC 8030 §8.1: push messages MUST be protected end to end; for Web Push that is RFC 8291.
	// One fault, one rule: a body in the draft aesgcm coding that the subscription's keys decrypt
	// is protected end to end all the same; that it is not aes128gcm is graded by
	// rfc8291-4-aes128gcm-only alone. Delivered bytes that differ from the payload, or a bad
	// padding delimiter after a verified tag, are not protection faults either. Expects: a
	// content coding (aes128gcm or aesgcm, case-insensitive) whose AEAD tag verifies with the
	// subscription's keys.
	conformance.It("protects the message end to end", tgt, rules.EndToEndProtection,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			ce := strings.ToLower(strings.TrimSpace(q.Header.Get("Content-Encoding")))
			r.Evidence("content-encoding", q.Header.Get("Content-Encoding"))
			Expect(ce).To(BeElementOf("aes128gcm", "aesgcm"), "the body travels without an RFC 8291 (or draft aesgcm) content coding")
			vs := verdicts(q, rules.KeyDerivation)
			if len(vs) == 0 {
				conformance.SkipBecause(fmt.Sprintf("not applicable: the push service did not try to decrypt (status %d, conditions %v)", q.Status, q.Conditions))
			}
			for _, v := range vs {
				r.Evidence("key-derivation", string(v.Outcome)+": "+v.Message)
				Expect(v.Outcome).To(Equal(rules.Pass), "the subscription's keys do not open the body: %s", v.Message)
			}
		})
})

// linkTarget is the URI of a Link field value: <URI>; params.
var linkTarget = regexp.MustCompile(`<([^>]*)>`)
