package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/rules"
)

// The page is one file: the templates inline the stylesheet and the script, so index.html
// works from file://, offline, and can be mailed or attached to a CI run as is.
//
//go:embed templates/*.tmpl
var templateFS embed.FS

var pageTemplate = template.Must(template.New("index.html.tmpl").Funcs(template.FuncMap{
	"add":    func(a, b int) int { return a + b },
	"md":     inlineCode,
	"plural": func(n int, one, many string) string { return plural(n, one, many) },
	"sub":    func(a, b int) int { return a - b },
}).ParseFS(templateFS, "templates/*.tmpl"))

// docInfo is how the report titles and links a document.
var docInfo = map[string]struct{ Title, URL string }{
	string(rules.RFC8030):       {"RFC 8030 — Generic Event Delivery Using HTTP Push", "https://www.rfc-editor.org/rfc/rfc8030"},
	string(rules.RFC8188):       {"RFC 8188 — Encrypted Content-Encoding for HTTP", "https://www.rfc-editor.org/rfc/rfc8188"},
	string(rules.RFC8291):       {"RFC 8291 — Message Encryption for Web Push", "https://www.rfc-editor.org/rfc/rfc8291"},
	string(rules.RFC8292):       {"RFC 8292 — Voluntary Application Server Identification (VAPID)", "https://www.rfc-editor.org/rfc/rfc8292"},
	string(rules.PushAPI):       {"Push API (W3C)", "https://w3c.github.io/push-api/"},
	string(rules.Notifications): {"Notifications API (WHATWG)", "https://notifications.spec.whatwg.org/"},
	string(rules.DWP):           {"Declarative Web Push (Push API)", "https://w3c.github.io/push-api/"},
	string(rules.Interop):       {"Interop — what real push services do", ""},
	"":                          {"Rules not in this catalogue", ""},
}

// outcomeInfo is the legend, in RFC 2119 terms, and the symbol each cell shows next to its
// color so that the matrix reads in greyscale and for colour-blind readers.
var outcomeInfo = map[rules.Outcome]struct{ Symbol, Title, Meaning string }{
	rules.Pass:      {"✓", "pass", "The target did what the rule requires (or, for a SHOULD, recommends)."},
	rules.Fail:      {"✗", "fail", "A MUST or MUST NOT is broken: the target does not conform."},
	rules.NonStrict: {"≈", "non-strict", "A SHOULD or SHOULD NOT is not followed: still conformant, but worth a look (fails only in strict mode)."},
	rules.Skip:      {"–", "skip", "Not run here; the cell says why (unsupported by this target, disabled by configuration, needs the network)."},
	rules.Error:     {"!", "error", "pushspec itself broke (set-up, timeout, panic): says nothing about the target. Fix the harness and rerun."},
	rules.Info:      {"i", "info", "Recorded without a verdict: a MAY, or behaviour the specifications leave open."},
}

// pageView is what index.html.tmpl renders: Results digested into exactly what the page shows,
// so that the template only loops and prints.
type pageView struct {
	Res        *Results
	Started    string
	Duration   string
	Verdict    string // CONFORMS, DOES NOT CONFORM, INCOMPLETE
	VerdictCSS string // green, red, purple
	Headline   string
	CI         string // whether the run is green for CI, which ignores known deviations
	Config     []KV
	Targets    []targetView // every target, in the run's order
	// MainTargets are the targets that are not interop cells (Target.IsInterop): the columns of
	// the rule × target matrix, the rows of the summary. The interop targets are laid out in
	// Interop instead, so that 21 receiver ← sender pairs do not drown the browsers.
	MainTargets []targetView
	Interop     *interopView
	// CleanTargets have nothing to show under "what breaks": one line names them all, so that a
	// run with many targets keeps the broken ones on the first screen. Interop targets are
	// counted in Interop.CleanTargets instead.
	CleanTargets []targetView
	Problems     []Problem
	Legend       []legendItem
	Outcomes     []legendItem // filter checkboxes, in Outcomes order
	Docs         []docView
	// Deliveries are the matrix's first rows: one per real browser a sender's message reached
	// ("shown by Chromium 156.0.8078.108"), with a cell in each sender's column.
	Deliveries []rowView
	Actors     []string
	Levels     []string
	RuleCount  int
	Covered    int
	Uncovered  []docView
	Latency    *latencyView
}

