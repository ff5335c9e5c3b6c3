package conformance

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/pushspec/pushspec/rules"
)

// Report entry names. The reports package looks for exactly these.
const (
	ResultEntry = "pushspec.result"
	TargetEntry = "pushspec.target"
)

// Target kinds.
const (
	KindUserAgent   = "user-agent"
	KindPushService = "push-service"
	KindSender      = "sender"
)

// MaxEvidence is the largest evidence value kept, in bytes; longer values are cut and say so.
// Evidence ends up in results.json and index.html, where a whole wire log per cell would drown
// the report (OCI conformance truncates bodies for the same reason).
const MaxEvidence = 8 << 10

// Target is what a spec checks: a browser, a push service, a sender.
type Target struct {
	ID      string `json:"id"`   // "firefox", "chromium", "virtual-ua", "fake:rfc", "sender:webpush-go"
	Kind    string `json:"kind"` // KindUserAgent, KindPushService or KindSender
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Result is one rule decided once against one target: the value of a "pushspec.result" report
// entry, decoded by the reports package from ReportEntry.Value.AsJSON. Keep the shape.
type Result struct {
	Rule       string            `json:"rule"`
	Target     string            `json:"target"`
	Outcome    rules.Outcome     `json:"outcome"`
	Message    string            `json:"message"`
	Evidence   map[string]string `json:"evidence,omitempty"`
	DurationMS int64             `json:"duration_ms"`
}

// Strict makes a broken SHOULD fail its ginkgo spec (the outcome stays non-strict). It starts
// from PUSHSPEC_STRICT ("1" or "true"); the environment is read again at grading time, so either
// switch turns strict mode on.
var Strict = envStrict()

func envStrict() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("PUSHSPEC_STRICT")))
	return v == "1" || v == "true"
}

func strict() bool { return Strict || envStrict() }

// failsSpec reports whether a broken rule with outcome o fails the ginkgo spec: fail always,
// non-strict in strict mode, info never.
func failsSpec(o rules.Outcome) bool {
	return o == rules.Fail || (o == rules.NonStrict && strict())
}

// Recorder collects evidence and extra verdicts within one spec. The body receives it; its
// methods may be called from any goroutine.
type Recorder struct {
	rule   rules.Rule
	target Target
	start  time.Time

	mu          sync.Mutex
	evidence    map[string]string
	also        []rules.Rule
	observed    []Result
	skipReason  string
	infoReason  string
	harnessErr  error
	intercepted error // the first gomega failure of a non-strict rule, caught instead of failing
}

// Evidence records what the spec sent, saw or got back, under key. It redacts nothing itself:
// callers pass values with keys, auth secrets and JWT signatures already masked. Values longer
// than MaxEvidence bytes are cut, and the cut value says how long the original was.
func (r *Recorder) Evidence(key, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evidence[key] = truncate(value)
}

// Observe records an info result for another rule, seen in passing (a status code a MAY allows,
// a header a vendor adds). It never fails the spec and is kept whatever the spec's outcome.
//
// A rule not in the catalogue panics, which grades the spec error.
func (r *Recorder) Observe(rule rules.Rule, message string) {
	rules.MustBeCatalogued(rule)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observed = append(r.observed, Result{Rule: rule.ID, Target: r.target.ID, Outcome: rules.Info, Message: message})
}

// Also declares that the spec's assertions decide rule as well: it gets its own result, graded
// by its own level. Call it before the first assertion — a failing MUST assertion ends the body,
// and an Also after it is never reached. A rule not in the catalogue panics, which grades the
// spec error.
func (r *Recorder) Also(rule rules.Rule) {
	rules.MustBeCatalogued(rule)
	r.mu.Lock()
	defer r.mu.Unlock()
	if rule.ID == r.rule.ID {
		return
	}
	for _, a := range r.also {
		if a.ID == rule.ID {
			return
		}
	}
	r.also = append(r.also, rule)
}

// current is the recorder of the running conformance spec, for SkipBecause and HarnessError.
// Ginkgo runs one spec at a time per process (parallelism is across processes), so one
// variable suffices.
var (
	currentMu sync.Mutex
	current   *Recorder
)

func setCurrent(r *Recorder) { currentMu.Lock(); current = r; currentMu.Unlock() }

func getCurrent() *Recorder { currentMu.Lock(); defer currentMu.Unlock(); return current }

