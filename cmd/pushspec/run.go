package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/reports"
)

func init() {
	register("run", "run the conformance suites (./specs) and write results.json, junit.xml, index.html", runCmd)
}

const runHelp = `Usage: pushspec run [flags] [suite dirs…]

Runs pushspec's conformance suites (default: every suite under ./specs) with the ginkgo CLI against
the configured targets, streams progress, and writes the report:

  <report-dir>/index.html     the rule × target matrix, every cell linked to its evidence
  <report-dir>/results.json   the machine-readable results (schema in docs/results-json.md)
  <report-dir>/junit.xml      for CI systems

Exit status: 0 when no MUST rule failed (and, with --strict, no SHOULD rule) and the harness did not
break; 1 when a target broke a rule; 2 when pushspec itself could not run.

Every flag can also be set with its environment variable (flags win). Flags:
`

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run:", err)
		return 2
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.RegisterFlags(fs)
	fs.Usage = func() { fmt.Fprint(stderr, runHelp); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "pushspec run:", err)
		return 2
	}
	timeout, err := time.ParseDuration(cfg.Timeout)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: timeout:", err)
		return 2
	}
	root, err := sender.ModuleRoot()
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: must run inside the pushspec checkout (it builds the suites):", err)
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
	suites := fs.Args()
	if len(suites) == 0 {
		suites = []string{"./specs/..."}
	}
	procs := cfg.Procs
	if procs == 0 {
		procs = min(runtime.NumCPU(), 2)
	}

	ginkgoArgs := []string{"run", "--keep-going", "--no-color",
		"--procs", strconv.Itoa(procs), "--timeout", timeout.String(),
		"--output-dir", rawDir, "--json-report", "ginkgo.json", "--junit-report", "ginkgo-junit.xml",
		"--poll-progress-after", "60s", "-v"}
	if cfg.LabelFilter != "" {
		ginkgoArgs = append(ginkgoArgs, "--label-filter", cfg.LabelFilter)
	}
	ginkgoArgs = append(ginkgoArgs, suites...)
	name, pre := ginkgoCommand(root)
	cmd := exec.CommandContext(ctx, name, append(pre, ginkgoArgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), cfg.Environ()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	fmt.Fprintf(stdout, "pushspec run: browsers=%q push-service=%q profile=%q sender=%q procs=%d\n",
		cfg.Browsers, cfg.PushService, cfg.Profile, cfg.Sender, procs)

	started := time.Now()
	runErr := cmd.Run()
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		fmt.Fprintln(stderr, "pushspec run: could not start ginkgo:", runErr)
		return 2
	}
	meta := reports.Meta{Tool: reports.ToolFromBuildInfo(), Config: cfg.Redacted(), Started: started, Duration: time.Since(started)}
	res, err := reports.FromGinkgoJSON(meta, filepath.Join(rawDir, "ginkgo.json"))
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: reading the suites' report:", err)
		return 2
	}
	index, err := reports.WriteAll(reportDir, res)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec run: writing the report:", err)
		return 2
	}
	code := verdictExitCode(res, cfg.Strict)
	fmt.Fprintf(stdout, "\npushspec run: %s in %s\nreport: %s\n", summaryLine(res), time.Since(started).Round(time.Second), index)
	if code == 0 && runErr != nil {
		// ginkgo failed without any failing rule result: a harness problem (build error, crash).
		fmt.Fprintln(stderr, "pushspec run: the suites exited with", runErr, "but recorded no failing rule; see the output above")
		return 2
	}
	return code
}

// ginkgoCommand finds the ginkgo CLI: PATH, then the one `make deps` builds under .cache/bin, then
// `go run` at the version in go.mod.
func ginkgoCommand(root string) (string, []string) {
	if p, err := exec.LookPath("ginkgo"); err == nil {
		return p, nil
	}
	if p := filepath.Join(root, ".cache", "bin", "ginkgo"); fileExists(p) {
		return p, nil
	}
	return "go", []string{"run", "github.com/onsi/ginkgo/v2/ginkgo"}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

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