type legendItem struct {
	Outcome                string
	Symbol, Title, Meaning string
	Count                  int
}

// targetView is one target's card, summary row and matrix column.
type targetView struct {
	Target
	Label    string
	Summary  TargetSummary
	Bar      []barSeg
	Counts   []int // in Outcomes order
	ByLevel  []levelRow
	Breaks   []breakItem // fail and error, the first maxBreaks of them
	More     []breakItem // the rest, folded away so that the card stays readable
	Advisory []breakItem // non-strict
	Stale    []breakItem // listed as known deviations but passing: the list needs an edit
}

// maxAlso is how many of a cell's other findings the page shows; a push service graded on every
// request can have hundreds, and results.json keeps them all.
const maxAlso = 20

// maxBreaks is how many broken rules a "what breaks" card lists before folding the rest.
const maxBreaks = 8

type barSeg struct {
	Outcome string
	N       int
	Pct     string
}

type levelRow struct {
	Level string
	Cells []int // in Outcomes order
	Total int
}

// breakItem is one line of "what breaks".
type breakItem struct {
	Known   string // the reason, when the break is a reviewed known deviation
	Rule    Rule
	Level   string
	Outcome string
	Symbol  string
	Message string
	CellID  string
}

// docView is one document's group in the matrix, or in the coverage list.
type docView struct {
	Doc, Title, URL string
	Rows            []rowView
	Rules           []Rule // coverage only
}

// rowView is one rule's row of the matrix.
type rowView struct {
	Rule       Rule
	Anchor     string
	Level      string
	Section    string
	ActorAttr  string
	ActorShort string
	Outcomes   string // space-separated, for the filter script
	Differ     bool   // the targets that checked the rule disagree on the outcome
	Cells      []cellView
	// InteropN counts the rule's results on interop targets, shown in the Interop section;
	// InteropWorst is the worst of them.
	InteropN     int
	InteropWorst string
	// Browser is set on a delivery row: the browser, with its version, that the senders' messages
	// reached.
	Browser string
}

// cellView is one cell of a matrix, rendered by the "cell" template: its worst outcome and,
// opened, the evidence of each of its results — one in the rule × target matrix, every result
// of the target in the interop matrix.
type cellView struct {
	ID      string
	Target  string
	Present bool // false: an empty cell, "·"
	Outcome string
	Symbol  string
	Title   string // tooltip of the cell
	Heading string // first line of the panel, when the cell needs saying what it is
	Count   string // small print after the outcome: "×12" findings, "3 rules"
	Known   bool   // a reviewed known deviation
	Stale   bool   // passing, but still listed as a known deviation
	Items   []evidenceView
}

// evidenceView is one result's evidence inside a cell's panel.
type evidenceView struct {
	ID       string // an anchor, when the result's cell is not the panel's own cell
	Result   Result
	Outcome  string
	Symbol   string
	Evidence []KV
	Also     []findingView
	AlsoMore int // findings beyond maxAlso, left to results.json
	Duration string
	Quote    string // the rule's sentence and check, from its catalogue entry (as results.json has them)
	Check    string
	Known    bool
	Stale    bool
}

func newEvidenceView(r Result, rule Rule) evidenceView {
	e := evidenceView{Result: r, Outcome: string(r.Outcome), Symbol: outcomeInfo[r.Outcome].Symbol, Quote: rule.Quote, Check: rule.Check,
		Evidence: sortedEvidence(r.Evidence), Duration: formatMS(r.DurationMS),
		Known: r.IsKnownDeviation(), Stale: r.IsStaleDeviation()}
	for i, f := range r.Also {
		if i == maxAlso {
			e.AlsoMore = len(r.Also) - maxAlso
			break
		}
		e.Also = append(e.Also, findingView{Finding: f, Evidence: sortedEvidence(f.Evidence), Symbol: outcomeInfo[f.Outcome].Symbol})
	}
	return e
}

