package sender

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

var _ = describe("RFC 8030 at the application server", func() {
	// The endpoint URL unchanged, the message as the body. Sends: the typical message.
	// Expects: POST, on the endpoint's path.
	conformance.It("POSTs to the endpoint unchanged", tgt, rules.PostToPushResource,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			u, err := url.Parse(typical.exchanges[0].sub.Endpoint)
			conformance.HarnessError(err)
			Expect(q.Method).To(Equal("POST"), "the sender requested delivery with %s; RFC 8030 §5 requests it with POST", q.Method)
			Expect(q.Path).To(Equal(u.Path), "the sender posted to path %s, not the endpoint's %s; RFC 8030 §5 posts to the push resource", q.Path, u.Path)
		})

	// Expects: TTL present exactly once.
	graded("sends a TTL header", rules.TTLRequired, typical, 0)

	// RFC 8030 §5.2 ABNF: TTL = 1*DIGIT. Expects: digits only.
	graded("sends TTL as 1*DIGIT", rules.TTLSyntax, typical, 0)

	// RFC 8030 §5.3: Urgency is one of very-low, low, normal, high. Sends: Urgency high.
	graded("sends a valid Urgency", rules.UrgencyValues, urgencyTopic, 0)

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

	// RFC 8030 §8.1: push messages MUST be protected end to end; for Web Push that is RFC 8291
	// encryption with the subscription's keys. One fault, one rule: a body in the draft aesgcm
	// coding that the subscription's keys decrypt is protected end to end all the same; that it
	// is not aes128gcm is graded by rfc8291-4-aes128gcm-only alone. What the decrypted bytes say
	// is graded by rfc8030-5-payload-as-given, a bad padding delimiter after a verified tag by
	// rfc8188-2-padding-delimiter. Content codings are case-insensitive (RFC 9110 §8.4.1).
	// Expects: a content coding (aes128gcm or aesgcm) whose AEAD tag verifies with the
	// subscription's keys.
	conformance.It("protects the message end to end", tgt, rules.EndToEndProtection,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			ce := q.Header.Get("Content-Encoding")
			r.Evidence("content-encoding", ce)
			Expect(strings.EqualFold(ce, "aes128gcm") || strings.EqualFold(ce, "aesgcm")).To(BeTrue(),
				"Content-Encoding %q is no Web Push encryption (aes128gcm, or the draft aesgcm)", ce)
			gradeKeyDerivation(r, q)
		})

	// The body holds the message the sender was given. No sentence binds a library to the
	// bytes; pushspec's reading, recorded (info) (rfc8030-5-payload-as-given). Each kind of payload the README promises is its own case.
	// Sends: a short text, 256 octets of every byte value, 3993 octets (the largest that fits
	// 4096), no payload, and a short text in aesgcm. Expects: the service's decryption with the
	// subscription's keys gives those bytes (no body, or an empty plaintext, for no payload).
	payloadAsGiven("delivers the text it is given unchanged", typical)
	payloadAsGiven("delivers a binary payload unchanged", binaryPayload)
	payloadAsGiven("delivers the largest payload (3993 octets) unchanged", largestPayload)
	payloadAsGiven("sends no payload when it is given none", noPayload)
	payloadAsGiven("delivers an aesgcm payload unchanged", aesgcmPayload)

	// RFC 8030 §5.2 requires a TTL; §5.3, §5.4 leave Urgency and Topic to the sender. Which
	// values is the caller's choice: a library that sends others is recorded (MAY, info — see
	// rules.HeadersAsAsked). Sends: TTL 60; TTL 0 and TTL 2419200; Urgency high with Topic
	// update1. Expects: each header as asked.
	headersAsAsked("sends the TTL it is asked for (60)", typical)
	headersAsAsked("sends the TTL it is asked for (0)", ttlZero)
	headersAsAsked("sends the TTL it is asked for (2419200)", ttlFourWeeks)
	headersAsAsked("sends the Urgency and Topic it is asked for", urgencyTopic)

	// RFC 8030 §8.4: Retry-After indicates "how long the application server is expected to wait
	// before it makes another request to the push resource"; RFC 9110 §10.2.3: how long the client
	// "ought to wait before making a follow-up request". SHOULD at most (pushspec's reading).
	// Sends: the typical message to a subscription the service answers 429 (and, separately, 503)
	// with Retry-After: 10 every time. Expects: no second request within 10 s of the answer (one
	// request, or a retry after the wait).
	honoursRetryAfter("waits the Retry-After of a 429 before posting again", rateLimited429, 429)
	honoursRetryAfter("waits the Retry-After of a 503 before posting again", unavailable503, 503)
})

