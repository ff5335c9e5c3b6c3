// Package pushservice is the push service suite: pushspec plays the application server (a
// raw sender that can break any rule on purpose) and the user agent (a virtual UA), and checks
// what the push service under test answers and delivers (RFC 8030, RFC 8292 §4).
//
// The target comes from the configuration (PUSHSPEC_PUSH_SERVICE, PUSHSPEC_PROFILE; see
// harness/target): by default pushspec's in-process fake in profile rfc, against which every
// spec passes. One file per RFC section; each spec quotes or paraphrases its rule, says what it
// sends and what it expects, and leaves the exchange as evidence.
package pushservice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/webpush"
)

var (
	cfg, cfgErr = config.FromEnv()
	tgt         = target.Describe(cfg)

	svc        target.PushService
	svcSkip    string // why the target cannot be used here (real without internet)
	vapidKeys  *webpush.VAPIDKeys
	vapidCreds *sender.VAPID
)

// suite names the suite for RunSpecs, or says why it cannot run.
func suite() (string, error) { return "push service suite (" + tgt.ID + ")", cfgErr }

var _ = beforeSuite(func(ctx SpecContext) {
	var err error
	vapidKeys, err = webpush.NewVAPIDKeys()
	conformance.HarnessError(err)
	vapidCreds = &sender.VAPID{Public: webpush.Base64URL(vapidKeys.Public()), Private: webpush.Base64URL(vapidKeys.PrivateBytes()),
		Subject: "mailto:pushspec@example.com"}
	svc, err = startTarget(ctx)
	if errors.Is(err, target.ErrUnavailable) {
		svcSkip = err.Error()
		return
	}
	Expect(err).NotTo(HaveOccurred(), "starting the push service target %s", tgt.ID)
	DeferCleanup(svc.Close)
	target.Identify(ctx, svc)
})

// doubleEnv names a variant of the in-process fake for pushspec's own tests (deviations_test.go):
// a broken double the suite must catch, or a conformant but unusual one it must not fail. It is
// not a PUSHSPEC_ variable: no user sets it, and the configuration does not know it.
const doubleEnv = "PUSHSERVICE_SUITE_DOUBLE"

