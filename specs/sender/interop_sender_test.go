package sender_test

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
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

	// §4 #4: Apple base64url-decodes the Topic and answers 400 BadWebPushTopic when its length is
	// ≡ 1 (mod 4), which RFC 8030 §5.4 allows. Sends: Topic "update1" (7 characters) and Urgency
	// high to the apple profile. Expects: the Topic travels with a decodable length (the sender
	// neither pads nor re-encodes it into one Apple refuses).
	graded("sends a Topic whose length Apple can decode", rules.InteropAppleTopicDecodable, appleUrgencyTopic, 0)

	// §4 #5 (historical): Safari 16's push service answered 400 BadUrgency to valid Urgency values
	// until a 2023 fix (WebKit bug 247128); a sender that sends Urgency met it. Recorded: whether
	// the sender sends the Urgency it is given. Sends: Urgency high (with Topic update1) to the
	// apple profile, which accepts valid values as Apple does today. Expects: Urgency: high,
	// once, and no BadUrgency from the apple profile.
	conformance.It("sends the Urgency it is given to Apple", tgt, rules.InteropAppleUrgency,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := appleUrgencyTopic.request(ctx, r, 0)
			r.Evidence("apple.answer", fmt.Sprintf("%d %s", q.Status, q.ResponseBody))
			Expect(q.Header.Values("Urgency")).To(Equal([]string{"high"}), "the sender did not send the Urgency it was given")
			Expect(q.Answered).NotTo(BeElementOf(fakepushservice.CondUrgencyInvalid, fakepushservice.CondUrgencyMultiple),
				"the apple profile refused the Urgency: %s", q.ResponseBody)
			for _, v := range verdicts(q, rules.InteropAppleUrgency) {
				r.Evidence("verdict", string(v.Outcome)+": "+v.Message)
			}
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
