package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"

	"github.com/pushspec/pushspec/rules"
)

// WriteJUnit writes junit.xml: one <testsuite> per target (in Targets order), one <testcase>
// per result, sorted by rule ID; classname is the target ID and name is the rule ID followed by
// the spec text. Outcomes map as CI systems expect:
//
//   - fail       → <failure type="fail"> with the message, and the evidence in the body;
//   - error      → <error type="error">, same content;
//   - skip       → <skipped message="reason">;
//   - non-strict → a passing test case (a SHOULD broken is still conformant) with a
//     <system-out> note and the property outcome=non-strict, so that the finding is not lost;
//   - info       → a passing test case with a <system-out> note and outcome=info;
//   - pass       → a plain passing test case;
//   - a fail or non-strict that is a reviewed known deviation (evidence "known_deviation") → a
//     passing test case with a <system-out> note and the property known_deviation=reason, since
//     such a result does not make the run red.
//
// A sender's suite also has a property "delivery <browser>" per browser its message reached
// (Results.Deliveries), valued with the outcome.
//
// Harness problems that have no rule go into a last suite named "pushspec" as <error> cases.
// The XML types are ginkgo's (reporters.JUnitTestSuites); only the mapping is ours, because
// ginkgo's generator writes one case per spec and a pushspec spec may decide several rules.
func WriteJUnit(w io.Writer, res *Results) error {
	ruleByID := map[string]Rule{}
	for _, r := range res.Rules {
		ruleByID[r.ID] = r
	}
	byTarget := map[string][]Result{}
	for _, r := range res.Results {
		byTarget[r.Target] = append(byTarget[r.Target], r)
	}

	suites := reporters.JUnitTestSuites{}
	for _, t := range res.Targets {
		rs := byTarget[t.ID]
		suite := reporters.JUnitTestSuite{
			Name:      targetLabel(t),
			Package:   t.ID,
			Timestamp: res.Started.Format("2006-01-02T15:04:05"),
			Properties: reporters.JUnitProperties{Properties: []reporters.JUnitProperty{
				{Name: "target.id", Value: t.ID},
				{Name: "target.kind", Value: t.Kind},
				{Name: "target.name", Value: t.Name},
				{Name: "target.version", Value: t.Version},
				{Name: "tool", Value: res.Tool.Name + " " + res.Tool.Version},
			}},
		}
		for _, d := range res.Deliveries {
			if d.Target == t.ID {
				suite.Properties.Properties = append(suite.Properties.Properties, reporters.JUnitProperty{Name: "delivery " + d.Browser, Value: string(d.Outcome)})
			}
		}
		for _, r := range rs {
			tc := junitCase(r, ruleByID[r.Rule])
			suite.TestCases = append(suite.TestCases, tc)
			suite.Tests++
			suite.Time += tc.Time
			switch {
			case tc.Failure != nil:
				suite.Failures++
			case tc.Error != nil:
				suite.Errors++
			case tc.Skipped != nil:
				suite.Skipped++
			}
		}
		sort.SliceStable(suite.TestCases, func(i, j int) bool { return suite.TestCases[i].Name < suite.TestCases[j].Name })
		suites.TestSuites = append(suites.TestSuites, suite)
	}
	if len(res.Problems) > 0 {
		suite := reporters.JUnitTestSuite{Name: "pushspec harness problems", Package: "pushspec", Timestamp: res.Started.Format("2006-01-02T15:04:05")}
		for _, p := range res.Problems {
			name := p.Spec
			if p.Run != "" {
				name = p.Run + ": " + name
			}
			suite.TestCases = append(suite.TestCases, reporters.JUnitTestCase{
				Name: name, Classname: "pushspec", Status: "error",
				Error: &reporters.JUnitError{Message: p.Message, Type: "harness", Description: fmt.Sprintf("state: %s\nlocation: %s\n\n%s", p.State, p.Location, p.Message)},
			})
			suite.Tests++
			suite.Errors++
		}
		suites.TestSuites = append(suites.TestSuites, suite)
	}
	for _, s := range suites.TestSuites {
		suites.Tests += s.Tests
		suites.Failures += s.Failures
		suites.Errors += s.Errors
		suites.Time += s.Time
	}
	suites.Time = res.DurationS

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suites); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitCase(r Result, rule Rule) reporters.JUnitTestCase {
	name := r.Rule
	if r.Spec != "" {
		name += ": " + r.Spec
	}
	tc := reporters.JUnitTestCase{
		Name: name, Classname: r.Target, Status: string(r.Outcome),
		Time: float64(r.DurationMS) / 1000,
		Properties: &reporters.JUnitProperties{Properties: []reporters.JUnitProperty{
			{Name: "outcome", Value: string(r.Outcome)},
			{Name: "level", Value: levelLabel(rule)},
			{Name: "url", Value: rule.URL},
		}},
	}
	body := junitBody(r, rule)
	if reason := r.Evidence[EvidenceKnownDeviation]; reason != "" && r.IsKnownDeviation() {
		// A reviewed deviation does not make the run red (harness/conformance), so CI must not
		// count it as a failure either; it stays visible as output and properties.
		tc.Properties.Properties = append(tc.Properties.Properties, reporters.JUnitProperty{Name: "known_deviation", Value: reason})
		tc.SystemOut = "known deviation (reviewed), " + string(r.Outcome) + ": " + reason + "\n" + body
		return tc
	}
	switch r.Outcome {
	case rules.Fail:
		tc.Failure = &reporters.JUnitFailure{Message: r.Message, Type: "fail", Description: body}
	case rules.Error:
		tc.Error = &reporters.JUnitError{Message: r.Message, Type: "error", Description: body}
	case rules.Skip:
		tc.Skipped = &reporters.JUnitSkipped{Message: r.Message}
	case rules.NonStrict:
		tc.SystemOut = "non-strict: a " + rule.Level + " was not followed (still conformant).\n" + body
	case rules.Info:
		tc.SystemOut = "info: recorded, no verdict.\n" + body
	}
	return tc
}