// payloadAsGiven declares a rfc8030-5-payload-as-given spec on sc's first message.
func payloadAsGiven(text string, sc *scenario) {
	conformance.It(text, tgt, rules.PayloadAsGiven, func(ctx SpecContext, r *conformance.Recorder) {
		q := sc.request(ctx, r, 0)
		want := sc.exchanges[0].sent.Payload
		if len(q.Body) == 0 {
			Expect(want).To(BeEmpty(), "the sender sent no body for a payload of %d octets", len(want))
			return
		}
		kd := verdicts(q, rules.KeyDerivation)
		for _, v := range kd {
			if v.Outcome != rules.Pass {
				conformance.SkipBecause("not applicable: the body does not decrypt with the subscription's keys (graded by " + rules.KeyDerivation.ID + "): " + v.Message)
			}
		}
		if len(kd) == 0 {
			conformance.SkipBecause(fmt.Sprintf("not applicable: the push service did not decrypt the body (status %d, conditions %v)", q.Status, q.Conditions))
		}
		if slices.Contains(q.Conditions, fakepushservice.CondDecrypt) {
			// The tag verifies, but the plaintext cannot be read out (a wrong padding delimiter,
			// a record longer than rs): that fault has its own rule.
			var by []string
			for _, v := range q.Verdicts {
				if (v.Outcome == rules.Fail || v.Outcome == rules.NonStrict) && !slices.Contains(by, v.Rule) {
					by = append(by, v.Rule)
				}
			}
			conformance.SkipBecause(fmt.Sprintf("not applicable: the body opens with the subscription's keys, but no plaintext can be read out of it (graded by %s)", strings.Join(by, ", ")))
		}
		r.Evidence("delivered", fmt.Sprintf("%d octets: %s", len(q.Plaintext), quoteStart(q.Plaintext)))
		r.Evidence("given", fmt.Sprintf("%d octets: %s", len(want), quoteStart(want)))
		Expect(bytes.Equal(q.Plaintext, want)).To(BeTrue(), "the user agent would receive %d octets %s, not the %d-octet payload the sender was given %s",
			len(q.Plaintext), quoteStart(q.Plaintext), len(want), quoteStart(want))
	})
}

// quoteStart quotes the first 40 octets of b.
func quoteStart(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "…"
	}
	return strconv.Quote(string(b))
}

// headersAsAsked declares a rfc8030-5.2-headers-as-asked spec over every message of sc.
func headersAsAsked(text string, sc *scenario) {
	conformance.It(text, tgt, rules.HeadersAsAsked, func(ctx SpecContext, r *conformance.Recorder) {
		exs := sc.get(ctx, r)
		var diffs []string
		for i, ex := range exs {
			q := sc.request(ctx, r, i)
			if ttl := q.Header.Values("TTL"); len(ttl) == 1 && ttl[0] != strconv.Itoa(ex.sent.TTL) {
				diffs = append(diffs, fmt.Sprintf("TTL %s for the TTL %d it was asked for", ttl[0], ex.sent.TTL))
			}
			if ex.sent.Urgency != "" && !strings.EqualFold(strings.Join(q.Header.Values("Urgency"), ", "), ex.sent.Urgency) {
				diffs = append(diffs, fmt.Sprintf("Urgency %q for the %q it was asked for", strings.Join(q.Header.Values("Urgency"), ", "), ex.sent.Urgency))
			}
			// A Topic only padded with '=' is graded once, by rfc8030-5.4-topic-syntax.
			if topic := strings.Join(q.Header.Values("Topic"), ", "); ex.sent.Topic != "" && strings.TrimRight(topic, "=") != ex.sent.Topic {
				diffs = append(diffs, fmt.Sprintf("Topic %q for the %q it was asked for", strings.Join(q.Header.Values("Topic"), ", "), ex.sent.Topic))
			}
		}
		Expect(diffs).To(BeEmpty(), "the sender sent %s", strings.Join(diffs, "; "))
	})
}

// honoursRetryAfter declares a rfc8030-8.4-sender-honours-retry-after spec on sc, whose
// service answers status with Retry-After every time.
func honoursRetryAfter(text string, sc *scenario, status int) {
	conformance.It(text, tgt, rules.SenderHonoursRetryAfter, func(ctx SpecContext, r *conformance.Recorder) {
		ex := sc.get(ctx, r)[0]
		expectAnswered(ex, status)
		reqs := requestsFor(ex)
		r.Evidence("requests", fmt.Sprintf("%d request(s) reached the service", len(reqs)))
		for i := 1; i < len(reqs); i++ {
			prev, next := reqs[i-1], reqs[i]
			wait, err := strconv.Atoi(prev.ResponseHeader.Get("Retry-After"))
			if err != nil {
				conformance.HarnessError(fmt.Errorf("the service answered %d without a Retry-After in seconds (%q)", prev.Status, prev.ResponseHeader.Get("Retry-After")))
			}
			// Request times are taken as each request arrives; the answer left within the same
			// millisecond or so, hence the 100 ms of slack.
			gap := next.Time.Sub(prev.Time)
			Expect(gap >= time.Duration(wait)*time.Second-100*time.Millisecond).To(BeTrue(),
				"the sender posted again %s after a %d with Retry-After: %d; RFC 8030 §8.4 expects it to wait %d s", gap.Round(time.Millisecond), prev.Status, wait, wait)
		}
	})
}

// linkTarget is the URI of a Link field value: <URI>; params.
var linkTarget = regexp.MustCompile(`<([^>]*)>`)
