package conformance

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/rules"
)

// Results returns the results of one spec and its target, decoded from its "pushspec.result"
// and "pushspec.target" entries (through Value.AsJSON, so it works on a report read back from
// ginkgo's JSON file and across parallel processes).
//
// A conformance spec that ended before its body ran — a BeforeEach that failed, skipped or
// called SkipBecause or HarnessError — has no entries. For such a spec the results are
// synthesised from its labels (the rule ID and "target:<id>" that It adds): skip with the skip
// message, or error with the failure message. ok is false for specs that are not conformance
// specs at all.
func Results(spec types.SpecReport) (results []Result, target Target, ok bool, err error) {
	target, hasTarget := targetOf(spec)
	for _, e := range spec.ReportEntries {
		if e.Name != ResultEntry {
			continue
		}
		var r Result
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &r); err != nil {
			return nil, target, true, fmt.Errorf("spec %q: decoding %s: %w", spec.FullText(), ResultEntry, err)
		}
		results = append(results, r)
	}
	if len(results) > 0 {
		return results, target, true, nil
	}

	// No entries: look for the labels It adds.
	var ruleIDs []string
	for _, l := range spec.Labels() {
		if id, found := strings.CutPrefix(l, "target:"); found && !hasTarget {
			target, hasTarget = Target{ID: id}, true
		}
		if _, isRule := rules.ByID(l); isRule {
			ruleIDs = append(ruleIDs, l)
		}
	}
	if !hasTarget || len(ruleIDs) == 0 {
		return nil, Target{}, false, nil
	}
	var outcome rules.Outcome
	msg := spec.Failure.Message
	switch {
	case spec.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		outcome = rules.Skip
		if msg == "" {
			msg = "not run: " + spec.State.String()
		}
	case spec.State.Is(types.SpecStateFailureStates):
		outcome = rules.Error
		if !strings.HasPrefix(msg, harnessPrefix) {
			msg = fmt.Sprintf("no verdict, the spec %s in %s before its check ran: %s",
				spec.State, spec.Failure.FailureNodeType, msg)
		}
	default:
		return nil, target, true, fmt.Errorf("spec %q: %s without %s entries", spec.FullText(), spec.State, ResultEntry)
	}
	for _, id := range ruleIDs {
		results = append(results, Result{Rule: id, Target: target.ID, Outcome: outcome, Message: msg,
			DurationMS: spec.RunTime.Milliseconds()})
	}
	return results, target, true, nil
}

// targetOf decodes the spec's "pushspec.target" entry.
func targetOf(spec types.SpecReport) (Target, bool) {
	for _, e := range spec.ReportEntries {
		if e.Name != TargetEntry {
			continue
		}
		var t Target
		if json.Unmarshal([]byte(e.Value.AsJSON), &t) == nil && t.ID != "" {
			return t, true
		}
	}
	return Target{}, false
}
