package sender

import (
	"encoding/json"
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
)

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// Interop failures seen in the wild (docs/push-services.md §4). These rules are graded info:
// the specifications allow the behaviour, a real service refuses it.
var _ = describe("Interop with real push services", func() {
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
	// Judged only when the apple profile would otherwise accept the request (another refusal is
	// graded by its own rule).
	conformance.It("sends a sub that Apple accepts", tgt, rules.InteropAppleSubFormat,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := apple.request(ctx, r, 0)
			otherwiseAcceptable(services["apple"], q, fakepushservice.CondVAPIDSub)
			Expect(q.Status/100).To(Equal(2), "the apple profile answered %d %s to the sub the sender sent", q.Status, q.ResponseBody)
		})

	// §4 #1: Apple refuses a token without sub. Sends: no subject configured, to the apple
	// profile. Expects: the sender refuses to send without a subject, or what it sends is
	// accepted. A refusal counts only from a sender that sends the same message with a subject
	// (the apple scenario): one that sends nothing at all proves nothing by refusing.
	conformance.It("never sends Apple a token without sub", tgt, rules.InteropAppleSubRequired,
		func(ctx SpecContext, r *conformance.Recorder) {
			ex := appleNoSub.get(ctx, r)[0]
			if ex.request == nil && ex.err != nil && !errors.Is(ex.err, sender.ErrUnsupported) {
				control := apple.get(ctx, r)[0]
				if control.request == nil {
					conformance.HarnessError(fmt.Errorf("the sender refused to send without a subject, but it sends nothing with one either (%s), so its refusal proves nothing", cause(control)))
				}
				r.Evidence("refusal", "the sender refused to sign without a subject (and sent the same message with one): "+sender.Tail(ex.err.Error(), 1000))
				return
			}
			needSent(ex)
			q := ex.request
			otherwiseAcceptable(services["apple"], q, fakepushservice.CondVAPIDSub)
			Expect(q.Status/100).To(Equal(2), "the apple profile answered %d %s to a token without sub", q.Status, q.ResponseBody)
		})

	// §4 #4: Apple base64url-decodes the Topic and answers 400 BadWebPushTopic when its length is
	// ≡ 1 (mod 4), which RFC 8030 §5.4 allows. Sends: Topic "update1" (7 characters) and Urgency
	// high to the apple profile. Expects: the Topic travels with a decodable length (the sender
	// neither pads nor re-encodes it into one Apple refuses).
	gradedInterop("sends a Topic whose length Apple can decode", rules.InteropAppleTopicDecodable, appleUrgencyTopic, 0,
		fakepushservice.CondTopicUndecoded)

	// §4 #5 (historical): Safari 16's push service answered 400 BadUrgency to valid Urgency values
	// until a 2023 fix (WebKit bug 247128); a sender that sends Urgency met it. Recorded: whether
	// the sender sends the Urgency it is given. Sends: Urgency high (with Topic update1) to the
	// apple profile, which accepts valid values as Apple does today. Expects: Urgency: high,
	// once, and no BadUrgency from the apple profile.
	conformance.It("sends the Urgency it is given to Apple", tgt, rules.InteropAppleUrgency,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := appleUrgencyTopic.request(ctx, r, 0)
			r.Evidence("apple.answer", fmt.Sprintf("%d %s", q.Status, q.ResponseBody))
			otherwiseAcceptable(services["apple"], q, fakepushservice.CondUrgencyInvalid, fakepushservice.CondUrgencyMultiple)
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
			otherwiseAcceptable(services["wns"], q, fakepushservice.CondTTLZero)
			Expect(q.Status/100).To(Equal(2), "the wns profile answered %d (%s) to TTL 0", q.Status, q.ResponseHeader.Get("X-WNS-Error-Description"))
		})

	// docs/push-services.md §4 (interop-accept-any-2xx): old autopush answered 202 for stored
	// messages and clients that took only 201 as success broke. Sends: the typical message to a
	// service that answers 202. Expects: the sender reports success (no error) and sends it once.
	conformance.It("takes a 202 as success", tgt, rules.InteropAcceptAny2xx,
		func(ctx SpecContext, r *conformance.Recorder) {
			exs := accepted202.get(ctx, r)
			needSent(exs[0])
			otherwiseAcceptable(services["rfc-202"], exs[0].request)
			if exs[0].request.Status != 202 {
				conformance.HarnessError(fmt.Errorf("the rfc-202 service answered %d, not the 202 the scenario set up", exs[0].request.Status))
			}
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
