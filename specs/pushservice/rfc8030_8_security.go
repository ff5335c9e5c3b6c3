package pushservice

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

// correlated runs the RFC 8030 §8.2 heuristic (graders.CompareURIs) for URIs of kind want and
// records its evidence: every URI with its variable part.
func correlated(r *conformance.Recorder, uris []graders.URI, want string) string {
	why, ev := graders.CompareURIs(uris, want)
	for k, v := range ev {
		r.Evidence(k, v)
	}
	return why
}

// privacyURIs makes subscriptions A1, A2, A3 on one user agent (when the target can: SameUA)
// and B1, B2 on others, sends two messages to A1 and one to each other subscription, and
// returns every push resource URI and every push message URI (Location) it got. ids maps the
// user agent labels to the service's user agent ids where the target knows them.
func privacyURIs(ctx SpecContext, r *conformance.Recorder) (uris []graders.URI, ids map[string]string, noLocation bool) {
	ids = map[string]string{}
	type held struct {
		label, ua string
		sub       *target.Subscription
	}
	var subs []held
	a1 := subscribe(ctx, r)
	subs = append(subs, held{"A1", "A", a1})
	if same, ok := svc.(target.SameUA); ok {
		ids["A"] = same.UAID(a1)
		for _, l := range []string{"A2", "A3"} {
			s, err := same.SubscribeSameUA(ctx, a1, vapidKeys.Public())
			if err != nil {
				conformance.HarnessError(fmt.Errorf("a second subscription on one user agent: %w", err))
			}
			subs = append(subs, held{l, "A", s})
		}
	} else {
		r.Evidence("same_ua", "the target cannot make two subscriptions on one user agent: URIs are compared across user agents only")
		subs = append(subs, held{"A2", "A'", subscribe(ctx, r)})
	}
	for _, l := range []string{"B1", "B2"} {
		s := subscribe(ctx, r)
		subs = append(subs, held{l, l, s})
		if same, ok := svc.(target.SameUA); ok {
			ids[l] = same.UAID(s)
		}
	}
	for _, h := range subs {
		uris = append(uris, graders.URI{Kind: "push", Sub: h.label, UA: h.ua, URI: h.sub.Endpoint})
	}
	for _, h := range subs {
		n := 1
		if h.label == "A1" {
			n = 2
		}
		for i := 1; i <= n; i++ {
			res := accepted(ctx, r, fmt.Sprintf("push.%s.%d", h.label, i), message(h.sub, "privacy "+h.label), sender.Faults{})
			loc := res.Header.Get("Location")
			if loc == "" {
				noLocation = true
				continue
			}
			if lu, err := url.Parse(loc); err == nil && !lu.IsAbs() {
				if base, err := url.Parse(h.sub.Endpoint); err == nil {
					loc = base.ResolveReference(lu).String()
				}
			}
			uris = append(uris, graders.URI{Kind: "message", Sub: h.label, UA: h.ua, URI: loc})
		}
	}
	if noLocation {
		r.Evidence("message_uris", "some accepted messages came without Location (see rfc8030-5-accepted-201-location)")
	}
	return uris, ids, noLocation
}

// deviceNeedles are the user and device facts pushspec knows about itself that a URI must not
// carry: the user agent ids the service gave (when the target tells them), this machine's host
// name and user name, the loopback address the user agents connect from (dotted, hex and decimal),
// and Go's HTTP User-Agent. Values shorter than 6 characters are left out, and matching is
// case-sensitive: shorter ones turn up by chance (CI's user name "root" was found in a random
// 140-character base64url token, about one token in 10,000; a 6-character value about one in
// 400 million).
func deviceNeedles(ids map[string]string) map[string]string {
	n := map[string]string{}
	add := func(what, v string) {
		if len(v) >= 6 && !strings.EqualFold(v, "localhost") {
			n[what] = v
		}
	}
	for label, id := range ids {
		add("the service's id of user agent "+label, id)
	}
	if h, err := os.Hostname(); err == nil {
		add("the host name", h)
	}
	if u, err := user.Current(); err == nil {
		add("the user name", u.Username)
	}
	ip := net.IPv4(127, 0, 0, 1).To4()
	add("the client address", ip.String())
	add("the client address (hex)", hex.EncodeToString(ip))
	add("the client address (decimal)", strconv.FormatUint(uint64(ip[0])<<24|uint64(ip[1])<<16|uint64(ip[2])<<8|uint64(ip[3]), 10))
	add("the Go HTTP client's User-Agent", "Go-http-client")
	return n
}

// floodBound is how many messages the rate-limit check sends to one user agent before it gives
// up waiting for a 429: above the fake's DefaultRateLimit (1000 a minute, fakepushservice) with
// room for the refill while the flood runs on a slow machine.
const floodBound = 1500

