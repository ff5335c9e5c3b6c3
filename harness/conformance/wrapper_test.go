package conformance_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

// runInner re-executes this test binary on TestInnerSuite (suite_test.go) with the given extra
// environment and returns the ginkgo report it wrote. The sub-process fails (some inner specs
// fail on purpose); only a missing report is an error.
func runInner(t *testing.T, env ...string) types.Report {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestInnerSuite$", "-ginkgo.json-report="+path, "-ginkgo.no-color")
	cmd.Env = append(append(os.Environ(), innerSuiteEnv+"=1", "PUSHSPEC_STRICT="), env...)
	out, err := cmd.CombinedOutput()
	data, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatalf("inner suite wrote no report (exit: %v): %v\n%s", err, rerr, out)
	}
	if err == nil {
		t.Fatalf("inner suite passed, but some of its specs fail on purpose:\n%s", out)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("decoding %s: %v (%d reports)", path, err, len(reports))
	}
	return reports[0]
}

// spec finds the spec with that full text and target label.
func spec(t *testing.T, report types.Report, fullText, target string) types.SpecReport {
	t.Helper()
	for _, s := range report.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt && s.FullText() == fullText && slices.Contains(s.Labels(), "target:"+target) {
			return s
		}
	}
	t.Fatalf("no spec %q for target %s in the report", fullText, target)
	return types.SpecReport{}
}

// want is the expected end of one inner spec.
type want struct {
	name     string
	target   string
	state    types.SpecState
	outcomes map[string]rules.Outcome // rule ID → outcome
	message  string                   // substring of every non-info result's message
}

func check(t *testing.T, report types.Report, w want) []conformance.Result {
	t.Helper()
	if w.target == "" {
		w.target = "fake:rfc"
	}
	s := spec(t, report, "wrapper "+w.name, w.target)
	if s.State != w.state {
		t.Errorf("%q: ginkgo state %s, want %s (failure: %s)", w.name, s.State, w.state, s.Failure.Message)
	}
	results, target, ok, err := conformance.Results(s)
	if err != nil || !ok {
		t.Fatalf("%q: Results: ok=%v err=%v", w.name, ok, err)
	}
	if target.ID != w.target {
		t.Errorf("%q: target %q, want %q", w.name, target.ID, w.target)
	}
	got := map[string]rules.Outcome{}
	for _, r := range results {
		if _, dup := got[r.Rule]; dup {
			t.Errorf("%q: two results for %s", w.name, r.Rule)
		}
		got[r.Rule] = r.Outcome
		if r.Target != w.target {
			t.Errorf("%q: result for %s names target %q", w.name, r.Rule, r.Target)
		}
		if r.Outcome != rules.Info && !strings.Contains(r.Message, w.message) {
			t.Errorf("%q: %s message %q does not contain %q", w.name, r.Rule, r.Message, w.message)
		}
	}
	if len(got) != len(w.outcomes) {
		t.Errorf("%q: outcomes %v, want %v", w.name, got, w.outcomes)
	}
	for id, o := range w.outcomes {
		if got[id] != o {
			t.Errorf("%q: %s outcome %q, want %q", w.name, id, got[id], o)
		}
	}
	return results
}

