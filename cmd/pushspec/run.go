package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/reports"
)

func init() {
	register("run", "run the conformance suites and write results.json, junit.xml, index.html", runCmd)
}

const runHelp = `Usage: pushspec run [flags] [suites…]

Runs pushspec's conformance suites (default: all of them: pushservice, sender, interop, useragent)
against the configured targets and writes the report:

  <report-dir>/index.html     the rule × target matrix, every cell linked to its evidence
  <report-dir>/results.json   the machine-readable results (schema in docs/results-json.md)
  <report-dir>/junit.xml      for CI systems
  <report-dir>/raw/           each suite's full log and ginkgo JSON report

The suites are linked into this binary: it runs each in a process of its own, --procs processes at
a time; the user agent suite shares its specs among --procs processes. On a terminal it shows one live line per suite; otherwise, or
with CI set, plain lines. It ends with a table per target, one line per failure and the report's
path. Run ` + "`pushspec deps`" + ` first: it installs the browsers, their driver and the npm tools.

Exit status: 0 when no MUST rule failed (and, with --strict, no SHOULD rule) and the harness did not
break; 1 when a target broke a rule; 2 when pushspec itself could not run.

Every flag can also be set with its environment variable (flags win). Flags:
`

// selfExe is the executable the suite processes run: this one.
var selfExe = os.Executable

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, fs, status, ok := parseConfig("run", runHelp, args, stderr, nil)
	if !ok {
		return status
	}
	timeout, err := time.ParseDuration(cfg.Timeout)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: timeout:", err)
		return 2
	}
	procs := cfg.Procs
	if procs <= 0 {
		procs = min(runtime.NumCPU(), 2)
	}
	jobs, err := planJobs(cfg, fs.Args(), procs)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run:", err)
		return 2
	}
	exe, err := selfExe()
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: finding this executable:", err)
		return 2
	}
	reportDir, err := filepath.Abs(cfg.ReportDir)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run:", err)
		return 2
	}
	rawDir := filepath.Join(reportDir, "raw")
	if err := os.MkdirAll(rawDir, 0o755); err != nil {
		fmt.Fprintln(stderr, "pushspec run:", err)
		return 2
	}
	for _, j := range jobs {
		j.log = filepath.Join(rawDir, j.name+".log")
		j.json = filepath.Join(rawDir, j.name+".json")
		os.Remove(j.json) // a report left by an earlier run must not stand in for this one
	}
	// The suites find the driver and the npm tools in the user's cache (pushspec deps) unless
	// the environment names them; what a run cannot do without is checked before it starts.
	tools := toolEnv()
	for _, kv := range tools {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v) // for the checks below; the suites get them in their environment too
	}
	if !preflight(cfg, stdout, stderr) {
		return 2
	}
	env := append(append(os.Environ(), cfg.Environ()...), tools...)

	fmt.Fprintf(stdout, "pushspec run: browsers=%q push-service=%q profile=%q sender=%q, %d processes at a time\n",
		cfg.Browsers, cfg.PushService, cfg.Profile, cfg.Sender, procs)
	fmt.Fprintf(stdout, "full output: %s\n", rawDir)

	started := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()
	disp := newDisplay(stdout, jobs, started)
	disp.start()
	runJobs(runCtx, jobs, procs, exe, env, disp.changed)
	disp.stop()

	var reps []string
	for _, j := range jobs {
		if fileExists(j.json) {
			reps = append(reps, j.json)
			continue
		}
		// No report: the suite crashed or never ran; its last words say why.
		fmt.Fprintf(stderr, "pushspec run: suite %s wrote no report (%v); its log: %s\n", j.name, j.err, j.log)
		fmt.Fprint(stderr, indent(logTail(j.log, 20, 4096), "    | "))
	}
	if len(reps) == 0 {
		fmt.Fprintln(stderr, "pushspec run: no suite wrote a report")
		return 2
	}
	if err := mergeJSON(filepath.Join(rawDir, "ginkgo.json"), reps); err != nil {
		fmt.Fprintln(stderr, "pushspec run: merging the suites' reports:", err)
		return 2
	}
	meta := reports.Meta{Tool: reports.ToolFromBuildInfo(), Config: cfg.Redacted(), Started: started, Duration: time.Since(started)}
	res, err := reports.FromGinkgoJSON(meta, reps...)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: reading the suites' reports:", err)
		return 2
	}
	index, err := reports.WriteAll(reportDir, res)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: writing the report:", err)
		return 2
	}
	code := verdictExitCode(res, cfg.Strict)
	fmt.Fprintln(stdout)
	printSummary(stdout, res, cfg.Strict)
	fmt.Fprintf(stdout, "\npushspec run: %s in %s\nreport: %s\n", summaryLine(res), time.Since(started).Round(time.Second), index)
	if code == 0 {
		for _, j := range jobs {
			if j.err != nil {
				// A suite failed without any failing rule result: a harness problem.
				fmt.Fprintf(stderr, "pushspec run: suite %s ended with %v but recorded no failing rule; its log: %s\n", j.name, j.err, j.log)
				code = 2
			}
		}
	}
	return code
}

