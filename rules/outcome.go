package rules

// Outcome is the graded result of checking one rule against one target.
type Outcome string

const (
	Pass      Outcome = "pass"
	Fail      Outcome = "fail"       // a MUST / MUST NOT broken
	NonStrict Outcome = "non-strict" // a SHOULD / SHOULD NOT broken
	Skip      Outcome = "skip"       // not run; the message says why
	Error     Outcome = "error"      // pushspec itself broke; says nothing about the target
	Info      Outcome = "info"       // a MAY, or something recorded without a verdict
)

// Severity orders outcomes so that a parent shows its worst child:
// skip < info < pass < non-strict < fail < error.
func (o Outcome) Severity() int {
	switch o {
	case Skip:
		return 0
	case Info:
		return 1
	case Pass:
		return 2
	case NonStrict:
		return 3
	case Fail:
		return 4
	case Error:
		return 5
	}
	return -1
}

// Broken grades a broken rule by its level: MUST → fail, SHOULD → non-strict, MAY → info.
func (r Rule) Broken() Outcome {
	switch r.Level {
	case Must, MustNot:
		return Fail
	case Should, ShouldNot:
		return NonStrict
	}
	return Info
}

// Verdict is one rule checked once: what was decided and the evidence for it.
type Verdict struct {
	Rule    string  `json:"rule"`
	Outcome Outcome `json:"outcome"`
	Message string  `json:"message"`
	// Evidence is redacted: never private keys or auth secrets. It is read-only: verdicts may
	// share one map (see Evidence).
	Evidence map[string]string `json:"evidence,omitempty"`
}

// Check builds a verdict for rule r: Pass when ok, else the outcome its level calls for.
//
// It panics when r is not a rule of the catalogue as declared (an ID no declaration has, or a
// rule value changed after Register): a verdict for a rule no report lists, graded at a level
// nobody reviewed, must stop the grader rather than show up in a report.
func Check(r Rule, ok bool, message string, evidence map[string]string) Verdict {
	MustBeCatalogued(r)
	o := Pass
	if !ok {
		o = r.Broken()
	}
	return Verdict{Rule: r.ID, Outcome: o, Message: message, Evidence: evidence}
}
