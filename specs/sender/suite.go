// Package sender is the sender suite: the application server under test (PUSHSPEC_SENDER:
// webpush-go by default, the npm web-push library, or any program through PUSHSPEC_SENDER_CMD)
// sends to pushspec's in-process push service over HTTPS, which grades every request per rule
// and decrypts it with its virtual user agent's keys. Each spec fetches the verdict of one rule
// for one of the sender's requests and reports it against the sender target.
//
// Failures seen in the wild (docs/push-services.md §4) have their own specs: padding to 4096
// (Mozilla's bridge limit), mailto:mailto:, a missing sub against the apple profile, TTL 0
// against the wns profile, a default exp too close to 24 h for a service whose clock lags, 404
// and 410 for a gone subscription, WNS's 406 throttling, an Apple-undecodable Topic.
package sender

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

var (
	cfg, cfgErr = config.FromEnv()
	tgt         = senderTarget(cfg)

	// services, by name: "rfc", "apple", "wns", "autopush" (410 for a gone subscription),
	// "rfc-lagging" (clock 2 minutes behind) and "rfc-202" (accepts with 202, as old autopush did
	// for stored messages).
	services   = map[string]*target.Fake{}
	vapidKeys  *webpush.VAPIDKeys
	vapidCreds *sender.VAPID
)

// subject is the contact the suite configures; libraries differ in what they expect (webpush-go
// takes a bare address and prefixes mailto: itself, web-push takes the URI).
const subject = "mailto:pushspec@example.com"

// senderTarget is the sender under test as a report target: "sender:<PUSHSPEC_SENDER_NAME>"
// when a name is given (so that several command senders' reports merge without colliding),
// else "sender:<kind>".
func senderTarget(c config.Config) conformance.Target {
	t := conformance.Target{ID: c.SenderTargetID(), Kind: conformance.KindSender, Name: c.Sender, Version: sender.Version(c.Sender, c.SenderVersion)}
	switch c.Sender {
	case "web-push":
		t.Name = "web-push (npm)"
	case "cmd":
		t.Name = "command: " + c.SenderCmd
	}
	if c.SenderName != "" {
		t.Name = c.SenderName
	}
	return t
}

// suite names the suite for RunSpecs, or says why it cannot run.
func suite() (string, error) { return "sender suite (" + tgt.ID + ")", cfgErr }

var _ = beforeSuite(func() {
	startEnvEarly()
	// A browser that goes away mid-check: that check is an error naming how it went, not the
	// target's failure; the browser's Env restarts it for the rest of the run.
	DeferCleanup(conformance.RegisterHealthCheck(envs.HealthCheck))
	var err error
	vapidKeys, err = webpush.NewVAPIDKeys()
	conformance.HarnessError(err)
	vapidCreds = &sender.VAPID{Public: webpush.Base64URL(vapidKeys.Public()), Private: webpush.Base64URL(vapidKeys.PrivateBytes()), Subject: subject}
	for name, o := range map[string]target.FakeOptions{
		"rfc":         {Profile: "rfc", HTTPSEndpoints: true},
		"apple":       {Profile: "apple", HTTPSEndpoints: true},
		"wns":         {Profile: "wns", HTTPSEndpoints: true},
		"autopush":    {Profile: "autopush", HTTPSEndpoints: true},
		"rfc-lagging": {Profile: "rfc", HTTPSEndpoints: true, ClockSkew: -2 * time.Minute},
		"rfc-202":     {Profile: "rfc", HTTPSEndpoints: true, AcceptedStatus: 202},
	} {
		f, err := target.NewFake(o)
		Expect(err).NotTo(HaveOccurred(), "starting the push service (%s)", name)
		services[name] = f
	}
	// Closed together: each HTTPS close waits up to a second for HTTP/2 to go away.
	DeferCleanup(func() {
		var wg sync.WaitGroup
		for _, f := range services {
			wg.Add(1)
			go func() { defer wg.Done(); f.Close() }()
		}
		wg.Wait()
	})
	prefetch()
})

