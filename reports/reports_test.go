package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/rules"
)

func find(t *testing.T, res *Results, rule, target string) Result {
	t.Helper()
	for _, r := range res.Results {
		if r.Rule == rule && r.Target == target {
			return r
		}
	}
	t.Fatalf("no result for %s on %s", rule, target)
	return Result{}
}

func TestBuildGradesHarnessFailures(t *testing.T) {
	res := fixtureResults(t)

	// Panicked without a result entry: error on the rule of its label, target from its label.
	r := find(t, res, rules.NotificationTagReplaces.ID, "firefox")
	if r.Outcome != rules.Error || !strings.HasPrefix(r.Message, "no verdict, the spec panicked in It") || r.Evidence["panic"] == "" || r.Evidence["failure_location"] != "browser/firefox.go:211" {
		t.Errorf("panicked spec without result: %+v", r)
	}
	// Failed without any rule label: a problem, not dropped.
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Message, "too many open files") || res.Problems[0].Location != "useragent/env_test.go:12" {
		t.Errorf("problems: %+v", res.Problems)
	}
	// Skipped by a filter (no message, no entry): skip, "not run".
	if r := find(t, res, rules.NoDeliveryAfterTTL.ID, "fake:rfc"); r.Outcome != rules.Skip || r.Message != "not run: skipped" {
		t.Errorf("a spec that never ran: %+v", r)
	}
	// A rule the catalogue does not have is kept and shown.
	find(t, res, "rfc9999-1-made-up-rule", "sender:webpush-go")
	var unknown bool
	for _, ru := range res.Rules {
		unknown = unknown || ru.ID == "rfc9999-1-made-up-rule"
	}
	if !unknown {
		t.Errorf("unknown rule not listed in rules")
	}
	if res.Green(false) {
		t.Errorf("a run with fails, errors and a problem is green")
	}
	// Known deviations: the result stays fail, but does not make its target red on its own.
	kd := find(t, res, rules.NotificationSilentWithVibrate.ID, "firefox")
	if kd.Outcome != rules.Fail || !kd.IsKnownDeviation() {
		t.Errorf("known deviation: %+v", kd)
	}
	if st := find(t, res, rules.GetSubscriptionNull.ID, "chromium"); !st.IsStaleDeviation() || st.IsKnownDeviation() {
		t.Errorf("stale deviation: %+v", st)
	}
}

func TestBuildFoldsAndReadsEvidence(t *testing.T) {
	res := fixtureResults(t)
	r := find(t, res, rules.PushEventFired.ID, "chromium")
	if r.Outcome != rules.Fail || len(r.Also) != 9 || r.Note != "worst of 10 findings: 1 fail, 9 pass" {
		t.Errorf("folded cell: outcome %s, %d also, note %q", r.Outcome, len(r.Also), r.Note)
	}
	// Numbers in evidence become strings, objects compact JSON.
	if got := find(t, res, rules.Fits4096.ID, "sender:webpush-go").Evidence["content_length"]; got != "4096" {
		t.Errorf("numeric evidence: %q", got)
	}
	if got := find(t, res, rules.ExpMax24h.ID, "sender:webpush-go").Evidence["jwt_claims"]; !strings.HasPrefix(got, `{"aud":`) {
		t.Errorf("object evidence: %q", got)
	}
	if r := find(t, res, rules.TTLMissing400.ID, "fake:rfc"); r.DurationMS != 12 || r.Spec != "RFC 8030 §5.2 Push Message Time-To-Live rejects a push request without TTL" || r.Location != "pushservice/rfc8030_5_2_ttl_test.go:31" {
		t.Errorf("finding provenance: %+v", r)
	}
	lat := newLatencyView(res)
	if lat == nil || len(lat.Bands) != 2 || lat.Bands[0].N != 9 || lat.Bands[1].N != 12 {
		t.Fatalf("latency bands: %+v", lat)
	}
	if lat.Bands[1].P50 != "92 ms" || lat.Bands[1].P99 != "410 ms" {
		t.Errorf("firefox p50/p99: %s/%s", lat.Bands[1].P50, lat.Bands[1].P99)
	}
}