// job is one suite process.
type job struct {
	name  string   // the suite's name
	suite suiteDef // what it runs
	procs int      // processes that share its specs (ginkgo's parallel mode when more than one)
	log   string   // the suite's full output
	json  string   // its ginkgo JSON report
	// seedOf, for tests, gives each process (from 1) a seed of its own instead of the one the
	// suite's processes share.
	seedOf func(proc int) int64

	mu                      sync.Mutex
	state                   jobState
	total                   int // specs that will run; -1 until the suite says
	done, fail, known, errs int // specs ended; their fail (not known), known-deviation and error results
	startedAt, endedAt      time.Time
	err                     error  // how the process ended, when not with status 0
	shown                   string // the progress last printed as a plain line
}

type jobState int

const (
	waiting jobState = iota
	running
	finished
)

// planJobs lists the suites named in args (default: all) as jobs: one process each, but the user
// agent suite, which runs in procs processes. The longest come first, so that the slots fill
// evenly.
func planJobs(cfg config.Config, args []string, procs int) ([]*job, error) {
	want := map[string]bool{}
	for _, a := range args {
		n := strings.TrimSuffix(strings.TrimSuffix(filepath.ToSlash(a), "/..."), "/")
		n = strings.TrimPrefix(strings.TrimPrefix(n, "./"), "specs/")
		if n == "specs" || n == "." || n == "..." || n == "all" {
			want = map[string]bool{}
			break
		}
		if _, ok := lookupSuite(n); !ok {
			return nil, fmt.Errorf("no suite %q (suites: %s)", a, suiteNames())
		}
		want[n] = true
	}
	var jobs []*job
	for _, s := range suiteDefs {
		if len(want) > 0 && !want[s.name] {
			continue
		}
		if s.name == "useragent" && len(cfg.BrowserList()) > 0 {
			// Most of the time of its specs is spent waiting on the browsers: several processes,
			// each with its own browsers, share them (ginkgo's parallel mode).
			jobs = append(jobs, &job{name: s.name, suite: s, procs: procs, total: -1})
			continue
		}
		jobs = append(jobs, &job{name: s.name, suite: s, procs: 1, total: -1})
	}
	// The longest first: the user agent suite, interop, sender, push service.
	rank := map[string]int{"useragent": 0, "interop": 1, "sender": 2, "pushservice": 3}
	ordered := slices.Clone(jobs)
	slices.SortStableFunc(ordered, func(a, b *job) int { return rank[a.name] - rank[b.name] })
	return ordered, nil
}

// runJobs runs the jobs in order, at most procs processes at a time; changed is called whenever a
// job's progress moves.
func runJobs(ctx context.Context, jobs []*job, procs int, exe string, env []string, changed func()) {
	var (
		mu   sync.Mutex
		cond = sync.NewCond(&mu)
		free = procs
		wg   sync.WaitGroup
	)
	for _, j := range jobs {
		need := min(j.procs, procs)
		mu.Lock()
		for free < need {
			cond.Wait()
		}
		free -= need
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.run(ctx, exe, env, changed)
			mu.Lock()
			free += need
			cond.Broadcast()
			mu.Unlock()
		}()
	}
	wg.Wait()
}