// SkipBecause records why the rule could not be checked (unsupported by the target, disabled by
// configuration, needs network) and skips the spec. The outcome is skip with reason as message.
// Outside a conformance.It body (in a BeforeEach, say) it skips all the same, and Results takes
// the reason from the spec's report.
func SkipBecause(reason string) {
	if r := getCurrent(); r != nil {
		r.mu.Lock()
		r.skipReason = reason
		r.mu.Unlock()
	}
	ginkgo.Skip(reason, 1)
}

// InfoBecause ends the spec with an info outcome for its rules, reason as message: the check ran,
// but what it could see does not decide the rule either way (a rate limit above what pushspec
// sends, where the specification sets no rate). Unlike SkipBecause, the target was exercised;
// unlike a broken rule, nothing was found wrong. The ginkgo spec is skipped (it neither passes
// nor fails).
func InfoBecause(reason string) {
	if r := getCurrent(); r != nil {
		r.mu.Lock()
		r.infoReason = reason
		r.mu.Unlock()
	}
	ginkgo.Skip(reason, 1)
}

// harnessPrefix starts the failure message of a harness error, so that Results can tell one
// from a broken rule even for a spec whose body never ran.
const harnessPrefix = "harness error: "

// HarnessError reports that pushspec itself broke (a fixture did not start, a browser crashed, a
// file could not be written) — not the target. The outcome is error, and the ginkgo spec fails
// so that a broken harness is never mistaken for a passing run. A nil err does nothing.
func HarnessError(err error) {
	if err == nil {
		return
	}
	if r := getCurrent(); r != nil {
		r.mu.Lock()
		if r.harnessErr == nil {
			r.harnessErr = err
		}
		r.mu.Unlock()
	}
	ginkgo.Fail(harnessPrefix+err.Error(), 1)
}

// HealthCheck is asked, as each conformance spec ends, whether the harness stayed whole while
// the spec ran (since start): the browser it drove still there, say. A non-nil error means the
// spec's check could not be made: every rule it decides is an error with that message, whatever
// its assertions said — a failed wait on a dead browser is no failure of the target, and a
// passing "nothing happened" check on a dead browser proves nothing.
type HealthCheck func(target Target, start time.Time) error

var (
	healthMu     sync.Mutex
	healthChecks = map[int]HealthCheck{}
	healthNext   int
)

// RegisterHealthCheck adds fn to the checks every conformance spec's end consults (a suite
// registers its Env's in BeforeSuite). The returned func removes it.
func RegisterHealthCheck(fn HealthCheck) (unregister func()) {
	healthMu.Lock()
	defer healthMu.Unlock()
	id := healthNext
	healthNext++
	healthChecks[id] = fn
	return func() {
		healthMu.Lock()
		defer healthMu.Unlock()
		delete(healthChecks, id)
	}
}

// unhealthy runs the registered health checks; the first error wins.
func unhealthy(target Target, start time.Time) error {
	healthMu.Lock()
	ids := make([]int, 0, len(healthChecks))
	for id := range healthChecks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	fns := make([]HealthCheck, 0, len(ids))
	for _, id := range ids {
		fns = append(fns, healthChecks[id])
	}
	healthMu.Unlock()
	for _, fn := range fns {
		if err := fn(target, start); err != nil {
			return err
		}
	}
	return nil
}

// orderedSkip is how ginkgo says it skipped a spec because an earlier spec (or the BeforeAll)
// of its ordered container failed.
const orderedSkip = "an earlier spec in an ordered container failed"

// ReportNotRunAfterHarnessError registers, at the top level of a suite, a ReportAfterEach that
// grades as error the conformance specs ginkgo skipped because an earlier spec of their ordered
// container broke on a harness error (a BeforeAll whose browser went away, say): their checks
// were not made, and the message says why. After a target's failure they stay skipped.
func ReportNotRunAfterHarnessError() bool {
	// An ordered container's specs run one after another in one process, so an ordered skip
	// follows its container's failure, or other ordered skips of the same container.
	var mu sync.Mutex
	why := "" // the harness error of the last spec, while only ordered skips followed it
	ginkgo.ReportAfterEach(func(rep types.SpecReport) {
		mu.Lock()
		defer mu.Unlock()
		msg := rep.Failure.Message
		switch {
		case rep.State.Is(types.SpecStateFailureStates) && strings.HasPrefix(msg, harnessPrefix):
			why = msg
		case rep.State == types.SpecStateSkipped && strings.Contains(msg, orderedSkip):
			if why != "" {
				addNotRun(rep, "not run: an earlier step of its ordered container broke — "+why)
			}
		default:
			why = ""
		}
	})
	return true
}