// floodResult is what one flood of one subscription saw; the two §8.4 specs share it.
type floodResult struct {
	sent     int            // requests sent, the refused one included
	accepted int            // 2xx answers before the first refusal
	refusal  *sender.Result // the first non-2xx answer; nil if every request was accepted
	elapsed  time.Duration
	evidence map[string]string
}

var (
	floodMu   sync.Mutex
	floodDone *floodResult
)

// flood sends up to floodBound conformant messages, one after the other, to one new
// subscription (its user agent offline when the target can do that, so that nothing is
// delivered meanwhile), until the service refuses one. It runs once per suite; later calls get
// the same result.
func flood(ctx SpecContext, r *conformance.Recorder) *floodResult {
	floodMu.Lock()
	defer floodMu.Unlock()
	if floodDone != nil {
		for k, v := range floodDone.evidence {
			r.Evidence(k, v)
		}
		return floodDone
	}
	sub := subscribe(ctx, r)
	ev := map[string]string{"subscription": cut(sub.Endpoint, 120)}
	if sf, ok := svc.(target.StoreAndForward); ok {
		if err := sf.Offline(ctx, sub); err != nil {
			conformance.HarnessError(err)
		}
		ev["user_agent"] = "offline during the flood (messages are stored, not delivered)"
	}
	client := sender.Raw{Client: svc.Client()}
	out := &floodResult{}
	start := time.Now()
	for i := 1; i <= floodBound; i++ {
		res, err := client.SendFaulty(ctx, message(sub, "flood "+strconv.Itoa(i)), sender.Faults{})
		if err != nil {
			conformance.HarnessError(fmt.Errorf("flood message %d: %w", i, err))
		}
		out.sent = i
		if res.Status/100 != 2 {
			out.refusal = res
			ev["refused.request"] = describeRequest(res.Request)
			ev["refused.response"] = describeResponse(res)
			break
		}
		out.accepted++
	}
	out.elapsed = time.Since(start)
	summary := fmt.Sprintf("%d conformant messages (TTL 60) sent one after the other in %s: %d accepted", out.sent,
		out.elapsed.Round(time.Millisecond), out.accepted)
	if out.refusal != nil {
		summary += fmt.Sprintf(", then %d %s", out.refusal.Status, http.StatusText(out.refusal.Status))
	} else {
		summary += fmt.Sprintf(", none refused (the bound is %d)", floodBound)
	}
	ev["flood"] = summary
	out.evidence = ev
	for k, v := range ev {
		r.Evidence(k, v)
	}
	floodDone = out
	return out
}

// refusedFlood skips when the flood's very first message was refused: the service refuses valid
// requests too, and its refusal says nothing about a rate.
func refusedFlood(f *floodResult) {
	if f.accepted == 0 && f.refusal != nil {
		conformance.SkipBecause(fmt.Sprintf("the service refuses valid requests too: the flood's first conformant message was answered %d %s, so no refusal in it shows a rate limit",
			f.refusal.Status, http.StatusText(f.refusal.Status)))
	}
}

