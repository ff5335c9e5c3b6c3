package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/rules"
)

// TestMain lets this test binary stand in for the pushspec binary: pushspec run starts its own
// executable once per suite with the hidden suite command.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == suiteCommand {
		os.Exit(suiteCmd(context.Background(), os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// maxConsole is what a run may print: the suites' full output goes to the raw directory.
const maxConsole = 64 << 10

// TestRunConsoleStaysSmall runs the push service suite through pushspec run, as a user would
// (the suite in a process of its own), and checks that the console gets the progress, the table
// and the report's path, while the suite's full ginkgo output goes to raw/.
func TestRunConsoleStaysSmall(t *testing.T) {
	if os.Getenv("PUSHSPEC_PUSH_SERVICE") != "" || os.Getenv("PUSHSPEC_PROFILE") != "" {
		t.Skip("the configuration names a push service already; this test runs the in-process one")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code := runCmd(ctx, []string{"--browsers=", "--report-dir", dir, "pushservice"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("pushspec run exited %d; stderr:\n%s\nstdout:\n%s", code, stderr.String(), stdout.String())
	}
	out := stdout.String()
	if len(out) >= maxConsole {
		t.Errorf("the console got %d bytes, want less than %d", len(out), maxConsole)
	}
	for _, want := range []string{"pushservice", "done", "target", "fake:rfc", "pushspec run: "} {
		if !strings.Contains(out, want) {
			t.Errorf("the console lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "report: "+filepath.Join(dir, "index.html") {
		t.Errorf("the last line is %q, want the report's path", last)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("the console is not a terminal but got cursor sequences:\n%q", out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "raw", "pushservice.log"))
	if err != nil {
		t.Fatalf("the suite's raw log: %v", err)
	}
	if !strings.Contains(string(raw), "Ran ") {
		t.Errorf("the raw log has no ginkgo summary:\n%s", tail(string(raw), 2000))
	}
	if len(raw) <= len(out) {
		t.Errorf("the raw log (%d bytes) should hold the full output, more than the console (%d bytes)", len(raw), len(out))
	}
	for _, f := range []string{"results.json", "junit.xml", "index.html", "raw/pushservice.json", "raw/ginkgo.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
}

// TestParallelSuite runs one suite in two processes through pushspec's parallel server: every spec
// runs once, the report holds them all, the progress events count them, and the log is written.
func TestParallelSuite(t *testing.T) {
	specs := runParallel(t, nil)
	for text, n := range specs {
		if n != 1 {
			t.Errorf("%q ran %d times", text, n)
		}
	}
}

// The processes of a parallel suite take specs by their index in an order ginkgo draws from the
// seed: with a seed each, as each process drew from the clock when they started in different
// seconds, some specs run twice and others never. pushspec run gives them one.
func TestParallelSuiteNeedsOneSeed(t *testing.T) {
	specs := runParallel(t, func(proc int) int64 { return int64(proc) })
	twice := 0
	for _, n := range specs {
		if n > 1 {
			twice++
		}
	}
	if twice == 0 {
		t.Error("two processes with seeds of their own ran every spec once; this test no longer shows why the seed is shared")
	}
}

// runParallel runs the push-service suite in two processes and returns how often each spec ran,
// by its full text, checking the rest of what TestParallelSuite says.
func runParallel(t *testing.T, seedOf func(int) int64) map[string]int {
	t.Helper()
	if os.Getenv("PUSHSPEC_PUSH_SERVICE") != "" || os.Getenv("PUSHSPEC_PROFILE") != "" {
		t.Skip("the configuration names a push service already; this test runs the in-process one")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, _ := lookupSuite("pushservice")
	j := &job{name: "pushservice", suite: s, procs: 2, total: -1, seedOf: seedOf,
		log: filepath.Join(dir, "pushservice.log"), json: filepath.Join(dir, "pushservice.json")}
	cfg := config.Default()
	cfg.Browsers = ""
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var mu sync.Mutex
	moves := 0
	j.run(ctx, exe, append(os.Environ(), cfg.Environ()...), func() { mu.Lock(); moves++; mu.Unlock() })
	if j.err != nil {
		t.Fatalf("the suite failed: %v\n%s", j.err, logTail(j.log, 40, 8000))
	}
	b, err := os.ReadFile(j.json)
	if err != nil {
		t.Fatalf("no JSON report: %v\n%s", err, logTail(j.log, 40, 8000))
	}
	var reps []types.Report
	if err := json.Unmarshal(b, &reps); err != nil || len(reps) != 1 {
		t.Fatalf("the JSON report: %v, %d suites", err, len(reps))
	}
	specs, procs := map[string]int{}, map[int]bool{}
	for _, sr := range reps[0].SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		specs[sr.FullText()]++
		procs[sr.ParallelProcess] = true
		if sr.State != types.SpecStatePassed {
			t.Errorf("%s: %s", sr.FullText(), sr.State)
		}
	}
	if !procs[1] || !procs[2] {
		t.Errorf("the specs ran on processes %v, want both", procs)
	}
	if seedOf != nil {
		return specs
	}
	if j.total != len(specs) || j.done != len(specs) {
		t.Errorf("progress: %d of %d specs done, the report has %d", j.done, j.total, len(specs))
	}
	if moves == 0 {
		t.Error("the display was never told of progress")
	}
	log, _ := os.ReadFile(j.log)
	if want := fmt.Sprintf("Ran %d of ", len(specs)); !strings.Contains(string(log), want) {
		t.Errorf("the log lacks %q:\n%s", want, tail(string(log), 2000))
	}
	return specs
}

func TestPlanJobs(t *testing.T) {
	cfg := config.Default()
	jobs, err := planJobs(cfg, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range jobs {
		names = append(names, j.name)
		if want := map[bool]int{true: 2, false: 1}[j.name == "useragent"]; j.procs != want {
			t.Errorf("%s: %d processes, want %d", j.name, j.procs, want)
		}
	}
	if got := strings.Join(names, " "); got != "useragent interop sender pushservice" {
		t.Errorf("jobs %q", got)
	}
	for _, arg := range []string{"./specs/sender", "specs/sender/", "sender", "./specs/sender/..."} {
		jobs, err := planJobs(cfg, []string{arg}, 2)
		if err != nil || len(jobs) != 1 || jobs[0].name != "sender" {
			t.Errorf("%q: %v %v", arg, jobs, err)
		}
	}
	if jobs, err := planJobs(cfg, []string{"./specs/..."}, 2); err != nil || len(jobs) != 4 {
		t.Errorf("./specs/...: %d jobs, %v", len(jobs), err)
	}
	if _, err := planJobs(cfg, []string{"nosuch"}, 2); err == nil {
		t.Error("an unknown suite is accepted")
	}
	cfg.Browsers = ""
	jobs, _ = planJobs(cfg, []string{"useragent"}, 2)
	if len(jobs) != 1 || jobs[0].procs != 1 {
		t.Errorf("the user agent suite without browsers: %+v", jobs)
	}
}

// TestProgressLines: plain lines (no terminal) carry no cursor sequences; the live ones do, and
// rewrite only what changed.
func TestProgressLines(t *testing.T) {
	start := time.Now()
	a := &job{name: "sender", total: -1}
	b := &job{name: "useragent", total: -1}
	var plain bytes.Buffer
	d := newDisplay(&plain, []*job{a, b}, start)
	if d.live {
		t.Fatal("a buffer is taken for a terminal")
	}
	a.state, a.startedAt = running, start
	d.update(false)
	a.total, a.done, a.fail, a.known = 10, 10, 1, 2
	a.state, a.endedAt = finished, start.Add(3*time.Second)
	d.update(false)
	d.update(true)
	got := plain.String()
	if strings.Count(got, "sender") != 2 || strings.Contains(got, "useragent") || strings.Contains(got, "\x1b") {
		t.Errorf("plain lines:\n%s", got)
	}
	if !strings.Contains(got, "10/10  specs  1 fail (+2 known)") || !strings.Contains(got, "done") {
		t.Errorf("the final line:\n%s", got)
	}

	var live bytes.Buffer
	d = newDisplay(&live, []*job{a, b}, start)
	d.live = true
	d.redraw(start)
	first := live.Len()
	d.redraw(start)
	again := live.String()[first:]
	if !strings.HasPrefix(again, "\x1b[2A") || strings.Contains(again, "\x1b[2K") {
		t.Errorf("a redraw without change rewrote lines: %q", again)
	}
}

// TestRunSuiteWithoutReport: a suite process that ends without its report is pushspec's failure
// (exit 2), named with the end of its log; no report is made up.
func TestRunSuiteWithoutReport(t *testing.T) {
	old := selfExe
	defer func() { selfExe = old }()
	selfExe = func() (string, error) { return "/bin/false", nil }
	if _, err := os.Stat("/bin/false"); err != nil {
		t.Skip("no /bin/false")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := runCmd(context.Background(), []string{"--browsers=", "--report-dir", dir, "pushservice"}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "suite pushservice wrote no report") || !strings.Contains(stderr.String(), filepath.Join(dir, "raw", "pushservice.log")) {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "results.json")); err == nil {
		t.Error("a results.json was written without any suite's report")
	}
}

// The summary lists every failure, and without --strict the SHOULDs not met in a list of their
// own; with --strict they are failures.
func TestSummaryListsFailuresAndShoulds(t *testing.T) {
	res := &reports.Results{Results: []reports.Result{
		{Rule: rules.TTLMissing400.ID, Target: "fake:rfc", Finding: reports.Finding{Outcome: rules.Fail, Message: "a push without TTL was answered 201. More."}},
		{Rule: rules.PushServiceHTTPS.ID, Target: "fake:rfc", Finding: reports.Finding{Outcome: rules.Pass}},
		{Rule: rules.TTL31Bit.ID, Target: "fake:rfc", Finding: reports.Finding{Outcome: rules.NonStrict, Message: "TTL 2147483647 was answered 400."}},
	}}
	var out bytes.Buffer
	printSummary(&out, res, false)
	got := out.String()
	for _, want := range []string{"failures (1):", rules.TTLMissing400.ID + "  a push without TTL was answered 201.",
		"SHOULD not met (not failing the run; --strict makes them failures) (1):", rules.TTL31Bit.ID} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, rules.PushServiceHTTPS.ID) || strings.Contains(got, "More.") {
		t.Errorf("summary lists a pass or more than one sentence:\n%s", got)
	}
	out.Reset()
	printSummary(&out, res, true)
	if got := out.String(); !strings.Contains(got, "failures (2):") || strings.Contains(got, "SHOULD not met") {
		t.Errorf("with --strict the SHOULD should be a failure:\n%s", got)
	}
}