// addNotRun records an error result for each rule of a spec whose body never ran, from the
// labels It put on it.
func addNotRun(rep types.SpecReport, msg string) {
	target := ""
	var ids []string
	for _, l := range rep.Labels() {
		if id, ok := strings.CutPrefix(l, "target:"); ok {
			target = id
		} else if _, ok := rules.ByID(l); ok {
			ids = append(ids, l)
		}
	}
	if target == "" || len(ids) == 0 {
		return
	}
	ginkgo.AddReportEntry(TargetEntry, Identified(Target{ID: target}), ginkgo.ReportEntryVisibilityNever)
	for _, id := range ids {
		ginkgo.AddReportEntry(ResultEntry, Result{Rule: id, Target: target, Outcome: rules.Error, Message: msg},
			ginkgo.ReportEntryVisibilityFailureOrVerbose)
	}
}

// It declares a spec that checks rule (and any rule the body adds with Also) against target.
//
// Labels added, besides any decorators passed in args (Label("needs:browser"), SpecTimeout, ...):
// the rule ID, the doc prefix ("rfc8030"), the level with spaces as dashes ("MUST", "MUST-NOT"),
// one "actor:<actor>" per actor, and "target:<id>".
//
// Grading, after the body and its cleanups:
//   - HarnessError called, or a registered HealthCheck says the harness broke while the spec
//     ran (its browser went away) → error (spec fails).
//   - InfoBecause called → info, the reason as message.
//   - skipped (SkipBecause, or ginkgo's Skip) → skip, the reason as message.
//   - the body panicked, or the spec was interrupted, aborted or timed out → error: the harness
//     could not reach a verdict. (Give Eventually its own timeout so that a silent target fails
//     rather than times out.)
//   - a gomega failure in the body → each decided rule's Broken() outcome (MUST → fail, SHOULD →
//     non-strict, MAY → info), the failure as message. The ginkgo spec fails only when some
//     outcome is fail, or non-strict in strict mode. For this, the body of a non-strict rule runs
//     under gomega.InterceptGomegaFailure: assertions must run on the spec goroutine (use
//     Eventually, not assertions in goroutines), and ginkgo.Fail must not be called directly.
//   - a failure after the body passed (an AfterEach or DeferCleanup) → error.
//   - pass otherwise.
//
// Full spec names (containers + text) must be unique per target; a duplicate panics while the
// tree is built, naming both places. The first call freezes the rule catalogue.
func It(text string, target Target, rule rules.Rule, body func(ctx ginkgo.SpecContext, r *Recorder), args ...any) bool {
	freezeOnce.Do(rules.Freeze)
	if err := validate(target, rule); err != nil {
		panic("conformance.It(" + fmt.Sprintf("%q", text) + "): " + err.Error())
	}
	loc := types.NewCodeLocation(1)
	if err := names.add(fullName(text), target.ID, loc); err != nil {
		panic("conformance.It: " + err.Error())
	}

	labels := Labels(rule, target)
	decorators := append([]any{ginkgo.Offset(1), ginkgo.Label(labels...)}, args...)
	decorators = append(decorators, func(ctx ginkgo.SpecContext) {
		run(ctx, target, rule, body)
	})
	return ginkgo.It(text, decorators...)
}

var freezeOnce sync.Once

func validate(target Target, rule rules.Rule) error {
	if reg, ok := rules.ByID(rule.ID); !ok {
		return fmt.Errorf("rule %q is not in the catalogue", rule.ID)
	} else if reg != rule {
		return fmt.Errorf("rule %q differs from its declaration in the catalogue", rule.ID)
	}
	if target.ID == "" {
		return errors.New("target has no ID")
	}
	switch target.Kind {
	case KindUserAgent, KindPushService, KindSender:
	default:
		return fmt.Errorf("target %q: kind %q is not %s, %s or %s", target.ID, target.Kind, KindUserAgent, KindPushService, KindSender)
	}
	return nil
}