var _ = describe("RFC 8030 §8 Security Considerations", func() {
	// RFC 8030 §8.2, paraphrased: the URIs provided for push resources MUST NOT provide any
	// basis to correlate communications for a given user agent; it MUST NOT be possible to
	// correlate any two push resource URIs based solely on their contents.
	// Sends: makes three subscriptions on one user agent (where the target can) and two on
	// others. Expects: no two push resource URIs correlate (the heuristic above: no shared
	// segment or run of 8 characters beyond the fixed prefix and suffix, no counter). How many
	// bits a token carries is not correlation (see the §8.3 check below).
	conformance.It("hands out push resource URIs that cannot be correlated", tgt, rules.PushURIUncorrelatable,
		func(ctx SpecContext, r *conformance.Recorder) {
			uris, _, _ := privacyURIs(ctx, r)
			why := correlated(r, uris, "push")
			Expect(why).To(BeEmpty(), "push resource URIs correlate: %s", why)
		})

	// RFC 8030 §8.3, paraphrased: push resource URIs work as capabilities, and the advice (no
	// BCP 14 keyword) is that they carry at least 120 bits of entropy, so that they cannot be
	// guessed. Sends: the subscriptions above. Expects: each push resource's variable part looks
	// like 120 bits or more (graded info otherwise: advice, not a requirement).
	conformance.It("hands out push resource URIs of at least 120 bits", tgt, rules.PushURIEntropy,
		func(ctx SpecContext, r *conformance.Recorder) {
			uris, _, _ := privacyURIs(ctx, r)
			correlated(r, uris, "push") // for the evidence: every URI and its variable part
			short := graders.ShortTokens(uris)
			Expect(short).To(BeEmpty(), "push resource tokens look shorter than the %d bits RFC 8030 §8.3 advises: %s", graders.MinBits, strings.Join(short, "; "))
		})

	// RFC 8030 §8.2, paraphrased: the URIs provided to identify a push message MUST NOT provide
	// any information that allows for correlation across subscriptions; push message URIs of the
	// same subscription MAY correlate with it and with each other.
	// Sends: two messages to A1 and one to each of A2, A3 (same user agent where possible), B1
	// and B2. Expects: no message URI correlates with a message URI or push resource URI of
	// another subscription (same heuristic).
	conformance.It("hands out push message URIs that cannot be correlated across subscriptions", tgt, rules.MessageURIUncorrelatable,
		func(ctx SpecContext, r *conformance.Recorder) {
			uris, _, noLocation := privacyURIs(ctx, r)
			if noLocation {
				conformance.SkipBecause(fmt.Sprintf("unsupported: target %s answers accepted messages without Location: no push message URI to compare (see rfc8030-5-accepted-201-location)", tgt.ID))
			}
			why := correlated(r, uris, "message")
			Expect(why).To(BeEmpty(), "push message URIs correlate across subscriptions: %s", why)
		})

	// Sends: the subscriptions and messages above. Expects: no push or message URI (path and
	// query, as they are, percent-decoded, and each long segment read as base64 or hex) holds
	// the service's id of the user agent, this machine's host or user name, the client's loopback
	// address or Go's User-Agent.
	conformance.It("exposes no user or device information in push and message URIs", tgt, rules.NoUserDeviceInfo,
		func(ctx SpecContext, r *conformance.Recorder) {
			uris, ids, _ := privacyURIs(ctx, r)
			needles := deviceNeedles(ids)
			var whats []string
			for what := range needles {
				whats = append(whats, what)
			}
			sort.Strings(whats)
			r.Evidence("looked_for", strings.Join(whats, "; "))
			var lines []string
			for _, u := range uris {
				lines = append(lines, fmt.Sprintf("%-7s %-3s %s", u.Kind, u.Sub, cut(u.URI, 110)))
			}
			r.Evidence("uris", strings.Join(lines, "\n"))
			for _, u := range uris {
				for _, d := range graders.Decodings(graders.URIRest(u.URI)) {
					for _, what := range whats {
						Expect(bytes.Contains(d, []byte(needles[what]))).To(BeFalse(),
							"the %s URI of %s carries %s (%q)", u.Kind, u.Sub, what, needles[what])
					}
				}
			}
		})

	// RFC 8030 §8.4, paraphrased: a push service SHOULD limit the rate at which push messages
	// reach one user agent; "A push service MAY return a 429 (Too Many Requests) status code
	// [RFC6585] when an application server has exceeded its rate limit for push message delivery
	// to a push resource." The RFC sets no rate, so pushspec can see a limit only below its
	// flood, and a limit is what the SHOULD asks for; 429 is the MAY way to say so.
	// Sends: up to floodBound conformant messages to one subscription, one after the other.
	// Expects: the first accepted (else the refusal shows nothing: skip), then a 429 before the
	// bound (pass). No refusal within the bound, or a refusal with another status, decides
	// nothing (info, with what was seen).
	conformance.It("limits the rate at which one user agent is sent messages", tgt, rules.RateLimit,
		func(ctx SpecContext, r *conformance.Recorder) {
			f := flood(ctx, r)
			refusedFlood(f)
			if f.refusal == nil {
				conformance.InfoBecause(fmt.Sprintf("all %d conformant messages to one user agent were accepted; RFC 8030 sets no rate, so a limit above %d cannot be seen", f.sent, floodBound))
			}
			if f.refusal.Status != http.StatusTooManyRequests {
				conformance.InfoBecause(fmt.Sprintf("the flood was refused after %d messages with %d %s, not 429: perhaps a rate limit, but only 429 says so (RFC 8030 §8.4)",
					f.accepted, f.refusal.Status, http.StatusText(f.refusal.Status)))
			}
		}, SpecTimeout(3*time.Minute))

	// Sends: the flood above. Expects: its 429 carries Retry-After, delta-seconds or an
	// HTTP-date. Skipped when the flood met no 429 (nothing to check).
	conformance.It("says Retry-After with a 429", tgt, rules.RetryAfterOn429,
		func(ctx SpecContext, r *conformance.Recorder) {
			f := flood(ctx, r)
			refusedFlood(f)
			if f.refusal == nil || f.refusal.Status != http.StatusTooManyRequests {
				conformance.SkipBecause(fmt.Sprintf("no 429 within %d messages to one user agent (see rfc8030-8.4-rate-limit): no 429 to check", floodBound))
			}
			ra := f.refusal.Header.Get("Retry-After")
			Expect(ra).NotTo(BeEmpty(), "the service answered 429 without Retry-After; RFC 8030 §8.4 says the service SHOULD include one")
			_, dateErr := http.ParseTime(ra)
			Expect(isDigits(ra) || dateErr == nil).To(BeTrue(), "Retry-After %q is neither delta-seconds nor an HTTP-date", ra)
		}, SpecTimeout(3*time.Minute))
})

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