type findingView struct {
	Finding
	Evidence []KV
	Symbol   string
}

// WriteHTML writes index.html: one self-contained page, no external resources; the only
// links that leave the page are the rules' specification URLs.
func WriteHTML(w io.Writer, res *Results) error {
	return pageTemplate.Execute(w, newPageView(res))
}

func newPageView(res *Results) *pageView {
	v := &pageView{Res: res, Levels: Levels, RuleCount: len(res.Rules)}
	v.Started = res.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	v.Duration = (time.Duration(res.DurationS * float64(time.Second))).Round(time.Second).String()
	// A harness error says nothing about the targets, so a run whose only trouble is errors is
	// incomplete, not non-conformant; a fail anywhere is non-conformance.
	switch {
	case res.Counts[rules.Fail] > 0:
		v.Verdict, v.VerdictCSS = "DOES NOT CONFORM", "red"
	case !res.Green(false):
		v.Verdict, v.VerdictCSS = "INCOMPLETE: PUSHSPEC BROKE", "purple"
	default:
		v.Verdict, v.VerdictCSS = "CONFORMS", "green"
	}
	v.CI = "CI: red"
	if res.Green(false) {
		v.CI = "CI: green"
		if res.Counts[rules.Fail] > 0 {
			v.CI += " (only reviewed known deviations fail)"
		}
	}
	v.Config = sortedConfig(res.Config)
	v.Problems = res.Problems

	ruleByID := map[string]Rule{}
	for _, r := range res.Rules {
		ruleByID[r.ID] = r
	}
	interop := map[string]bool{} // target ID → an interop cell
	for _, t := range res.Targets {
		interop[t.ID] = t.IsInterop()
	}
	cells := map[string]map[string]Result{} // rule → target → result, interop targets apart
	interopCells := map[string][]Result{}   // rule → its results on interop targets
	byTarget := map[string][]Result{}       // target → its results, in rule order
	for _, r := range res.Results {
		byTarget[r.Target] = append(byTarget[r.Target], r)
		if interop[r.Target] {
			interopCells[r.Rule] = append(interopCells[r.Rule], r)
			continue
		}
		if cells[r.Rule] == nil {
			cells[r.Rule] = map[string]Result{}
		}
		cells[r.Rule][r.Target] = r
	}

	summaries := map[string]TargetSummary{}
	for _, s := range res.Summary {
		summaries[s.Target] = s
	}
	for _, t := range res.Targets {
		tv := targetView{Target: t, Label: targetLabel(t), Summary: summaries[t.ID]}
		total := tv.Summary.Results
		for _, o := range Outcomes {
			tv.Counts = append(tv.Counts, tv.Summary.Counts[o])
			if n := tv.Summary.Counts[o]; n > 0 {
				tv.Bar = append(tv.Bar, barSeg{Outcome: string(o), N: n, Pct: pct(n, total)})
			}
		}
		levels := append(append([]string(nil), Levels...), "?")
		for _, lv := range levels {
			row := levelRow{Level: lv}
			for _, o := range Outcomes {
				n := tv.Summary.ByLevel[lv][o]
				row.Cells = append(row.Cells, n)
				row.Total += n
			}
			if row.Total > 0 || lv != "?" {
				tv.ByLevel = append(tv.ByLevel, row)
			}
		}
		v.Targets = append(v.Targets, tv)
	}
	v.Interop = newInteropView(res.Targets, byTarget, ruleByID)
	// What breaks: fail and error per target, worst first, then by rule.
	for i := range v.Targets {
		tv := &v.Targets[i]
		for _, r := range res.Results {
			if r.Target != tv.ID {
				continue
			}
			ru := ruleByID[r.Rule]
			item := breakItem{Rule: ru, Level: levelLabel(ru), Outcome: string(r.Outcome), Symbol: outcomeInfo[r.Outcome].Symbol, Message: r.Message, CellID: cellID(r.Rule, r.Target)}
			if interop[r.Target] {
				// The interop matrix has one cell per target, holding all its results.
				item.CellID = interopCellID(r.Target)
			}
			if r.IsKnownDeviation() {
				item.Known = r.Evidence[EvidenceKnownDeviation]
			}
			if r.IsStaleDeviation() {
				tv.Stale = append(tv.Stale, item)
			}
			switch r.Outcome {
			case rules.Fail, rules.Error:
				tv.Breaks = append(tv.Breaks, item)
			case rules.NonStrict:
				tv.Advisory = append(tv.Advisory, item)
			}
		}
		// New fails first (news about the target), then errors (news about pushspec), then
		// reviewed known deviations (old news).
		rank := func(b breakItem) int {
			switch {
			case b.Known != "":
				return 2
			case b.Outcome == string(rules.Fail):
				return 0
			}
			return 1
		}
		sort.SliceStable(tv.Breaks, func(a, b int) bool { return rank(tv.Breaks[a]) < rank(tv.Breaks[b]) })
		if len(tv.Breaks) > maxBreaks {
			tv.Breaks, tv.More = tv.Breaks[:maxBreaks], tv.Breaks[maxBreaks:]
		}
		clean := len(tv.Breaks)+len(tv.Advisory)+len(tv.Stale) == 0
		switch {
		case interop[tv.ID] && clean:
			v.Interop.CleanTargets++
		case clean:
			v.CleanTargets = append(v.CleanTargets, *tv)
		}
		if !interop[tv.ID] {
			v.MainTargets = append(v.MainTargets, *tv)
		}
	}

	counts := res.Counts
	for _, o := range []rules.Outcome{rules.Pass, rules.Fail, rules.NonStrict, rules.Skip, rules.Error, rules.Info} {
		oi := outcomeInfo[o]
		v.Legend = append(v.Legend, legendItem{Outcome: string(o), Symbol: oi.Symbol, Title: oi.Title, Meaning: oi.Meaning, Count: counts[o]})
	}
	for _, o := range Outcomes {
		oi := outcomeInfo[o]
		v.Outcomes = append(v.Outcomes, legendItem{Outcome: string(o), Symbol: oi.Symbol, Title: oi.Title, Count: counts[o]})
	}
	v.Headline = headline(res)

	// The matrix: covered rules grouped by document (catalogue order) and section.
	docRows := map[string][]rowView{}
	docRules := map[string][]Rule{}
	actors := map[string]bool{}
	for _, ru := range res.Rules {
		for _, a := range strings.Split(ru.Actor, "+") {
			if a != "" {
				actors[a] = true
			}
		}
		ruleCells, covered := cells[ru.ID]
		iop := interopCells[ru.ID]
		if !covered && len(iop) == 0 {
			docRules[ru.Doc] = append(docRules[ru.Doc], ru)
			continue
		}
		v.Covered++
		if !covered {
			continue // checked on interop targets only: the Interop section shows it
		}
		row := rowView{Rule: ru, Anchor: "r-" + ru.ID, Level: levelLabel(ru), Section: sectionLabel(ru),
			ActorAttr: strings.ReplaceAll(ru.Actor, "+", " "), ActorShort: actorShort(ru.Actor), InteropN: len(iop)}
		for _, r := range iop {
			if row.InteropWorst == "" || r.Outcome.Severity() > rules.Outcome(row.InteropWorst).Severity() {
				row.InteropWorst = string(r.Outcome)
			}
		}
		seen := map[string]bool{}
		for _, t := range v.MainTargets {
			c := cellView{ID: cellID(ru.ID, t.ID), Target: t.ID, Title: "not checked on " + t.ID}
			if r, ok := ruleCells[t.ID]; ok {
				item := newEvidenceView(r, ru)
				c.Present, c.Outcome, c.Symbol = true, item.Outcome, item.Symbol
				c.Title = item.Outcome + ": " + r.Message
				c.Known, c.Stale = item.Known, item.Stale
				if len(r.Also) > 0 {
					c.Count = "×" + strconv.Itoa(len(r.Also)+1)
				}
				c.Items = []evidenceView{item}
			} else {
				c.Outcome = "none"
			}
			if !seen[c.Outcome] {
				seen[c.Outcome] = true
				row.Outcomes = strings.TrimSpace(row.Outcomes + " " + c.Outcome)
			}
			row.Cells = append(row.Cells, c)
		}
		present := map[string]bool{}
		for _, c := range row.Cells {
			if c.Present {
				present[c.Outcome] = true
			}
		}
		row.Differ = len(present) > 1
		docRows[ru.Doc] = append(docRows[ru.Doc], row)
	}
	for _, d := range docOrder(res.Rules) {
		info := docInfo[d]
		if rows := docRows[d]; len(rows) > 0 {
			sort.SliceStable(rows, func(i, j int) bool { return lessSection(rows[i].Rule, rows[j].Rule) })
			v.Docs = append(v.Docs, docView{Doc: d, Title: info.Title, URL: info.URL, Rows: rows})
		}
		if rs := docRules[d]; len(rs) > 0 {
			sort.SliceStable(rs, func(i, j int) bool { return lessSection(rs[i], rs[j]) })
			v.Uncovered = append(v.Uncovered, docView{Doc: d, Title: info.Title, URL: info.URL, Rules: rs})
		}
	}
	v.Deliveries = deliveryRows(res.Deliveries, v.MainTargets, ruleByID)
	if len(v.Deliveries) > 0 {
		actors["application-server"] = true
	}
	for a := range actors {
		v.Actors = append(v.Actors, a)
	}
	sort.Strings(v.Actors)
	v.Latency = newLatencyView(res)
	return v
}

