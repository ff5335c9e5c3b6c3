package webpush

// Error is a codec or parser failure tied to a catalogue rule.
type Error struct {
	Rule   string // rule ID of the catalogue (rules), e.g. "rfc8188-2.1-rs-min-18"
	Reason string // what was wrong, for people
}

// Error renders the reason followed by the rule ID in parentheses.
func (e *Error) Error() string { return e.Reason + " (" + e.Rule + ")" }

func fail(rule, reason string) *Error { return &Error{Rule: rule, Reason: reason} }

// Problem is one broken rule found by VAPID.Verify.
type Problem struct {
	Rule   string // rule ID of the catalogue (rules)
	Reason string // what was wrong, for people
	Level  string // "MUST" (the token is invalid) or "SHOULD" (non-strict finding)
}

// Levels used in Problem.Level.
const (
	LevelMust   = "MUST"
	LevelShould = "SHOULD"
)