// Labels returns the ginkgo labels It puts on a spec for rule and target.
func Labels(rule rules.Rule, target Target) []string {
	l := []string{rule.ID, rule.Doc.Prefix(), strings.ReplaceAll(string(rule.Level), " ", "-")}
	for _, a := range []rules.Actor{rules.AppServer, rules.PushService, rules.UserAgent} {
		if rule.Actor&a != 0 {
			l = append(l, "actor:"+a.String())
		}
	}
	return append(l, "target:"+labelSafe(target.ID))
}

// labelSafe replaces the characters ginkgo refuses in labels ("&|!,()/"), which a target ID
// such as "autopush=ws://host/" could carry.
func labelSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("&|!,()/", r) {
			return '_'
		}
		return r
	}, s)
}

// run is the body ginkgo runs for a conformance spec.
func run(ctx ginkgo.SpecContext, target Target, rule rules.Rule, body func(ginkgo.SpecContext, *Recorder)) {
	rec := &Recorder{rule: rule, target: target, start: time.Now(), evidence: map[string]string{}}
	setCurrent(rec)
	// Registered first, so it runs last: after the body, AfterEach nodes and the body's own
	// cleanups, when CurrentSpecReport shows how the spec ended.
	ginkgo.DeferCleanup(func() {
		setCurrent(nil)
		lost := unhealthy(target, rec.start)
		if lost != nil {
			rec.mu.Lock()
			if rec.harnessErr == nil {
				rec.harnessErr = lost
			}
			rec.mu.Unlock()
		}
		ginkgo.AddReportEntry(TargetEntry, Identified(target), ginkgo.ReportEntryVisibilityNever)
		for _, res := range rec.grade(ginkgo.CurrentSpecReport()) {
			ginkgo.AddReportEntry(ResultEntry, res, ginkgo.ReportEntryVisibilityFailureOrVerbose)
		}
		if lost != nil && ginkgo.CurrentSpecReport().State == types.SpecStatePassed {
			// As HarnessError: a broken harness is never mistaken for a passing run.
			ginkgo.Fail(harnessPrefix+lost.Error(), 1)
		}
	})

	specText := ginkgo.CurrentSpecReport().FullText()
	_, known := KnownDeviationIn(target.ID, rule.ID, specText)
	if failsSpec(rule.Broken()) && !known {
		// A failure fails the spec anyway: let gomega report it directly, with its location.
		body(ctx, rec)
		return
	}
	err := gomega.InterceptGomegaFailure(func() { body(ctx, rec) })
	if err == nil {
		return
	}
	rec.mu.Lock()
	rec.intercepted = err
	mustFail := false
	for _, r := range rec.decided() {
		if _, known := KnownDeviationIn(target.ID, r.ID, specText); !known {
			mustFail = mustFail || failsSpec(r.Broken())
		}
	}
	rec.mu.Unlock()
	if mustFail {
		// An Also rule fails the spec (a MUST, or a SHOULD in strict mode): the same failure
		// breaks it.
		ginkgo.Fail(err.Error())
	}
}

// plain is the one-sentence message of a failed assertion; the assertion's full text, when it
// says more, is kept in the evidence (and in ginkgo's raw log). Callers hold r.mu.
func (r *Recorder) plain(raw string) string {
	msg := plainMessage(raw)
	if msg != strings.TrimSpace(raw) {
		r.evidence[EvidenceAssertion] = truncate(raw)
	}
	return msg
}

// decided is the spec's own rule followed by its Also rules. Callers hold r.mu.
func (r *Recorder) decided() []rules.Rule { return append([]rules.Rule{r.rule}, r.also...) }

