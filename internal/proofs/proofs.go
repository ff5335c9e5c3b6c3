// Package proofs is pushspec's golden proof table: for every rule of the catalogue
// (rules), the tests that show a conforming implementation passing it and a violating
// one failing it, or why no such test exists.
//
// A conformance tool earns trust by showing that each check can pass and can fail for the right
// reason. This table makes the gap visible: its test (proofs_test.go) fails when a registered
// rule has no entry, when an entry names a test that does not exist, or when a side without a
// proof has no reason; docs/proofs.md is generated from it (go test ./internal/proofs -update).
//
// What counts as a proof:
//
//   - A Test reference names a Go test that asserts the rule's outcome itself: a deviations test
//     that runs a suite against a broken double, a vendor profile or a deliberately broken sender
//     and requires the rule to come out pass (or broken).
//   - A Unit reference names a unit test of the function that decides the rule from bytes (the
//     codec's body check, the header parsers, the VAPID verifier): a case where it names the rule
//     for a violating input, or none for a conforming one. It proves the decision, not the wiring
//     from that function to a graded result; the summary counts it apart.
//   - A Spec reference names a conformance spec of a suite that `go test` runs against its default
//     target, a conforming implementation (the in-process fake push service in profile rfc, the
//     built-in Go sender, the installed Chromium and Firefox). A strict rule's fail fails that
//     suite, so a Spec is a passing proof of a MUST or MUST NOT rule only; a SHOULD or MAY rule
//     never fails a suite, and its spec running proves nothing.
//   - A Deviation reference names a reviewed violation by a real browser in
//     conformance.KnownDeviations (or, for one spec of the rule, KnownSpecDeviations): the
//     user-agent suite records fail on that browser in every run and marks the entry stale when
//     the check passes. It is a failing proof that no test asserts; the summary counts it apart.
//
// A test that merely runs a rule is not a failing proof: only a test that requires the broken
// outcome for a known-broken implementation is.
package proofs

import (
	"strings"

	"github.com/pushspec/pushspec/rules"
)

// Kind is what a reference points at, and so what it proves.
type Kind uint8

const (
	// Test is a Go test function, or one of its subtests or table cases, that asserts the rule's
	// outcome.
	Test Kind = iota + 1
	// Spec is a conformance spec of a ginkgo suite that go test runs against its default,
	// conforming target: a passing proof of a strict rule.
	Spec
	// Unit is a case of a unit test of the function that decides the rule from bytes (codec,
	// header parser, VAPID verifier).
	Unit
	// Deviation is a reviewed real-browser violation listed in conformance.KnownDeviations (or in
	// KnownSpecDeviations, for some of the rule's specs only): a failing proof, observed in every
	// run of the user-agent suite but asserted by no test.
	Deviation
)

func (k Kind) String() string {
	switch k {
	case Test:
		return "test"
	case Spec:
		return "spec"
	case Deviation:
		return "known deviation"
	case Unit:
		return "unit"
	}
	return "?"
}

// Ref names one proof precisely enough to find it mechanically.
type Ref struct {
	Kind Kind
	// Dir is the package directory from the module root ("specs/pushservice"); for a
	// Deviation, the file of the reviewed list.
	Dir string
	// Func is the Go test function ("TestSuiteCatchesDeviations"); for a Spec, the function that
	// runs the suite ("TestPushServiceSuite").
	Func string
	// Case is the subtest or table case name, or the spec text, that occurs in the package's
	// test sources; "" for the whole test function. A spec text computed at run time is
	// written with "…" for the computed part ("accepts a …-octet body").
	Case string
	// For a Deviation, Case is "" for a deviation of the whole rule (KnownDeviations), or the
	// spec text a narrowed one names (KnownSpecDeviations).
	//
	// Target is a Deviation's target ID ("chromium", "firefox").
	Target string
}

// Entry is one rule's row.
type Entry struct {
	Rule rules.Rule
	Pass []Ref // a conforming implementation passes the rule
	Fail []Ref // a violating implementation gets the rule's broken outcome
	// Reason says why a side has no proof. It starts with one of the Class prefixes; it is
	// required when Pass or Fail is empty, and must be empty otherwise.
	Reason string
}

// Class is the kind of reason a proof is missing; every Reason starts with one.
type Class string