// A report read from `ginkgo --json-report` gives the same results as the in-process one.
func TestFromGinkgoJSONMatchesBuild(t *testing.T) {
	rep := fixtureReport()
	b, err := json.Marshal([]types.Report{rep})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := FromGinkgoJSON(fixtureMeta(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := fixtureResults(t)
	if !reflect.DeepEqual(got, want) {
		var gb, wb bytes.Buffer
		_ = WriteJSON(&gb, got)
		_ = WriteJSON(&wb, want)
		t.Errorf("FromGinkgoJSON differs from Build:\n%s\nwant\n%s", gb.String(), wb.String())
	}
	if _, err := FromGinkgoJSON(fixtureMeta(), filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Errorf("a missing file is not an error")
	}
}

func TestUnreadableEntryIsAProblem(t *testing.T) {
	rep := types.Report{SpecReports: types.SpecReports{{
		LeafNodeType: types.NodeTypeIt, LeafNodeText: "broken entry", State: types.SpecStatePassed,
		ReportEntries: types.ReportEntries{{Name: ResultEntry, Value: types.ReportEntryValue{AsJSON: `{"rule": 7}`}}},
	}}}
	res, err := Build(rep, Meta{Tool: Tool{Name: "pushspec", Version: "t"}, Catalogue: fixtureCatalogue})
	if err != nil || res == nil || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Message, "unreadable pushspec.result entry") {
		t.Fatalf("err %v, res %+v", err, res)
	}
}

func TestJUnitParsesAndMapsOutcomes(t *testing.T) {
	res := fixtureResults(t)
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Classname string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
				Error     *struct{} `xml:"error"`
				Skipped   *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml is not valid XML: %v", err)
	}
	if doc.Tests != len(res.Results)+len(res.Problems) {
		t.Errorf("tests=%d, want %d", doc.Tests, len(res.Results)+len(res.Problems))
	}
	if len(doc.Suites) != len(res.Targets)+1 {
		t.Errorf("%d suites, want one per target plus the harness problems", len(doc.Suites))
	}
	byName := map[string]int{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			switch {
			case c.Failure != nil:
				byName["fail"]++
			case c.Error != nil:
				byName["error"]++
			case c.Skipped != nil:
				byName["skip"]++
				if c.Skipped.Message == "" {
					t.Errorf("%s: skipped without its reason", c.Name)
				}
			case strings.HasPrefix(c.SystemOut, "known deviation"):
				byName["known"]++
			case strings.HasPrefix(c.SystemOut, "non-strict"):
				byName["non-strict"]++
			case strings.HasPrefix(c.SystemOut, "info"):
				byName["info"]++
			default:
				byName["pass"]++
			}
			if c.Classname == "" || !strings.Contains(c.Name, "") {
				t.Errorf("case without classname: %+v", c)
			}
		}
	}
	want := map[string]int{}
	for o, n := range res.Counts {
		want[string(o)] = n
	}
	want["error"] += len(res.Problems)
	for _, r := range res.Results {
		if r.IsKnownDeviation() {
			want[string(r.Outcome)]--
			want["known"]++
		}
	}
	if !reflect.DeepEqual(byName, want) {
		t.Errorf("outcome mapping: got %v, want %v", byName, want)
	}
}

func TestMergeKeepsWorstAndSaysSo(t *testing.T) {
	a := fixtureResults(t)
	a.Run = "a.json"
	b := fixtureResults(t)
	b.Run = "b.json"
	// In b, Firefox fails the rule a saw pass, and a new target appears.
	for i := range b.Results {
		if b.Results[i].Rule == rules.FailWrongDelimiter.ID && b.Results[i].Target == "firefox" {
			b.Results[i].Outcome, b.Results[i].Message = rules.Fail, "the bad record fired push"
		}
	}
	b.Targets = append(b.Targets, Target{ID: "webkit", Kind: "user-agent", Name: "WebKit"})
	b.Results = append(b.Results, Result{Rule: rules.TTLMissing400.ID, Target: "webkit", Finding: Finding{Outcome: rules.Skip, Message: "no push"}})
	before, _ := json.Marshal(a)

	m := Merge(a, b)
	if after, _ := json.Marshal(a); !bytes.Equal(before, after) {
		t.Errorf("Merge modified its input")
	}
	r := find(t, m, rules.FailWrongDelimiter.ID, "firefox")
	if r.Outcome != rules.Fail || r.Run != "b.json" || len(r.Also) != 1 || r.Also[0].Run != "a.json" ||
		r.Note != "worst of 2 findings: 1 fail, 1 pass; from runs b.json (fail), a.json (pass)" {
		t.Errorf("merged cell: %+v", r)
	}
	find(t, m, rules.TTLMissing400.ID, "webkit")
	if len(m.Targets) != len(a.Targets)+1 || !reflect.DeepEqual(m.Runs, []string{"a.json", "b.json"}) || len(m.Problems) != 2 {
		t.Errorf("targets %d, runs %v, problems %d", len(m.Targets), m.Runs, len(m.Problems))
	}
	if m.Config["browsers"] != "chromium,firefox" {
		t.Errorf("agreeing config values are kept as they are: %q", m.Config["browsers"])
	}
	// Same rule, same target in both runs with the same outcome: still one cell.
	if c := find(t, m, rules.TTLMissing400.ID, "fake:rfc"); c.Outcome != rules.Pass || len(c.Also) != 1 {
		t.Errorf("duplicate pass cell: %+v", c)
	}
}

