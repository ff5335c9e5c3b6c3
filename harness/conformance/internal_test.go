package conformance

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/rules"
)

func TestNameSetRefusesDuplicatesPerTarget(t *testing.T) {
	n := &nameSet{seen: map[string]types.CodeLocation{}}
	a := types.CodeLocation{FileName: "a_test.go", LineNumber: 10}
	b := types.CodeLocation{FileName: "b_test.go", LineNumber: 20}
	if err := n.add("RFC 8030 rejects", "firefox", a); err != nil {
		t.Fatal(err)
	}
	if err := n.add("RFC 8030 rejects", "chromium", b); err != nil {
		t.Errorf("same name, other target: %v", err)
	}
	err := n.add("RFC 8030 rejects", "firefox", b)
	if err == nil || !strings.Contains(err.Error(), "a_test.go:10") || !strings.Contains(err.Error(), "b_test.go:20") {
		t.Errorf("duplicate not refused with both locations: %v", err)
	}
}

func TestCheckUniqueNames(t *testing.T) {
	mk := func(text, target string, line int) types.SpecReport {
		e := types.ReportEntry{Name: TargetEntry}
		e.Value.AsJSON = `{"id":"` + target + `","kind":"user-agent","name":"","version":""}`
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, ContainerHierarchyTexts: []string{"RFC 8030"},
			LeafNodeLocation: types.CodeLocation{FileName: "x_test.go", LineNumber: line}, ReportEntries: types.ReportEntries{e}}
	}
	ok := types.Report{SpecReports: types.SpecReports{mk("a", "firefox", 1), mk("a", "chromium", 2), mk("b", "firefox", 3)}}
	if err := CheckUniqueNames(ok); err != nil {
		t.Errorf("unique report refused: %v", err)
	}
	bad := types.Report{SpecReports: append(ok.SpecReports, mk("a", "firefox", 4))}
	err := CheckUniqueNames(bad)
	if err == nil || !strings.Contains(err.Error(), "x_test.go:1") || !strings.Contains(err.Error(), "x_test.go:4") {
		t.Errorf("duplicate not reported with both locations: %v", err)
	}
}

func TestValidate(t *testing.T) {
	good := Target{ID: "firefox", Kind: KindUserAgent}
	if err := validate(good, rules.PMDJSON); err != nil {
		t.Errorf("valid target refused: %v", err)
	}
	for name, c := range map[string]struct {
		target Target
		rule   rules.Rule
	}{
		"no target ID": {Target{Kind: KindUserAgent}, rules.PMDJSON},
		"bad kind":     {Target{ID: "firefox", Kind: "browser"}, rules.PMDJSON},
		"unknown rule": {good, rules.Rule{ID: "rfc8030-9-made-up"}}, // ruleids:allow
		"zero rule":    {good, rules.Rule{}},
		"changed rule": {good, func() rules.Rule { r := rules.PMDJSON; r.Level = rules.May; return r }()},
	} {
		if validate(c.target, c.rule) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A rule outside the catalogue given to Also or Observe panics (the spec is graded error)
// instead of being graded at the level its made-up value carries.
func TestRecorderRefusesUnknownRules(t *testing.T) {
	r := &Recorder{rule: rules.PMDJSON, target: Target{ID: "firefox", Kind: KindUserAgent}, evidence: map[string]string{}}
	unknown := rules.Rule{ID: "rfc8030-9-made-up", Level: rules.Must} // ruleids:allow
	for name, f := range map[string]func(){
		"Also":    func() { r.Also(unknown) },
		"Observe": func() { r.Observe(unknown, "seen") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s accepted a rule outside the catalogue", name)
				}
			}()
			f()
		}()
	}
	if len(r.also) != 0 || len(r.observed) != 0 {
		t.Errorf("the unknown rule was recorded: also %v, observed %v", r.also, r.observed)
	}
	r.Also(rules.TTLMissing400)
	r.Observe(rules.Over4096May413, "seen")
	if len(r.also) != 1 || len(r.observed) != 1 {
		t.Errorf("catalogued rules were not recorded: also %v, observed %v", r.also, r.observed)
	}
}

func TestLabels(t *testing.T) {
	got := Labels(rules.KeyDerivation, Target{ID: "autopush=ws://h:1/x", Kind: KindPushService})
	want := []string{rules.KeyDerivation.ID, "rfc8291", "MUST", "actor:application-server", "actor:user-agent", "target:autopush=ws:__h:1_x"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Labels = %q, want %q", got, want)
	}
	for _, l := range Labels(rules.NoDeliveryAfterTTL, Target{ID: "fake:rfc"}) {
		if strings.Contains(l, " ") {
			t.Errorf("label %q has a space (hard to use in --label-filter)", l)
		}
	}
}

func TestTruncate(t *testing.T) {
	if v := strings.Repeat("x", MaxEvidence); truncate(v) != v {
		t.Error("a value of exactly MaxEvidence bytes was cut")
	}
	// A multi-byte rune straddling the limit is not split.
	v := strings.Repeat("x", MaxEvidence-1) + "é" + "tail"
	got := truncate(v)
	if !utf8.ValidString(got) || !strings.Contains(got, "truncated by pushspec") {
		t.Errorf("truncate split a rune or left no note: %q", got[len(got)-80:])
	}
}

// The spec-narrowed list names real rules and a spec text, no (target, rule) of the whole-rule
// list, sorted, each with a reason.
func TestKnownSpecDeviationsWellFormed(t *testing.T) {
	for i, d := range KnownSpecDeviations {
		if _, ok := rules.ByID(d.Rule); !ok {
			t.Errorf("%s/%s: no such rule in the catalogue", d.Target, d.Rule)
		}
		if d.Target == "" || d.Reason == "" || d.Spec == "" {
			t.Errorf("%d: target, reason and spec are required: %+v", i, d)
		}
		if _, whole := KnownDeviation(d.Target, d.Rule); whole {
			t.Errorf("%s/%s: also listed for every spec in KnownDeviations", d.Target, d.Rule)
		}
		if got, ok := KnownDeviationIn(d.Target, d.Rule, "container "+d.Spec); !ok || got != d.Deviation {
			t.Errorf("%s/%s: not found for its own spec text", d.Target, d.Rule)
		}
		if _, ok := KnownDeviationIn(d.Target, d.Rule, "another spec"); ok {
			t.Errorf("%s/%s: found for a spec it does not name", d.Target, d.Rule)
		}
		if i > 0 {
			p := KnownSpecDeviations[i-1]
			if p.Target > d.Target || (p.Target == d.Target && p.Rule > d.Rule) {
				t.Errorf("not sorted by target, then rule: %s/%s after %s/%s", d.Target, d.Rule, p.Target, p.Rule)
			}
		}
	}
}

// The reviewed list names real rules, each (target, rule) once, sorted, each with a reason.
func TestKnownDeviationsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for i, d := range KnownDeviations {
		if _, ok := rules.ByID(d.Rule); !ok {
			t.Errorf("%s/%s: no such rule in the catalogue", d.Target, d.Rule)
		}
		if d.Target == "" || d.Reason == "" {
			t.Errorf("%d: target and reason are required: %+v", i, d)
		}
		key := d.Target + " " + d.Rule
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if i > 0 {
			p := KnownDeviations[i-1]
			if p.Target > d.Target || (p.Target == d.Target && p.Rule > d.Rule) {
				t.Errorf("not sorted by target, then rule: %s/%s after %s/%s", d.Target, d.Rule, p.Target, p.Rule)
			}
		}
	}
}
