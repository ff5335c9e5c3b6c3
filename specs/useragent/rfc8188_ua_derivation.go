package useragent

// RFC 8188 §2, §2.2 and §2.3 on the receiving side: the browser opens what pushspec's codec
// sealed with empty additional data, the CEK and the NONCE derived as the RFC says (the codec
// itself is checked against the RFC vectors in webpush), and discards bodies sealed with
// a wrong derivation: another info string, a SEQ that does not start at 0, non-empty additional
// data. A browser that derived or sealed differently could not open the first message; one that
// tried alternatives could open the others. Negative checks use the sentinel pattern.

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("RFC 8188 user agent key and nonce derivation", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var c *harness.Client
			BeforeAll(func(ctx SpecContext) {
				c = newClient(ctx, nil, k)
			}, NodeTimeout(time.Minute))

			// RFC 8188 §2.2: "CEK = HMAC-SHA-256(PRK, cek_info || 0x01)", cek_info
			// "Content-Encoding: aes128gcm" || 0x00. §2.3, paraphrased: NONCE is the first 12
			// octets of HMAC-SHA-256(PRK, nonce_info || 0x01) XOR SEQ, SEQ starting at zero.
			conformance.It("decrypts a message sealed by pushspec's codec (empty AAD, RFC 8188 CEK and NONCE, SEQ 0)", tg, rules.EmptyAAD,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Also(rules.CEKDerivation)
					r.Also(rules.NonceDerivation)
					clientEvidence(r, c)
					p := harness.Payload("codec-sealed", nil, nil)
					res := send(ctx, r, c, p, harness.SendOptions{Codec: &webpush.Options{}})
					Expect(res.Sender).To(Equal("pushspec codec"), "pushspec sent with %q, not its own codec (a harness fault)", res.Sender)
					if res.Request != nil {
						r.Evidence("body", fmt.Sprintf("%d octets: %x", len(res.Request.Body), res.Request.Body))
					}
					rep := awaitPush(ctx, r, c, "the codec-sealed message", func(rep sitefixture.Report) bool { return rep.ID == "codec-sealed" })
					Expect(rep.Data.TextValue()).To(Equal(string(p)), "event.data.text() is not the plaintext")
				}, specTimeout)

			discards := func(text string, rule rules.Rule, name string, o *webpush.Options) {
				conformance.It(text, tg, rule, func(ctx SpecContext, r *conformance.Recorder) {
					ackAlso(r, k)
					clientEvidence(r, c)
					p := harness.Payload("bad-"+name, nil, nil)
					r.Evidence("plaintext", string(p))
					expectDiscarded(ctx, r, c, name, p, harness.SendOptions{Codec: o})
				}, specTimeout)
			}
			discards(`discards a message whose CEK was derived with the info "Content-Encoding: aesgcm"`, rules.CEKDerivation, "cek-info-aesgcm",
				&webpush.Options{CEKInfo: []byte("Content-Encoding: aesgcm\x00\x01")})
			discards("discards a message whose NONCE was derived without the 0x00 after the info", rules.NonceDerivation, "nonce-info-no-nul",
				&webpush.Options{NonceInfo: []byte("Content-Encoding: nonce\x01")})
			discards("discards a message whose only record was sealed with SEQ = 1", rules.NonceDerivation, "seq-1",
				&webpush.Options{SeqStart: 1})
			discards("discards a message sealed with non-empty additional data", rules.EmptyAAD, "aad",
				&webpush.Options{AAD: []byte("Content-Encoding: aes128gcm")})
		})
	}
})