// senderFor returns the sender under test, trusting service f's certificate.
func senderFor(f *target.Fake) sender.Sender {
	switch cfg.Sender {
	case "web-push":
		return sender.Node{CAFile: f.CAFile()}
	case "cmd":
		return sender.Command{Cmd: cfg.SenderCmd, CAFile: f.CAFile(), Label: cfg.SenderName}
	}
	return sender.WebpushGo{Client: f.Client()}
}

// exchange is what one send produced: the subscription, the sender's result, and the request
// as the push service recorded and graded it.
type exchange struct {
	svc     *target.Fake
	sub     *target.Subscription
	sent    sender.Message
	result  *sender.Result
	err     error // the sender's own error (it refused, or its process failed)
	request *fakepushservice.Request
}

// scenario sends its messages once, on first use by any spec, and keeps the exchanges; specs
// then read one rule's verdict each. A sender that cannot send fails every spec that needs it.
type scenario struct {
	service string
	build   func(sub *target.Subscription) []sender.Message
	needs   func(sender.Capabilities) string // "" or why the sender cannot express the scenario
	// prepare, when set, puts the fresh subscription in the state the scenario needs (expired,
	// throttled) before anything is sent.
	prepare func(ctx context.Context, f *target.Fake, sub *target.Subscription) error
	// label prefixes the evidence keys ("<label>.exchange.1"), for specs that read several
	// scenarios; "" gives "exchange.1".
	label string

	once      sync.Once
	exchanges []*exchange
	harness   error
}

func (sc *scenario) get(ctx context.Context, r *conformance.Recorder) []*exchange {
	if sc.needs != nil {
		if why := sc.needs(senderFor(services["rfc"]).Capabilities()); why != "" {
			conformance.SkipBecause("unsupported: sender " + tgt.Name + " cannot " + why)
		}
	}
	sc.once.Do(func() { sc.send(ctx) })
	if sc.harness != nil {
		conformance.HarnessError(sc.harness)
	}
	prefix := ""
	if sc.label != "" {
		prefix = sc.label + "."
	}
	for i, ex := range sc.exchanges {
		key := fmt.Sprintf("%sexchange.%d", prefix, i+1)
		r.Evidence(key, exchangeText(ex))
		if ex.result != nil && ex.result.Output != "" {
			r.Evidence(key+".output", outputEvidence(ex.result.Output))
		}
	}
	return sc.exchanges
}

// send subscribes to the scenario's service and sends its messages with the sender under test,
// keeping each exchange. It runs once per scenario (sc.once), from the first spec that reads the
// scenario or from prefetch, whichever comes first.
func (sc *scenario) send(ctx context.Context) {
	f := services[sc.service]
	sub, err := f.Subscribe(ctx, vapidKeys.Public())
	if err != nil {
		sc.harness = err
		return
	}
	if sc.prepare != nil {
		if err := sc.prepare(ctx, f, sub); err != nil {
			sc.harness = err
			return
		}
	}
	for i, m := range sc.build(sub) {
		m.Subscription = sub.Sender()
		ex := &exchange{svc: f, sub: sub, sent: m}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		ex.result, ex.err = senderFor(f).Send(sctx, m)
		cancel()
		if (ex.err == nil || ex.result != nil) && !errors.Is(ex.err, sender.ErrUnsupported) {
			// The service records every request it answered; a sender that failed before
			// sending has none. A sender that failed has seen any answer it got, and the
			// service records a request as it answers it: a short wait suffices then.
			wait := 2 * time.Second
			if ex.err != nil {
				wait = 300 * time.Millisecond
			}
			wctx, cancel := context.WithTimeout(ctx, wait)
			ex.request, _ = f.AwaitRequest(wctx, sub, i+1)
			cancel()
		}
		sc.exchanges = append(sc.exchanges, ex)
	}
}

