package sender_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/rules"
)

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// Interop failures seen in the wild (notes/push-services.md §4). These rules are graded info:
// the specifications allow the behaviour, a real service refuses it.
var _ = Describe("Interop with real push services", func() {
	// §4 #11: Mozilla's bridged routes refuse bodies over about 3070 octets (webpush-go pads to
	// 4096 by default). Sends: a 14-octet payload. Expects: a body of at most 3070 octets.
	conformance.It("keeps a short message within Mozilla's 3070-octet bridge limit", tgt, rules.InteropMozillaBridgeSize,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			Expect(q.BodySize).To(BeNumerically("<=", 3070), "body of %d octets for a %d-octet payload", q.BodySize, len("hello pushspec"))
		})

	// §4 #2, #3: Apple answers 403 BadJwtToken to a sub it does not accept (mailto:mailto:…).
	// Sends: the typical message, subject mailto:pushspec@example.com, to the apple profile.
	// Expects: accepted.
	conformance.It("sends a sub that Apple accepts", tgt, rules.InteropAppleSubFormat,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := apple.request(ctx, r, 0)
			Expect(q.Status/100).To(Equal(2), "apple profile answered %d %s", q.Status, q.ResponseBody)
		})

	// §4 #1: Apple refuses a token without sub. Sends: no subject configured, to the apple
	// profile. Expects: the sender refuses to send without a subject, or what it sends is
	// accepted.
	conformance.It("never sends Apple a token without sub", tgt, rules.InteropAppleSubRequired,
		func(ctx SpecContext, r *conformance.Recorder) {
			exs := appleNoSub.get(ctx, r)
			if exs[0].request == nil {
				Expect(exs[0].err).To(HaveOccurred())
				return // refused to sign without a contact: fine
			}
			q := exs[0].request
			Expect(q.Status/100).To(Equal(2), "apple profile answered %d %s", q.Status, q.ResponseBody)
		})

	// §4 #14: WNS answers 400 to TTL 0 unless X-WNS-Cache-Policy: no-cache is sent. Sends: TTL
	// 0 to the wns profile. Expects: accepted.
	conformance.It("sends TTL 0 in a form WNS accepts", tgt, rules.InteropWNSTTLZero,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := wnsTTL0.request(ctx, r, 0)
			Expect(q.Status/100).To(Equal(2), "wns profile answered %d %v", q.Status, q.ResponseHeader)
		})

	// push-services.md §4 "also notable": old autopush answered 202 for stored messages and
	// clients that took only 201 as success broke. Sends: the typical message to a service that
	// answers 202. Expects: the sender reports success (no error) and sends it once.
	conformance.It("takes a 202 as success", tgt, rules.InteropAcceptAny2xx,
		func(ctx SpecContext, r *conformance.Recorder) {
			exs := accepted202.get(ctx, r)
			Expect(exs[0].request).NotTo(BeNil(), "nothing reached the service (sender error: %v)", exs[0].err)
			Expect(exs[0].request.Status).To(Equal(202))
			Expect(exs[0].err).NotTo(HaveOccurred(), "the sender reported a 202 as a failure")
			n := 0
			for _, q := range services["rfc-202"].Server.Requests() {
				if q.SubscriptionID == exs[0].sub.ID {
					n++
				}
			}
			Expect(n).To(Equal(1), "the sender sent the message %d times", n)
		})
})