var doubles = map[string]func(*fakepushservice.Server){
	// Broken: no 410 receipt for a message given up on before its expiry.
	"no-give-up-receipt": func(s *fakepushservice.Server) { s.NoGiveUpReceipt = true },
	// Conformant: no receipt for a message that reached its TTL.
	"no-expiry-receipt": func(s *fakepushservice.Server) { s.NoExpiryReceipt = true },
	// Broken: messages never expire (delivered after their TTL).
	"keep-expired": func(s *fakepushservice.Server) { s.KeepExpired = true },
	// Broken (a SHOULD): 200 instead of 204 to Prefer: wait=0 with nothing to push.
	"wait-0-200": func(s *fakepushservice.Server) { s.WaitZeroStatus = http.StatusOK },
	// Conformant: 429 to a receipt request that names no receipt subscription (RFC 8030 §5.1's
	// MAY), so pushspec never gets one.
	"receipt-needs-link": func(s *fakepushservice.Server) {
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			if strings.Contains(q.Header.Get("Prefer"), "respond-async") && !strings.Contains(strings.Join(q.Header.Values("Link"), ","), "urn:ietf:params:push:receipt") {
				return &fakepushservice.Fault{Status: http.StatusTooManyRequests, RetryAfter: 10}
			}
			return nil
		}
	},
	// Broken: a push without TTL is refused with the right status (400) but for another fault,
	// the answer the profile gives for a missing Content-Encoding (autopush: errno 110).
	"ttl-missing-wrong-reason": func(s *fakepushservice.Server) {
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			if q.Header.Get("TTL") == "" {
				return &fakepushservice.Fault{Cond: fakepushservice.CondNoEncoding}
			}
			return nil
		}
	},
	// Conformant but unusual: push tokens of 120 bits (RFC 8030 §8.3's floor, below the fake's
	// usual 256) and TTLs capped at four weeks, the cap echoed in the TTL response header
	// (RFC 8030 §5.2: "A push service MAY retain a push message for a shorter duration than
	// requested.").
	"tokens-120-ttl-4w": func(s *fakepushservice.Server) { s.TokenBytes, s.MaxTTL = 15, 2419200 },
	// Conformant: a rate limit the suite's flood does not reach.
	"rate-limit-above-flood": func(s *fakepushservice.Server) { s.RateLimit = 4 * floodBound },
	// Broken: the receipt for an acknowledged message is 410, not 204 (RFC 8030 §6.2, §6.3).
	"ack-receipt-410": func(s *fakepushservice.Server) { s.AckReceiptStatus = http.StatusGone },
	// Broken (a SHOULD): a message taken without an acknowledgement is never delivered again.
	"no-redelivery": func(s *fakepushservice.Server) { s.NoRedelivery = true },
	// Broken: a message for a user agent that is not connected is dropped at once, whatever its
	// TTL, so nothing is stored for the user agent's return.
	"drop-when-offline": func(s *fakepushservice.Server) { s.DropWhenOffline = true },
	// Broken: no Link rel="urn:ietf:params:push" on pushed messages (a SHOULD on a
	// subscription's own monitor, a MUST through a set).
	"no-push-link": func(s *fakepushservice.Server) { s.NoPushLink = true },
	// Broken (a SHOULD): no Last-Modified on pushed stored messages.
	"no-last-modified": func(s *fakepushservice.Server) { s.NoLastModified = true },
	// Broken: Prefer: wait=0 gets one server push, however many messages are undelivered.
	"wait-0-one-push": func(s *fakepushservice.Server) { s.WaitZeroMaxPushes = 1 },
	// Broken: an open monitoring request on an expired subscription (set) ends with 410, not 404.
	"expired-monitor-410": func(s *fakepushservice.Server) { s.ExpiredMonitorStatus = http.StatusGone },
	// Broken: an expired subscription set leaves its subscriptions alive.
	"set-expiry-keeps-members": func(s *fakepushservice.Server) { s.SetExpiryKeepsMembers = true },
	// Broken: one subscription's expiry expires its whole set.
	"member-expiry-ends-set": func(s *fakepushservice.Server) { s.MemberExpiryEndsSet = true },
	// Broken: bodies above 3072 octets are refused with 413, below RFC 8030 §7.2's 4096.
	"413-above-3k": func(s *fakepushservice.Server) {
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			if q.BodySize > 3072 {
				return &fakepushservice.Fault{Status: http.StatusRequestEntityTooLarge}
			}
			return nil
		}
	},
	// Conformant: bodies up to 8192 octets accepted (RFC 8030 §7.2 only sets the floor).
	"max-payload-8k": func(s *fakepushservice.Server) { s.MaxPayload = 8192 },
	// Conformant: TTLs capped at 30 s, the cap echoed in the TTL response header (RFC 8030 §5.2:
	// "A push service MAY retain a push message for a shorter duration than requested.").
	"ttl-cap-30s": func(s *fakepushservice.Server) { s.MaxTTL = 30 },
	// Broken (a SHOULD): past 100 messages to one subscription, 429 without Retry-After.
	"429-without-retry-after": func(s *fakepushservice.Server) {
		var mu sync.Mutex
		seen := map[string]int{}
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			mu.Lock()
			defer mu.Unlock()
			if seen[q.Path]++; seen[q.Path] > 100 {
				return &fakepushservice.Fault{Status: http.StatusTooManyRequests}
			}
			return nil
		}
	},
	// Broken: every push resource token starts with 7f000001, 127.0.0.1 in hex: the address
	// every user agent of the suite connects from.
	"client-address-in-token": func(s *fakepushservice.Server) { s.TokenPrefix = "7f000001" },
	// Broken: push message ids from one counter for the whole service.
	"message-id-counter": func(s *fakepushservice.Server) { s.MessageIDCounter = true },
	// Broken: every push resource token starts with a hash of its user agent's id.
	"ua-hash-in-token": func(s *fakepushservice.Server) { s.UATokenPrefix = true },
	// Conformant (RFC 8030 §8.3's advice is no requirement): push tokens of 104 random bits.
	"tokens-104": func(s *fakepushservice.Server) { s.TokenBytes = 13 },

	// Broken (RFC 8292 §4.2's MUST "reject a message sent to that subscription if it has no
	// valid vapid authentication"): each takes one kind of invalid credentials, storing and
	// delivering the message as if it were valid, and refuses every other kind as the fake does.
	"accepts-no-vapid":        acceptsInvalid(fakepushservice.CondVAPIDAbsent),
	"accepts-missing-t-or-k":  acceptsInvalid(fakepushservice.CondVAPIDMissingTK),
	"accepts-bad-signature":   acceptsInvalid(fakepushservice.CondVAPIDSignature),
	"accepts-expired-token":   acceptsInvalid(fakepushservice.CondVAPIDExpired),
	"accepts-other-key-token": acceptsInvalid(fakepushservice.CondVAPIDKey),
	// Broken (rules.InvalidReceiptSubscription400): an unknown receipt subscription is ignored
	// and the push accepted.
	"accepts-invalid-receipt-subscription": acceptsInvalid(fakepushservice.CondReceiptInvalid),
	// Broken (RFC 8292 §2: a push service MUST NOT use information from a token that is not
	// valid): it caches tokens by header and claims, so a token whose header and claims it saw
	// before passes with any signature.
	"caches-tokens-by-claims": func(s *fakepushservice.Server) {
		var mu sync.Mutex
		seen := map[string]bool{}
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			_, t, ok := strings.Cut(q.Header.Get("Authorization"), "t=")
			if !ok {
				return nil
			}
			t, _, _ = strings.Cut(t, ",")
			claims := t[:max(strings.LastIndex(t, "."), 0)]
			mu.Lock()
			defer mu.Unlock()
			if seen[claims] {
				return &fakepushservice.Fault{Accept: []fakepushservice.Cond{fakepushservice.CondVAPIDSignature}}
			}
			seen[claims] = true
			return nil
		}
	},
	// Broken (rules.IgnoreUnknownParams): a vapid Authorization with a parameter other than t
	// and k is refused with 400.
	"refuses-unknown-auth-params": func(s *fakepushservice.Server) {
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			for _, part := range strings.Split(q.Header.Get("Authorization"), ",") {
				name, _, hasValue := strings.Cut(strings.TrimSpace(part), "=")
				if f := strings.Fields(name); hasValue && len(f) > 0 {
					if n := strings.ToLower(f[len(f)-1]); n != "t" && n != "k" {
						return &fakepushservice.Fault{Status: http.StatusBadRequest}
					}
				}
			}
			return nil
		}
	},

	// Broken, RFC 8030 §5.4 (paraphrased): a message with a topic replaces an outstanding one
	// with the same topic; the replacing message's TTL counts; messages with other topics are
	// kept; the replacing request gets its own push message resource; receipts for a replaced
	// message are suppressed. Each double breaks one of these.
	"topic-keeps-replaced": func(s *fakepushservice.Server) { s.TopicKeepsReplaced = true },
	"topic-replaces-any":   func(s *fakepushservice.Server) { s.TopicReplacesAny = true },
	"topic-keeps-expiry":   func(s *fakepushservice.Server) { s.TopicKeepsExpiry = true },
	"topic-keeps-location": func(s *fakepushservice.Server) { s.TopicKeepsLocation = true },
	"replaced-receipt-410": func(s *fakepushservice.Server) { s.ReplacedReceipt = true },
	// Broken, RFC 8030 §5.2: a TTL-0 message is delivered to a connected user agent and dropped
	// for one that is not.
	"keep-ttl-0": func(s *fakepushservice.Server) { s.KeepTTLZero = true },
	"drop-ttl-0": func(s *fakepushservice.Server) { s.DropTTLZero = true },
	// Broken, RFC 8030 §5.2: a service that keeps a message for other than the TTL asked "MUST
	// return a TTL header field in the response with the duration" it keeps; this one keeps every
	// message at least two minutes and says so, above the request's TTL.
	"min-ttl-120": func(s *fakepushservice.Server) { s.MinTTL = 120 },
	// Broken (rules.TTLOverflowAs2Pow31): a TTL too large to represent is refused with 400.
	"refuses-ttl-overflow": func(s *fakepushservice.Server) {
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			if _, err := strconv.ParseInt(q.Header.Get("TTL"), 10, 64); err != nil && digitsOnly(q.Header.Get("TTL")) {
				return &fakepushservice.Fault{Status: http.StatusBadRequest}
			}
			return nil
		}
	},
	// Broken (a SHOULD, rules.TTL31Bit): this one parses 16 bits of TTL and refuses more with 400.
	"ttl-16-bit": func(s *fakepushservice.Server) {
		s.OnRequest = func(q *fakepushservice.Request) *fakepushservice.Fault {
			if n, err := strconv.ParseUint(q.Header.Get("TTL"), 10, 64); (err == nil && n > 65535) || (err != nil && digitsOnly(q.Header.Get("TTL"))) {
				return &fakepushservice.Fault{Status: http.StatusBadRequest}
			}
			return nil
		}
	},
	// Broken (rules.UrgencyDefaultNormal): a message without Urgency is taken as high.
	"no-urgency-as-high": func(s *fakepushservice.Server) { s.NoUrgencyAs = "high" },
	// Broken, RFC 8030 §5.3: the user agent's urgency threshold is ignored.
	"ignores-urgency-threshold": func(s *fakepushservice.Server) { s.IgnoreUrgencyThreshold = true },
	// Broken (rules.NoJWTToUA): an aesgcm message's k goes to the user agent in Crypto-Key
	// (p256ecdsa=).
	"forwards-vapid-key": func(s *fakepushservice.Server) { s.ForwardVAPIDKey = true },
	// Broken, RFC 8030 §5.1: the 202 to a receipt request names no receipt subscription; a
	// receipt request naming a valid receipt subscription gets a new one (against its SHOULD:
	// the push service returns the same receipt subscription, paraphrased).
	// Broken (rules.UrgencyNotForwarded, rules.TopicNotForwarded): Urgency, or Topic, is
	// forwarded to the user agent.
	"forwards-urgency":   func(s *fakepushservice.Server) { s.ForwardHeaders = "Urgency" },
	"forwards-topic":     func(s *fakepushservice.Server) { s.ForwardHeaders = "Topic" },
	"receipt-no-link":    func(s *fakepushservice.Server) { s.ReceiptNoLink = true },
	"receipt-always-new": func(s *fakepushservice.Server) { s.ReceiptAlwaysNew = true },
	// RFC 8030 §4 and §4.1, RFC 8292 §4.1: the subscribe resource deviating in one way each
	// (fakepushservice.Server.SubscribeDeviation).
	"subscribe-no-location":            subscribeDeviation("no-location"),
	"subscribe-no-push-link":           subscribeDeviation("no-push-link"),
	"subscribe-no-set":                 subscribeDeviation("no-set"),
	"subscribe-new-set":                subscribeDeviation("new-set"),
	"subscribe-ignores-invalid-set":    subscribeDeviation("ignore-invalid-set"),
	"subscribe-options-any-type":       subscribeDeviation("options-any-type"),
	"subscribe-options-strict-members": subscribeDeviation("options-strict-members"),
	// Conformant (RFC 8030 §4.1's MAY): 429 to a subscribe request that leaves out the set the
	// connection was given.
	"subscribe-needs-set": subscribeDeviation("needs-set"),
}

