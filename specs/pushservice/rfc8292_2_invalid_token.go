package pushservice

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("RFC 8292 §2 invalid tokens at the push service", func() {
	// RFC 8292 §2, paraphrased: a push service MUST NOT use information from a token that is
	// not valid. Seen from outside: a message whose token is invalid, sent to a subscription
	// restricted to the suite's key, is neither stored nor delivered.
	// Sends: a message with a valid token (the twin, taken by the user agent), then three
	// messages with an invalid token each (a signature that does not verify, a token signed by
	// another key, an exp that has passed), then a valid sentinel. Expects: the twin accepted,
	// each invalid one refused (4xx other than 429, no Location), and the sentinel the next and
	// only delivery.
	conformance.It("neither stores nor delivers a message whose vapid token is invalid", tgt, rules.InvalidTokenNotUsed,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "valid twin"), sender.Faults{}, "with a valid token")
			Expect(string(next(ctx, r, sub, "valid twin").Payload)).To(Equal("valid twin"), "the valid twin was not delivered as sent; a push with a valid token must be delivered before invalid ones can be judged (RFC 8292 §2)")
			bad := []struct {
				label string
				m     sender.Message
				f     sender.Faults
			}{
				{"bad-signature", message(sub, "forged signature"), sign(webpush.SignOptions{CorruptSignature: true})},
				{"other-key", func() sender.Message { m := message(sub, "other key"); m.VAPID = otherVAPID(); return m }(), sender.Faults{}},
				{"expired", func() sender.Message {
					m := message(sub, "expired token")
					m.VAPIDExpiry = time.Now().Add(-time.Minute)
					return m
				}(), sender.Faults{}},
			}
			for _, b := range bad {
				res := post(ctx, r, b.label, b.m, b.f)
				Expect(refusal(res.Status)).To(BeTrue(), "%s: a message with an invalid token was answered %d; it must be neither stored nor delivered", b.label, res.Status)
				Expect(res.Header.Get("Location")).To(BeEmpty(), "%s: the refused message got a message resource", b.label)
			}
			accepted(ctx, r, "sentinel", message(sub, "sentinel"), sender.Faults{})
			expectFirst(ctx, r, sub, "sentinel", "a message with an invalid token")
		})

	// RFC 8292 §2, paraphrased, as above; a service that caches verified tokens must not take a
	// token with a verified token's header and claims but another signature for that token.
	// Sends: a valid message, then a message whose token has the very same header and claims
	// (same exp) with a signature that does not verify, then a valid sentinel. Expects: the
	// first accepted (it is the forged one's valid twin), the forged one refused (4xx other than
	// 429), and the deliveries to be the first message and then the sentinel.
	conformance.It("does not take a forged signature on a token it verified before", tgt, rules.InvalidTokenNotUsed,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			exp := time.Now().Add(6 * time.Hour).Truncate(time.Second)
			good := message(sub, "verified")
			good.VAPIDExpiry = exp
			validTwin(ctx, r, good, sender.Faults{}, "with a valid token")
			Expect(string(next(ctx, r, sub, "verified").Payload)).To(Equal("verified"), "the push with a verifiable token was not delivered as sent; it must be delivered before forged ones can be judged (RFC 8292 §2)")
			forged := message(sub, "forged")
			forged.VAPIDExpiry = exp
			res := post(ctx, r, "forged", forged, sign(webpush.SignOptions{CorruptSignature: true}))
			Expect(refusal(res.Status)).To(BeTrue(), "a token with a verified token's claims and a forged signature was answered %d", res.Status)
			accepted(ctx, r, "sentinel", message(sub, "sentinel"), sender.Faults{})
			expectFirst(ctx, r, sub, "sentinel", "forged")
		})
})
