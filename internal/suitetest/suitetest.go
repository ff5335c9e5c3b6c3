// Package suitetest runs a conformance suite in a child process of the test binary and reads its
// results back per rule, so that a test can show that the suite catches a broken double (a
// rule fails) and passes a conforming one. The push-service and sender suites' self-tests share
// it.
package suitetest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

// Results are one child run's results by rule ID, in report order.
type Results struct {
	Outcomes map[string][]rules.Outcome
	Messages map[string][]string // same order as Outcomes
	Targets  map[string][]string // same order as Outcomes
}

// Run runs the test function named test (e.g. "TestSenderSuite") of the current test binary in a
// child process with env added to this process's environment, within timeout, and returns every
// result the suite recorded. It logs the results that did not pass. The test fails when the
// child wrote no report (it did not run at all).
func Run(t *testing.T, test string, env []string, timeout time.Duration) Results {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1",
		"-ginkgo.json-report="+report, "-ginkgo.no-color")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("child suite (%v): exit %v", env, err)
	var reports []types.Report
	b, rerr := os.ReadFile(report)
	if rerr == nil {
		rerr = json.Unmarshal(b, &reports)
	}
	if rerr != nil || len(reports) == 0 {
		t.Fatalf("no report from the child suite: %v\n%s", rerr, tail(string(out), 3000))
	}
	res := Results{Outcomes: map[string][]rules.Outcome{}, Messages: map[string][]string{}, Targets: map[string][]string{}}
	var lines []string
	for _, sr := range reports[0].SpecReports {
		rs, _, ok, err := conformance.Results(sr)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		for _, r := range rs {
			res.Outcomes[r.Rule] = append(res.Outcomes[r.Rule], r.Outcome)
			res.Messages[r.Rule] = append(res.Messages[r.Rule], r.Message)
			res.Targets[r.Rule] = append(res.Targets[r.Rule], r.Target)
			if r.Outcome != rules.Pass {
				lines = append(lines, fmt.Sprintf("%-10s %-45s %s", r.Outcome, r.Rule, cut(strings.ReplaceAll(r.Message, "\n", " "), 100)))
			}
		}
	}
	sort.Strings(lines)
	t.Logf("not passing:\n%s", strings.Join(lines, "\n"))
	return res
}

// Has reports whether o is among outs.
func Has(outs []rules.Outcome, o rules.Outcome) bool { return slices.Contains(outs, o) }

// All reports whether every one of outs is o (true for none).
func All(outs []rules.Outcome, o rules.Outcome) bool {
	for _, x := range outs {
		if x != o {
			return false
		}
	}
	return true
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