// deliveryRows lays the deliveries out as matrix rows: one per browser (sorted), a cell per
// column, filled in the columns of the senders that reached it.
func deliveryRows(ds []Delivery, cols []targetView, ruleByID map[string]Rule) []rowView {
	byBrowser := map[string]map[string]Delivery{}
	var browsers []string
	for _, d := range ds {
		if byBrowser[d.Browser] == nil {
			byBrowser[d.Browser] = map[string]Delivery{}
			browsers = append(browsers, d.Browser)
		}
		byBrowser[d.Browser][d.Target] = d
	}
	sort.Strings(browsers)
	var rows []rowView
	for _, b := range browsers {
		row := rowView{Browser: b, Anchor: "d-" + strings.Map(cssSafe, b), ActorAttr: "application-server", ActorShort: "app server"}
		seen, present := map[string]bool{}, map[string]bool{}
		for _, t := range cols {
			c := cellView{ID: cellID("shown-by-"+b, t.ID), Target: t.ID, Outcome: "none", Title: "not a sender"}
			if t.Kind == "sender" {
				c.Title = "no message from " + t.ID + " to " + b + " in this report"
			}
			if d, ok := byBrowser[b][t.ID]; ok {
				ru := ruleByID[d.Rule]
				if row.Rule.ID == "" {
					row.Rule, row.Level, row.Section = ru, levelLabel(ru), sectionLabel(ru)
				}
				item := newEvidenceView(d.Result(), ru)
				c.Present, c.Outcome, c.Symbol = true, item.Outcome, item.Symbol
				c.Heading = "message from " + targetLabel(t.Target) + ", decrypted and shown by " + b
				c.Title = item.Outcome + ": " + d.Message
				if d.Message == "" {
					c.Title = item.Outcome + ": " + c.Heading
				}
				c.Known, c.Stale = item.Known, item.Stale
				if len(d.Also) > 0 {
					c.Count = "×" + strconv.Itoa(len(d.Also)+1)
				}
				c.Items = []evidenceView{item}
				present[c.Outcome] = true
			}
			if !seen[c.Outcome] {
				seen[c.Outcome] = true
				row.Outcomes = strings.TrimSpace(row.Outcomes + " " + c.Outcome)
			}
			row.Cells = append(row.Cells, c)
		}
		row.Differ = len(present) > 1
		rows = append(rows, row)
	}
	return rows
}

