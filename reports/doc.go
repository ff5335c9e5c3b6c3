// Package reports turns what the conformance suites record into the three files every pushspec
// run ends with (DESIGN.md, "Contracts"):
//
//   - results.json — the machine-readable contract: tool, configuration, targets, the whole rule
//     catalogue and one result per rule checked per target (Results);
//   - junit.xml — one test case per result, for CI systems;
//   - index.html — one self-contained page (no external scripts, styles or fonts): what breaks,
//     per-target summaries, the rule × target matrix with the evidence of every cell, the rules
//     not covered, and the end-to-end latency per browser.
//
// The input is ginkgo's report (types.Report), in-process from ReportAfterSuite (WriteAll) or
// from `ginkgo --json-report` files (FromGinkgoJSON). The spec wrapper (harness/conformance)
// attaches report entries named "pushspec.result" and "pushspec.target"; they are read from
// their JSON form (ReportEntryValue.AsJSON) because the Go value does not survive parallel
// processes or a JSON file. Several results.json files, one per target or per machine, combine
// with Merge.
//
// The package does not run anything and has no opinion on what passes: it carries the outcomes
// the wrapper graded, and only adds `error` where a spec failed without saying why.
package reports
