package useragent

// RFC 8291 §4 / §7 and RFC 8188 on the receiving side: the derived edge cases of webpush
// (webpush.EdgeCases, testdata/vectors.json), re-encrypted for the browser's own subscription keys
// with the codec's fault knobs. Bodies a conformant user agent must discard use the sentinel
// pattern (the bad message, then a good one; only the good one may reach the service worker), with
// the browser's own verdict as evidence: Firefox's ack code (101 = decryption failed) and
// Chromium's DevTools "Push message received" record. Bodies a user agent MAY accept are recorded
// (info).

import (
	"crypto/ecdh"
	"crypto/rand"
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

var _ = describe("RFC 8291 user agent decryption", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var c *harness.Client
			BeforeAll(func(ctx SpecContext) {
				c = newClient(ctx, nil, k)
			}, NodeTimeout(time.Minute))

			// recordLen is the single record's length for plaintext p (delimiter and tag).
			recordLen := func(p []byte) int { return len(p) + 1 + webpush.TagLen }

			discards := func(text string, rule rules.Rule, name string, o func(p []byte) *webpush.Options) {
				conformance.It(text, tg, rule, func(ctx SpecContext, r *conformance.Recorder) {
					ackAlso(r, k)
					clientEvidence(r, c)
					p := harness.Payload("bad-"+name, nil, nil)
					r.Evidence("plaintext", string(p))
					expectDiscarded(ctx, r, c, name, p, harness.SendOptions{Codec: o(p)})
				}, specTimeout)
			}

			discards("discards a record whose padding delimiter is 0x01", rules.UAChecksDelimiter, "delimiter-01",
				func([]byte) *webpush.Options { return &webpush.Options{Delimiter: 1} })
			discards("discards a record whose padding delimiter is 0x03", rules.UAChecksDelimiter, "delimiter-03",
				func([]byte) *webpush.Options { return &webpush.Options{Delimiter: 3} })
			discards("discards a record without a padding delimiter", rules.UAChecksDelimiter, "no-delimiter",
				func([]byte) *webpush.Options { return &webpush.Options{Delimiter: webpush.NoDelimiter} })
			discards("discards a record whose plaintext is only zero octets", rules.FailNoDelimiter, "all-zero",
				func([]byte) *webpush.Options { return &webpush.Options{Delimiter: webpush.NoDelimiter, Pad: 16} })
			discards("discards two records whose first ends with the last-record delimiter 0x02", rules.FailWrongDelimiter, "two-records-first-02",
				func(p []byte) *webpush.Options {
					return &webpush.Options{RS: uint32(len(p)/2 + 1 + webpush.TagLen + 1), Records: 2, InnerDelimiter: 2}
				})
			discards("discards a body whose last record was cut off (the remaining one says more follows)", rules.NoPartialProcessing, "last-record-dropped",
				func(p []byte) *webpush.Options {
					rs := len(p)/2 + 1 + webpush.TagLen + 1
					return &webpush.Options{RS: uint32(rs), Records: 2, Truncate: len(p) - len(p)/2 + 1 + webpush.TagLen}
				})
			discards("discards a body whose tag lost its last octet", rules.NoPartialProcessing, "truncated-tag",
				func([]byte) *webpush.Options { return &webpush.Options{Truncate: 1} })
			discards("discards a record shorter than a delimiter and a tag", rules.MinRecord, "short-record",
				func(p []byte) *webpush.Options { return &webpush.Options{Truncate: recordLen(p) - 10} })
			discards("discards a body that ends inside the keyid", rules.HeaderLayout, "truncated-header",
				func(p []byte) *webpush.Options { return &webpush.Options{Truncate: recordLen(p) + 30} })
			discards("discards a keyid that is not a point on P-256", rules.UAValidatesKey, "keyid-off-curve",
				func([]byte) *webpush.Options { return &webpush.Options{KeyIDNotOnCurve: true} })
			// A 64-octet keyid is no encoding of a P-256 point: the message cannot be decrypted, and
			// the Push API says "A push event will not be fired for a push message that was not
			// successfully decrypted". (The keyid's form binds the sender, rfc8291-4-keyid-is-as-public-key.)
			discards("discards a header whose idlen is 64 (keyid 65 octets)", rules.UndecryptableNoEvent, "idlen-64",
				func([]byte) *webpush.Options { return &webpush.Options{IDLen: 64} })
			discards("discards a message encrypted with another auth secret", rules.KeyDerivation, "wrong-auth",
				func([]byte) *webpush.Options { return &webpush.Options{WrongAuth: true} })

			// mayAccept records what the browser does with a body it may accept or discard; if it
			// delivers it, the data must be the exact plaintext.
			mayAccept := func(text string, rule rules.Rule, name string, o func(p []byte) *webpush.Options) {
				conformance.It(text, tg, rule, func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					id := "may-" + name
					p := harness.Payload(id, nil, nil)
					r.Evidence("plaintext", string(p))
					since := len(c.Reports())
					res := sendRaw(ctx, r, c, "candidate", p, harness.SendOptions{Codec: o(p)})
					if res.Request != nil {
						r.Evidence("candidate.body", fmt.Sprintf("%d octets: %x", len(res.Request.Body), res.Request.Body))
					}
					if res.Status/100 != 2 {
						conformance.HarnessError(fmt.Errorf("the push service refused the message: %d %s", res.Status, res.Body))
					}
					sentinelID := "sentinel-" + name
					sendSentinel(ctx, r, c, sentinelID)
					v := browserVerdict(ctx, r, c, "candidate", res.MessageID)
					var got *sitefixture.Report
					if v.Delivered {
						rep := awaitPush(ctx, r, c, "the accepted message", func(rep sitefixture.Report) bool { return rep.ID == id })
						got = &rep.Report
					} else {
						for _, rep := range c.Reports()[since:] {
							if rep.ID == id {
								rep := rep
								got = &rep
							}
						}
					}
					if got == nil {
						r.Observe(rule, fmt.Sprintf("%s discarded the %s message (no push event; browser verdict %s)", k, name, verdictText(v)))
						return
					}
					r.Observe(rule, fmt.Sprintf("%s accepted the %s message (push event; browser verdict %s)", k, name, verdictText(v)))
					Expect(got.Data.TextValue()).To(Equal(string(p)), "accepted, but the data is not the plaintext")
				}, specTimeout)
			}

			mayAccept("records whether a message of two records is accepted", rules.UAMultipleRecordsOptional, "two-records",
				func(p []byte) *webpush.Options {
					return &webpush.Options{RS: uint32(len(p)/2 + 1 + webpush.TagLen + 1), Records: 2}
				})
			mayAccept("records whether a header rs smaller than the record is ignored", rules.UAMayIgnoreRS, "rs-smaller-than-record",
				func(p []byte) *webpush.Options { return &webpush.Options{HeaderRS: uint32(recordLen(p) - 8)} })
			// RFC 8188 §2.1 makes rs below 18 invalid, but a user agent MAY ignore rs (RFC 8291 §4).
			// A browser that ignores it may accept the message; the sender's fault
			// is graded on the sender (rfc8188-2.1-rs-min-18).
			mayAccept("records whether a header with rs = 17 is ignored", rules.UAMayIgnoreRS, "rs-17",
				func([]byte) *webpush.Options { return &webpush.Options{HeaderRS: 17} })
			// RFC 8291 §4 tells the sender what keyid holds ("The uncompressed point form ... forms
			// the entirety of the keyid"); nothing requires a user agent to refuse another form of
			// the same key, so a browser that decompresses it is recorded, not failed.
			mayAccept("records whether a keyid in the 33-octet compressed form is accepted", rules.UAKeyIDOtherForm, "keyid-compressed",
				func([]byte) *webpush.Options {
					// The keys are derived from the real key; only its serialization differs.
					as, err := ecdh.P256().GenerateKey(rand.Reader)
					if err != nil {
						conformance.HarnessError(err)
					}
					pub := as.PublicKey().Bytes()
					return &webpush.Options{ASPrivate: as, KeyID: append([]byte{2 | pub[64]&1}, pub[1:33]...)}
				})
		})
	}
})

func verdictText(v verdict) string {
	switch {
	case v.HasAck:
		return fmt.Sprintf("ack %d", int(v.Ack))
	case v.DevTools != nil:
		return fmt.Sprintf("DevTools %v", v.DevTools.Metadata)
	}
	return "none observed"
}