// digitsOnly reports whether v is 1*DIGIT.
func digitsOnly(v string) bool { return v != "" && strings.Trim(v, "0123456789") == "" }

func subscribeDeviation(d string) func(*fakepushservice.Server) {
	return func(s *fakepushservice.Server) { s.SubscribeDeviation = d }
}

// acceptsInvalid is a double that lets the request faults conds through (still graded) instead
// of refusing them: fakepushservice.Fault.Accept on every push request.
func acceptsInvalid(conds ...fakepushservice.Cond) func(*fakepushservice.Server) {
	return func(s *fakepushservice.Server) {
		s.OnRequest = func(*fakepushservice.Request) *fakepushservice.Fault {
			return &fakepushservice.Fault{Accept: conds}
		}
	}
}

// startTarget starts the target the configuration names, or the double doubleEnv names.
func startTarget(ctx context.Context) (target.PushService, error) {
	name := os.Getenv(doubleEnv)
	if name == "" {
		return target.FromConfig(ctx, cfg)
	}
	configure, ok := doubles[name]
	if kind, _ := cfg.PushServiceTarget(); !ok || (kind != "" && kind != "fake") {
		return nil, fmt.Errorf("%s=%s: no such double of the in-process fake", doubleEnv, name)
	}
	return target.NewFake(target.FakeOptions{Profile: cfg.Profile, HTTPSEndpoints: true, Configure: configure})
}

