package webpush

import "github.com/pushspec/pushspec/rules"

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

// Rule IDs this package reports, as the strings Error.Rule and Problem.Rule carry. The
// fake push service still names them by these names.
var (
	RuleTTLRequired        = rules.TTLRequired.ID
	RuleTTLSyntax          = rules.TTLSyntax.ID
	RuleTTLMissing400      = rules.TTLMissing400.ID
	RuleTTLOverflow        = rules.TTLOverflowAs2Pow31.ID
	RuleUrgencyValues      = rules.UrgencyValues.ID
	RuleUrgencyMultiple400 = rules.UrgencyMultiple400.ID
	RuleTopicInvalid400    = rules.TopicInvalid400.ID

	RuleHeaderLayout       = rules.HeaderLayout.ID
	RuleRSMin18            = rules.RSMin18.ID
	RuleMinRecord          = rules.MinRecord.ID
	RuleFailNoDelimiter    = rules.FailNoDelimiter.ID
	RuleFailWrongDelimiter = rules.FailWrongDelimiter.ID
	RuleNoPartial          = rules.NoPartialProcessing.ID
	RuleCEKDerivation      = rules.CEKDerivation.ID

	RuleKeyDerivation      = rules.KeyDerivation.ID
	RuleKeyIDIsASPublicKey = rules.KeyIDIsASPublicKey.ID
	RuleUAValidatesKey     = rules.UAValidatesKey.ID
	RuleASValidatesKey     = rules.ASValidatesKey.ID
	RuleUAChecksDelimiter  = rules.UAChecksDelimiter.ID
	RuleAuthSecret16       = rules.AuthSecret16.ID
	RuleAES128GCMOnly      = rules.AES128GCMOnly.ID

	RuleP256SigningKey    = rules.P256SigningKey.ID
	RuleAudOrigin         = rules.AudOrigin.ID
	RuleExpRequired       = rules.ExpRequired.ID
	RuleExpMax24h         = rules.ExpMax24h.ID
	RuleVAPIDScheme       = rules.VAPIDScheme.ID
	RuleJWSES256          = rules.JWSES256.ID
	RuleSubOptional       = rules.SubOptional.ID
	RuleSubContactURI     = rules.SubContactURI.ID
	RuleClaimsSmall       = rules.ClaimsSmall.ID
	RuleKUncompressedB64  = rules.KUncompressedBase64URL.ID
	RuleDistinctKeys      = rules.DistinctKeys.ID
	RuleRestrictedNeedJWT = rules.RestrictedNeedsJWT.ID
	RuleRejectAbsent      = rules.RejectAbsent.ID
	RuleRejectMissingTK   = rules.RejectMissingTOrK.ID
	RuleRejectExpired     = rules.RejectExpired.ID
	RuleRejectExpOver24h  = rules.RejectExpOver24h.ID
)
