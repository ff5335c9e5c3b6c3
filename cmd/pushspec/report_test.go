package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/rules"
)

// writeRun writes a one-target results.json into dir and returns its path.
func writeRun(t *testing.T, dir, name string, target reports.Target, outcome rules.Outcome, msg string) string {
	t.Helper()
	res := &reports.Results{
		Tool:    reports.Tool{Name: "pushspec", Version: "test"},
		Started: time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), DurationS: 10,
		Config:  map[string]string{"browsers": target.ID},
		Targets: []reports.Target{target},
		Rules:   []reports.Rule{{ID: rules.TTLMissing400.ID, Doc: "RFC 8030", Section: "5.2", Level: "MUST", Actor: "push-service", Summary: "A request without TTL is rejected with 400."}},
		Results: []reports.Result{
			{Rule: rules.TTLMissing400.ID, Target: "fake:rfc", Finding: reports.Finding{Outcome: outcome, Message: msg}},
			{Rule: rules.TTLMissing400.ID, Target: target.ID, Finding: reports.Finding{Outcome: rules.Pass, Message: "ok"}},
		},
	}
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportMergesRuns(t *testing.T) {
	dir := t.TempDir()
	a := writeRun(t, dir, "chromium.json", reports.Target{ID: "chromium", Kind: "user-agent", Name: "Chromium", Version: "142"}, rules.Pass, "400 as expected")
	b := writeRun(t, dir, "firefox.json", reports.Target{ID: "firefox", Kind: "user-agent", Name: "Firefox ESR", Version: "153"}, rules.Fail, "201 instead of 400")
	out := filepath.Join(dir, "out")

	var stdout, stderr bytes.Buffer
	code := runReport(context.Background(), []string{"--in", a, "--in", b, "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr.String())
	}
	index := strings.TrimSpace(stdout.String())
	if index != filepath.Join(out, "index.html") {
		t.Errorf("printed %q, want the path of index.html", index)
	}
	for _, name := range []string{"results.json", "junit.xml", "index.html"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	f, err := os.Open(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	merged, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Targets) != 3 {
		t.Errorf("targets: %+v, want chromium, firefox and fake:rfc", merged.Targets)
	}
	var cell *reports.Result
	for i := range merged.Results {
		if merged.Results[i].Target == "fake:rfc" {
			cell = &merged.Results[i]
		}
	}
	if cell == nil {
		t.Fatal("no merged result for fake:rfc")
	}
	if cell.Outcome != rules.Fail || cell.Run != b || len(cell.Also) != 1 || !strings.Contains(cell.Note, b+" (fail)") || !strings.Contains(cell.Note, a+" (pass)") {
		t.Errorf("the merged cell keeps the worst outcome and names both runs; got %+v", cell)
	}
	if got := merged.Config["browsers"]; !strings.Contains(got, "chromium ("+a+")") || !strings.Contains(got, "firefox ("+b+")") {
		t.Errorf("config browsers = %q, want both values with their runs", got)
	}

	// --check turns the red result into exit status 3, and the report is still written.
	stdout.Reset()
	stderr.Reset()
	if code := runReport(context.Background(), []string{"--in", a, "--in", b, "--out", out, "--check"}, &stdout, &stderr); code != 3 {
		t.Errorf("--check on a failed run: exit %d, want 3 (stderr %s)", code, stderr.String())
	}
}

func TestReportFromGinkgoJSON(t *testing.T) {
	dir := t.TempDir()
	rep := types.Report{SuiteDescription: "pushspec", StartTime: time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), RunTime: time.Second}
	rep.SpecReports = append(rep.SpecReports, types.SpecReport{
		LeafNodeType: types.NodeTypeIt, LeafNodeText: "rejects a push request without TTL", State: types.SpecStatePassed,
		ReportEntries: types.ReportEntries{
			{Name: reports.TargetEntry, Value: types.WrapEntryValue(map[string]string{"id": "fake:rfc", "kind": "push-service", "name": "fake"})},
			{Name: reports.ResultEntry, Value: types.WrapEntryValue(map[string]any{"rule": rules.TTLMissing400.ID, "target": "fake:rfc", "outcome": "pass", "message": "400", "duration_ms": 3})},
		},
	})
	b, err := json.Marshal([]types.Report{rep})
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "ginkgo.json")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "out")
	if code := runReport(context.Background(), []string{"--in", in, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	x, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests int `xml:"tests,attr"`
	}
	if err := xml.Unmarshal(x, &suites); err != nil || suites.Tests != 1 {
		t.Errorf("junit.xml: %v, %d tests, want 1", err, suites.Tests)
	}
}

func TestReportUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runReport(context.Background(), []string{"--help"}, &stdout, &stderr); code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	if !strings.Contains(stdout.String(), "--in") || !strings.Contains(stdout.String(), "worst outcome") {
		t.Errorf("--help does not explain the command:\n%s", stdout.String())
	}
	stdout.Reset()
	if code := runReport(context.Background(), nil, &stdout, &stderr); code != 2 {
		t.Errorf("no --in: exit %d, want 2", code)
	}
	if code := runReport(context.Background(), []string{"--in", filepath.Join(t.TempDir(), "missing.json")}, &stdout, &stderr); code != 1 {
		t.Errorf("missing input: exit %d, want 1", code)
	}
}