var _ = beforeEach(func() {
	if svcSkip != "" {
		conformance.SkipBecause(svcSkip)
	}
})

// waitFor bounds each wait for the target: a silent target fails its check instead of running
// the spec into its timeout (which would grade error, not fail).
const waitFor = 5 * time.Second

// capability returns the target's optional capability T, or skips: the target cannot do it.
func capability[T any](what string) T {
	c, ok := svc.(T)
	if !ok {
		conformance.SkipBecause(fmt.Sprintf("unsupported: target %s cannot %s", tgt.ID, what))
	}
	return c
}

// subscribe makes a subscription restricted to the suite's VAPID key.
func subscribe(ctx context.Context, r *conformance.Recorder) *target.Subscription {
	return subscribeWith(ctx, r, vapidKeys.Public())
}

func subscribeWith(ctx context.Context, r *conformance.Recorder, key []byte) *target.Subscription {
	sub, err := svc.Subscribe(ctx, key)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("subscribing on %s: %w", tgt.ID, err))
	}
	r.Evidence("subscription", cut(sub.Endpoint, 120))
	return sub
}

// message is a conformant push: the payload, TTL 60, VAPID with the suite's key.
func message(sub *target.Subscription, payload string) sender.Message {
	return sender.Message{Subscription: sub.Sender(), Payload: []byte(payload), TTL: 60, VAPID: vapidCreds}
}

