// Package graders grades an application server's push request against the rules of RFC 8030,
// RFC 8188, RFC 8291 and RFC 8292 that a push service can observe passively: TTL, Urgency, Topic,
// the content coding and the body's layout, VAPID, end-to-end protection and receipts.
//
// Each grader is a function from an observed Request to verdicts, keyed by the typed rules of
// package rules; one file holds the graders of one section, each check beside the sentence of
// the specification it decides. The push service (fakepushservice) calls them on every request
// it records; they never refuse anything themselves: which conditions a push service answers,
// and how, is the service's business.
//
// The package is a leaf: it imports only rules, webpush and the standard library.
package graders

import (
	"errors"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// check is r kept (pass, saying passMsg) or broken (at its level, saying failMsg()): a broken
// rule's message says what was seen against what the rule requires. failMsg is called only for
// a broken rule, so that the service, which grades every request, formats no message it drops.
func check(r rules.Rule, ok bool, passMsg string, failMsg func() string, ev map[string]string) rules.Verdict {
	if ok {
		return rules.Check(r, true, passMsg, ev)
	}
	return rules.Check(r, false, failMsg(), ev)
}

// info is an observation on r without a pass/fail grade.
func info(r rules.Rule, msg string, ev map[string]string) rules.Verdict {
	return rules.Verdict{Rule: r.ID, Outcome: rules.Info, Message: msg, Evidence: ev}
}

// ruleOf is the catalogued rule of an ID the codec names (webpush's errors and problems carry
// rule IDs as strings, webpush being a leaf); an ID missing from the catalogue is kept as is,
// graded as a MUST.
func ruleOf(id string) rules.Rule {
	if r, ok := rules.ByID(id); ok {
		return r
	}
	return rules.Rule{ID: id, Level: rules.Must}
}

// ErrText is the reason of a codec error, without the rule ID it carries.
func ErrText(err error) string {
	var we *webpush.Error
	if errors.As(err, &we) {
		return we.Reason
	}
	return err.Error()
}
