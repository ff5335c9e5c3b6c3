package webpush

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"strings"
	"time"
)

// VAPID is a parsed VAPID authorization: the JWT and the signing key as the sender presented
// them. ParseVAPID checks only the shape; Verify judges the content.
type VAPID struct {
	Scheme    string         // SchemeVAPID or SchemeWebPush
	Token     string         // the JWT as sent
	Key       []byte         // k (or Crypto-Key p256ecdsa), decoded
	RawKey    string         // k as sent, to judge its encoding
	Header    map[string]any // JOSE header
	Claims    map[string]any // claims; numbers are json.Number so that exp keeps every digit
	Signature []byte         // the signature octets (64 for a proper ES256 signature)
	// ClaimsLen is the length in octets of the decoded claims JSON.
	ClaimsLen int
}

// ParseVAPID parses the Authorization header of a push request and, for the draft WebPush scheme,
// the Crypto-Key header that carries its key. Both `vapid t=…, k=…` (any spacing, any parameter
// order, unknown parameters and realm ignored) and `WebPush <jwt>` with `Crypto-Key: p256ecdsa=…`
// are accepted. Errors: no header (rfc8292-4.2-reject-absent), another scheme such as Bearer
// (rfc8292-2-vapid-scheme), t or k missing or repeated (rfc8292-4.2-reject-missing-t-or-k), a
// token that is not a JWS compact serialization of JSON objects (rfc8292-2-jws-es256), a key that
// is not base64 (rfc8292-3.2-k-uncompressed-base64url).
func ParseVAPID(authorization, cryptoKey string) (*VAPID, error) {
	authorization = strings.Trim(authorization, " \t")
	if authorization == "" {
		return nil, fail(RuleRejectAbsent, "no Authorization header")
	}
	scheme, rest := authorization, ""
	if i := strings.IndexAny(authorization, " \t"); i >= 0 {
		scheme, rest = authorization[:i], strings.Trim(authorization[i:], " \t")
	}
	v := &VAPID{}
	switch strings.ToLower(scheme) {
	case SchemeVAPID:
		v.Scheme = SchemeVAPID
		var tCount, kCount int
		for _, param := range strings.Split(rest, ",") {
			param = strings.Trim(param, " \t")
			if param == "" {
				continue
			}
			name, value, ok := strings.Cut(param, "=")
			if !ok {
				return nil, fail(RuleVAPIDScheme, fmt.Sprintf("vapid auth-param %q is not name=value", param))
			}
			value = unquote(strings.Trim(value, " \t"))
			switch strings.ToLower(strings.Trim(name, " \t")) {
			case "t":
				tCount++
				v.Token = value
			case "k":
				kCount++
				v.RawKey = value
			}
			// Any other parameter, realm included, is ignored (rfc8292-3-ignore-unknown-params).
		}
		if tCount != 1 || kCount != 1 {
			return nil, fail(RuleRejectMissingTK, fmt.Sprintf("vapid credentials carry t %d times and k %d times; each exactly once", tCount, kCount))
		}
	case SchemeWebPush:
		v.Scheme = SchemeWebPush
		v.Token = rest
		v.RawKey = cryptoKeyParam(cryptoKey, "p256ecdsa")
		if v.RawKey == "" {
			return nil, fail(RuleRejectMissingTK, "WebPush scheme without a Crypto-Key p256ecdsa= key")
		}
	default:
		if len(scheme) > 40 {
			scheme = scheme[:40] + "…"
		}
		return nil, fail(RuleVAPIDScheme, fmt.Sprintf("auth-scheme %q is neither vapid (RFC 8292) nor the draft WebPush", scheme))
	}
	if v.Token == "" || v.RawKey == "" {
		return nil, fail(RuleRejectMissingTK, "empty t or k")
	}
	key, err := DecodeBase64(v.RawKey)
	if err != nil {
		return nil, fail(RuleKUncompressedB64, fmt.Sprintf("k is not base64url: %v", err))
	}
	v.Key = key
	if err := v.parseToken(); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *VAPID) parseToken() error {
	parts := strings.Split(v.Token, ".")
	if len(parts) != 3 {
		return fail(RuleJWSES256, fmt.Sprintf("token has %d dot-separated parts, a JWS compact serialization has 3", len(parts)))
	}
	header, err := DecodeBase64(parts[0])
	if err != nil {
		return fail(RuleJWSES256, fmt.Sprintf("JWT header is not base64url: %v", err))
	}
	if v.Header, err = jsonObject(header); err != nil {
		return fail(RuleJWSES256, fmt.Sprintf("JWT header is not a JSON object: %v", err))
	}
	claims, err := DecodeBase64(parts[1])
	if err != nil {
		return fail(RuleJWSES256, fmt.Sprintf("JWT claims are not base64url: %v", err))
	}
	if v.Claims, err = jsonObject(claims); err != nil {
		return fail(RuleJWSES256, fmt.Sprintf("JWT claims are not a JSON object: %v", err))
	}
	v.ClaimsLen = len(claims)
	if v.Signature, err = DecodeBase64(parts[2]); err != nil {
		return fail(RuleJWSES256, fmt.Sprintf("JWT signature is not base64url: %v", err))
	}
	return nil
}