// post sends m with faults f through the raw sender and records request and response as
// evidence under label. A transport error is the harness's (or the target's connection): error.
func post(ctx context.Context, r *conformance.Recorder, label string, m sender.Message, f sender.Faults) *sender.Result {
	res, err := sender.Raw{Client: svc.Client()}.SendFaulty(ctx, m, f)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("%s: sending: %w", label, err))
	}
	if res.Request != nil {
		r.Evidence(label+".request", describeRequest(res.Request))
	}
	r.Evidence(label+".response", describeResponse(res))
	return res
}

// send posts a conformant message.
func send(ctx context.Context, r *conformance.Recorder, label string, m sender.Message) *sender.Result {
	return post(ctx, r, label, m, sender.Faults{})
}

// accepted sends m and requires a 2xx: a step the spec depends on, not the rule it checks.
func accepted(ctx context.Context, r *conformance.Recorder, label string, m sender.Message, f sender.Faults) *sender.Result {
	res := post(ctx, r, label, m, f)
	Expect(res.Status/100).To(Equal(2), "%s: the service must accept this conformant push (answer: %d %s)", label, res.Status, cut(string(res.Body), 200))
	return res
}

// validTwin sends twin, the faulty request of a rejection check made valid, and requires that
// the service accepts it. A refusal shows that the service found the fault only when the same
// request without the fault goes through: a service that refuses every push would otherwise pass
// every rejection rule. When the twin is refused too, the rejection cannot be judged, and the
// spec skips saying so (the refusal of valid pushes is rfc8030-5-accepted-201-location's
// finding). made says how the twin was made valid ("with a TTL").
func validTwin(ctx context.Context, r *conformance.Recorder, twin sender.Message, f sender.Faults, made string) *sender.Result {
	res := post(ctx, r, "valid", twin, f)
	if res.Status/100 != 2 {
		conformance.SkipBecause(fmt.Sprintf("the service refuses valid requests too: the same push %s was answered %d %s, so its refusal of the faulty one shows nothing",
			made, res.Status, http.StatusText(res.Status)))
	}
	return res
}

// refusal reports whether status refuses a request for what it carries: a 4xx other than 429
// (Too Many Requests says "later", not "never this request").
func refusal(status int) bool { return is4xx(status) && status != http.StatusTooManyRequests }

// expectNamed requires, where the target is pushspec's fake, that the answer res is the one the
// fake's profile gives for the condition cond (its status, and its errno and reason when the
// profile has them): a refusal for another fault is not a refusal of this one. Other targets
// give no machine-readable reason to compare, and the check is left out.
func expectNamed(res *sender.Result, cond fakepushservice.Cond) {
	f, ok := svc.(*target.Fake)
	if !ok {
		return
	}
	p, ok := fakepushservice.LookupProfile(f.Server.Profile)
	if !ok {
		return
	}
	a, ok := p.Answers[cond]
	if !ok {
		return
	}
	Expect(res.Status).To(Equal(a.Status), "the refusal was %d %s; profile %s answers %s with %d", res.Status, cut(string(res.Body), 120), p.Name, cond, a.Status)
	if a.Errno != 0 {
		Expect(string(res.Body)).To(ContainSubstring(fmt.Sprintf(`"errno":%d`, a.Errno)), "the refusal %s does not carry errno %d, which profile %s gives for %s: it refuses another fault", cut(string(res.Body), 120), a.Errno, p.Name, cond)
	}
	if reason, _, _ := strings.Cut(a.Message, "%s"); reason != "" {
		Expect(string(res.Body)).To(ContainSubstring(reason), "the refusal %s does not give the reason %q, which profile %s gives for %s: it refuses another fault", cut(string(res.Body), 120), reason, p.Name, cond)
	}
	for k, v := range a.Header {
		if !strings.Contains(v, "{") {
			Expect(res.Header.Get(k)).To(Equal(v), "the refusal has %s %q; profile %s answers %s with %s: %s", k, res.Header.Get(k), p.Name, cond, k, v)
		}
	}
}

