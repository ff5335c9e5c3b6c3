// Package rules is pushspec's rule catalogue: every testable requirement of RFC 8030, 8188, 8291,
// 8292, the W3C Push API, the WHATWG Notifications API and Declarative Web Push, plus the interop
// rules of docs/push-services.md §4, as Go values with stable IDs; and the outcome and verdict types
// that every other package reports in.
//
// A rule is declared once, as an exported variable in the file of its document (rfc8030.go,
// rfc8188.go, rfc8291.go, rfc8292.go, pushapi.go, notifications.go, dwp.go, interop.go):
//
//	var TTLMissing400 = Register(Rule{ID: "rfc8030-5.2-ttl-missing-400", Doc: RFC8030, ...})
//
// The declaration is the one place that says what the rule is: its ID, document, section, level,
// actor, the sentence of the document that states it (Quote, word for word), and what pushspec
// does to decide it (Check). A comment above it says only why, where the reading needs saying.
// Code elsewhere names the rule by its variable (rules.TTLMissing400), never by its ID string
// (internal/ruleids checks this); docs/rules.md, the HTML report and results.json are generated
// from these values.
//
// Register validates the rule and refuses duplicates; Freeze (called by the spec wrapper in
// harness/conformance before specs run) closes the catalogue. golden_test.go keeps
// testdata/catalogue.txt in step, so adding, removing or rewording a rule is a visible diff:
//
//	go test ./rules -update
//
// What it is not: it runs no checks. Specs (harness/conformance, specs/...) and the push
// service's verdict recorder decide rules and report Outcomes against them.
//
// It is a leaf: it imports nothing of pushspec's.
package rules