// grade turns how the spec ended into one Result per decided rule, plus the observations.
func (r *Recorder) grade(spec types.SpecReport) []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	var outcome func(rules.Rule) rules.Outcome
	var msg string
	fixed := func(o rules.Outcome) func(rules.Rule) rules.Outcome {
		return func(rules.Rule) rules.Outcome { return o }
	}
	broken := func(rl rules.Rule) rules.Outcome { return rl.Broken() }
	switch {
	case r.harnessErr != nil:
		outcome, msg = fixed(rules.Error), harnessPrefix+r.harnessErr.Error()
	case r.infoReason != "":
		outcome, msg = fixed(rules.Info), r.infoReason
	case r.skipReason != "" || spec.State == types.SpecStateSkipped:
		outcome, msg = fixed(rules.Skip), r.skipReason
		if msg == "" {
			msg = spec.Failure.Message
		}
	case spec.State == types.SpecStatePanicked:
		outcome, msg = fixed(rules.Error), "the spec panicked: "+spec.Failure.ForwardedPanic
	case spec.State.Is(types.SpecStateInterrupted | types.SpecStateAborted | types.SpecStateTimedout):
		outcome, msg = fixed(rules.Error), "no verdict, the spec was "+spec.State.String()+": "+spec.Failure.Message
	case r.intercepted != nil:
		outcome, msg = broken, r.plain(r.intercepted.Error())
	case spec.State == types.SpecStateFailed && spec.Failure.FailureNodeType == types.NodeTypeIt:
		outcome, msg = broken, r.plain(spec.Failure.Message)
	case spec.State.Is(types.SpecStateFailureStates):
		outcome, msg = fixed(rules.Error), "failed after the check, in "+spec.Failure.FailureNodeType.String()+": "+spec.Failure.Message
	default:
		outcome = fixed(rules.Pass)
	}

	dur := time.Since(r.start).Milliseconds()
	var out []Result
	for _, rl := range r.decided() {
		res := Result{Rule: rl.ID, Target: r.target.ID, Outcome: outcome(rl), Message: msg,
			Evidence: copyMap(r.evidence), DurationMS: dur}
		if d, known := KnownDeviationIn(r.target.ID, rl.ID, spec.FullText()); known {
			if res.Evidence == nil {
				res.Evidence = map[string]string{}
			}
			switch res.Outcome {
			case rules.Fail, rules.NonStrict:
				res.Message = "known deviation (reviewed): " + d.Reason + " — " + res.Message
				res.Evidence[EvidenceKnownDeviation] = d.Reason
			case rules.Pass:
				res.Message = "listed as a known deviation but the check passed: remove it from conformance.KnownDeviations"
				res.Evidence[EvidenceKnownDeviation] = "stale: " + d.Reason
			}
		}
		out = append(out, res)
	}
	for _, o := range r.observed {
		o.Evidence, o.DurationMS = copyMap(r.evidence), dur
		out = append(out, o)
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func truncate(v string) string {
	if len(v) <= MaxEvidence {
		return v
	}
	cut := MaxEvidence
	// Do not split a UTF-8 sequence.
	for cut > 0 && v[cut]&0xC0 == 0x80 {
		cut--
	}
	return v[:cut] + fmt.Sprintf("\n… [truncated by pushspec: %d of %d bytes kept]", cut, len(v))
}

// fullName is the spec's full text as ginkgo reports it: container texts and the It text,
// joined by spaces.
func fullName(text string) string {
	var containers []string
	func() {
		// A top-level It (outside any container) has no construction report; ginkgo panics.
		defer func() { _ = recover() }()
		containers = ginkgo.CurrentTreeConstructionNodeReport().ContainerHierarchyTexts
	}()
	return strings.Join(append(append([]string{}, containers...), text), " ")
}

// nameSet remembers where each (full name, target) was declared.
type nameSet struct {
	mu   sync.Mutex
	seen map[string]types.CodeLocation
}

var names = &nameSet{seen: map[string]types.CodeLocation{}}

func (n *nameSet) add(full, target string, loc types.CodeLocation) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	key := full + "\x00" + target
	if first, dup := n.seen[key]; dup {
		return fmt.Errorf("duplicate spec name %q for target %q at %s; first declared at %s", full, target, loc, first)
	}
	n.seen[key] = loc
	return nil
}

// CheckUniqueNames checks a finished report (one run, or several merged) for conformance specs
// that share a full name and a target, and names every location of each duplicate. Specs
// without a pushspec.target entry are compared by name alone.
func CheckUniqueNames(report types.Report) error {
	where := map[string][]string{}
	for _, s := range report.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		key := s.FullText()
		if t, ok := targetOf(s); ok {
			key += " [target " + t.ID + "]"
		}
		where[key] = append(where[key], s.LeafNodeLocation.String())
	}
	var dups []string
	for k, locs := range where {
		if len(locs) > 1 {
			dups = append(dups, fmt.Sprintf("%q at %s", k, strings.Join(locs, ", ")))
		}
	}
	if len(dups) == 0 {
		return nil
	}
	sort.Strings(dups)
	return fmt.Errorf("duplicate spec names:\n%s", strings.Join(dups, "\n"))
}
