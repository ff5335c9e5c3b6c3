package pushservice

import (
	"context"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

func withTopic(m sender.Message, topic string) sender.Message { m.Topic = topic; return m }

var _ = describe("RFC 8030 §5.4 Replacing Push Messages", func() {
	// RFC 8030 §5.4 (paraphrased): a Topic is at most 32 characters of the URL and filename
	// safe base64 alphabet; the push service rejects a longer one, or one with other characters,
	// with 400 (Bad Request).
	for _, c := range []struct{ name, topic string }{
		{"33 characters", strings.Repeat("a", 33)},
		{"a colon", "upd:1"},
		{"an exclamation mark", "upd!"},
	} {
		// Sends: Topic: upd1 (the valid twin), then a Topic with <c.name>. Expects: the twin
		// accepted, the other 400.
		conformance.It("rejects a Topic with "+c.name+" with 400", tgt, rules.TopicInvalid400,
			func(ctx SpecContext, r *conformance.Recorder) {
				sub := subscribe(ctx, r)
				validTwin(ctx, r, message(sub, "good topic"), sender.Faults{Set: http.Header{"Topic": {"upd1"}}}, "with the Topic upd1")
				res := post(ctx, r, "push", message(sub, "bad topic"), sender.Faults{Set: http.Header{"Topic": {c.topic}}})
				Expect(res.Status).To(Equal(http.StatusBadRequest), "Topic %q was answered %d; RFC 8030 §5.4 requires 400", c.topic, res.Status)
				expectNamed(res, fakepushservice.CondTopicInvalid)
			})
	}

	// Sends: with the UA offline, A then B, both Topic: upd; reconnects. Expects: B first (A,
	// older, would have come first had it been kept).
	conformance.It("replaces an outstanding message with the same Topic", tgt, rules.TopicReplaces,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			accepted(ctx, r, "push.A", withTopic(message(sub, "A"), "upd"), sender.Faults{})
			accepted(ctx, r, "push.B", withTopic(message(sub, "B"), "upd"), sender.Faults{})
			online(ctx, sf, sub)
			expectFirst(ctx, r, sub, "B", "A")
		})

	// RFC 8030 §5.4: the replacing request is answered like any other, 201 with its own push
	// message resource in Location.
	// Sends: A then B with the same Topic (UA offline). Expects: both Locations present, and
	// different.
	conformance.It("gives the replacing message a new Location", tgt, rules.TopicNewLocation,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			offline(ctx, sub)
			a := accepted(ctx, r, "push.A", withTopic(message(sub, "A"), "upd"), sender.Faults{})
			b := accepted(ctx, r, "push.B", withTopic(message(sub, "B"), "upd"), sender.Faults{})
			Expect(b.Status).To(Equal(http.StatusCreated), "the message replacing one of the same Topic was answered %d; RFC 8030 §5.4 requires the replacement to be accepted with 201 Created", b.Status)
			Expect(a.Header.Get("Location")).NotTo(BeEmpty(), "the first message of Topic upd was answered without a Location; RFC 8030 §5 requires one for each accepted message")
			Expect(b.Header.Get("Location")).NotTo(BeEmpty(), "the replacing message of Topic upd was answered without a Location; RFC 8030 §5 requires one for each accepted message")
			Expect(b.Header.Get("Location")).NotTo(Equal(a.Header.Get("Location")), "the replacing message got the Location %q of the message it replaced; RFC 8030 §5.4 gives the replacing message a new push message resource", b.Header.Get("Location"))
		})

	// Sends: Topic: PushspecTopic42 (a string nothing else carries). Expects: the UA-link
	// delivery has no topic field and does not contain the string anywhere.
	conformance.It("does not forward Topic to the user agent", tgt, rules.TopicNotForwarded,
		func(ctx SpecContext, r *conformance.Recorder) {
			linkVisible(nil)
			sub := subscribe(ctx, r)
			accepted(ctx, r, "push", withTopic(message(sub, "topical"), "PushspecTopic42"), sender.Faults{})
			got := next(ctx, r, sub, "topical")
			linkVisible(got)
			for _, s := range []string{"topic", "PushspecTopic42"} {
				where, found := forwardedContains(got, s)
				Expect(found).To(BeFalse(), "the UA link carried %q (%s); RFC 8030 §5.4 does not forward the Topic to the user agent", s, where)
			}
		})

	// RFC 8030 §5.4: messages that do not share a topic are stored and delivered as usual.
	// Sends: with the UA offline, A (Topic x), B (Topic y), C (no Topic); reconnects.
	// Expects: A, B and C, in that order.
	conformance.It("keeps messages whose topics differ", tgt, rules.DistinctTopicsKept,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			accepted(ctx, r, "push.A", withTopic(message(sub, "A"), "x"), sender.Faults{})
			accepted(ctx, r, "push.B", withTopic(message(sub, "B"), "y"), sender.Faults{})
			accepted(ctx, r, "push.C", message(sub, "C"), sender.Faults{})
			online(ctx, sf, sub)
			for _, want := range []string{"A", "B", "C"} {
				got := next(ctx, r, sub, want)
				Expect(string(got.Payload)).To(Equal(want), "messages of different Topics delivered %q where %q was expected next; RFC 8030 §5.4 replaces only messages of the same Topic", string(got.Payload), want)
			}
		})

	// RFC 8030 §5.4: the replacing message brings its own TTL (and Urgency, receipt): the
	// replaced one's TTL no longer counts.
	// Sends: with the UA offline, A (TTL 600, Topic t), B (TTL 2, Topic t); lets 4 s pass; a
	// sentinel; reconnects. Expects: the sentinel first (B has expired, A was replaced).
	conformance.It("takes the replacing message's TTL", tgt, rules.TopicReplacesTTLUrgencyReceipt,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			a := withTopic(message(sub, "A"), "t")
			a.TTL = 600
			b := withTopic(message(sub, "B"), "t")
			b.TTL = 2
			accepted(ctx, r, "push.A", a, sender.Faults{})
			accepted(ctx, r, "push.B", b, sender.Faults{})
			elapse(ctx, r, 4*time.Second)
			accepted(ctx, r, "sentinel", message(sub, "sentinel"), sender.Faults{})
			online(ctx, sf, sub)
			expectFirst(ctx, r, sub, "sentinel", "A or B")
		})

	// Sends: with the UA offline, A with a receipt request, then B with
	// the same Topic and the same receipt subscription; reconnects; the UA acknowledges B.
	// Expects: B's 204 receipt arrives (the sentinel), and no receipt for A was ever sent.
	conformance.It("sends no receipt for a replaced message", tgt, rules.ReplacedReceiptSuppressed,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			rr := capability[target.ReceiptReader]("read receipt subscriptions")
			sf := offline(ctx, sub)
			a := post(ctx, r, "push.A", withTopic(message(sub, "A"), "upd"), respondAsync)
			if a.Status == http.StatusTooManyRequests {
				conformance.InfoBecause("the service answered 429 to a receipt request without a receipt subscription, as RFC 8030 §5.1 allows; pushspec has no receipt subscription to name, so receipt suppression cannot be checked")
			}
			link, _ := receiptTaken(a)
			f := sender.Faults{Set: http.Header{"Prefer": {"respond-async"}, "Link": {"<" + link + `>; rel="urn:ietf:params:push:receipt"`}}}
			b := post(ctx, r, "push.B", withTopic(message(sub, "B"), "upd"), f)
			Expect(b.Status).To(Equal(http.StatusAccepted), "the replacing message with a receipt request was answered %d; RFC 8030 §5.1 accepts a receipt request with 202", b.Status)
			online(ctx, sf, sub)
			next(ctx, r, sub, "B")
			wctx, cancel := context.WithTimeout(ctx, waitFor)
			defer cancel()
			status, err := rr.AwaitReceipt(wctx, link, b.Header.Get("Location"))
			Expect(err).NotTo(HaveOccurred(), "no receipt for B within %s", waitFor)
			Expect(status).To(Equal(http.StatusNoContent), "the receipt for the replacing message B was %d; RFC 8030 §6.2 requires 204 once it was delivered and acknowledged", status)
			// B's receipt came after anything sent for A: asking now, with no time to wait,
			// finds A's receipt if there was one.
			done, cancelDone := context.WithCancel(ctx)
			cancelDone()
			statusA, err := rr.AwaitReceipt(done, link, a.Header.Get("Location"))
			Expect(err).To(HaveOccurred(), "a receipt (%d) was sent for the replaced message A", statusA)
		})
})
