package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/rules"
)

// Names of the report entries that harness/conformance attaches to every spec. Kept here as
// strings rather than imported: reports reads reports, it does not depend on the wrapper.
const (
	ResultEntry = "pushspec.result"
	TargetEntry = "pushspec.target"
)

// maxFailureText bounds the ginkgo failure text copied into a harness error's message and
// evidence; a panic's stack can run to pages.
const maxFailureText = 4 << 10

// Build turns one ginkgo report into Results. Every "pushspec.result" entry becomes a finding;
// findings are folded per (rule, target). A spec without result entries is read from its labels
// (the rule IDs and "target:<id>" harness/conformance.It adds), as conformance.Results does:
//   - failed, panicked, interrupted, aborted or timed out: a harness problem, graded `error` for
//     each rule ID among its labels, or a Problem when it has none;
//   - skipped or pending (SkipBecause in a BeforeEach, a label filter): `skip` with the reason,
//     or "not run: skipped";
//   - passed: a Problem when it is a conformance spec (the wrapper always records), else nothing.
//
// A failed suite-level node (BeforeSuite, AfterSuite, ...) and ginkgo's special suite failure
// reasons become Problems too. Nothing is dropped silently.
//
// An entry that cannot be decoded is listed as a Problem (the run goes red, the report says
// which spec) rather than returned as an error: the runner must always be able to write the
// report. The error is reserved for input that cannot be used at all; Build currently has none.
func Build(report types.Report, meta Meta) (*Results, error) {
	return build([]types.Report{report}, meta)
}

// FromGinkgoJSON reads `ginkgo --json-report` files (each a JSON array of types.Report, one per
// suite) and builds one Results from all their suites, as one run.
func FromGinkgoJSON(meta Meta, paths ...string) (*Results, error) {
	var all []types.Report
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var reps []types.Report
		if err := json.Unmarshal(b, &reps); err != nil {
			return nil, fmt.Errorf("reports: %s is not a ginkgo JSON report: %w", p, err)
		}
		all = append(all, reps...)
	}
	return build(all, meta)
}

func build(reps []types.Report, meta Meta) (*Results, error) {
	cat := meta.Catalogue
	if cat == nil {
		cat = rules.All()
	}
	known := make(map[string]bool, len(cat))
	for _, r := range cat {
		known[r.ID] = true
	}
	res := &Results{Tool: meta.Tool, Config: cloneMap(meta.Config), Run: meta.Run, Rules: catalogueRules(cat)}
	if res.Tool.Name == "" {
		res.Tool = ToolFromBuildInfo()
	}
	var first, last time.Time
	var pend []pending
	for _, rep := range reps {
		if !rep.StartTime.IsZero() && (first.IsZero() || rep.StartTime.Before(first)) {
			first = rep.StartTime
		}
		end := rep.EndTime
		if end.IsZero() {
			end = rep.StartTime.Add(rep.RunTime)
		}
		if end.After(last) {
			last = end
		}
		for _, reason := range rep.SpecialSuiteFailureReasons {
			res.Problems = append(res.Problems, Problem{Spec: rep.SuiteDescription, State: "suite", Message: reason})
		}
		for _, spec := range rep.SpecReports {
			p, targets, probs := fromSpec(spec, known)
			pend = append(pend, p...)
			for _, t := range targets {
				res.Targets = addTarget(res.Targets, t)
			}
			res.Problems = append(res.Problems, probs...)
		}
	}
	unlabel(pend, res.Targets)
	res.Started = meta.Started
	if res.Started.IsZero() {
		res.Started = first
	}
	res.Started = res.Started.UTC()
	switch {
	case meta.Duration > 0:
		res.DurationS = roundSeconds(meta.Duration)
	case !first.IsZero() && last.After(first):
		res.DurationS = roundSeconds(last.Sub(first))
	}
	res.Results = fold(pend)
	res.finish()
	return res, nil
}

// unlabel gives back their declared target to findings that only had the spec's "target:<id>"
// label to go by (a spec skipped before it ran): ginkgo labels cannot hold "&|!,()/", so the
// wrapper writes those as "_" ("sender:@pushforge/builder" is labelled
// "target:sender:@pushforge_builder"). Without this, one sender would show as two targets.
func unlabel(pend []pending, declared []Target) {
	byLabel := map[string]string{}
	ids := map[string]bool{}
	for _, t := range declared {
		ids[t.ID] = true
		if l := labelSafe(t.ID); l != t.ID {
			byLabel[l] = t.ID
		}
	}
	for i := range pend {
		if id, ok := byLabel[pend[i].target]; ok && !ids[pend[i].target] {
			pend[i].target = id
		}
	}
}

