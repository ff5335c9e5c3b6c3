package useragent

// PushMessageData as the service worker reads it: text() (UTF-8 decode), json(), arrayBuffer(),
// blob(), bytes(); an empty plaintext; the largest plaintext one 4096-octet record holds; padding.
// Every message is encrypted by pushspec's codec for the browser's own subscription keys, so the
// bytes the service worker reports must equal the plaintext exactly.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

// maxPlaintext is the largest plaintext that fits one 4096-octet aes128gcm record with a
// 65-octet keyid: 4096 − 86 (header) − 1 (delimiter) − 16 (tag) (RFC 8291 §4).
const maxPlaintext = 4096 - 86 - 1 - 16

// filledJSON is a JSON object carrying id, padded with a filler member to exactly n octets.
func filledJSON(id string, n int) []byte {
	head := fmt.Sprintf(`{"pushspec":{"id":%q,"show":true},"fill":"`, id)
	tail := `"}`
	fill := n - len(head) - len(tail)
	if fill < 0 {
		panic("filledJSON: too short")
	}
	return []byte(head + strings.Repeat("x", fill) + tail)
}

var _ = describe("Push API PushMessageData", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		// One subscription receives every message of this container; each spec matches its own
		// report by the exact bytes or the id.
		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var c *harness.Client
			BeforeAll(func(ctx SpecContext) {
				c = newClient(ctx, nil, k)
			}, NodeTimeout(time.Minute))

			// codec sends plaintext encrypted by pushspec's codec with o's knobs (nil: conformant).
			codec := func(ctx SpecContext, r *conformance.Recorder, key string, plaintext []byte, o *webpush.Options) *harness.SendResult {
				if o == nil {
					o = &webpush.Options{}
				}
				r.Evidence("plaintext."+key, fmt.Sprintf("%d octets: %x", len(plaintext), truncateBytes(plaintext, 256)))
				res := sendRaw(ctx, r, c, key, plaintext, harness.SendOptions{Codec: o})
				if res.Status/100 != 2 {
					conformance.HarnessError(fmt.Errorf("the push service refused the message: %d %s", res.Status, res.Body))
				}
				return res
			}

			// next sends plaintext and returns the first push report after it: the container's
			// messages go one at a time, so the next report is this message's, whatever its data
			// (a browser that drops the payload reports data === null, which no byte match would
			// find). The browser's own record of the message is kept as evidence.
			next := func(ctx SpecContext, r *conformance.Recorder, key string, plaintext []byte, o *webpush.Options) sitefixture.Report {
				since := len(c.Reports())
				res := codec(ctx, r, key, plaintext, o)
				browserVerdict(ctx, r, c, key, res.MessageID)
				wctx, cancel := bounded(ctx)
				defer cancel()
				// The first push report after the `since` before it: AwaitPush shows it each report
				// once, in order.
				n := 0
				got, err := c.AwaitPush(wctx, func(sitefixture.Report) bool { n++; return n > since })
				Expect(err).NotTo(HaveOccurred(), "no service-worker report of the %s message within %v", key, waitFor)
				rep := got.Report
				r.Evidence("report."+key, string(rep.Raw))
				return rep
			}

			conformance.It("text() drops a leading UTF-8 BOM", tg, rules.PMDTextUTF8,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					bom := []byte{0xEF, 0xBB, 0xBF, 'A', 'B', 'O', 'M'}
					rep := next(ctx, r, "bom", bom, nil)
					Expect(rep.Data).NotTo(BeNil(), "event.data is null for EF BB BF 'ABOM'")
					Expect(rep.Data.TextError).To(BeNil(), "text() of EF BB BF 'ABOM' threw %v; the Push API's text() decodes UTF-8 and does not throw", rep.Data.TextError)
					Expect(rep.Data.TextValue()).To(Equal("ABOM"), "text() of EF BB BF 'ABOM' is %q, not \"ABOM\"; the Push API's text() decodes UTF-8 without the BOM", rep.Data.TextValue())
				}, specTimeout)

			conformance.It("text() turns octets that are not UTF-8 into U+FFFD", tg, rules.PMDTextUTF8,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					bad := []byte{'x', 0xFF, 'y', 0xC3, 'z', 0xE2, 0x82}
					rep := next(ctx, r, "invalid", bad, nil)
					Expect(rep.Data).NotTo(BeNil(), "event.data is null for a payload that is not valid UTF-8")
					Expect(rep.Data.TextError).To(BeNil(), "text() of a payload that is not UTF-8 threw %v; the Push API's text() decodes with replacement and does not throw", rep.Data.TextError)
					Expect(rep.Data.TextValue()).To(Equal("x\uFFFDy\uFFFDz\uFFFD"), "text() of 'x' FF 'y' C3 'z' E2 82")
				}, specTimeout)

			conformance.It("json() parses valid JSON and throws SyntaxError for invalid JSON", tg, rules.PMDJSON,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					good := []byte(`{"pushspec":{"id":"json-valid"},"a":[1,"two",{"three":3}],"u":"\u00e9\ud83d\ude00"}`)
					bad := []byte(`{"pushspec":{"id":"json-invalid"}`)
					repGood := next(ctx, r, "valid", good, nil)
					repBad := next(ctx, r, "invalid", bad, nil)
					Expect(repGood.Data).NotTo(BeNil(), "event.data is null for a JSON payload; the Push API gives a PushMessageData for a message with payload")
					Expect(repBad.Data).NotTo(BeNil(), "event.data is null for a payload that is not JSON; the Push API gives a PushMessageData for a message with payload")
					Expect(repGood.Data.JSONOK).To(BeTrue(), "json() of valid JSON threw %v; the Push API's json() parses the payload as JSON", repGood.Data.JSONError)
					var want, got any
					conformance.HarnessError(json.Unmarshal(good, &want))
					conformance.HarnessError(json.Unmarshal(repGood.Data.JSON, &got))
					Expect(got).To(Equal(want), "json() gave %s, not the value of %s; the Push API's json() parses the payload as JSON", string(repGood.Data.JSON), string(good))
					Expect(repBad.Data.JSONOK).To(BeFalse(), "json() of %q did not throw; the Push API's json() throws a SyntaxError for invalid JSON", bad)
					Expect(repBad.Data.JSONError).NotTo(BeNil(), "json() of %q did not throw an error object; the Push API's json() throws a SyntaxError for invalid JSON", bad)
					Expect(repBad.Data.JSONError.Name).To(Equal("SyntaxError"), "json() of invalid JSON threw %s", repBad.Data.JSONError)
				}, specTimeout)

			all256 := make([]byte, 256)
			for i := range all256 {
				all256[i] = byte(i)
			}

			conformance.It("arrayBuffer() returns every octet value 0x00–0xFF unchanged", tg, rules.PMDArrayBuffer,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					rep := next(ctx, r, "all256", all256, nil)
					Expect(rep.Data).NotTo(BeNil(), "event.data is null for the 256 octet values")
					got, err := rep.Data.Bytes()
					conformance.HarnessError(err)
					Expect(got).To(Equal(all256), "arrayBuffer() of the 256 octet values gave %d octets that differ from them; the Push API gives the decrypted bytes as they were", len(got))
				}, specTimeout)

			// blob() and bytes() get valid UTF-8 (every ASCII octet, 0x00 included, and multi-octet
			// characters), so that they are checked on their own; binary safety beyond UTF-8 is
			// arrayBuffer()'s spec.
			utf8Octets := append(append([]byte{}, all256[:128]...), []byte("é☃😀")...)

			conformance.It("blob() is a Blob of the message's octets", tg, rules.PMDBlob,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					msg := append([]byte("blob:"), utf8Octets...)
					rep := next(ctx, r, "blob", msg, nil)
					Expect(rep.Data).NotTo(BeNil(), "event.data is null for a message with payload; the Push API gives a PushMessageData for it")
					v := extraViews(rep).Data
					Expect(v).NotTo(BeNil(), "the service worker's report has no blob() record: %s", rep.Raw)
					Expect(v.BlobError).To(BeNil(), "blob() failed with %v; the Push API's blob() gives the payload as a Blob", v.BlobError)
					Expect(v.BlobIsBlob).To(BeTrue(), "blob() did not give a Blob; the Push API's blob() gives the payload as a Blob")
					Expect(v.BlobSize).To(HaveValue(Equal(len(msg))), "blob().size is not the %d octets sent; the Push API's blob() holds the decrypted bytes", len(msg))
					Expect(v.BlobBase64).To(HaveValue(Equal(base64.StdEncoding.EncodeToString(msg))), "blob() does not hold the %d octets sent; the Push API's blob() holds the decrypted bytes", len(msg))
					if v.BlobType != nil {
						r.Evidence("blob.type", fmt.Sprintf("%q", *v.BlobType))
					}
				}, specTimeout)

			conformance.It("bytes() is a Uint8Array of the message's octets", tg, rules.PMDBytes,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					msg := append([]byte("bytes:"), utf8Octets...)
					rep := next(ctx, r, "bytes", msg, nil)
					Expect(rep.Data).NotTo(BeNil(), "event.data is null for a message with payload; the Push API gives a PushMessageData for it")
					if !rep.Data.BytesMethod {
						conformance.SkipBecause("unsupported: PushMessageData.prototype.bytes is absent in " + string(k) + " " + env.Browser(k).Version())
					}
					v := extraViews(rep).Data
					Expect(v.BytesError).To(BeNil(), "bytes() threw %v; the Push API's bytes() gives the payload as a Uint8Array", v.BytesError)
					Expect(v.BytesIsUint8Array).To(BeTrue(), "bytes() did not give a Uint8Array; the Push API's bytes() gives the payload as a Uint8Array")
					Expect(v.BytesBase64).To(HaveValue(Equal(base64.StdEncoding.EncodeToString(msg))), "bytes() did not give the %d octets sent; the Push API's bytes() gives the decrypted bytes", len(msg))
				}, specTimeout)

			conformance.It("an encrypted empty plaintext gives data with zero octets, not null", tg, rules.PushDataEmptyPayload,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					// The empty message, then a sentinel: once the sentinel is in, the empty
					// message's push event (if any) came first.
					since, sentAt := len(c.Reports()), time.Now()
					res := codec(ctx, r, "empty", []byte{}, nil)
					r.Evidence("body", fmt.Sprintf("%d octets (header 86, delimiter and tag 17)", len(res.Request.Body)))
					v := browserVerdict(ctx, r, c, "empty", res.MessageID)
					sendSentinel(ctx, r, c, "sentinel-empty")
					notSentinel := func(rep sitefixture.Report) bool {
						return rep.ID != "sentinel-empty" && !rep.ReceivedAt.Before(sentAt)
					}
					var others []sitefixture.Report
					for _, rep := range c.Reports()[since:] {
						if notSentinel(rep) {
							others = append(others, rep)
						}
					}
					if len(others) == 0 && v.Delivered {
						// The browser says it delivered the message, and its event's report can
						// trail the sentinel's (the two handlers run side by side): wait for it.
						wctx, cancel := bounded(ctx)
						rep, err := c.AwaitPush(wctx, notSentinel)
						cancel()
						if err == nil {
							others = append(others, rep.Report)
						}
					}
					Expect(others).To(HaveLen(1), "push events for the empty-plaintext message (0 means none fired)")
					rep := others[0]
					r.Evidence("report.empty", string(rep.Raw))
					Expect(rep.HasData).To(BeTrue(), "event.data is null for an encrypted empty plaintext")
					Expect(rep.Data.Size).To(Equal(0), "event.data of an encrypted empty plaintext is %d octets; the Push API gives the decrypted bytes, here none", rep.Data.Size)
					Expect(rep.Data.TextValue()).To(Equal(""), "text() of an encrypted empty plaintext is %q; the Push API gives the decrypted text, here empty", rep.Data.TextValue())
				}, specTimeout)

			conformance.It("delivers a 3993-octet plaintext (a 4096-octet body, one record) intact", tg, rules.PushEventFired,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Also(rules.KeyDerivation)
					clientEvidence(r, c)
					msg := filledJSON("max-size", maxPlaintext)
					res := codec(ctx, r, "max", msg, nil)
					Expect(res.Request.Body).To(HaveLen(4096), "harness: the body should be 4096 octets")
					rep := awaitPush(ctx, r, c, "the 3993-octet message", func(rep sitefixture.Report) bool { return rep.ID == "max-size" })
					got, err := rep.Data.Bytes()
					conformance.HarnessError(err)
					Expect(got).To(HaveLen(maxPlaintext), "the %d-octet plaintext of a 4096-octet body arrived as %d octets; the Push API gives all the decrypted octets", maxPlaintext, len(got))
					Expect(string(got)).To(Equal(string(msg)), "the %d-octet plaintext arrived with other octets; the Push API gives the decrypted bytes as they were", maxPlaintext)
				}, specTimeout)

			conformance.It("removes padding after the 0x02 delimiter (10 octets, and enough to fill 4096)", tg, rules.PaddingDelimiter,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					small := harness.Payload("padded-10", nil, nil)
					full := harness.Payload("padded-full", nil, nil)
					codec(ctx, r, "pad10", small, &webpush.Options{Pad: 10})
					res := codec(ctx, r, "padfull", full, &webpush.Options{Pad: maxPlaintext - len(full)})
					Expect(res.Request.Body).To(HaveLen(4096), "harness: the fully padded body should be 4096 octets")
					rep1 := awaitPush(ctx, r, c, "the message with 10 octets of padding", func(rep sitefixture.Report) bool { return rep.ID == "padded-10" })
					rep2 := awaitPush(ctx, r, c, "the message padded to 4096", func(rep sitefixture.Report) bool { return rep.ID == "padded-full" })
					r.Evidence("report.padfull", string(rep2.Raw))
					Expect(rep1.Data.TextValue()).To(Equal(string(small)), "the message with 10 octets of padding gave text() %q, not %q; RFC 8188 §2 strips the padding", rep1.Data.TextValue(), string(small))
					Expect(rep2.Data.TextValue()).To(Equal(string(full)), "the message padded to 4096 octets gave text() %q, not %q; RFC 8188 §2 strips the padding", rep2.Data.TextValue(), string(full))
				}, specTimeout)
		})
	}
})
