// Command run-breakdown prints where the time of a `pushspec run` went, from the ginkgo JSON report
// it writes (reports/out/raw/ginkgo.json): per suite its wall time, set-up (BeforeSuite, which
// starts the browsers, with their launch and ready times), specs (count, sum, per label group,
// slowest), tear-down, and the gaps between suites (a suite waiting for a free process slot).
// scripts/bench-run.sh runs it after timing `make run`.
//
//	go run ./bench/cmd/run-breakdown [-start RFC3339] [-end RFC3339] [-top 10] reports/out/raw/ginkgo.json
//
// -start and -end are when `pushspec run` started and ended (the script passes them), so that the
// time before the first suite (checks, process start) and after the last one (writing the report)
// shows too.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

func main() {
	start := flag.String("start", "", "when pushspec run started (RFC 3339, optional)")
	end := flag.String("end", "", "when pushspec run ended (RFC 3339, optional)")
	top := flag.Int("top", 10, "how many of the slowest specs to list")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: run-breakdown [-start T] [-end T] [-top N] ginkgo.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "run-breakdown:", err)
		os.Exit(2)
	}
	var suites []types.Report
	if err := json.Unmarshal(raw, &suites); err != nil {
		fmt.Fprintln(os.Stderr, "run-breakdown:", err)
		os.Exit(2)
	}
	var t0, t1 time.Time
	if *start != "" {
		t0, _ = time.Parse(time.RFC3339Nano, *start)
	}
	if *end != "" {
		t1, _ = time.Parse(time.RFC3339Nano, *end)
	}
	fmt.Print(breakdown(suites, t0, t1, *top))
}