func (j *job) run(ctx context.Context, exe string, env []string, changed func()) {
	j.mu.Lock()
	j.state, j.startedAt = running, time.Now()
	j.mu.Unlock()
	changed()
	defer func() {
		j.mu.Lock()
		j.state, j.endedAt = finished, time.Now()
		j.mu.Unlock()
		changed()
	}()
	if ctx.Err() != nil {
		j.setErr(fmt.Errorf("not started: %w", ctx.Err()))
		return
	}
	logf, err := os.Create(j.log)
	if err != nil {
		j.setErr(err)
		return
	}
	defer logf.Close()
	events, eventsW, err := os.Pipe()
	if err != nil {
		j.setErr(err)
		return
	}
	defer events.Close()
	// One seed for all the suite's processes: ginkgo orders the specs by it, and the processes of
	// a parallel run take specs by their index in that order. Each process seeding from the clock
	// ran some specs twice and others never when the processes started in different seconds.
	seed := time.Now().Unix()
	args := []string{suiteCommand, "--json-report", j.json, "--events-fd", "3"}
	var server *parallelServer
	if j.procs > 1 {
		// ginkgo's parallel mode: the processes report to this server, which writes the log.
		server, err = newParallelServer(j.procs, reporters.NewDefaultReporter(types.ReporterConfig{NoColor: true, Verbose: true}, logf), logf)
		if err != nil {
			eventsW.Close()
			j.setErr(err)
			return
		}
		defer server.close()
	}
	n := max(j.procs, 1)
	exited := make([]atomic.Bool, n) // for the server: a process that is gone never reports again
	if server != nil {
		for p := range n {
			server.setAlive(p+1, func() bool { return !exited[p].Load() })
		}
	}
	var wg sync.WaitGroup
	for p := range n {
		s := seed
		if j.seedOf != nil {
			s = j.seedOf(p + 1)
		}
		a := append(args[:len(args):len(args)], "--seed", strconv.FormatInt(s, 10))
		if server != nil {
			a = append(a[:len(a):len(a)], "--parallel-process", fmt.Sprint(p+1), "--parallel-total", fmt.Sprint(n), "--parallel-host", server.address())
		}
		cmd := exec.CommandContext(ctx, exe, append(a, j.suite.name)...)
		cmd.Env = slices.Clip(env) // appended to below: never into the shared array
		if server != nil {
			cmd.Env = append(cmd.Env, "GINKGO_PARALLEL_PROTOCOL=HTTP")
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.ExtraFiles = []*os.File{eventsW}
		// At the time limit or on ^C, ginkgo gets to clean up (close the browsers) first.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		if err := cmd.Start(); err != nil {
			j.setErr(err)
			for q := p; q < n; q++ {
				exited[q].Store(true)
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cmd.Wait(); err != nil {
				j.setErr(err)
			}
			exited[p].Store(true)
		}()
	}
	eventsW.Close()
	sc := bufio.NewScanner(events)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		j.mu.Lock()
		if e.Total != nil {
			j.total = *e.Total
		}
		if e.State != "" {
			j.done++
			j.fail += e.Fail
			j.known += e.Known
			j.errs += e.Error
		}
		j.mu.Unlock()
		changed()
	}
	wg.Wait()
}

// setErr keeps the first way the job's processes went wrong.
func (j *job) setErr(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = err
	}
}

// mergeJSON writes the suites' ginkgo JSON reports (each an array of suite reports) as one array.
func mergeJSON(out string, paths []string) error {
	var all []json.RawMessage
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var reps []json.RawMessage
		if err := json.Unmarshal(b, &reps); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		all = append(all, reps...)
	}
	b, err := json.Marshal(all)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// logTail is the end of a log: at most lines lines and max bytes.
func logTail(path string, lines, max int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > max {
		b = b[len(b)-max:]
	}
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n") + "\n"
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix) + "\n"
}

// preflight checks what the run cannot do without (pushspec deps installs it) and notes what it
// will skip; false when the run cannot start.
func preflight(cfg config.Config, stdout, stderr io.Writer) bool {
	ok := true
	for _, it := range depsFor(cfg).check() {
		switch {
		case it.ok:
		case it.optional:
			fmt.Fprintf(stdout, "note: %s: %s; %s\n", it.name, it.detail, it.fix)
		default:
			if ok {
				fmt.Fprintln(stderr, "pushspec run: missing what this run needs (pushspec deps installs or explains each):")
			}
			ok = false
			fmt.Fprintln(stderr, it)
		}
	}
	return ok
}

// verdictExitCode is 1 when the run is not green: a target broke a MUST rule (or a SHOULD rule in
// strict mode) or the harness broke. Reviewed known deviations are shown but do not turn it red.
func verdictExitCode(res *reports.Results, strict bool) int {
	if res.Green(strict) {
		return 0
	}
	return 1
}

// summaryLine counts outcomes over every result, bad news first: "3 fail, 120 pass, 4 skip".
func summaryLine(res *reports.Results) string {
	var parts []string
	for _, o := range reports.Outcomes {
		if n := res.Counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(res.Problems) > 0 {
		parts = append(parts, fmt.Sprintf("%d harness problem(s)", len(res.Problems)))
	}
	if len(parts) == 0 {
		return "no results"
	}
	return strings.Join(parts, ", ")
}

// parseConfig reads the run configuration as every subcommand that takes it does: the PUSHSPEC_*
// variables, then args (flags win; more registers the subcommand's own flags), then Validate.
// ok is false when the subcommand should end with code: 0 after --help, 2 on a bad value.
func parseConfig(name, help string, args []string, stderr io.Writer, more func(*flag.FlagSet)) (cfg config.Config, fs *flag.FlagSet, code int, ok bool) {
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "pushspec %s: %v\n", name, err)
		return cfg, nil, 2, false
	}
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if more != nil {
		more(fs)
	}
	cfg.RegisterFlags(fs)
	fs.Usage = func() { fmt.Fprint(stderr, help); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, fs, 0, false
		}
		return cfg, fs, 2, false
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "pushspec %s: %v\n", name, err)
		return cfg, fs, 2, false
	}
	return cfg, fs, 0, true
}
