package sender

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("RFC 8291 and RFC 8188 at the application server", func() {
	// Expects: Content-Encoding: aes128gcm, once.
	graded("encrypts with aes128gcm only", rules.AES128GCMOnly, typical, 0)

	// RFC 8291 §3.3, §3.4: the key derivation. The service decrypts the body with the virtual
	// UA's private key and auth secret. Expects: it decrypts (the AEAD tag verifies). Whether the
	// bytes are the ones the sender was given is rfc8030-5-payload-as-given's finding, not this
	// rule's: a library that JSON-quotes a string derives its keys right. Each kind of message is
	// its own case: text, binary, the largest (3993 octets), and the legacy aesgcm when asked.
	keyDerivation("encrypts so that the subscription's keys decrypt it", typical)
	keyDerivation("encrypts a binary payload so that the subscription's keys decrypt it", binaryPayload)
	keyDerivation("encrypts the largest payload (3993 octets) so that the subscription's keys decrypt it", largestPayload)
	conformance.It("encrypts aesgcm, when asked, so that the subscription's keys decrypt it", tgt, rules.KeyDerivation,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := aesgcmPayload.request(ctx, r, 0)
			if ce := q.Header.Get("Content-Encoding"); !strings.EqualFold(ce, "aesgcm") {
				conformance.SkipBecause(fmt.Sprintf("not applicable: asked for aesgcm, the sender sent Content-Encoding %q (its aes128gcm is graded on the other messages)", ce))
			}
			gradeKeyDerivation(r, q)
		})

	// RFC 8291 §4: the largest payload still fits 4096 octets, as one record.
	graded("keeps the largest payload (3993 octets) within 4096 octets", rules.Fits4096, largestPayload, 0)
	graded("encrypts the largest payload (3993 octets) as a single record", rules.SingleRecord, largestPayload, 0)

	// RFC 8188 §2.2: "CEK = HMAC-SHA-256(PRK, cek_info || 0x01)", first 16 octets, cek_info
	// "Content-Encoding: aes128gcm" || 0x00, PRK = HMAC-SHA-256(salt, IKM). §2.3, paraphrased:
	// NONCE is the first 12 octets of HMAC-SHA-256(PRK, nonce_info || 0x01) XOR SEQ, SEQ from zero.
	// pushspec's codec opens the body with exactly these (it is checked against the RFC 8188 and
	// RFC 8291 vectors in webpush), from the RFC 8291 IKM of the subscription's keys.
	// AES-GCM's tag authenticates key, nonce and additional data together: if it verifies, the
	// sender derived all three as the RFC says; if not, at least one step differs (or the IKM, which
	// rfc8291-3.3-key-derivation grades from the same failure) — the tag cannot tell which, so
	// all three are broken together. Sends: the typical message. Expects: the tag verifies.
	conformance.It("seals with RFC 8188's CEK and NONCE and empty additional data", tgt, rules.EmptyAAD,
		func(ctx SpecContext, r *conformance.Recorder) {
			r.Also(rules.CEKDerivation)
			r.Also(rules.NonceDerivation)
			q := typical.request(ctx, r, 0)
			if ce := q.Header.Get("Content-Encoding"); !strings.EqualFold(ce, "aes128gcm") {
				conformance.SkipBecause(fmt.Sprintf("not applicable: Content-Encoding %q is not aes128gcm (graded by %s)", ce, rules.AES128GCMOnly.ID))
			}
			keys := typical.exchanges[0].sub.Keys
			if keys == nil {
				conformance.HarnessError(errors.New("the push service holds no private key for its own subscription"))
			}
			m, err := webpush.DecryptMessage(keys, q.Body)
			var we *webpush.Error
			switch {
			case err == nil:
				r.Evidence("opened", fmt.Sprintf("tag verified: rs %d, salt %x, %d record(s), %d octets of padding, plaintext %q",
					m.Header.RS, m.Header.Salt, m.Records, m.Padding, m.Plaintext))
			case errors.As(err, &we) && (we.Rule == rules.UAChecksDelimiter.ID || we.Rule == rules.FailNoDelimiter.ID ||
				we.Rule == rules.FailWrongDelimiter.ID || we.Rule == rules.NoPartialProcessing.ID):
				// Delimiters are checked after the tag verified: the derivation is right, the
				// padding is not (graded by rfc8188-2-padding-delimiter).
				r.Evidence("opened", "tag verified; then: "+err.Error())
			case errors.As(err, &we) && we.Rule == rules.KeyDerivation.ID:
				Expect(err).NotTo(HaveOccurred(), "the body does not open with RFC 8188's CEK, NONCE (SEQ 0) and empty additional data "+
					"under the subscription's RFC 8291 IKM: the sender departs from at least one of these steps")
			default:
				conformance.SkipBecause("not applicable: the body cannot be opened as far as the tag check: " + err.Error())
			}
		})

	// RFC 8188 §2.1: the body starts salt(16) ‖ rs(4) ‖ idlen(1) ‖ keyid.
	graded("writes the aes128gcm header", rules.HeaderLayout, typical, 0)
	// RFC 8188 §2.1: rs ≥ 18.
	graded("writes a record size of at least 18", rules.RSMin18, typical, 0)
	// RFC 8291 §4: the keyid is the sender's 65-octet uncompressed ECDH public key.
	graded("puts its ECDH public key in keyid", rules.KeyIDIsASPublicKey, typical, 0)
	// RFC 8188 §2: every record but the last is rs octets; the last at most rs.
	graded("keeps the record within rs", rules.RecordLayout, typical, 0)
	// RFC 8291 §4: rs greater than plaintext + delimiter + padding + tag.
	graded("writes an rs larger than the record", rules.RSExceedsRecord, typical, 0)
	graded("encrypts as a single record", rules.SingleRecord, typical, 0)
	// RFC 8188 §2: the plaintext ends with delimiter 0x02 then only zero octets.
	graded("pads with 0x02 then zeros", rules.PaddingDelimiter, typical, 0)
	// RFC 8291 §4: plaintext ≤ 3993 octets, so the body stays within 4096 (SHOULD).
	graded("keeps the body within 4096 octets", rules.Fits4096, typical, 0)
	// RFC 8188 §4.3: a fresh random salt for every message (SHOULD).
	graded("uses a random salt", rules.RandomSalt, typical, 0)
	// RFC 8188 §2.1: a salt is never reused with the same keying material. Second message.
	graded("never reuses a salt", rules.SaltNotReused, typical, 1)
	// RFC 8291 §3.1: a fresh ECDH key pair for every message. Second message.
	graded("makes a fresh ECDH key per message", rules.ASEphemeralKey, typical, 1)

	// The key is checked before it is used. Sends: a subscription whose p256dh is 65 octets
	// starting 0x04 but off the curve. Expects: the sender refuses, and nothing reaches the
	// service. A refusal proves the check only from a sender that sends to a valid key (the
	// typical scenario): one that sends nothing at all gives no verdict.
	conformance.It("refuses a p256dh that is not on P-256", tgt, rules.ASValidatesKey,
		func(ctx SpecContext, r *conformance.Recorder) {
			if control := typical.get(ctx, r)[0]; control.request == nil {
				conformance.HarnessError(fmt.Errorf("the sender sends nothing even to a valid key (%s), so a refusal of an off-curve key would prove nothing", cause(control)))
			}
			f := services["rfc"]
			sub, err := f.Subscribe(ctx, vapidKeys.Public())
			if err != nil {
				conformance.HarnessError(err)
			}
			off := make([]byte, 65)
			off[0], off[32], off[64] = 4, 1, 1 // x = 1, y = 1: not a point of P-256
			m := msg("off curve")
			m.Subscription = sub.Sender()
			m.Subscription.Keys.P256dh = webpush.Base64URL(off)
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			res, err := senderFor(f).Send(sctx, m)
			cancel()
			r.Evidence("sender", errText(err, res))
			if errors.Is(err, sender.ErrUnsupported) {
				conformance.SkipBecause("unsupported: sender " + tgt.Name + " says it cannot send this message: " + unsupportedReason(err))
			}
			reqs := 0
			for _, q := range f.Server.Requests() {
				if q.SubscriptionID == sub.ID {
					reqs++
				}
			}
			Expect(reqs).To(Equal(0), "the sender posted a message encrypted to an invalid key")
			Expect(err).To(HaveOccurred(), "the sender reported success")
		})
})

