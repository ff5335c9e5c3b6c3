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

// writeSenderRun writes the results.json of a sender run: the sender under test (a command
// sender named by PUSHSPEC_SENDER_NAME, its version from PUSHSPEC_SENDER_VERSION), its key
// derivation graded at the push service, and its message delivered to two real browsers.
func writeSenderRun(t *testing.T, dir, name, version string, firefox rules.Outcome) string {
	t.Helper()
	id := "sender:" + name
	kd := rules.KeyDerivation.ID
	shown := func(browser string, o rules.Outcome, msg string) reports.Finding {
		return reports.Finding{Outcome: o, Message: msg, Spec: "Delivery of the sender's message to real browsers has its message decrypted and shown by " + browser,
			Evidence: map[string]string{reports.EvidenceShownBy: browser}}
	}
	res := &reports.Results{
		Tool:    reports.Tool{Name: "pushspec", Version: "test"},
		Started: time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), DurationS: 10,
		Config:  map[string]string{"sender": "cmd", "sender-name": name},
		Run:     name,
		Targets: []reports.Target{{ID: id, Kind: "sender", Name: name, Version: version}},
		Rules:   []reports.Rule{{ID: kd, Doc: "RFC 8291", Section: "3.4", Level: "MUST", Actor: "application-server+user-agent", Summary: "Keys are derived as RFC 8291 says."}},
		Results: []reports.Result{{Rule: kd, Target: id, Finding: reports.Finding{Outcome: rules.Pass, Message: "decrypted by the push service", Spec: "the request decrypts"},
			Also: []reports.Finding{
				shown("Chromium 156.0.8078.108", rules.Pass, ""),
				shown("Firefox 140.3.0esr", firefox, "no service-worker report from firefox within 15 s"),
			}}},
	}
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Runs of two command senders merge into one matrix with a column per sender, each with its
// version, and a cell per browser each sender's message reached.
func TestReportComparesSenders(t *testing.T) {
	dir := t.TempDir()
	a := writeSenderRun(t, dir, "lib-a", "1.0.0", rules.Pass)
	b := writeSenderRun(t, dir, "lib-b", "2.3.4", rules.Fail)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := runReport(context.Background(), []string{"--in", a, "--in", b, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
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
	versions := map[string]string{}
	for _, tg := range merged.Targets {
		versions[tg.ID] = tg.Version
	}
	if versions["sender:lib-a"] != "1.0.0" || versions["sender:lib-b"] != "2.3.4" || len(versions) != 2 {
		t.Errorf("targets %+v, want sender:lib-a 1.0.0 and sender:lib-b 2.3.4", merged.Targets)
	}
	got := map[string]rules.Outcome{}
	for _, d := range merged.Deliveries {
		got[d.Target+" → "+d.Browser] = d.Outcome
		if d.Rule != rules.KeyDerivation.ID {
			t.Errorf("delivery %s → %s decides %q, want %s", d.Target, d.Browser, d.Rule, rules.KeyDerivation.ID)
		}
	}
	want := map[string]rules.Outcome{
		"sender:lib-a → Chromium 156.0.8078.108": rules.Pass, "sender:lib-a → Firefox 140.3.0esr": rules.Pass,
		"sender:lib-b → Chromium 156.0.8078.108": rules.Pass, "sender:lib-b → Firefox 140.3.0esr": rules.Fail,
	}
	if len(got) != len(want) {
		t.Errorf("deliveries %v, want %v", got, want)
	}
	for k, o := range want {
		if got[k] != o {
			t.Errorf("delivery %s: %q, want %q", k, got[k], o)
		}
	}

	html, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	for _, s := range []string{
		// the two senders' columns, with their versions
		`lib-a<div class="ver">1.0.0</div><div class="kind">sender:lib-a</div>`,
		`lib-b<div class="ver">2.3.4</div><div class="kind">sender:lib-b</div>`,
		// a row per browser, a cell per sender
		`shown by Chromium 156.0.8078.108`, `shown by Firefox 140.3.0esr`,
		`<td class="cell o-pass" id="c-shown-by-Chromium_156_0_8078_108--sender_lib-a">`,
		`<td class="cell o-pass" id="c-shown-by-Chromium_156_0_8078_108--sender_lib-b">`,
		`<td class="cell o-pass" id="c-shown-by-Firefox_140_3_0esr--sender_lib-a">`,
		`<td class="cell o-fail" id="c-shown-by-Firefox_140_3_0esr--sender_lib-b">`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("index.html lacks %q", s)
		}
	}
	x, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`<property name="target.version" value="1.0.0">`, `<property name="target.version" value="2.3.4">`,
		`<property name="delivery Firefox 140.3.0esr" value="fail">`} {
		if !strings.Contains(string(x), s) {
			t.Errorf("junit.xml lacks %s", s)
		}
	}
}
