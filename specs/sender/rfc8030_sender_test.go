package sender_test

import (
	"net/url"

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

	// RFC 8030 §8.1: push messages MUST be protected end to end; for Web Push that is RFC 8291
	// (aes128gcm with the subscription's keys). Expects: aes128gcm, and the subscription's keys
	// decrypt the body.
	conformance.It("protects the message end to end", tgt, rules.EndToEndProtection,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			Expect(q.Header.Get("Content-Encoding")).To(Equal("aes128gcm"))
			for _, v := range verdicts(q, rules.KeyDerivation) {
				Expect(v.Outcome).To(Equal(rules.Pass), "%s", v.Message)
			}
			Expect(string(q.Plaintext)).To(Equal("hello pushspec"), "the subscription's keys do not decrypt it")
		})
})
