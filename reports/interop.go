package reports

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/rules"
)

// Interop targets. specs/interop runs one message per (receiver, sender, push-service profile)
// and reports it on a target of its own, ID "<receiver>/<sender>/<profile>" ("chromium/raw/rfc",
// "virtual-ua/web-push/apple"), kind user-agent, named "<receiver name> ← <sender> via the
// <profile> profile". results.json keeps them as ordinary targets; the page lays them out as a
// matrix of their own (receiver · profile × sender) instead of 21 more columns of the rule ×
// target matrix.

// InteropParts splits an interop target's ID into its receiver (user agent), sender and push
// service profile. ok is false for every other target: IDs without exactly three
// non-empty slash-separated parts, and parts with anything but letters, digits, '.', '_' and
// '-' — so that "control=http://127.0.0.1:8080" or "autopush=ws://…/" are not mistaken for one.
// Only user-agent targets (or targets never declared, kind "") can be interop targets.
func (t Target) InteropParts() (receiver, sender, profile string, ok bool) {
	if t.Kind != "" && t.Kind != "user-agent" {
		return "", "", "", false
	}
	parts := strings.Split(t.ID, "/")
	if len(parts) != 3 {
		return "", "", "", false
	}
	for _, p := range parts {
		if p == "" || strings.IndexFunc(p, func(r rune) bool { return r != '.' && cssSafe(r) != r }) >= 0 {
			return "", "", "", false
		}
	}
	return parts[0], parts[1], parts[2], true
}

// IsInterop says whether t is one cell of the interop matrix (InteropParts).
func (t Target) IsInterop() bool {
	_, _, _, ok := t.InteropParts()
	return ok
}

// interopReceiverLabel is how the page names a receiver: the part of the target's name before
// " ← " ("pushspec virtual UA"), else its ID ("virtual-ua").
func interopReceiverLabel(t Target, receiver string) string {
	if name, _, found := strings.Cut(t.Name, " ← "); found && strings.TrimSpace(name) != "" {
		return strings.TrimSpace(name)
	}
	return receiver
}

// interopView is the Interop section: one row per receiver and profile, one column per sender.
type interopView struct {
	Senders []string
	Rows    []interopRow
	Targets int // interop targets, i.e. filled cells
	Results int
	Counts  []int // over every interop result, in Outcomes order
	Bar     []barSeg
	// CleanTargets counts the interop targets with nothing to show under "what breaks".
	CleanTargets int
}

// interopRow is one receiver in one profile. First is set on the first row of a receiver, so
// that the table can draw a line between receivers.
type interopRow struct {
	Receiver, Label, Profile string
	First                    bool
	Cells                    []cellView // in Senders order
}

// interopCellID is the fragment of an interop cell; "what breaks" links to it.
func interopCellID(target string) string {
	return "i-" + strings.Map(cssSafe, target)
}

// newInteropView lays the interop targets out; nil when the run has none. results holds each
// target's results in rule order.
func newInteropView(targets []Target, results map[string][]Result, ruleByID map[string]Rule) *interopView {
	type key struct{ receiver, profile string }
	var (
		senders   []string
		seenSend  = map[string]bool{}
		rowKeys   []key
		rowLabel  = map[key]string{}
		byCell    = map[key]map[string]Target{}
		receivers []string
		seenRecv  = map[string]bool{}
	)
	for _, t := range targets {
		recv, send, prof, ok := t.InteropParts()
		if !ok {
			continue
		}
		if !seenSend[send] {
			seenSend[send] = true
			senders = append(senders, send)
		}
		if !seenRecv[recv] {
			seenRecv[recv] = true
			receivers = append(receivers, recv)
		}
		k := key{recv, prof}
		if byCell[k] == nil {
			byCell[k] = map[string]Target{}
			rowKeys = append(rowKeys, k)
			rowLabel[k] = interopReceiverLabel(t, recv) + " · " + prof
		}
		byCell[k][send] = t
	}
	if len(rowKeys) == 0 {
		return nil
	}
	sort.Strings(senders)
	// Receivers in the order their targets come (the run's target order), each with its profiles
	// sorted, rfc first: the profile of the RFCs, and the only one the browsers run.
	sort.SliceStable(rowKeys, func(i, j int) bool {
		a, b := rowKeys[i].profile, rowKeys[j].profile
		if (a == "rfc") != (b == "rfc") {
			return a == "rfc"
		}
		return a < b
	})
	v := &interopView{Senders: senders}
	counts := map[rules.Outcome]int{}
	for _, recv := range receivers {
		first := true
		for _, k := range rowKeys {
			if k.receiver != recv {
				continue
			}
			row := interopRow{Receiver: recv, Label: rowLabel[k], Profile: k.profile, First: first}
			first = false
			for _, send := range senders {
				t, ok := byCell[k][send]
				if !ok {
					row.Cells = append(row.Cells, cellView{ID: interopCellID(recv + "/" + send + "/" + k.profile), Outcome: "none",
						Title: "no " + send + " → " + recv + " run in the " + k.profile + " profile"})
					continue
				}
				v.Targets++
				what := "message from " + send + " decrypted and reported by " + interopReceiverLabel(t, recv) +
					" through pushspec's push service in the " + k.profile + " profile"
				c := cellView{ID: interopCellID(t.ID), Target: t.ID, Heading: what}
				worst := rules.Outcome("")
				for _, r := range results[t.ID] {
					counts[r.Outcome]++
					v.Results++
					item := newEvidenceView(r, ruleByID[r.Rule])
					item.ID = cellID(r.Rule, r.Target)
					c.Items = append(c.Items, item)
					c.Known = c.Known || item.Known
					c.Stale = c.Stale || item.Stale
					if worst == "" || r.Outcome.Severity() > worst.Severity() {
						worst = r.Outcome
					}
				}
				// The worst first: what the reader opened the cell for.
				sort.SliceStable(c.Items, func(i, j int) bool {
					return c.Items[i].Result.Outcome.Severity() > c.Items[j].Result.Outcome.Severity()
				})
				if worst == "" {
					c.Outcome, c.Title = "none", "no result reported for "+what
				} else {
					c.Present, c.Outcome, c.Symbol = true, string(worst), outcomeInfo[worst].Symbol
					c.Title = string(worst) + ": " + what
					if len(c.Items) > 1 {
						c.Title = "worst of " + plural(len(c.Items), "result", "results") + ", " + c.Title
						c.Count = plural(len(c.Items), "rule", "rules")
					}
				}
				row.Cells = append(row.Cells, c)
			}
			v.Rows = append(v.Rows, row)
		}
	}
	for _, o := range Outcomes {
		n := counts[o]
		v.Counts = append(v.Counts, n)
		if n > 0 {
			v.Bar = append(v.Bar, barSeg{Outcome: string(o), N: n, Pct: pct(n, v.Results)})
		}
	}
	return v
}

// pct is n as a percentage of total, for the width of a bar segment.
func pct(n, total int) string {
	return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 2, 64)
}