func jsonObject(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("null")
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after the object")
	}
	return m, nil
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	return s
}

// cryptoKeyParam finds name=value in a Crypto-Key header: a comma-separated list of
// semicolon-separated parameters (draft-ietf-httpbis-encryption-encoding-03 §4).
func cryptoKeyParam(header, name string) string {
	for _, entry := range strings.Split(header, ",") {
		for _, param := range strings.Split(entry, ";") {
			n, v, ok := strings.Cut(strings.Trim(param, " \t"), "=")
			if ok && strings.EqualFold(strings.Trim(n, " \t"), name) {
				return unquote(strings.Trim(v, " \t"))
			}
		}
	}
	return ""
}

// MaxVAPIDLifetime is how far ahead exp may lie (RFC 8292 §2).
const MaxVAPIDLifetime = 24 * time.Hour

// MaxClaimsLen is pushspec's bound for "additional claims are kept small" (rfc8292-2.2-claims-small,
// SHOULD); the RFC gives no number.
const MaxClaimsLen = 1024

// VerifyOptions are what the push service knows when judging a token.
type VerifyOptions struct {
	// Audience is the origin of the push resource, scheme://host[:port]; "" checks only that aud
	// is an origin.
	Audience string
	// Now is the time of the request; zero means time.Now().
	Now time.Time
	// SubscriptionKey is the applicationServerKey of a restricted subscription; nil accepts any.
	SubscriptionKey []byte
	// ECDHKey is the message's as_public (aes128gcm keyid, aesgcm dh); nil when unknown.
	ECDHKey []byte
}

// Verify judges the token and returns one Problem per broken rule; an empty result means valid.
// MUST-level problems make the token invalid; SHOULD-level ones are non-strict findings.
//
// Checked: the draft WebPush scheme (rfc8292-2-vapid-scheme); k not an uncompressed P-256 point
// (rfc8292-2-p256-signing-key) or sent with padding (rfc8292-3.2-k-uncompressed-base64url,
// SHOULD); alg not ES256, a DER-encoded signature, a signature that does not verify
// (rfc8292-2-jws-es256); exp missing or not a number (rfc8292-2-exp-required), passed
// (rfc8292-4.2-reject-expired), more than 24 h ahead (rfc8292-2-exp-max-24h); aud missing or not
// the push resource's origin (rfc8292-2-aud-origin); sub missing (rfc8292-2.1-sub-optional,
// SHOULD — the RFC says MAY, but autopush and Apple want a contact) or not a mailto:/https: URI
// (rfc8292-2.1-sub-contact-uri, SHOULD); claims over 1 KiB (rfc8292-2.2-claims-small, SHOULD); k
// not the subscription's key (rfc8292-4.2-restricted-needs-jwt); k equal to the message's ECDH key
// (rfc8292-3.2-distinct-keys).
func (v *VAPID) Verify(o VerifyOptions) []Problem {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	problems, _ := v.tokenProblems(o)
	return append(problems, v.requestProblems(o)...)
}

func must(rule, reason string) Problem { return Problem{Rule: rule, Reason: reason, Level: LevelMust} }
func should(rule, reason string) Problem {
	return Problem{Rule: rule, Reason: reason, Level: LevelShould}
}

// tokenProblems are the checks that depend only on the token, key, scheme and audience, and on
// the clock through exp (returned so that a cache can expire the verdict).
func (v *VAPID) tokenProblems(o VerifyOptions) (problems []Problem, exp time.Time) {
	if v.Scheme == SchemeWebPush {
		problems = append(problems, must(RuleVAPIDScheme, "draft scheme `WebPush <jwt>` with Crypto-Key p256ecdsa; RFC 8292 defines `vapid t=…, k=…`"))
	}
	if strings.ContainsAny(v.RawKey, "=+/") {
		problems = append(problems, should(RuleKUncompressedB64, fmt.Sprintf("k %q is not unpadded base64url", v.RawKey)))
	}
	problems = append(problems, v.signatureProblems()...)
	problems, exp = v.expProblems(problems, o.Now)
	problems = append(problems, v.audProblems(o.Audience)...)
	problems = append(problems, v.subProblems()...)
	if v.ClaimsLen > MaxClaimsLen {
		problems = append(problems, should(RuleClaimsSmall, fmt.Sprintf("claims are %d octets, more than pushspec's bound of %d", v.ClaimsLen, MaxClaimsLen)))
	}
	return problems, exp
}