// next waits (bounded) for the next message delivered for sub.
func next(ctx context.Context, r *conformance.Recorder, sub *target.Subscription, what string) *target.Received {
	wctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	got, err := svc.AwaitMessage(wctx, sub)
	if err != nil && ctx.Err() == nil && wctx.Err() == nil {
		conformance.HarnessError(fmt.Errorf("waiting for %s: %w", what, err))
	}
	Expect(err).NotTo(HaveOccurred(), "the service delivered no %s to the user agent within %s", what, waitFor)
	r.Evidence("delivered."+what, describeReceived(got))
	return got
}

// expectFirst requires that the next delivery for sub is the sentinel: whatever was sent before
// it would have come first (delivery is in store order).
func expectFirst(ctx context.Context, r *conformance.Recorder, sub *target.Subscription, sentinel, unwanted string) {
	got := next(ctx, r, sub, "sentinel")
	Expect(string(got.Payload)).To(Equal(sentinel), "the first delivery after reconnecting must be the sentinel, not %q", unwanted)
}

// offline takes sub's user agent offline (skipping when the target cannot).
func offline(ctx context.Context, sub *target.Subscription) target.StoreAndForward {
	sf := capability[target.StoreAndForward]("take its user agent offline")
	if err := sf.Offline(ctx, sub); err != nil {
		conformance.HarnessError(err)
	}
	return sf
}

func online(ctx context.Context, sf target.StoreAndForward, sub *target.Subscription) {
	if err := sf.Online(ctx, sub); err != nil {
		conformance.HarnessError(err)
	}
}

// elapse lets d pass on the target's clock: moved forward in process; against an external
// target there is no clock to move, and the rule is about time passing, so this is a real,
// bounded wait (a few seconds).
func elapse(ctx context.Context, r *conformance.Recorder, d time.Duration) {
	if c, ok := svc.(target.Clock); ok {
		c.Advance(d)
		r.Evidence("clock", "advanced the service's clock by "+d.String())
		return
	}
	r.Evidence("clock", "waited "+d.String()+" of real time (external target)")
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func is4xx(status int) bool { return status >= 400 && status < 500 }

func describeRequest(q *sender.RecordedRequest) string {
	var b strings.Builder
	path := q.URL
	if u, err := url.Parse(q.URL); err == nil {
		path = u.Path
	}
	fmt.Fprintf(&b, "%s %s\n", q.Method, cut(path, 60))
	for _, k := range []string{"TTL", "Urgency", "Topic", "Content-Encoding", "Encryption", "Crypto-Key", "Prefer", "Link", "Authorization"} {
		for _, v := range q.Header.Values(k) {
			if k == "Authorization" {
				v = graders.RedactAuth(v)
			}
			fmt.Fprintf(&b, "%s: %s\n", k, cut(v, 200))
		}
	}
	fmt.Fprintf(&b, "(body %d octets)", len(q.Body))
	return b.String()
}

func describeResponse(res *sender.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s\n", res.Status, http.StatusText(res.Status))
	for _, k := range []string{"Location", "TTL", "Link", "Retry-After", "WWW-Authenticate", "Content-Type"} {
		for _, v := range res.Header.Values(k) {
			fmt.Fprintf(&b, "%s: %s\n", k, cut(v, 200))
		}
	}
	b.WriteString(cut(string(res.Body), 500))
	return strings.TrimRight(b.String(), "\n")
}

func describeReceived(got *target.Received) string {
	s := fmt.Sprintf("payload %q, encoding %q, attempt %d, message %s", cut(string(got.Payload), 80), got.Encoding, got.Attempt, cut(got.MessageID, 16))
	if got.Err != "" {
		s += ", decryption error: " + got.Err
	}
	if got.LinkVisible {
		s += fmt.Sprintf("\nforwarded: %v", got.Forwarded)
		if got.Raw != "" {
			s += "\nframe: " + cut(got.Raw, 300)
		}
	}
	return s
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