// keyDerivation declares a rfc8291-3.3-key-derivation spec on sc's first message.
func keyDerivation(text string, sc *scenario) {
	conformance.It(text, tgt, rules.KeyDerivation, func(ctx SpecContext, r *conformance.Recorder) {
		gradeKeyDerivation(r, sc.request(ctx, r, 0))
	})
}

// gradeKeyDerivation passes when the push service decrypted q with the subscription's keys.
func gradeKeyDerivation(r *conformance.Recorder, q *fakepushservice.Request) {
	vs := verdicts(q, rules.KeyDerivation)
	if len(vs) == 0 {
		conformance.SkipBecause(fmt.Sprintf("not applicable: the push service did not try to decrypt (status %d, conditions %v)", q.Status, q.Conditions))
	}
	for _, v := range vs {
		r.Evidence("verdict", string(v.Outcome)+": "+v.Message)
		Expect(v.Outcome).To(Equal(rules.Pass), "%s", v.Message)
	}
}

func errText(err error, res *sender.Result) string {
	s := "no error"
	if err != nil {
		s = "error: " + sender.Tail(err.Error(), 1000)
	}
	if res != nil && res.Output != "" {
		s += "\noutput: " + sender.Tail(res.Output, conformance.MaxEvidence-1200)
	}
	return s
}