// inlineCode renders the one piece of Markdown the catalogue and messages use, `code`, as
// <code>; everything else is escaped. Unbalanced backticks are left as they are.
func inlineCode(s string) template.HTML {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		return template.HTML(template.HTMLEscapeString(s))
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(p) + "</code>")
		} else {
			b.WriteString(template.HTMLEscapeString(p))
		}
	}
	return template.HTML(b.String())
}

// headline is the one-line verdict at the top of the page.
func headline(res *Results) string {
	var parts []string
	if n := res.Counts[rules.Fail]; n > 0 {
		p := plural(n, "MUST broken", "MUSTs broken")
		known := 0
		for _, r := range res.Results {
			if r.Outcome == rules.Fail && r.IsKnownDeviation() {
				known++
			}
		}
		if known > 0 {
			p += fmt.Sprintf(" (%d known)", known)
		}
		parts = append(parts, p)
	}
	if n := res.Counts[rules.Error] + len(res.Problems); n > 0 {
		parts = append(parts, plural(n, "harness error", "harness errors"))
	}
	if n := res.Counts[rules.NonStrict]; n > 0 {
		parts = append(parts, plural(n, "SHOULD not followed", "SHOULDs not followed"))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("All %d results conform", len(res.Results))
	}
	return strings.Join(parts, " · ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// docOrder lists the documents in catalogue order, then any unknown ones.
func docOrder(rs []Rule) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range rules.Docs {
		out = append(out, string(d))
		seen[string(d)] = true
	}
	var extra []string
	for _, r := range rs {
		if !seen[r.Doc] {
			seen[r.Doc] = true
			extra = append(extra, r.Doc)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// sectionLabel shows RFC sections as "§5.2" and W3C/WHATWG headings as they are.
func sectionLabel(r Rule) string {
	if strings.HasPrefix(r.Doc, "RFC ") && r.Section != "" && r.Section[0] >= '0' && r.Section[0] <= '9' {
		return "§" + r.Section
	}
	return r.Section
}

// lessSection orders rules by section, numerically for RFC sections ("5.2" < "5.10"), then by ID.
func lessSection(a, b Rule) bool {
	if a.Section != b.Section {
		return naturalLess(a.Section, b.Section)
	}
	return a.ID < b.ID
}

// naturalLess compares strings with runs of digits compared as numbers.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func actorShort(actor string) string {
	var out []string
	for _, a := range strings.Split(actor, "+") {
		switch a {
		case "application-server":
			out = append(out, "app server")
		case "push-service":
			out = append(out, "push service")
		case "user-agent":
			out = append(out, "user agent")
		default:
			out = append(out, a)
		}
	}
	return strings.Join(out, " + ")
}

// cellID is the fragment of a matrix cell; "what breaks" links to it. Only [a-z0-9_-] are kept
// (dots and colons become "_") so that "#"+id is also a valid CSS selector.
func cellID(rule, target string) string {
	return "c-" + strings.Map(cssSafe, rule) + "--" + strings.Map(cssSafe, target)
}

func cssSafe(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
		return r
	}
	return '_'
}

func formatMS(ms int64) string {
	if ms >= 10000 {
		return strconv.FormatFloat(float64(ms)/1000, 'f', 1, 64) + " s"
	}
	return strconv.FormatInt(ms, 10) + " ms"
}

func sortedConfig(m map[string]string) []KV {
	kvs := make([]KV, 0, len(m))
	for k, v := range m {
		kvs = append(kvs, KV{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].Key < kvs[j].Key })
	return kvs
}

// latencyView is the end-to-end latency strip plot: one band per target with samples, a dot per
// sample on a shared axis, and marks at p50 and p99.
type latencyView struct {
	Width, Height int
	Top           int
	PlotLeft      int
	PlotRight     int
	AxisY         int
	Log           bool
	Bands         []latencyBand
	Ticks         []latencyTick
}

type latencyBand struct {
	Label, Name, Ver   string
	Y, Mid, H          int
	Dots               []latencyDot
	N                  int
	Min, P50, P90, P99 string
	Max                string
	P50X, P99X         string
}

type latencyDot struct{ X, Y string }

type latencyTick struct {
	X     string
	Label string
}

const (
	latWidth    = 900
	latLeft     = 150
	latRight    = 880
	latBandH    = 46
	latTop      = 8
	latAxisGap  = 6
	latLogRatio = 20 // above this max/min ratio the axis is logarithmic
)

func newLatencyView(res *Results) *latencyView {
	samples := map[string][]float64{}
	for _, r := range res.Results {
		for _, f := range append([]Finding{r.Finding}, r.Also...) {
			s, ok := f.Evidence["latency_ms"]
			if !ok {
				continue
			}
			x, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "ms")), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				continue
			}
			samples[r.Target] = append(samples[r.Target], x)
		}
	}
	if len(samples) == 0 {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, xs := range samples {
		sort.Float64s(xs)
		lo = math.Min(lo, xs[0])
		hi = math.Max(hi, xs[len(xs)-1])
	}
	v := &latencyView{Width: latWidth, Top: latTop, PlotLeft: latLeft, PlotRight: latRight}
	v.Log = lo > 0 && hi/lo > latLogRatio
	var scale func(float64) float64
	if v.Log {
		a, b := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if a == b {
			b++
		}
		scale = func(x float64) float64 {
			return latLeft + (math.Log10(math.Max(x, math.Pow(10, a)))-a)/(b-a)*(latRight-latLeft)
		}
		for e := a; e <= b; e++ {
			for _, m := range []float64{1, 2, 5} {
				t := m * math.Pow(10, e)
				if t >= math.Pow(10, a) && t <= math.Pow(10, b) {
					v.Ticks = append(v.Ticks, latencyTick{X: fx(scale(t)), Label: fmtLatency(t)})
				}
			}
		}
	} else {
		step := niceStep(hi / 5)
		top := math.Ceil(hi/step) * step
		if top == 0 {
			top, step = 1, 0.2
		}
		scale = func(x float64) float64 { return latLeft + x/top*(latRight-latLeft) }
		for t := 0.0; t <= top+step/2; t += step {
			v.Ticks = append(v.Ticks, latencyTick{X: fx(scale(t)), Label: fmtLatency(t)})
		}
	}

	y := latTop
	for _, t := range res.Targets { // target order, not map order
		xs := samples[t.ID]
		if len(xs) == 0 {
			continue
		}
		b := latencyBand{Label: targetLabel(t), Name: t.Name, Ver: t.Version, Y: y, H: latBandH, Mid: y + latBandH/2, N: len(xs)}
		for i, x := range xs {
			// Deterministic jitter spreads equal values vertically without randomness, so the
			// page (and its golden file) is the same on every render.
			j := float64((i*7)%11) - 5
			b.Dots = append(b.Dots, latencyDot{X: fx(scale(x)), Y: fx(float64(b.Mid) + j*2.4)})
		}
		p50, p90, p99 := percentile(xs, 50), percentile(xs, 90), percentile(xs, 99)
		b.Min, b.P50, b.P90, b.P99, b.Max = fmtLatency(xs[0]), fmtLatency(p50), fmtLatency(p90), fmtLatency(p99), fmtLatency(xs[len(xs)-1])
		b.P50X, b.P99X = fx(scale(p50)), fx(scale(p99))
		v.Bands = append(v.Bands, b)
		y += latBandH
	}
	v.AxisY = y + latAxisGap
	v.Height = v.AxisY + 34
	return v
}

// percentile is the nearest-rank percentile of sorted xs.
func percentile(xs []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(xs))))
	if rank < 1 {
		rank = 1
	}
	return xs[rank-1]
}

func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

func fx(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func fmtLatency(ms float64) string {
	switch {
	case ms >= 1000:
		return strconv.FormatFloat(ms/1000, 'g', 3, 64) + " s"
	case ms >= 10 || ms == math.Trunc(ms):
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'g', 2, 64) + " ms"
}