// junitBody is the text CI systems show under a failure: message, evidence, where it came from.
func junitBody(r Result, rule Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s — %s\n", rule.Doc, sectionLabel(rule), levelLabel(rule), rule.Summary)
	if rule.URL != "" {
		fmt.Fprintf(&b, "%s\n", rule.URL)
	}
	fmt.Fprintf(&b, "\n%s: %s\n", r.Outcome, r.Message)
	for _, kv := range sortedEvidence(r.Evidence) {
		fmt.Fprintf(&b, "\n%s:\n%s\n", kv.Key, kv.Value)
	}
	if rule.Check != "" {
		fmt.Fprintf(&b, "\npushspec checks: %s\n", rule.Check)
	}
	if r.Spec != "" || r.Location != "" {
		fmt.Fprintf(&b, "\nspec: %s (%s)\n", r.Spec, r.Location)
	}
	if r.Note != "" {
		fmt.Fprintf(&b, "%s\n", r.Note)
	}
	return b.String()
}

// KV is one evidence entry.
type KV struct{ Key, Value string }

// sortedEvidence lists evidence by key, with the keys every reader looks for first.
func sortedEvidence(m map[string]string) []KV {
	kvs := make([]KV, 0, len(m))
	for k, v := range m {
		kvs = append(kvs, KV{k, v})
	}
	rank := func(k string) int {
		switch k {
		case "expected":
			return 0
		case "observed", "actual":
			return 1
		case "request":
			return 2
		case "response":
			return 3
		}
		return 4
	}
	sort.Slice(kvs, func(i, j int) bool {
		if ri, rj := rank(kvs[i].Key), rank(kvs[j].Key); ri != rj {
			return ri < rj
		}
		return kvs[i].Key < kvs[j].Key
	})
	return kvs
}

func targetLabel(t Target) string {
	s := t.Name
	if s == "" {
		s = t.ID
	}
	if t.Version != "" {
		s += " " + t.Version
	}
	if s != t.ID {
		s += " (" + t.ID + ")"
	}
	return s
}

// levelLabel is the level with † for implied rules.
func levelLabel(r Rule) string {
	if r.Implied {
		return r.Level + "†"
	}
	return r.Level
}
