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

// Rule IDs this package reports. They match rules; kept as strings so that this package
// stays a leaf.
const (
	RuleTTLRequired        = "rfc8030-5.2-ttl-required"
	RuleTTLSyntax          = "rfc8030-5.2-ttl-syntax"
	RuleTTLMissing400      = "rfc8030-5.2-ttl-missing-400"
	RuleTTLOverflow        = "rfc8030-5.2-ttl-overflow-as-2pow31"
	RuleUrgencyValues      = "rfc8030-5.3-urgency-values"
	RuleUrgencyMultiple400 = "rfc8030-5.3-urgency-multiple-400"
	RuleTopicInvalid400    = "rfc8030-5.4-topic-invalid-400"

	RuleHeaderLayout       = "rfc8188-2.1-header-layout"
	RuleRSMin18            = "rfc8188-2.1-rs-min-18"
	RuleMinRecord          = "rfc8188-2-min-record"
	RuleFailNoDelimiter    = "rfc8188-2-fail-no-delimiter"
	RuleFailWrongDelimiter = "rfc8188-2-fail-wrong-delimiter"
	RuleNoPartial          = "rfc8188-4.2-no-partial-processing"
	RuleCEKDerivation      = "rfc8188-2.2-cek-derivation"

	RuleKeyDerivation      = "rfc8291-3.3-key-derivation"
	RuleKeyIDIsASPublicKey = "rfc8291-4-keyid-is-as-public-key"
	RuleUAValidatesKey     = "rfc8291-7-ua-validates-key"
	RuleASValidatesKey     = "rfc8291-7-as-validates-key"
	RuleUAChecksDelimiter  = "rfc8291-4-ua-checks-delimiter"
	RuleAuthSecret16       = "rfc8291-3.2-auth-secret-16"
	RuleAES128GCMOnly      = "rfc8291-4-aes128gcm-only"

	RuleP256SigningKey    = "rfc8292-2-p256-signing-key"
	RuleAudOrigin         = "rfc8292-2-aud-origin"
	RuleExpRequired       = "rfc8292-2-exp-required"
	RuleExpMax24h         = "rfc8292-2-exp-max-24h"
	RuleVAPIDScheme       = "rfc8292-2-vapid-scheme"
	RuleJWSES256          = "rfc8292-2-jws-es256"
	RuleSubOptional       = "rfc8292-2.1-sub-optional"
	RuleSubContactURI     = "rfc8292-2.1-sub-contact-uri"
	RuleClaimsSmall       = "rfc8292-2.2-claims-small"
	RuleKUncompressedB64  = "rfc8292-3.2-k-uncompressed-base64url"
	RuleDistinctKeys      = "rfc8292-3.2-distinct-keys"
	RuleRestrictedNeedJWT = "rfc8292-4.2-restricted-needs-jwt"
	RuleRejectAbsent      = "rfc8292-4.2-reject-absent"
	RuleRejectMissingTK   = "rfc8292-4.2-reject-missing-t-or-k"
	RuleRejectExpired     = "rfc8292-4.2-reject-expired"
	RuleRejectExpOver24h  = "rfc8292-4.2-reject-exp-over-24h"
)