func (v *VAPID) signatureProblems() []Problem {
	var problems []Problem
	if alg, _ := v.Header["alg"].(string); alg != "ES256" {
		problems = append(problems, must(RuleJWSES256, fmt.Sprintf("JWT header alg is %v, not ES256", v.Header["alg"])))
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), v.Key)
	if err != nil {
		return append(problems, must(RuleP256SigningKey, fmt.Sprintf("k (%d octets) is not an uncompressed P-256 point: %v", len(v.Key), err)))
	}
	signingInput := v.Token[:strings.LastIndexByte(v.Token, '.')]
	digest := sha256.Sum256([]byte(signingInput))
	switch {
	case len(v.Signature) == 64:
		r := new(big.Int).SetBytes(v.Signature[:32])
		s := new(big.Int).SetBytes(v.Signature[32:])
		if !ecdsa.Verify(pub, digest[:], r, s) {
			problems = append(problems, must(RuleJWSES256, "the ES256 signature does not verify with k"))
		}
	case ecdsa.VerifyASN1(pub, digest[:], v.Signature):
		problems = append(problems, must(RuleJWSES256, fmt.Sprintf("the signature verifies but is ASN.1 DER (%d octets); JWS ES256 needs the 64 raw octets r ‖ s", len(v.Signature))))
	default:
		problems = append(problems, must(RuleJWSES256, fmt.Sprintf("the signature is %d octets, not the 64 of ES256 r ‖ s, and does not verify as DER either", len(v.Signature))))
	}
	return problems
}

func (v *VAPID) expProblems(problems []Problem, now time.Time) ([]Problem, time.Time) {
	raw, present := v.Claims["exp"]
	if !present {
		return append(problems, must(RuleExpRequired, "the JWT has no exp claim")), time.Time{}
	}
	num, ok := raw.(json.Number)
	if !ok {
		return append(problems, must(RuleExpRequired, fmt.Sprintf("exp is %s, not a JSON number", jsonText(raw)))), time.Time{}
	}
	f, err := num.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return append(problems, must(RuleExpRequired, fmt.Sprintf("exp %s is not a usable NumericDate", num))), time.Time{}
	}
	// Clamp so that absurd values cannot overflow the conversion; 2^40 s is beyond year 36000.
	f = math.Max(math.Min(f, 1<<40), -(1 << 40))
	sec := math.Floor(f)
	exp := time.Unix(int64(sec), int64((f-sec)*1e9))
	if !now.Before(exp) {
		problems = append(problems, must(RuleRejectExpired, fmt.Sprintf("exp %s (%s) has passed; now is %s", num, exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))))
	} else if ahead := exp.Sub(now); ahead > MaxVAPIDLifetime {
		problems = append(problems, must(RuleExpMax24h, fmt.Sprintf("exp is %s ahead, more than 24 h", ahead.Round(time.Second))))
	}
	return problems, exp
}

func (v *VAPID) audProblems(audience string) []Problem {
	raw, present := v.Claims["aud"]
	if !present {
		return []Problem{must(RuleAudOrigin, "the JWT has no aud claim")}
	}
	aud, ok := raw.(string)
	if !ok {
		return []Problem{must(RuleAudOrigin, fmt.Sprintf("aud is %s, not a string origin", jsonText(raw)))}
	}
	if audience != "" {
		if aud != audience {
			return []Problem{must(RuleAudOrigin, fmt.Sprintf("aud %q is not the push resource's origin %q", aud, audience))}
		}
		return nil
	}
	u, err := url.Parse(aud)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return []Problem{must(RuleAudOrigin, fmt.Sprintf("aud %q is not a serialized origin scheme://host[:port]", aud))}
	}
	return nil
}

func (v *VAPID) subProblems() []Problem {
	raw, present := v.Claims["sub"]
	if !present {
		return []Problem{should(RuleSubOptional, "the JWT has no sub claim; push services (autopush, Apple) want a contact URI")}
	}
	sub, ok := raw.(string)
	if !ok {
		return []Problem{should(RuleSubContactURI, fmt.Sprintf("sub is %s, not a string", jsonText(raw)))}
	}
	if !isContactURI(sub) {
		return []Problem{should(RuleSubContactURI, fmt.Sprintf("sub %q is not a mailto: address or an https: URL", sub))}
	}
	return nil
}

// isContactURI accepts mailto:local@domain and absolute https: URLs with a host.
func isContactURI(sub string) bool {
	if addr, ok := strings.CutPrefix(sub, "mailto:"); ok {
		local, domain, found := strings.Cut(addr, "@")
		return found && local != "" && domain != "" && !strings.ContainsAny(addr, " \t<>:,")
	}
	u, err := url.Parse(sub)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// requestProblems are the checks that depend on the request, not on the token.
func (v *VAPID) requestProblems(o VerifyOptions) []Problem {
	var problems []Problem
	if o.SubscriptionKey != nil && !bytes.Equal(v.Key, o.SubscriptionKey) {
		problems = append(problems, must(RuleRestrictedNeedJWT, "k is not the applicationServerKey the subscription was made with"))
	}
	if o.ECDHKey != nil && bytes.Equal(v.Key, o.ECDHKey) {
		problems = append(problems, must(RuleDistinctKeys, "k is the message's ECDH key; the signing key must differ from the key exchange key"))
	}
	return problems
}
