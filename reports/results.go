package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/internal/buildinfo"
	"github.com/pushspec/pushspec/rules"
)

// Results is the content of results.json (docs/results-json.md). The fields of the contract
// come first; the rest are derived from them (Summary, Counts) or say where things came
// from (Problems, Runs), so that a reader of the JSON alone sees everything index.html shows.
type Results struct {
	Tool      Tool              `json:"tool"`
	Started   time.Time         `json:"started"`
	DurationS float64           `json:"duration_s"`
	Config    map[string]string `json:"config"` // already redacted by the caller
	Targets   []Target          `json:"targets"`
	Rules     []Rule            `json:"rules"`   // the whole catalogue, covered or not
	Results   []Result          `json:"results"` // one per (rule, target), sorted by rule then target

	// Problems are harness failures that cannot be tied to a rule: a failed BeforeSuite, a spec
	// without rule label that failed, an interrupted suite. They make a run red like `error`.
	Problems []Problem `json:"problems,omitempty"`
	// Runs names the runs merged into this one (Merge); empty for a single run.
	Runs []string `json:"runs,omitempty"`
	// Run names this run when it is merged with others ("chromium", a host name, a file name).
	Run string `json:"run,omitempty"`

	Counts  map[rules.Outcome]int `json:"counts"`  // outcomes over every result
	Summary []TargetSummary       `json:"summary"` // per target, in Targets order
	// Deliveries are the senders' messages as real browsers received them, one per (sender,
	// browser): derived from the findings whose evidence names the browser (shown_by).
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// Tool names the program that produced the results.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target is what a result is about: a browser, a push service (profile), a sender.
type Target struct {
	ID      string `json:"id"`   // "firefox", "fake:rfc", "sender:webpush-go"
	Kind    string `json:"kind"` // "user-agent", "push-service", "sender"; "" when never declared
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Rule is a catalogue entry as the report shows it (rules.Rule with its enums as strings).
type Rule struct {
	ID      string `json:"id"`
	Doc     string `json:"doc"`
	Section string `json:"section"`
	Level   string `json:"level"`
	Implied bool   `json:"implied,omitempty"` // † : stated without a BCP 14 keyword
	Actor   string `json:"actor"`
	Seen    string `json:"seen,omitempty"`
	Summary string `json:"summary"`
	Quote   string `json:"quote,omitempty"` // the sentence of the document that states the rule
	Check   string `json:"check,omitempty"` // what pushspec does and expects
	URL     string `json:"url,omitempty"`
}

// Finding is one check of a rule against a target, as a spec reported it.
type Finding struct {
	Outcome    rules.Outcome     `json:"outcome"`
	Message    string            `json:"message"`
	Evidence   map[string]string `json:"evidence,omitempty"`
	DurationMS int64             `json:"duration_ms"`
	Spec       string            `json:"spec,omitempty"`     // full ginkgo spec text
	Location   string            `json:"location,omitempty"` // dir/file.go:line of the spec
	Run        string            `json:"run,omitempty"`      // the run it came from, in a merge
}

// Result is the verdict of one rule on one target: the worst of its findings, with the others
// kept in Also so that no check is lost (several specs, several requests, several runs).
type Result struct {
	Rule   string `json:"rule"`
	Target string `json:"target"`
	Finding
	// Note says how the outcome was chosen when there was more than one finding.
	Note string    `json:"note,omitempty"`
	Also []Finding `json:"also,omitempty"`
}

// EvidenceShownBy is the evidence key of a sender's check that a real browser received its
// message (harness/conformance.EvidenceShownBy): the browser's name and version.
const EvidenceShownBy = "shown_by"

// Delivery is one sender's message to one real browser: the findings of the sender's checks
// that name the browser (evidence shown_by), folded as results are. The same findings stay in
// the results of the rule they decide; a delivery shows them per browser, so that "reaches
// Chromium" and "reaches Firefox" are two cells of the sender's column, not one.
type Delivery struct {
	Target  string `json:"target"`  // the sender
	Browser string `json:"browser"` // as the check named it: "Chromium 156.0.8078.129"
	Rule    string `json:"rule"`    // the rule the shown finding decides
	Finding
	Note string    `json:"note,omitempty"`
	Also []Finding `json:"also,omitempty"`
}

// Result returns the delivery as a Result of its rule on its sender (for the page's cells).
func (d Delivery) Result() Result {
	return Result{Rule: d.Rule, Target: d.Target, Finding: d.Finding, Note: d.Note, Also: d.Also}
}

// deliveries collects the findings that name a browser, per (sender, browser).
func deliveries(results []Result) []Delivery {
	var pend []pending
	ruleOf := map[string]string{} // finding key → rule, for the shown finding
	for _, res := range results {
		for _, f := range append([]Finding{res.Finding}, res.Also...) {
			b := f.Evidence[EvidenceShownBy]
			if b == "" {
				continue
			}
			// fold groups by (rule, target): the browser stands in for the rule.
			pend = append(pend, pending{rule: b, target: res.Target, f: f})
			ruleOf[findingKey(res.Target, b, f)] = res.Rule
		}
	}
	if len(pend) == 0 {
		return nil
	}
	folded := fold(pend)
	out := make([]Delivery, 0, len(folded))
	for _, r := range folded {
		out = append(out, Delivery{Target: r.Target, Browser: r.Rule, Rule: ruleOf[findingKey(r.Target, r.Rule, r.Finding)],
			Finding: r.Finding, Note: r.Note, Also: r.Also})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Target != out[j].Target {
			return out[i].Target < out[j].Target
		}
		return out[i].Browser < out[j].Browser
	})
	return out
}

func findingKey(target, browser string, f Finding) string {
	return target + "\x00" + browser + "\x00" + f.Run + "\x00" + f.Spec + "\x00" + f.Location + "\x00" + f.Message + "\x00" + evidenceKey(f.Evidence)
}

// Problem is a harness failure with no rule to pin it on.
type Problem struct {
	Spec     string `json:"spec"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
	Message  string `json:"message"`
	Run      string `json:"run,omitempty"`
}

// TargetSummary counts one target's results.
type TargetSummary struct {
	Target     string                           `json:"target"`
	Counts     map[rules.Outcome]int            `json:"counts"`
	ByLevel    map[string]map[rules.Outcome]int `json:"by_level"`
	Results    int                              `json:"results"`
	NotCovered int                              `json:"not_covered"` // catalogue rules with no result on this target
	Green      bool                             `json:"green"`       // no fail (but known deviations), no error
	// KnownDeviations counts the fail and non-strict results that are reviewed known deviations.
	KnownDeviations int `json:"known_deviations,omitempty"`
}

// Outcomes lists every outcome in the order reports show them: the bad news first.
var Outcomes = []rules.Outcome{rules.Fail, rules.Error, rules.NonStrict, rules.Pass, rules.Info, rules.Skip}

// Levels lists the BCP 14 levels in report order.
var Levels = []string{string(rules.Must), string(rules.MustNot), string(rules.Should), string(rules.ShouldNot), string(rules.May)}

// Meta is what the runner knows about a run that ginkgo's report does not.
type Meta struct {
	Tool   Tool
	Config map[string]string // redacted
	// Started and Duration default to the ginkgo report's start and run time when zero.
	Started  time.Time
	Duration time.Duration
	// Run names the run for Merge; optional.
	Run string
	// Catalogue is the rule catalogue the report lists; nil means rules.All(). Tests pass a
	// fixed one so that their golden files do not change with every catalogue edit.
	Catalogue []rules.Rule
}

// ToolFromBuildInfo names pushspec with the version the binary was built from: the module
// version when it is a tagged build, else the VCS revision (12 hex digits, "+dirty" when the
// tree had changes), from the build's stamp or, when the build carries none, from the git
// checkout it runs in; else "devel" (internal/buildinfo).
func ToolFromBuildInfo() Tool {
	return Tool{Name: "pushspec", Version: buildinfo.Pushspec()}
}

// Green reports whether the run passes: no fail, no error, no problem, and in strict mode no
// non-strict either (docs/results-json.md, "Outcomes"). A fail or non-strict that is a
// reviewed known deviation does not count: the result stays fail, but CI guards against new
// failures only (harness/conformance, Deviation).
func (r *Results) Green(strict bool) bool {
	if len(r.Problems) > 0 {
		return false
	}
	for _, res := range r.Results {
		if blocks(res, strict) {
			return false
		}
	}
	return true
}

// blocks reports whether a result makes the run red.
func blocks(res Result, strict bool) bool {
	switch res.Outcome {
	case rules.Error:
		return true
	case rules.Fail:
		return !res.IsKnownDeviation()
	case rules.NonStrict:
		return strict && !res.IsKnownDeviation()
	}
	return false
}

// EvidenceKnownDeviation is the evidence key harness/conformance sets on a result that breaks a
// rule in a reviewed, documented way (the value is the reason), or on a passing result whose
// deviation entry is stale (the value starts with "stale: ").
const EvidenceKnownDeviation = "known_deviation"

// IsKnownDeviation reports whether the finding is a reviewed known deviation (not a stale entry).
func (f Finding) IsKnownDeviation() bool {
	v, ok := f.Evidence[EvidenceKnownDeviation]
	return ok && !strings.HasPrefix(v, "stale: ") && (f.Outcome == rules.Fail || f.Outcome == rules.NonStrict)
}

// IsStaleDeviation reports whether the finding passed although it is listed as a known deviation.
func (f Finding) IsStaleDeviation() bool {
	return strings.HasPrefix(f.Evidence[EvidenceKnownDeviation], "stale: ")
}

// catalogueRules converts the catalogue for the report.
func catalogueRules(all []rules.Rule) []Rule {
	out := make([]Rule, 0, len(all))
	for _, r := range all {
		out = append(out, ruleFrom(r))
	}
	return out
}

func ruleFrom(r rules.Rule) Rule {
	return Rule{
		ID: r.ID, Doc: string(r.Doc), Section: r.Section, Level: string(r.Level), Implied: r.Implied,
		Actor: r.Actor.String(), Seen: r.Seen.String(), Summary: r.Summary, Quote: r.Quote, Check: r.Check, URL: r.URL(),
	}
}

// pending is a finding before folding, keyed by its cell.
type pending struct {
	rule, target string
	f            Finding
}

// fold groups findings per (rule, target), keeps the worst as the result and the others in Also.
// Ties keep the first in a stable order (spec, location, run, message), so output never depends
// on the order ginkgo ran specs in.
func fold(in []pending) []Result {
	type key struct{ rule, target string }
	groups := map[key][]Finding{}
	for _, p := range in {
		k := key{p.rule, p.target}
		groups[k] = append(groups[k], p.f)
	}
	out := make([]Result, 0, len(groups))
	for k, fs := range groups {
		sort.SliceStable(fs, func(i, j int) bool { return worse(fs[i], fs[j]) })
		res := Result{Rule: k.rule, Target: k.target, Finding: fs[0]}
		if len(fs) > 1 {
			res.Also = append([]Finding(nil), fs[1:]...)
			res.Note = foldNote(fs)
		}
		out = append(out, res)
	}
	sortResults(out)
	return out
}

// foldRank orders a cell's findings for the one it shows: by rules.Outcome.Severity, except
// that an info finding (a MAY taken, an observation) shows over a pass, so a rule recorded once
// among passing checks of the same target is not hidden behind them.
func foldRank(o rules.Outcome) int {
	switch o {
	case rules.Pass:
		return rules.Info.Severity()
	case rules.Info:
		return rules.Pass.Severity()
	}
	return o.Severity()
}

// worse orders findings worst first (foldRank), then by a stable key.
func worse(a, b Finding) bool {
	if sa, sb := foldRank(a.Outcome), foldRank(b.Outcome); sa != sb {
		return sa > sb
	}
	if a.Run != b.Run {
		return a.Run < b.Run
	}
	if a.Spec != b.Spec {
		return a.Spec < b.Spec
	}
	if a.Location != b.Location {
		return a.Location < b.Location
	}
	if a.Message != b.Message {
		return a.Message < b.Message
	}
	if a.DurationMS != b.DurationMS {
		return a.DurationMS < b.DurationMS
	}
	return evidenceKey(a.Evidence) < evidenceKey(b.Evidence)
}

// evidenceKey is a canonical string of the evidence, the last tie-breaker of worse.
func evidenceKey(m map[string]string) string {
	var b strings.Builder
	for _, kv := range sortedEvidence(m) {
		b.WriteString(kv.Key + "\x00" + kv.Value + "\x00")
	}
	return b.String()
}

// foldNote says "worst of 3 findings: 1 fail, 2 pass", naming the runs when they differ.
func foldNote(fs []Finding) string {
	n := map[rules.Outcome]int{}
	runs := map[string]bool{}
	for _, f := range fs {
		n[f.Outcome]++
		if f.Run != "" {
			runs[f.Run] = true
		}
	}
	var parts []string
	for _, o := range Outcomes {
		if n[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[o], o))
		}
	}
	note := fmt.Sprintf("worst of %d findings: %s", len(fs), strings.Join(parts, ", "))
	if len(runs) > 1 {
		var names []string
		for _, f := range fs {
			if runs[f.Run] {
				names = append(names, f.Run+" ("+string(f.Outcome)+")")
				delete(runs, f.Run) // each run once, with its worst outcome
			}
		}
		note += "; from runs " + strings.Join(names, ", ")
	}
	return note
}

func sortResults(rs []Result) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Rule != rs[j].Rule {
			return rs[i].Rule < rs[j].Rule
		}
		return rs[i].Target < rs[j].Target
	})
}

// kindRank puts browsers first, then push services, then senders, then anything else.
func kindRank(kind string) int {
	switch kind {
	case "user-agent":
		return 0
	case "push-service":
		return 1
	case "sender":
		return 2
	}
	return 3
}

func sortTargets(ts []Target) {
	sort.Slice(ts, func(i, j int) bool {
		if ri, rj := kindRank(ts[i].Kind), kindRank(ts[j].Kind); ri != rj {
			return ri < rj
		}
		return ts[i].ID < ts[j].ID
	})
}

// addTarget merges t into the list by ID, filling fields that are still empty.
func addTarget(ts []Target, t Target) []Target {
	for i := range ts {
		if ts[i].ID == t.ID {
			if ts[i].Kind == "" {
				ts[i].Kind = t.Kind
			}
			if ts[i].Name == "" || ts[i].Name == ts[i].ID {
				if t.Name != "" {
					ts[i].Name = t.Name
				}
			}
			if ts[i].Version == "" {
				ts[i].Version = t.Version
			}
			return ts
		}
	}
	if t.Name == "" {
		t.Name = t.ID
	}
	return append(ts, t)
}

// finish sorts everything, declares targets that results name but no entry declared, adds rules
// that results name but the catalogue lacks, and computes Counts and Summary. Build and Merge
// end with it; it is idempotent.
func (r *Results) finish() {
	for _, res := range r.Results {
		r.Targets = addTarget(r.Targets, Target{ID: res.Target})
	}
	sortTargets(r.Targets)

	known := map[string]bool{}
	for _, ru := range r.Rules {
		known[ru.ID] = true
	}
	for _, res := range r.Results {
		if !known[res.Rule] {
			// A result for a rule this catalogue does not have (a newer or older pushspec): keep
			// it visible rather than drop it.
			r.Rules = append(r.Rules, Rule{ID: res.Rule, Doc: "", Section: "?", Level: "", Summary: "not in this pushspec's rule catalogue"})
			known[res.Rule] = true
		}
	}
	sort.Slice(r.Rules, func(i, j int) bool { return r.Rules[i].ID < r.Rules[j].ID })
	sortResults(r.Results)
	sort.SliceStable(r.Problems, func(i, j int) bool {
		a, b := r.Problems[i], r.Problems[j]
		if a.Run != b.Run {
			return a.Run < b.Run
		}
		if a.Spec != b.Spec {
			return a.Spec < b.Spec
		}
		return a.Message < b.Message
	})
	if r.Config == nil {
		r.Config = map[string]string{}
	}

	level := map[string]string{}
	for _, ru := range r.Rules {
		level[ru.ID] = ru.Level
	}
	r.Counts = map[rules.Outcome]int{}
	byTarget := map[string]*TargetSummary{}
	r.Summary = make([]TargetSummary, 0, len(r.Targets))
	for _, t := range r.Targets {
		byTarget[t.ID] = &TargetSummary{Target: t.ID, Counts: map[rules.Outcome]int{}, ByLevel: map[string]map[rules.Outcome]int{}, Green: true}
	}
	for _, res := range r.Results {
		r.Counts[res.Outcome]++
		s := byTarget[res.Target]
		s.Counts[res.Outcome]++
		s.Results++
		lv := level[res.Rule]
		if lv == "" {
			lv = "?"
		}
		if s.ByLevel[lv] == nil {
			s.ByLevel[lv] = map[rules.Outcome]int{}
		}
		s.ByLevel[lv][res.Outcome]++
		if res.IsKnownDeviation() {
			s.KnownDeviations++
		}
		if blocks(res, false) {
			s.Green = false
		}
	}
	for _, t := range r.Targets {
		s := byTarget[t.ID]
		s.NotCovered = len(r.Rules) - s.Results
		r.Summary = append(r.Summary, *s)
	}
	r.Deliveries = deliveries(r.Results)
}

// Merge combines runs into one: targets, rules and problems are unioned; a (rule, target) that
// several runs checked keeps the worst outcome, the other findings go to Also, and Note names the
// runs. Each run is named by its Run field, else "run N" (1-based). The configuration keeps every
// key; a key whose value differs between runs lists each value with its run. The inputs are not
// modified.
func Merge(runs ...*Results) *Results {
	out := &Results{Config: map[string]string{}}
	var pend []pending
	var end time.Time
	ruleSeen := map[string]bool{}
	configVals := map[string][]string{}
	for i, in := range runs {
		if in == nil {
			continue
		}
		name := in.Run
		if name == "" {
			name = "run " + strconv.Itoa(i+1)
		}
		if len(in.Runs) > 0 {
			out.Runs = append(out.Runs, in.Runs...) // an earlier merge: keep its runs' names
		} else {
			out.Runs = append(out.Runs, name)
		}
		if out.Tool.Name == "" {
			out.Tool = in.Tool
		} else if in.Tool.Version != "" && !strings.Contains(out.Tool.Version, in.Tool.Version) {
			out.Tool.Version += " + " + in.Tool.Version
		}
		if !in.Started.IsZero() && (out.Started.IsZero() || in.Started.Before(out.Started)) {
			out.Started = in.Started
		}
		if e := in.Started.Add(time.Duration(in.DurationS * float64(time.Second))); e.After(end) {
			end = e
		}
		for k, v := range in.Config {
			configVals[k] = append(configVals[k], v+"\x00"+name)
		}
		for _, t := range in.Targets {
			out.Targets = addTarget(out.Targets, t)
		}
		for _, ru := range in.Rules {
			if !ruleSeen[ru.ID] {
				ruleSeen[ru.ID] = true
				out.Rules = append(out.Rules, ru)
			}
		}
		for _, p := range in.Problems {
			if p.Run == "" {
				p.Run = name
			}
			out.Problems = append(out.Problems, p)
		}
		for _, res := range in.Results {
			for _, f := range append([]Finding{res.Finding}, res.Also...) {
				if f.Run == "" {
					f.Run = name
				}
				f.Evidence = cloneMap(f.Evidence)
				pend = append(pend, pending{rule: res.Rule, target: res.Target, f: f})
			}
		}
	}
	if !out.Started.IsZero() && end.After(out.Started) {
		out.DurationS = roundSeconds(end.Sub(out.Started))
	}
	for k, vals := range configVals {
		out.Config[k] = mergeConfigValue(vals)
	}
	out.Results = fold(pend)
	out.finish()
	return out
}

// mergeConfigValue returns the one value all runs agree on, or "v1 (run 1); v2 (run 2)".
func mergeConfigValue(vals []string) string {
	distinct := map[string]bool{}
	for _, v := range vals {
		distinct[strings.SplitN(v, "\x00", 2)[0]] = true
	}
	if len(distinct) == 1 {
		return strings.SplitN(vals[0], "\x00", 2)[0]
	}
	parts := make([]string, 0, len(vals))
	for _, v := range vals {
		p := strings.SplitN(v, "\x00", 2)
		parts = append(parts, p[0]+" ("+p[1]+")")
	}
	return strings.Join(parts, "; ")
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func roundSeconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}