func TestWrapper(t *testing.T) {
	if os.Getenv(innerSuiteEnv) == "1" {
		t.Skip("inside the inner suite")
	}
	report := runInner(t)
	if err := conformance.CheckUniqueNames(report); err != nil {
		t.Errorf("CheckUniqueNames on the inner report: %v", err)
	}

	must, should, may := rules.TTLMissing400.ID, rules.TTL31Bit.ID, rules.Over4096May413.ID
	passed := check(t, report, want{name: "passes", state: types.SpecStatePassed,
		outcomes: map[string]rules.Outcome{must: rules.Pass, rules.TTLShorterRetention.ID: rules.Info}})
	check(t, report, want{name: "passes", target: "chromium", state: types.SpecStatePassed,
		outcomes: map[string]rules.Outcome{rules.PMDJSON.ID: rules.Pass}})
	// A target identified after the tree was built reports its name and version.
	if _, tgt, _, _ := conformance.Results(spec(t, report, "wrapper passes", "late")); tgt.Name != "Late Browser" || tgt.Version != "42.0.1" {
		t.Errorf("identified target reported as %+v, want name Late Browser, version 42.0.1", tgt)
	}
	// A declared version is kept.
	if _, tgt, _, _ := conformance.Results(spec(t, report, "wrapper passes", "fake:rfc")); tgt.Version != "test" {
		t.Errorf("declared target reported as %+v, want version test", tgt)
	}
	check(t, report, want{name: "finds the catalogue frozen", state: types.SpecStatePassed,
		outcomes: map[string]rules.Outcome{must: rules.Pass}})
	// An observation survives the spec's failure, as info.
	check(t, report, want{name: "breaks a MUST", state: types.SpecStateFailed, message: "status for a request without TTL",
		outcomes: map[string]rules.Outcome{must: rules.Fail, rules.Accepted201Location.ID: rules.Info}})
	// The point of the wrapper: a broken SHOULD is reported, and the spec still passes.
	broken := check(t, report, want{name: "breaks a SHOULD", state: types.SpecStatePassed, message: "status for TTL: 2147483647",
		outcomes: map[string]rules.Outcome{should: rules.NonStrict}})
	check(t, report, want{name: "breaks a MAY", state: types.SpecStatePassed, message: "status for a 5000-byte body",
		outcomes: map[string]rules.Outcome{may: rules.Info}})
	check(t, report, want{name: "breaks a SHOULD and, with it, a MUST", state: types.SpecStateFailed, message: "99999999999999999999",
		outcomes: map[string]rules.Outcome{should: rules.NonStrict, rules.TTLOverflowAs2Pow31.ID: rules.Fail}})
	check(t, report, want{name: "skips", state: types.SpecStateSkipped, message: "unsupported: the target has no control API",
		outcomes: map[string]rules.Outcome{must: rules.Skip}})
	check(t, report, want{name: "cannot decide", state: types.SpecStateSkipped, message: "no limit seen below that",
		outcomes: map[string]rules.Outcome{should: rules.Info}})
	check(t, report, want{name: "breaks the harness", state: types.SpecStateFailed, message: "harness error: fixture did not start",
		outcomes: map[string]rules.Outcome{should: rules.Error}})
	check(t, report, want{name: "panics", state: types.SpecStatePanicked, message: "panicked",
		outcomes: map[string]rules.Outcome{must: rules.Error}})
	big := check(t, report, want{name: "keeps evidence small", state: types.SpecStatePassed,
		outcomes: map[string]rules.Outcome{must: rules.Pass}})
	check(t, report, want{name: "breaks in its own cleanup", state: types.SpecStateFailed, message: "teardown broke",
		outcomes: map[string]rules.Outcome{must: rules.Error}})
	check(t, report, want{name: "when a BeforeEach skips never runs its body", state: types.SpecStateSkipped, message: "needs network",
		outcomes: map[string]rules.Outcome{must: rules.Skip}})
	check(t, report, want{name: "when a BeforeEach breaks the harness never runs its body", state: types.SpecStateFailed, message: "harness error: no browser",
		outcomes: map[string]rules.Outcome{must: rules.Error}})

	// A health check that reports the target's browser gone turns both a failed and a passed
	// check into an error naming the cause, and fails the ginkgo spec.
	check(t, report, want{name: "loses its browser while waiting", target: "lostua", state: types.SpecStateFailed,
		message:  "harness error: the lostua browser (pid 4242) went away at 12:00:00.000: its process ended: signal: killed",
		outcomes: map[string]rules.Outcome{rules.PushEventFired.ID: rules.Error}})
	check(t, report, want{name: "passes while its browser dies", target: "lostua", state: types.SpecStateFailed,
		message: "harness error: the lostua browser (pid 4242) went away", outcomes: map[string]rules.Outcome{rules.PushEventFired.ID: rules.Error}})

	// An ordered container whose set-up broke on a harness error: the checks it then skipped
	// were not made, an error naming why; after a target's failure they stay skipped.
	check(t, report, want{name: "when an ordered container's BeforeAll loses its browser has its first check fail in the set-up", target: "chromium",
		state: types.SpecStateFailed, message: "harness error: the lostua browser (pid 4242) went away",
		outcomes: map[string]rules.Outcome{rules.PMDJSON.ID: rules.Error}})
	check(t, report, want{name: "when an ordered container's BeforeAll loses its browser never makes its second check", target: "chromium",
		state: types.SpecStateSkipped, message: "not run: an earlier step of its ordered container broke — harness error: the lostua browser (pid 4242) went away",
		outcomes: map[string]rules.Outcome{rules.PMDTextUTF8.ID: rules.Error}})
	check(t, report, want{name: "when an ordered container's first check fails the target skips the next check", target: "chromium",
		state: types.SpecStateSkipped, message: "an earlier spec in an ordered container failed",
		outcomes: map[string]rules.Outcome{rules.PMDTextUTF8.ID: rules.Skip}})

	// A reviewed deviation keeps its fail outcome (the report tells the truth) but does not fail
	// the spec; an entry whose check passes is flagged as stale.
	known := check(t, report, want{name: "breaks a MUST it is known to break", target: "deviant", state: types.SpecStatePassed,
		message: "known deviation (reviewed): answers 201", outcomes: map[string]rules.Outcome{must: rules.Fail}})
	if known[0].Evidence[conformance.EvidenceKnownDeviation] == "" {
		t.Errorf("known deviation not marked in evidence: %v", known[0].Evidence)
	}
	stale := check(t, report, want{name: "passes a check listed as a known deviation", target: "deviant", state: types.SpecStatePassed,
		message: "remove it", outcomes: map[string]rules.Outcome{must: rules.Pass}})
	if !strings.HasPrefix(stale[0].Evidence[conformance.EvidenceKnownDeviation], "stale: ") {
		t.Errorf("stale deviation not marked: %v", stale[0].Evidence)
	}

	// A deviation narrowed to some specs of a rule covers those only: the rule's other specs are
	// graded as usual, and not flagged stale when they pass.
	check(t, report, want{name: "breaks a MUST on a retry, where its deviation is known", target: "narrowed", state: types.SpecStatePassed,
		message: "known deviation (reviewed): answers 201 to a retried request", outcomes: map[string]rules.Outcome{must: rules.Fail}})
	other := check(t, report, want{name: "passes another check of the rule its deviation is known for", target: "narrowed", state: types.SpecStatePassed,
		outcomes: map[string]rules.Outcome{must: rules.Pass}})
	if ev := other[0].Evidence[conformance.EvidenceKnownDeviation]; ev != "" || other[0].Message != "" {
		t.Errorf("a pass outside the narrowed deviation is marked %q: %q", ev, other[0].Message)
	}
	unnamed := check(t, report, want{name: "breaks the rule in a check its deviation does not name", target: "narrowed", state: types.SpecStateFailed,
		message: "status for a request without TTL", outcomes: map[string]rules.Outcome{must: rules.Fail}})
	if strings.Contains(unnamed[0].Message, "known deviation") {
		t.Errorf("a failure outside the narrowed deviation is excused: %q", unnamed[0].Message)
	}

	t.Run("evidence", func(t *testing.T) {
		for _, r := range passed {
			if r.Evidence["status"] != "400 Bad Request" {
				t.Errorf("%s: evidence %v", r.Rule, r.Evidence)
			}
		}
		if _, ok := broken[0].Evidence["not reached"]; ok {
			t.Error("the body went on after a failed SHOULD assertion")
		}
		v := big[0].Evidence["big"]
		if i := strings.Index(v, "\n… [truncated"); i < 0 || i > conformance.MaxEvidence || strings.Trim(v[:i], "a") != "" {
			t.Errorf("big evidence not truncated with a note: %d bytes, ends %q", len(v), v[max(0, len(v)-60):])
		}
	})

	t.Run("labels and target entry", func(t *testing.T) {
		s := spec(t, report, "wrapper passes", "fake:rfc")
		for _, l := range []string{must, "rfc8030", "MUST", "actor:push-service", "target:fake:rfc", "needs:nothing"} {
			if !slices.Contains(s.Labels(), l) {
				t.Errorf("label %q missing from %v", l, s.Labels())
			}
		}
		_, target, _, _ := conformance.Results(s)
		if target != fake {
			t.Errorf("pushspec.target entry = %+v, want %+v", target, fake)
		}
		var n int
		for _, e := range s.ReportEntries {
			if e.Name == conformance.ResultEntry {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d %s entries, want 2 (the rule and the observation)", n, conformance.ResultEntry)
		}
	})
}

func TestWrapperStrict(t *testing.T) {
	if os.Getenv(innerSuiteEnv) == "1" {
		t.Skip("inside the inner suite")
	}
	report := runInner(t, "PUSHSPEC_STRICT=1")
	should, may := rules.TTL31Bit.ID, rules.Over4096May413.ID
	// Strict mode fails the spec; the outcome stays non-strict, so reports still say "SHOULD".
	check(t, report, want{name: "breaks a SHOULD", state: types.SpecStateFailed, message: "status for TTL: 2147483647",
		outcomes: map[string]rules.Outcome{should: rules.NonStrict}})
	check(t, report, want{name: "breaks a MAY", state: types.SpecStatePassed, message: "status for a 5000-byte body",
		outcomes: map[string]rules.Outcome{may: rules.Info}})
	check(t, report, want{name: "cannot decide", state: types.SpecStateSkipped, message: "no limit seen below that",
		outcomes: map[string]rules.Outcome{should: rules.Info}})
	check(t, report, want{name: "breaks the harness", state: types.SpecStateFailed, message: "harness error: fixture did not start",
		outcomes: map[string]rules.Outcome{should: rules.Error}})
}
