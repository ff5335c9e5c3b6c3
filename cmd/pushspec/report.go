package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pushspec/pushspec/reports"
)

func init() {
	register("report", "merge results.json files into one report", runReport)
}

const reportHelp = `Usage: pushspec report --in FILE [--in FILE ...] [--out DIR] [--check] [--strict]

Combines the results of one or more runs into one report and writes it to DIR:

  results.json  the merged results (schema in docs/results-json.md)
  junit.xml     one test case per rule and target, for CI
  index.html    the self-contained report: what breaks, the rule × target matrix with evidence

then prints the path of index.html.

Each --in is a results.json written by pushspec run (or by an earlier pushspec report), or a
ginkgo JSON report (ginkgo --json-report=FILE) of pushspec's suites. Typical use: one run per
browser or per machine, merged into one matrix:

  pushspec report --in chromium/results.json --in firefox/results.json --out reports/out

Targets, rules and harness problems are unioned. A rule checked on the same target by several runs
keeps its worst outcome (error > fail > non-strict > pass > info > skip); the cell's note names the
runs and the other findings stay in its evidence.

Exit status: 0 when the report is written; 1 when it cannot be; 2 on bad usage; with --check, 3
when the merged results are not green (a fail, an error or a harness problem; with --strict also a
non-strict).

Flags:
`

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in stringList
	fs.Var(&in, "in", "a results.json or ginkgo JSON report to include (repeatable; at least one)")
	outDefault := os.Getenv("PUSHSPEC_REPORT_DIR")
	if outDefault == "" {
		outDefault = "reports/out"
	}
	out := fs.String("out", outDefault, "directory to write results.json, junit.xml and index.html to (env PUSHSPEC_REPORT_DIR)")
	check := fs.Bool("check", false, "exit 3 when the merged results are not green")
	strict := fs.Bool("strict", os.Getenv("PUSHSPEC_STRICT") == "1" || os.Getenv("PUSHSPEC_STRICT") == "true",
		"with --check, a non-strict result (a SHOULD not followed) also makes the run red (env PUSHSPEC_STRICT)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), reportHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			// --help is a question, not a mistake: answer on stdout and succeed.
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pushspec report: unexpected argument %q (inputs are given with --in)\n", fs.Arg(0))
		return 2
	}
	if len(in) == 0 {
		fmt.Fprintln(stderr, "pushspec report: at least one --in FILE is needed (pushspec report --help)")
		return 2
	}

	runs := make([]*reports.Results, 0, len(in))
	for _, path := range in {
		if err := ctx.Err(); err != nil {
			fmt.Fprintln(stderr, "pushspec report:", err)
			return 1
		}
		res, err := readRun(path)
		if err != nil {
			fmt.Fprintln(stderr, "pushspec report:", err)
			return 1
		}
		runs = append(runs, res)
	}
	merged := runs[0]
	if len(runs) > 1 {
		merged = reports.Merge(runs...)
	}
	index, err := reports.WriteAll(*out, merged)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec report:", err)
		return 1
	}
	fmt.Fprintln(stdout, index)
	if *check && !merged.Green(*strict) {
		fmt.Fprintf(stderr, "pushspec report: not green: %d fail, %d error, %d harness problems, %d non-strict\n",
			merged.Counts["fail"], merged.Counts["error"], len(merged.Problems), merged.Counts["non-strict"])
		return 3
	}
	return 0
}

// readRun reads a results.json, or a ginkgo JSON report (a JSON array) built into results.
func readRun(path string) (*reports.Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return reports.FromGinkgoJSON(reports.Meta{Tool: reports.ToolFromBuildInfo(), Run: path}, path)
	}
	return reports.ReadJSONFile(path)
}