// prefetch sends every scenario the sender can express in the background, two at a time, while
// the browsers start: a command sender runs one process per message, and sending them one spec
// after the other left the suite waiting on them in turn. Specs still read each scenario through
// get, which waits for its send. Only a whole, single-process run prefetches: under a label
// filter most scenarios may not be needed, and parallel processes each hold their own services.
func prefetch() {
	if suiteConfig, _ := GinkgoConfiguration(); GinkgoLabelFilter() != "" || suiteConfig.ParallelTotal > 1 {
		return
	}
	caps := senderFor(services["rfc"]).Capabilities()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		slots := make(chan struct{}, 2)
		var wg sync.WaitGroup
		for _, sc := range allScenarios {
			if sc.needs != nil && sc.needs(caps) != "" {
				continue
			}
			wg.Add(1)
			slots <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				sc.once.Do(func() { sc.send(ctx) })
			}()
		}
		wg.Wait()
	}()
}

// request returns the i-th (from 0) recorded request; when the sender sent nothing the spec
// ends without a verdict (see needSent).
func (sc *scenario) request(ctx context.Context, r *conformance.Recorder, i int) *fakepushservice.Request {
	exs := sc.get(ctx, r)
	if len(exs) <= i {
		conformance.HarnessError(fmt.Errorf("scenario has %d exchange(s), the spec reads number %d", len(exs), i+1))
	}
	needSent(exs[i])
	return exs[i].request
}

// needSent ends the spec when the sender did not send ex's message, since no rule can be judged
// on a request that was never made: skip when the sender said it cannot send this message
// (sender.ErrUnsupported: a command's exit status 3 or `unsupported: <reason>` line), error
// naming the cause otherwise (its adapter broke, its TLS trust failed, it reported success but
// posted nothing) — never a failure of the rules the request would have been graded on.
func needSent(ex *exchange) {
	if errors.Is(ex.err, sender.ErrUnsupported) {
		conformance.SkipBecause("unsupported: sender " + tgt.Name + " says it cannot send this message: " + unsupportedReason(ex.err))
	}
	if ex.request == nil {
		conformance.HarnessError(fmt.Errorf("the sender sent nothing, so no rule can be judged on this message: %s", cause(ex)))
	}
}

// unsupportedReason is the reason an unsupported sender gave.
func unsupportedReason(err error) string {
	var ue *sender.UnsupportedError
	if errors.As(err, &ue) {
		return ue.Reason
	}
	return err.Error()
}

// cause says why nothing reached the push service, from the sender's own words (their end,
// where errors are).
func cause(ex *exchange) string {
	if ex.err != nil {
		return sender.Tail(ex.err.Error(), 1000)
	}
	return "it reported success, but no request reached the push service"
}

// otherwiseAcceptable ends an interop spec (skip) when service f's profile refuses q for a
// reason other than the ones the interop rule is about (own): the vendor's refusal the rule
// records cannot be told from that other fault, which its own rule grades.
func otherwiseAcceptable(f *target.Fake, q *fakepushservice.Request, own ...fakepushservice.Cond) {
	prof, ok := fakepushservice.LookupProfile(f.Server.Profile)
	if !ok {
		conformance.HarnessError(fmt.Errorf("unknown profile %q", f.Server.Profile))
	}
	var other []string
	for _, c := range q.Conditions {
		if _, answered := prof.Answers[c]; answered && !slices.Contains(own, c) {
			other = append(other, string(c))
		}
	}
	if len(other) > 0 {
		conformance.SkipBecause(fmt.Sprintf("not applicable: the %s profile refuses this request for another reason (%s; answered %d, graded by %s), so what this interop rule records cannot be seen",
			prof.Name, strings.Join(other, ", "), q.Status, q.Rule))
	}
}

// verdicts returns the service's verdicts for rule on q.
func verdicts(q *fakepushservice.Request, rule rules.Rule) []rules.Verdict {
	var out []rules.Verdict
	for _, v := range q.Verdicts {
		if v.Rule == rule.ID {
			out = append(out, v)
		}
	}
	return out
}