func sec(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

type slow struct {
	suite, text string
	d           time.Duration
	state       types.SpecState
}

func breakdown(suites []types.Report, t0, t1 time.Time, top int) string {
	var b strings.Builder
	sort.SliceStable(suites, func(i, j int) bool { return suites[i].StartTime.Before(suites[j].StartTime) })
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	if !t0.IsZero() && !t1.IsZero() {
		p("%-48s %10s\n", "pushspec run (wall)", sec(t1.Sub(t0)))
	}
	prev := t0
	var all []slow
	var suiteSum, setupSum, specSum, teardownSum time.Duration
	for _, s := range suites {
		if !prev.IsZero() && s.StartTime.After(prev) {
			p("  %-46s %10s   (waits for a slot, starts)\n", "before "+quote(s.SuiteDescription, 38), sec(s.StartTime.Sub(prev)))
		}
		prev = s.EndTime
		suiteSum += s.RunTime
		p("  %-46s %10s   %s, %d process(es)\n", "suite "+quote(s.SuiteDescription, 40), sec(s.RunTime), outcome(s), max(1, s.SuiteConfig.ParallelTotal))
		var setup, teardown []time.Duration
		var specs, specWall time.Duration
		var first, last time.Time
		counts := map[types.SpecState]int{}
		groups := map[string]time.Duration{}
		groupN := map[string]int{}
		groupSpecs := map[string][]types.SpecReport{}
		var startups []string
		for _, r := range s.SpecReports {
			switch {
			case r.LeafNodeType.Is(types.NodeTypeBeforeSuite | types.NodeTypeSynchronizedBeforeSuite):
				setup = append(setup, r.RunTime)
				for _, e := range r.ReportEntries {
					if strings.HasPrefix(e.Name, "startup ") {
						startups = append(startups, e.StringRepresentation())
					}
				}
			case r.LeafNodeType.Is(types.NodeTypeAfterSuite | types.NodeTypeSynchronizedAfterSuite | types.NodeTypeCleanupAfterSuite | types.NodeTypeReportAfterSuite):
				teardown = append(teardown, r.RunTime)
			case r.LeafNodeType.Is(types.NodeTypeIt):
				counts[r.State]++
				specs += r.RunTime
				if first.IsZero() || r.StartTime.Before(first) {
					first = r.StartTime
				}
				if r.EndTime.After(last) {
					last = r.EndTime
				}
				g := group(r)
				groups[g] += r.RunTime
				groupN[g]++
				groupSpecs[g] = append(groupSpecs[g], r)
				all = append(all, slow{s.SuiteDescription, r.FullText(), r.RunTime, r.State})
			}
		}
		if !first.IsZero() {
			specWall = last.Sub(first)
		}
		setupSum += maxOf(setup)
		teardownSum += maxOf(teardown)
		specSum += specs
		p("    %-44s %10s   per process: %s\n", "set-up (BeforeSuite, slowest process)", sec(maxOf(setup)), list(setup))
		for _, st := range startups {
			p("      %s\n", st)
		}
		p("    %-44s %10s   wall from first to last spec; %s of spec time; %s\n", "specs", sec(specWall), sec(specs), countText(counts))
		var names []string
		for g := range groups {
			names = append(names, g)
		}
		sort.Slice(names, func(i, j int) bool { return groups[names[i]] > groups[names[j]] })
		for _, g := range names {
			p("      %-42s %10s   %d spec(s)\n", g, sec(groups[g]), groupN[g])
		}
		if len(startups) == 0 {
			var browserSpecs []types.SpecReport
			for g, specs := range groupSpecs {
				if g != "browserless" {
					browserSpecs = append(browserSpecs, specs...)
				}
			}
			if line := firstSpecs(browserSpecs); line != "" {
				p("      %s\n", line)
			}
		}
		p("    %-44s %10s   per process: %s\n", "tear-down (cleanup, slowest process)", sec(maxOf(teardown)), list(teardown))
	}
	if !t1.IsZero() && !prev.IsZero() && t1.After(prev) {
		p("  %-46s %10s   (pushspec writes the report)\n", "after the last suite", sec(t1.Sub(prev)))
	}
	p("\ntotals: suites %s (set-up %s, spec time %s, tear-down %s)\n", sec(suiteSum), sec(setupSum), sec(specSum), sec(teardownSum))
	slices.SortFunc(all, func(a, b slow) int { return int(b.d - a.d) })
	if top > 0 && len(all) > 0 {
		p("\nslowest specs:\n")
		for _, s := range all[:min(top, len(all))] {
			p("  %8s  %-7s %s | %s\n", sec(s.d), s.state, quote(s.suite, 30), quote(s.text, 110))
		}
	}
	return b.String()
}

// firstSpecs compares the first browser spec each parallel process ran with the median of the
// other browser specs. A suite without a BeforeSuite start-up starts its Env (every browser, once
// per process) inside the first spec that needs one, so the difference is the start-up, to a
// good guess.
func firstSpecs(specs []types.SpecReport) string {
	if len(specs) < 2 {
		return ""
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].StartTime.Before(specs[j].StartTime) })
	firstOf := map[int]bool{}
	var firsts []string
	var rest []time.Duration
	for _, r := range specs {
		if !firstOf[r.ParallelProcess] {
			firstOf[r.ParallelProcess] = true
			firsts = append(firsts, sec(r.RunTime))
			continue
		}
		rest = append(rest, r.RunTime)
	}
	if len(rest) == 0 {
		return fmt.Sprintf("first browser spec per process: %s (it starts the browsers: no BeforeSuite did)", strings.Join(firsts, ", "))
	}
	slices.Sort(rest)
	return fmt.Sprintf("first browser spec per process: %s; median of the other %d: %s (the first starts the browsers: no BeforeSuite did)",
		strings.Join(firsts, ", "), len(rest), sec(rest[len(rest)/2]))
}

// group names what a spec needs: the browser kind it runs on when a label or container says so,
// else "browserless".
func group(r types.SpecReport) string {
	labels := strings.ToLower(strings.Join(r.Labels(), " ") + " " + strings.Join(r.ContainerHierarchyTexts, " ") + " " + r.LeafNodeText)
	var kinds []string
	for _, k := range []string{"chromium", "firefox"} {
		if strings.Contains(labels, k) {
			kinds = append(kinds, k)
		}
	}
	switch {
	case len(kinds) > 0:
		return "on " + strings.Join(kinds, "+")
	case strings.Contains(labels, "needs:browser"):
		return "needs:browser"
	}
	return "browserless"
}

func outcome(s types.Report) string {
	if s.SuiteSucceeded {
		return "passed"
	}
	return "FAILED"
}

func maxOf(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

func list(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%.2f s", d.Seconds()))
	}
	return strings.Join(parts, ", ")
}

func countText(c map[types.SpecState]int) string {
	var parts []string
	for st, n := range c {
		parts = append(parts, fmt.Sprintf("%d %s", n, st))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func quote(s string, n int) string {
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