func TestJSONRoundTripAndWriteAll(t *testing.T) {
	res := fixtureResults(t)
	dir := filepath.Join(t.TempDir(), "out")
	index, err := WriteAll(dir, res)
	if err != nil {
		t.Fatal(err)
	}
	if index != filepath.Join(dir, "index.html") {
		t.Errorf("index path %q", index)
	}
	got, err := ReadJSONFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	got.Run = "" // ReadJSONFile names the run after its file
	if !reflect.DeepEqual(got, res) {
		t.Errorf("results.json does not read back as written")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("WriteAll left %d files (temporary files?)", len(entries))
	}
}

// The page is self-contained: nothing is loaded from anywhere, and the only links that leave
// the page are the specification URLs of the rules and documents.
func TestHTMLIsSelfContained(t *testing.T) {
	res := fixtureResults(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	allowed := map[string]bool{"results.json": true, "junit.xml": true, "data:,": true}
	for _, r := range res.Rules {
		allowed[r.URL] = true
	}
	for _, d := range docInfo {
		allowed[d.URL] = true
	}
	for _, m := range regexp.MustCompile(`(?i)\b(src|href|action|xlink:href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if strings.EqualFold(m[1], "src") {
			t.Errorf("the page loads %s", m[2])
			continue
		}
		if !strings.HasPrefix(m[2], "#") && !allowed[m[2]] {
			t.Errorf("link to %q", m[2])
		}
	}
	for _, bad := range []string{"@import", "url(", "<iframe", "<img", "<link rel=\"stylesheet\""} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
}

func TestHTMLWithoutLatencyOrResults(t *testing.T) {
	res, err := Build(types.Report{StartTime: time.Unix(0, 0)}, Meta{Tool: Tool{Name: "pushspec", Version: "t"}, Catalogue: fixtureCatalogue})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, `id="latency"`) {
		t.Errorf("latency section without data")
	}
	if !strings.Contains(page, "No results") || !strings.Contains(page, "22 of 22 rules have no result") {
		t.Errorf("an empty run does not say so")
	}
}

func TestNaturalSectionOrder(t *testing.T) {
	in := []string{"5.10", "5.2", "10", "4.1", "A.1", "4", "subscribe()"}
	want := []string{"4", "4.1", "5.2", "5.10", "10", "A.1", "subscribe()"}
	got := append([]string(nil), in...)
	for i := range got {
		for j := i + 1; j < len(got); j++ {
			if naturalLess(got[j], got[i]) {
				got[i], got[j] = got[j], got[i]
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		outcomes []rules.Outcome
		want     string
	}{
		{[]rules.Outcome{rules.Pass, rules.NonStrict, rules.Skip}, "CONFORMS"},
		{[]rules.Outcome{rules.Pass, rules.Error}, "INCOMPLETE: PUSHSPEC BROKE"},
		{[]rules.Outcome{rules.Error, rules.Fail}, "DOES NOT CONFORM"},
	} {
		res := &Results{Targets: []Target{{ID: "x"}}}
		for i, o := range c.outcomes {
			res.Results = append(res.Results, Result{Rule: fixtureCatalogue[i].ID, Target: "x", Finding: Finding{Outcome: o}})
		}
		res.finish()
		if got := newPageView(res).Verdict; got != c.want {
			t.Errorf("%v: verdict %q, want %q", c.outcomes, got, c.want)
		}
	}
}

func TestKnownDeviationsKeepCIGreen(t *testing.T) {
	res := &Results{Targets: []Target{{ID: "firefox"}}, Results: []Result{
		{Rule: fixtureCatalogue[0].ID, Target: "firefox", Finding: Finding{Outcome: rules.Fail, Message: "known", Evidence: map[string]string{EvidenceKnownDeviation: "reviewed reason"}}},
		{Rule: fixtureCatalogue[1].ID, Target: "firefox", Finding: Finding{Outcome: rules.Pass}},
	}}
	res.finish()
	if !res.Green(true) || !res.Summary[0].Green || res.Summary[0].KnownDeviations != 1 || res.Counts[rules.Fail] != 1 {
		t.Errorf("green %v, summary %+v, counts %v", res.Green(true), res.Summary[0], res.Counts)
	}
	v := newPageView(res)
	if v.Verdict != "DOES NOT CONFORM" || v.CI != "CI: green (only reviewed known deviations fail)" || v.Headline != "1 MUST broken (1 known)" {
		t.Errorf("verdict %q, CI %q, headline %q", v.Verdict, v.CI, v.Headline)
	}
}

func TestHTMLCapsFoldedFindings(t *testing.T) {
	res := &Results{Rules: []Rule{{ID: rules.TTLMissing400.ID, Doc: "RFC 8030", Section: "5.2", Level: "MUST"}}}
	r := Result{Rule: rules.TTLMissing400.ID, Target: "fake:rfc", Finding: Finding{Outcome: rules.Pass, Message: "first"}}
	for i := 0; i < 29; i++ {
		r.Also = append(r.Also, Finding{Outcome: rules.Pass, Message: "again"})
	}
	res.Results = []Result{r}
	res.finish()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(page, "> again"); n != maxAlso {
		t.Errorf("%d other findings shown, want %d", n, maxAlso)
	}
	if !strings.Contains(page, "… and 9 more in results.json") || !strings.Contains(page, "×30") {
		t.Errorf("the cap is not stated")
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	got := truncate(strings.Repeat("é", 10), 5) // 2 bytes per rune: cut inside the third
	if !strings.HasPrefix(got, "éé…") || !strings.HasSuffix(got, "(16 bytes cut)") {
		t.Errorf("got %q", got)
	}
}

// TestFoldShowsInfoOverPass: a rule recorded once (info: a library sent TTL 60 when asked for 0)
// among passing checks of the same target is what its cell shows; a failure still shows first.
func TestFoldShowsInfoOverPass(t *testing.T) {
	in := []pending{
		{"r", "t", Finding{Outcome: rules.Pass, Spec: "a"}},
		{"r", "t", Finding{Outcome: rules.Info, Spec: "b", Message: "sent TTL 60 for the TTL 0 it was asked for"}},
		{"r", "t", Finding{Outcome: rules.Pass, Spec: "c"}},
		{"s", "t", Finding{Outcome: rules.Info, Spec: "a"}},
		{"s", "t", Finding{Outcome: rules.Fail, Spec: "b"}},
		{"u", "t", Finding{Outcome: rules.Skip, Spec: "a"}},
		{"u", "t", Finding{Outcome: rules.Pass, Spec: "b"}},
	}
	got := map[string]rules.Outcome{}
	for _, r := range fold(in) {
		got[r.Rule] = r.Outcome
	}
	want := map[string]rules.Outcome{"r": rules.Info, "s": rules.Fail, "u": rules.Pass}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("rule %s shows %s, want %s", k, got[k], w)
		}
	}
}

// A sender's checks that name the browser its message reached (shown_by) become one delivery
// per browser; the rule they decide keeps every finding, and its verdict, as before.
func TestBuildGathersDeliveriesPerBrowser(t *testing.T) {
	kd := rules.KeyDerivation.ID
	sender := map[string]string{"id": "sender:lib", "kind": "sender", "name": "lib", "version": "1.2.3"}
	specs := []specDef{
		{container: "sender", text: "derives its keys", file: "sender/a_test.go", line: 1, state: types.SpecStatePassed, target: sender,
			results: []map[string]any{result(kd, "sender:lib", "pass", "", 2, nil)}},
		{container: "sender", text: "has its message decrypted and shown by chromium", file: "sender/b_test.go", line: 2, state: types.SpecStatePassed, target: sender,
			results: []map[string]any{result(kd, "sender:lib", "pass", "", 900, map[string]any{EvidenceShownBy: "Chromium 156.0.8078.108"})}},
		{container: "sender", text: "has its message decrypted and shown by firefox", file: "sender/b_test.go", line: 3, state: types.SpecStateFailed, target: sender,
			results: []map[string]any{result(kd, "sender:lib", "fail", "no service-worker report from firefox within 15 s", 15000, map[string]any{EvidenceShownBy: "Firefox 140.3.0esr"})}},
	}
	rep := types.Report{SuiteDescription: "sender suite", StartTime: fixtureStart, RunTime: time.Minute}
	for i, d := range specs {
		rep.SpecReports = append(rep.SpecReports, d.report(i))
	}
	res, err := Build(rep, Meta{Tool: Tool{Name: "pushspec", Version: "test"}, Catalogue: []rules.Rule{rules.KeyDerivation}})
	if err != nil {
		t.Fatal(err)
	}
	if r := find(t, res, kd, "sender:lib"); r.Outcome != rules.Fail || len(r.Also) != 2 {
		t.Errorf("the rule's result keeps its three findings, worst first: %+v", r)
	}
	if len(res.Deliveries) != 2 {
		t.Fatalf("deliveries %+v, want one per browser", res.Deliveries)
	}
	c, f := res.Deliveries[0], res.Deliveries[1]
	if c.Browser != "Chromium 156.0.8078.108" || c.Outcome != rules.Pass || c.Target != "sender:lib" || c.Rule != kd || len(c.Also) != 0 {
		t.Errorf("Chromium delivery: %+v", c)
	}
	if f.Browser != "Firefox 140.3.0esr" || f.Outcome != rules.Fail || !strings.Contains(f.Message, "no service-worker report") || f.Spec != "sender has its message decrypted and shown by firefox" {
		t.Errorf("Firefox delivery: %+v", f)
	}

	var page bytes.Buffer
	if err := WriteHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`shown by Chromium 156.0.8078.108`, `lib<div class="ver">1.2.3</div>`,
		`<td class="cell o-fail" id="c-shown-by-Firefox_140_3_0esr--sender_lib">`} {
		if !strings.Contains(page.String(), s) {
			t.Errorf("index.html lacks %q", s)
		}
	}
}

// A spec skipped before it ran has only its labels, where "/" cannot appear: its result goes to
// the declared target all the same, not to a second one.
func TestBuildMapsLabelledTargetsBack(t *testing.T) {
	kd, ttl := rules.KeyDerivation.ID, rules.TTLRequired.ID
	sender := map[string]string{"id": "sender:@pushforge/builder", "kind": "sender", "name": "@pushforge/builder", "version": "2.0.5"}
	specs := []specDef{
		{container: "sender", text: "derives its keys", file: "sender/a_test.go", line: 1, state: types.SpecStatePassed, target: sender,
			results: []map[string]any{result(kd, "sender:@pushforge/builder", "pass", "", 2, nil)}},
		{container: "sender", text: "sends a TTL", file: "sender/b_test.go", line: 2, state: types.SpecStateSkipped,
			labels: []string{ttl, "rfc8030", "MUST", "target:sender:@pushforge_builder"}},
	}
	rep := types.Report{SuiteDescription: "sender suite", StartTime: fixtureStart, RunTime: time.Minute}
	for i, d := range specs {
		rep.SpecReports = append(rep.SpecReports, d.report(i))
	}
	res, err := Build(rep, Meta{Tool: Tool{Name: "pushspec", Version: "test"}, Catalogue: []rules.Rule{rules.KeyDerivation, rules.TTLRequired}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Targets) != 1 || res.Targets[0].ID != "sender:@pushforge/builder" {
		t.Errorf("targets %+v, want the one declared sender", res.Targets)
	}
	if r := find(t, res, ttl, "sender:@pushforge/builder"); r.Outcome != rules.Skip {
		t.Errorf("the skipped spec's result: %+v", r)
	}
}