// labelSafe is harness/conformance's: the characters ginkgo refuses in labels become "_".
func labelSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("&|!,()/", r) {
			return '_'
		}
		return r
	}, s)
}

// rawResult is a "pushspec.result" entry as JSON, read leniently: evidence values may be any
// JSON, the duration a float, so that a producer other than harness/conformance still fits.
type rawResult struct {
	Rule       string                     `json:"rule"`
	Target     string                     `json:"target"`
	Outcome    rules.Outcome              `json:"outcome"`
	Message    string                     `json:"message"`
	Evidence   map[string]json.RawMessage `json:"evidence"`
	DurationMS *float64                   `json:"duration_ms"`
}

// fromSpec reads one spec's entries.
func fromSpec(spec types.SpecReport, known map[string]bool) (found []pending, targets []Target, probs []Problem) {
	text := spec.FullText()
	loc := shortLocation(spec.LeafNodeLocation)
	if spec.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) {
		if spec.Failed() {
			probs = append(probs, Problem{Spec: spec.LeafNodeType.String(), Location: loc, State: spec.State.String(), Message: failureText(spec)})
		}
		return nil, nil, probs
	}

	specTarget := ""
	for _, e := range spec.ReportEntries {
		if e.Name != TargetEntry {
			continue
		}
		var t Target
		if err := decodeEntry(e, &t); err != nil || t.ID == "" {
			if err == nil {
				err = fmt.Errorf("no id")
			}
			probs = append(probs, Problem{Spec: text, Location: loc, State: spec.State.String(), Message: fmt.Sprintf("unreadable %s entry: %v", TargetEntry, err)})
			continue
		}
		targets = append(targets, t)
		specTarget = t.ID
	}
	if specTarget == "" {
		// The wrapper also labels the spec "target:<id>"; it is all there is when the spec broke
		// before attaching its target.
		for _, l := range spec.Labels() {
			if id, ok := strings.CutPrefix(l, "target:"); ok {
				specTarget = id
				break
			}
		}
	}

	var outcomes []rules.Outcome
	for _, e := range spec.ReportEntries {
		if e.Name != ResultEntry {
			continue
		}
		var r rawResult
		if err := decodeEntry(e, &r); err != nil || r.Rule == "" {
			if err == nil {
				err = fmt.Errorf("no rule")
			}
			probs = append(probs, Problem{Spec: text, Location: loc, State: spec.State.String(), Message: fmt.Sprintf("unreadable %s entry: %v", ResultEntry, err)})
			continue
		}
		f := Finding{Outcome: r.Outcome, Message: r.Message, Evidence: evidenceStrings(r.Evidence), Spec: text, Location: loc}
		if f.Outcome.Severity() < 0 {
			// An outcome this report does not know cannot be graded; showing it as error keeps
			// it visible and the run red until someone looks.
			f.Message = fmt.Sprintf("unknown outcome %q: %s", r.Outcome, r.Message)
			f.Outcome = rules.Error
		}
		if r.DurationMS != nil {
			f.DurationMS = int64(*r.DurationMS + 0.5)
		} else {
			f.DurationMS = spec.RunTime.Milliseconds()
		}
		target := r.Target
		if target == "" {
			target = specTarget
		}
		if target == "" {
			target = "unknown"
		}
		outcomes = append(outcomes, f.Outcome)
		found = append(found, pending{rule: r.Rule, target: target, f: f})
	}

	if len(found) == 0 {
		// No entries: the spec ended before the wrapper could record anything (a BeforeEach
		// failed or skipped), or it is not a conformance spec. The rule IDs and "target:<id>"
		// among its labels say what it was about; harness/conformance.Results reads the same.
		ids := ruleLabels(spec, known)
		switch {
		case spec.Failed():
			found, probs = harnessError(spec, ids, text, loc, specTarget, probs)
		case len(ids) == 0:
			// Not a conformance spec, and it did not fail: nothing to report.
		case spec.State.Is(types.SpecStateSkipped | types.SpecStatePending):
			// Skipped before the body ran (SkipBecause in a BeforeEach, or a label filter):
			// the rules show as skip with the reason instead of "not covered".
			msg := spec.Failure.Message
			if msg == "" {
				msg = "not run: " + spec.State.String()
			}
			for _, id := range ids {
				found = append(found, pending{rule: id, target: orUnknown(specTarget), f: Finding{
					Outcome: rules.Skip, Message: msg, Spec: text, Location: loc, DurationMS: spec.RunTime.Milliseconds(),
				}})
			}
		default:
			probs = append(probs, Problem{Spec: text, Location: loc, State: spec.State.String(),
				Message: "a conformance spec " + spec.State.String() + " without recording a " + ResultEntry + " entry"})
		}
	} else if spec.Failed() && !explainsFailure(outcomes) {
		probs = append(probs, Problem{Spec: text, Location: loc, State: spec.State.String(),
			Message: "the spec failed but its results do not say why (no fail, error or non-strict): " + failureText(spec)})
	}
	return found, targets, probs
}