const (
	// CatalogueOnly: the rule is not mechanically decidable (Seen: review); it stays in the
	// catalogue for coverage and no test can prove it either way.
	CatalogueOnly Class = "catalogue only"
	// BrowserOnly: the rule is observed only in a real browser and no browser at hand is of the
	// missing kind (no violating browser exists, or none supports the feature).
	BrowserOnly Class = "browser only"
	// NoTarget: pushspec has no implementation of the party the rule binds to grade (it plays
	// that party itself, e.g. the RFC 8030 user agent).
	NoTarget Class = "no target"
	// NotYet: a proof is possible but missing; what is missing is said.
	NotYet Class = "not proven yet"
	// CannotFail: the rule's check has no broken outcome by design, because no observation
	// tells a violation from conformance (RFC 8030 §8.4 sets no rate, so a service without a
	// limit looks like one with a limit above the check's flood); only the passing side can be
	// proven.
	CannotFail Class = "cannot fail"
)

// Classes lists the reason classes in report order.
var Classes = []Class{CatalogueOnly, BrowserOnly, NoTarget, CannotFail, NotYet}

// ClassOf returns the class a reason starts with, or "" when it starts with none.
func ClassOf(reason string) Class {
	for _, c := range Classes {
		if strings.HasPrefix(reason, string(c)+": ") {
			return c
		}
	}
	return ""
}

func because(c Class, why string) string { return string(c) + ": " + why }

func review(why string) string      { return because(CatalogueOnly, why) }
func browserOnly(why string) string { return because(BrowserOnly, why) }
func noTarget(why string) string    { return because(NoTarget, why) }
func notYet(why string) string      { return because(NotYet, why) }
func cannotFail(why string) string  { return because(CannotFail, why) }

// Proven reports how many sides of the entry have a proof: 2 both, 1 one, 0 none.
func (e Entry) Proven() int {
	n := 0
	if len(e.Pass) > 0 {
		n++
	}
	if len(e.Fail) > 0 {
		n++
	}
	return n
}

// FailOnlyBy reports whether every failing proof of the entry is of kind k.
func (e Entry) FailOnlyBy(k Kind) bool {
	if len(e.Fail) == 0 {
		return false
	}
	for _, r := range e.Fail {
		if r.Kind != k {
			return false
		}
	}
	return true
}

// Short names for the table.

// test is a Go test function, or one of its cases.
func test(dir, fn string, cases ...string) []Ref {
	if len(cases) == 0 {
		return []Ref{{Kind: Test, Dir: dir, Func: fn}}
	}
	out := make([]Ref, 0, len(cases))
	for _, c := range cases {
		out = append(out, Ref{Kind: Test, Dir: dir, Func: fn, Case: c})
	}
	return out
}

// unit is cases of a unit test of a deciding function.
func unit(dir, fn string, cases ...string) []Ref {
	out := test(dir, fn, cases...)
	for i := range out {
		out[i].Kind = Unit
	}
	return out
}

// psDev is a case of the push-service suite's deviations test: the suite run against a broken
// double or vendor profile, with its broken map and pass list.
func psDev(cases ...string) []Ref {
	return test("specs/pushservice", "TestSuiteCatchesDeviations", cases...)
}

// sndDev is a case of the sender suite's deviations test: the suite run against a deliberately
// broken sender (specs/sender/testdata/brokensender) or the npm web-push library.
func sndDev(cases ...string) []Ref {
	return test("specs/sender", "TestSuiteCatchesBrokenSenders", cases...)
}

func spec(dir, suite string, texts ...string) []Ref {
	out := make([]Ref, 0, len(texts))
	for _, t := range texts {
		out = append(out, Ref{Kind: Spec, Dir: dir, Func: suite, Case: t})
	}
	return out
}

// psSpec is a spec of the push-service suite, run against the fake in profile rfc.
func psSpec(texts ...string) []Ref {
	return spec("specs/pushservice", "TestPushServiceSuite", texts...)
}

// sndSpec is a spec of the sender suite, run against the built-in Go sender.
func sndSpec(texts ...string) []Ref { return spec("specs/sender", "TestSenderSuite", texts...) }

// uaSpec is a spec of the user-agent suite, run against the installed Chromium and Firefox.
func uaSpec(texts ...string) []Ref { return spec("specs/useragent", "TestUserAgentSuite", texts...) }

// dev is the reviewed known deviation of the rule by each target.
func dev(targets ...string) []Ref {
	out := make([]Ref, 0, len(targets))
	for _, t := range targets {
		out = append(out, Ref{Kind: Deviation, Dir: "harness/conformance", Func: "KnownDeviations", Target: t})
	}
	return out
}

// devIn is the reviewed known deviation of the rule by each target, narrowed to the rule's spec
// whose text contains spec (conformance.KnownSpecDeviations).
func devIn(spec string, targets ...string) []Ref {
	out := dev(targets...)
	for i := range out {
		out[i].Func, out[i].Case = "KnownSpecDeviations", spec
	}
	return out
}

// refs joins reference lists.
func refs(lists ...[]Ref) []Ref {
	var out []Ref
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
