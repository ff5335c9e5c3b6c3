// Package reports turns what the conformance suites record into the three files every pushspec
// run ends with (their schema and meaning: docs/results-json.md):
//
//   - results.json — the machine-readable contract: tool, configuration, targets, the whole rule
//     catalogue and one result per rule checked per target (Results);
//   - junit.xml — one test case per result, for CI systems (WriteJUnit says how outcomes map);
//   - index.html — one self-contained page (no external scripts, styles, fonts or images; works
//     from file:// and prints): the verdict, what breaks per target, per-target summaries by
//     outcome and level, the legend, the interop matrix, the rule × target matrix with the
//     evidence of every cell opening in place, filters, the rules not covered, the end-to-end
//     latency per browser, and the run's targets and redacted configuration.
//
// # Interop targets
//
// specs/interop reports each (receiver, sender, push-service profile) on a target of its own,
// ID "<receiver>/<sender>/<profile>" ("chromium/raw/rfc", "virtual-ua/web-push/apple"), kind
// user-agent; Target.InteropParts recognises them from the ID alone, so results.json needs no
// field for it and older files read the same. results.json and junit.xml list them like any
// target. The page does not give them columns of the rule × target matrix (21 of them made it
// 3,300 px wide): they fill the Interop section instead, rows receiver · profile, columns
// sender, each cell the worst outcome of that target's results with all their evidence. The
// matrix keeps the other targets, and a rule checked on interop targets only appears there
// alone; "what breaks" links an interop result to its interop cell.
//
// # Input
//
// The input is ginkgo's report (types.Report): in-process from ReportAfterSuite (Build), or from
// `ginkgo --json-report` files (FromGinkgoJSON). The spec wrapper (harness/conformance) attaches
// report entries named "pushspec.result" (one per rule decided) and "pushspec.target"; they are
// read from their JSON form (ReportEntryValue.AsJSON) because the Go value does not survive
// parallel processes or a JSON file — and from the raw value when AsJSON is empty, as it is
// in-process in a serial run.
//
// The package carries the outcomes the wrapper graded and has no opinion of its own on what
// passes. A spec without result entries is read from its labels, as conformance.Results does: a
// spec that failed, panicked, was interrupted or timed out is a harness problem, an `error` for
// each rule ID among its labels or a Problem when it has none; a skipped one is `skip` with its
// reason. Undecodable entries and failed suite nodes are Problems too; nothing is dropped
// silently, and Build never fails for them, so the runner can always write the report.
//
// A result whose evidence carries "known_deviation" (harness/conformance, Deviation) stays `fail`
// in every file, is marked as a known deviation on the page, and does not make the run red
// (Results.Green, and a passing JUnit case with a note); a stale entry is flagged for removal.
//
// Several findings for the same rule and target (several specs, several requests, several runs)
// fold into one Result: the worst outcome (rules.Outcome.Severity) with the others kept in Also
// and a Note saying how it was chosen. Merge does the same across runs.
//
// # Use
//
// From a suite:
//
//	var _ = ginkgo.ReportAfterSuite("pushspec report", func(r ginkgo.Report) {
//		res, err := reports.Build(r, reports.Meta{Tool: reports.ToolFromBuildInfo(), Config: cfg.Redacted()})
//		... // err: some entries were unreadable; res still lists them as problems
//		index, err := reports.WriteAll(dir, res)
//	})
//
// From files: FromGinkgoJSON(meta, paths...), ReadJSONFile, Merge, WriteAll — which is what
// `pushspec report --in a.json --in b.json --out DIR` does.
//
// # Tests
//
//	go test ./reports                  golden files, merge, JUnit, and the page in headless Chromium
//	go test ./reports -update          rewrite testdata/*.golden.* after an intended change
//
// The Chromium test leaves screenshots and the page in testdata/out/ (git-ignored) for a human
// to look at; it skips when /usr/bin/chromium is missing.
package reports