// harnessError turns a spec that broke without a verdict into `error` results for its rules
// (ids), or into a Problem when it names none.
func harnessError(spec types.SpecReport, ids []string, text, loc, target string, probs []Problem) ([]pending, []Problem) {
	msg := failureText(spec)
	if len(ids) == 0 {
		return nil, append(probs, Problem{Spec: text, Location: loc, State: spec.State.String(), Message: msg})
	}
	if !strings.HasPrefix(msg, harnessPrefix) {
		node := spec.Failure.FailureNodeType.String()
		if spec.Failure.FailureNodeType == types.NodeTypeInvalid {
			node = spec.LeafNodeType.String()
		}
		msg = fmt.Sprintf("no verdict, the spec %s in %s without recording a result: %s", spec.State, node, msg)
	}
	ev := map[string]string{"spec_state": spec.State.String()}
	if fl := shortLocation(spec.Failure.Location); fl != "" {
		ev["failure_location"] = fl
	}
	if p := spec.Failure.ForwardedPanic; p != "" {
		ev["panic"] = truncate(p, maxFailureText)
	}
	var out []pending
	for _, id := range ids {
		out = append(out, pending{rule: id, target: orUnknown(target), f: Finding{
			Outcome:    rules.Error,
			Message:    msg,
			Evidence:   cloneMap(ev),
			DurationMS: spec.RunTime.Milliseconds(),
			Spec:       text, Location: loc,
		}})
	}
	return out, probs
}

// harnessPrefix starts the failure message of harness/conformance.HarnessError.
const harnessPrefix = "harness error: "

// ruleLabels returns the labels of spec that are rule IDs of the catalogue (the wrapper labels
// each spec with its rule ID, besides level, actor, doc and target labels).
func ruleLabels(spec types.SpecReport, known map[string]bool) []string {
	var ids []string
	for _, l := range spec.Labels() {
		if known[l] {
			ids = append(ids, l)
		}
	}
	return ids
}

func explainsFailure(os []rules.Outcome) bool {
	for _, o := range os {
		if o == rules.Fail || o == rules.Error || o == rules.NonStrict {
			return true
		}
	}
	return false
}

// decodeEntry decodes an entry's value from its JSON form. Across parallel processes and from a
// JSON file only AsJSON is set; in-process in a serial run only the raw Go value is, so that is
// marshalled instead.
func decodeEntry(e types.ReportEntry, v any) error {
	js := e.Value.AsJSON
	if js == "" {
		b, err := json.Marshal(e.GetRawValue())
		if err != nil {
			return err
		}
		js = string(b)
	}
	return json.Unmarshal([]byte(js), v)
}

// evidenceStrings renders evidence values as strings: strings as they are, anything else
// (numbers, objects) as compact JSON.
func evidenceStrings(m map[string]json.RawMessage) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, raw := range m {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out[k] = s
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			out[k] = buf.String()
		} else {
			out[k] = string(raw)
		}
	}
	return out
}

func failureText(spec types.SpecReport) string {
	msg := spec.Failure.Message
	if msg == "" {
		msg = spec.State.String()
	}
	if p := spec.Failure.ForwardedPanic; p != "" && !strings.Contains(msg, p) {
		msg += " (panic: " + p + ")"
	}
	return truncate(msg, maxFailureText)
}

// shortLocation renders a code location as "dir/file.go:line": enough to find the spec, and
// free of the absolute path of the machine that ran it.
func shortLocation(cl types.CodeLocation) string {
	if cl.FileName == "" {
		return ""
	}
	dir := filepath.Base(filepath.Dir(cl.FileName))
	return fmt.Sprintf("%s/%s:%d", dir, filepath.Base(cl.FileName), cl.LineNumber)
}

// truncate cuts s to at most n bytes, on a rune boundary, and says how much was cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + fmt.Sprintf("… (%d bytes cut)", len(s)-n)
}

func orUnknown(target string) string {
	if target == "" {
		return "unknown"
	}
	return target
}