// graded declares a spec that reports the push service's verdict of rule on request i of sc:
// pass (or info) passes; a broken verdict breaks the rule at its level.
func graded(text string, rule rules.Rule, sc *scenario, i int) {
	conformance.It(text, tgt, rule, func(ctx SpecContext, r *conformance.Recorder) {
		gradeVerdicts(r, sc.request(ctx, r, i), rule)
	})
}

// gradedInterop is graded for an interop rule: judged only when the scenario's service would
// otherwise accept the request (see otherwiseAcceptable), own being the rule's conditions.
func gradedInterop(text string, rule rules.Rule, sc *scenario, i int, own ...fakepushservice.Cond) {
	conformance.It(text, tgt, rule, func(ctx SpecContext, r *conformance.Recorder) {
		q := sc.request(ctx, r, i)
		otherwiseAcceptable(services[sc.service], q, own...)
		gradeVerdicts(r, q, rule)
	})
}

// gradeVerdicts passes when every verdict of rule on q passes (or is info).
func gradeVerdicts(r *conformance.Recorder, q *fakepushservice.Request, rule rules.Rule) {
	vs := verdicts(q, rule)
	if len(vs) == 0 {
		// The rule does not apply to what the sender sent (no TTL to judge the syntax of,
		// an aesgcm body for an aes128gcm rule): whatever made it so is graded by its own
		// rule (rfc8030-5.2-ttl-required, rfc8291-4-aes128gcm-only).
		conformance.SkipBecause(fmt.Sprintf("not applicable: the push service graded no %s on this request (status %d, conditions %v)", rule.ID, q.Status, q.Conditions))
	}
	for j, v := range vs {
		r.Evidence(fmt.Sprintf("verdict.%d", j+1), fmt.Sprintf("%s %s: %s %v", v.Outcome, v.Rule, v.Message, v.Evidence))
	}
	for _, v := range vs {
		if rule.Level == rules.May {
			// A MAY (the interop notes): an info verdict is the observation itself.
			Expect(v.Outcome).To(Equal(rules.Pass), "%s", v.Message)
			continue
		}
		Expect(v.Outcome).To(BeElementOf(rules.Pass, rules.Info), "%s", v.Message)
	}
}

func exchangeText(ex *exchange) string {
	var b strings.Builder
	if ex.err != nil {
		fmt.Fprintf(&b, "sender error: %s\n", sender.Tail(ex.err.Error(), 1000))
	}
	if ex.result != nil && ex.result.Output != "" {
		b.WriteString("sender output: see the .output evidence\n")
	}
	q := ex.request
	if q == nil {
		b.WriteString("no request reached the push service")
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s (body %d octets)\n", q.Method, cut(q.Path, 40), q.BodySize)
	for _, k := range []string{"TTL", "Urgency", "Topic", "Content-Encoding", "Encryption", "Crypto-Key", "Authorization", "X-WNS-Cache-Policy", "Prefer", "Link"} {
		for _, v := range q.Header.Values(k) {
			if k == "Authorization" {
				v = graders.RedactAuth(v)
			}
			fmt.Fprintf(&b, "%s: %s\n", k, cut(v, 200))
		}
	}
	fmt.Fprintf(&b, "→ %d %s %s", q.Status, q.Answered, cut(q.ResponseBody, 200))
	return b.String()
}

// outputEvidence is a sender's output as evidence: as much as an evidence value holds
// (conformance.MaxEvidence), keeping the end, where errors are printed.
func outputEvidence(out string) string {
	return sender.Tail(out, conformance.MaxEvidence-128)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// msg is a typical message: a short payload, TTL 60, VAPID.
func msg(payload string) sender.Message {
	return sender.Message{Payload: []byte(payload), TTL: 60, VAPID: vapidCreds}
}

var _ = http.StatusCreated
