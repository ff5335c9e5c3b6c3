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
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/rules"
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
		return nil, fail(rules.RejectAbsent.ID, "no Authorization header")
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
				return nil, fail(rules.VAPIDScheme.ID, fmt.Sprintf("vapid auth-param %q is not name=value", param))
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
			return nil, fail(rules.RejectMissingTOrK.ID, fmt.Sprintf("vapid credentials carry t %d times and k %d times; each exactly once", tCount, kCount))
		}
	case SchemeWebPush:
		v.Scheme = SchemeWebPush
		v.Token = rest
		v.RawKey = cryptoKeyParam(cryptoKey, "p256ecdsa")
		if v.RawKey == "" {
			return nil, fail(rules.RejectMissingTOrK.ID, "WebPush scheme without a Crypto-Key p256ecdsa= key")
		}
	default:
		if len(scheme) > 40 {
			scheme = scheme[:40] + "…"
		}
		return nil, fail(rules.VAPIDScheme.ID, fmt.Sprintf("auth-scheme %q is neither vapid (RFC 8292) nor the draft WebPush", scheme))
	}
	if v.Token == "" || v.RawKey == "" {
		return nil, fail(rules.RejectMissingTOrK.ID, "empty t or k")
	}
	key, err := DecodeBase64(v.RawKey)
	if err != nil {
		return nil, fail(rules.KUncompressedBase64URL.ID, fmt.Sprintf("k is not base64url: %v", err))
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
		return fail(rules.JWSES256.ID, fmt.Sprintf("token has %d dot-separated parts, a JWS compact serialization has 3", len(parts)))
	}
	header, err := DecodeBase64(parts[0])
	if err != nil {
		return fail(rules.JWSES256.ID, fmt.Sprintf("JWT header is not base64url: %v", err))
	}
	if v.Header, err = jsonObject(header); err != nil {
		return fail(rules.JWSES256.ID, fmt.Sprintf("JWT header is not a JSON object: %v", err))
	}
	claims, err := DecodeBase64(parts[1])
	if err != nil {
		return fail(rules.JWSES256.ID, fmt.Sprintf("JWT claims are not base64url: %v", err))
	}
	if v.Claims, err = jsonObject(claims); err != nil {
		return fail(rules.JWSES256.ID, fmt.Sprintf("JWT claims are not a JSON object: %v", err))
	}
	v.ClaimsLen = len(claims)
	if v.Signature, err = DecodeBase64(parts[2]); err != nil {
		return fail(rules.JWSES256.ID, fmt.Sprintf("JWT signature is not base64url: %v", err))
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

// ExpLeeway is the clock-skew allowance when a sender's exp is judged against the time of the
// request (the moment the push service received it): exp may lie up to MaxVAPIDLifetime +
// ExpLeeway after it, and may have passed by up to ExpLeeway. RFC 7519 §4.1.4 lets the reader of
// a JWT "provide for some small leeway, usually no more than a few minutes, to account for clock
// skew". One minute covers what separates a conformant sender's exp from the service's reading of
// "the time of the request": NumericDate rounding to whole seconds, the time between signing and
// receipt, and the disagreement of two NTP-synchronised clocks (well under a second); it is small
// enough that an exp of 24 h plus a few minutes, a real fault, still fails.
const ExpLeeway = time.Minute

// ExpSkewMargin is how much room below the 24 h bound pushspec advises a sender to leave (the
// interop note interop-exp-skew-margin): a push service judges exp by its own clock (RFC 8292
// §4.2), so a service whose clock runs behind the sender's by more than the room left refuses the
// token. Five minutes is pushspec's choice, a few times the skew of a badly kept server clock.
const ExpSkewMargin = 5 * time.Minute

// MaxClaimsLen is pushspec's bound for "additional claims are kept small" (rfc8292-2.2-claims-small,
// SHOULD); the RFC gives no number.
const MaxClaimsLen = 1024

// VerifyOptions are what the push service knows when judging a token.
type VerifyOptions struct {
	// Audience is the origin of the push resource, scheme://host[:port]; "" checks only that aud
	// includes an origin.
	Audience string
	// Now is the time of the request, the moment the push service received it; zero means
	// time.Now(). The sender's exp is judged against it (with ExpLeeway), never against a push
	// service's own clock, which may be wrong: see ServiceExpProblem for that.
	Now time.Time
	// SubscriptionKey is the applicationServerKey of a restricted subscription; nil accepts any.
	SubscriptionKey []byte
	// ECDHKey is the message's as_public (aes128gcm keyid, aesgcm dh); nil when unknown.
	ECDHKey []byte
}

// Verify judges the application server's token and returns one Problem per broken sender rule;
// an empty result means valid. MUST-level problems make the token invalid; SHOULD-level ones are
// non-strict findings. Every Problem names a rule of the application server: whether a push
// service refuses the token for its exp is a separate question, answered by ServiceExpProblem
// with the service's own clock.
//
// Checked: the draft WebPush scheme (rfc8292-2-vapid-scheme); k not an uncompressed P-256 point
// (rfc8292-2-p256-signing-key) or sent with padding (rfc8292-3.2-k-uncompressed-base64url,
// SHOULD); alg not ES256, a DER-encoded signature, a signature that does not verify
// (rfc8292-2-jws-es256); exp missing or not a number (rfc8292-2-exp-required), more than 24 h
// after the request or already passed at it, beyond ExpLeeway either way (rfc8292-2-exp-max-24h);
// aud missing or not including the push resource's origin (rfc8292-2-aud-origin); sub, when
// present, not a mailto:/https: URI (rfc8292-2.1-sub-contact-uri, SHOULD; a missing sub is no
// problem: RFC 8292 §2.1 says MAY); claims over 1 KiB (rfc8292-2.2-claims-small, SHOULD); k not
// the subscription's key (rfc8292-4.2-restricted-needs-jwt); k equal to the message's ECDH key
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
		problems = append(problems, must(rules.VAPIDScheme.ID, "draft scheme `WebPush <jwt>` with Crypto-Key p256ecdsa; RFC 8292 defines `vapid t=…, k=…`"))
	}
	// RFC 8292 §3.2: k is "encoded using base64url encoding [RFC7515]", which RFC 7515 §2 defines
	// "with all trailing '=' characters omitted" and the URL-safe alphabet: padding or '+' '/'
	// break the rule (implied MUST), graded the same here as in the suites.
	if strings.ContainsAny(v.RawKey, "=+/") {
		problems = append(problems, must(rules.KUncompressedBase64URL.ID, fmt.Sprintf("k %q is not unpadded base64url; RFC 8292 §3.2 encodes k in base64url (RFC 7515: URL-safe alphabet, no '=')", v.RawKey)))
	}
	problems = append(problems, v.signatureProblems()...)
	problems, exp = v.expProblems(problems, o.Now)
	problems = append(problems, v.audProblems(o.Audience)...)
	problems = append(problems, v.subProblems()...)
	if v.ClaimsLen > MaxClaimsLen {
		problems = append(problems, should(rules.ClaimsSmall.ID, fmt.Sprintf("claims are %d octets, more than pushspec's bound of %d", v.ClaimsLen, MaxClaimsLen)))
	}
	return problems, exp
}

func (v *VAPID) signatureProblems() []Problem {
	var problems []Problem
	if alg, _ := v.Header["alg"].(string); alg != "ES256" {
		problems = append(problems, must(rules.JWSES256.ID, fmt.Sprintf("JWT header alg is %v, not ES256", v.Header["alg"])))
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), v.Key)
	if err != nil {
		return append(problems, must(rules.P256SigningKey.ID, fmt.Sprintf("k (%d octets) is not an uncompressed P-256 point: %v", len(v.Key), err)))
	}
	signingInput := v.Token[:strings.LastIndexByte(v.Token, '.')]
	digest := sha256.Sum256([]byte(signingInput))
	switch {
	case len(v.Signature) == 64:
		r := new(big.Int).SetBytes(v.Signature[:32])
		s := new(big.Int).SetBytes(v.Signature[32:])
		if !ecdsa.Verify(pub, digest[:], r, s) {
			problems = append(problems, must(rules.JWSES256.ID, "the ES256 signature does not verify with k"))
		}
	case ecdsa.VerifyASN1(pub, digest[:], v.Signature):
		problems = append(problems, must(rules.JWSES256.ID, fmt.Sprintf("the signature verifies but is ASN.1 DER (%d octets); JWS ES256 needs the 64 raw octets r ‖ s", len(v.Signature))))
	default:
		problems = append(problems, must(rules.JWSES256.ID, fmt.Sprintf("the signature is %d octets, not the 64 of ES256 r ‖ s, and does not verify as DER either", len(v.Signature))))
	}
	return problems
}

// Exp returns the exp claim as a time; false when it is absent or not a usable JSON number.
func (v *VAPID) Exp() (time.Time, bool) {
	num, ok := v.Claims["exp"].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := num.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	// Clamp so that absurd values cannot overflow the conversion; 2^40 s is beyond year 36000.
	f = math.Max(math.Min(f, 1<<40), -(1 << 40))
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)), true
}

func (v *VAPID) expProblems(problems []Problem, now time.Time) ([]Problem, time.Time) {
	raw, present := v.Claims["exp"]
	if !present {
		return append(problems, must(rules.ExpRequired.ID, "the JWT has no exp claim")), time.Time{}
	}
	if _, ok := raw.(json.Number); !ok {
		return append(problems, must(rules.ExpRequired.ID, fmt.Sprintf("exp is %s, not a JSON number", jsonText(raw)))), time.Time{}
	}
	exp, ok := v.Exp()
	if !ok {
		return append(problems, must(rules.ExpRequired.ID, fmt.Sprintf("exp %s is not a usable NumericDate", jsonText(raw)))), time.Time{}
	}
	// RFC 8292 §2: "An "exp" (Expiry) claim MUST be included with the time after which the token
	// expires. [...] An "exp" claim MUST NOT be more than 24 hours from the time of the request."
	// The sender is judged against the time of the request (now), with ExpLeeway for clock skew
	// (RFC 7519 §4.1.4: "some small leeway, usually no more than a few minutes").
	switch ahead := exp.Sub(now); {
	case ahead > MaxVAPIDLifetime+ExpLeeway:
		problems = append(problems, must(rules.ExpMax24h.ID, fmt.Sprintf("exp is %s after the request; RFC 8292 §2 allows at most 24 h (pushspec allows %s for clock skew)",
			Duration(ahead), Duration(ExpLeeway))))
	case ahead <= -ExpLeeway:
		// The token's own exp says it had expired when it was sent: RFC 8292 §2 makes exp "the
		// time after which the token expires", and §4.2 makes a token invalid when "the current
		// time is later than the time identified in the "exp" (Expiry) claim". The fault is the
		// sender's, so it is graded under the sender's exp rule, not a push-service rule.
		problems = append(problems, must(rules.ExpMax24h.ID, fmt.Sprintf("exp %s passed %s before the request; a token is valid only until its exp (RFC 8292 §2, §4.2)",
			exp.UTC().Format(time.RFC3339), Duration(-ahead))))
	}
	return problems, exp
}

// ServiceExpProblem is the push service's own check of exp (RFC 8292 §4.2: "vapid"
// authentication is invalid if "the current time is later than the time identified in the "exp"
// (Expiry) claim or more than 24 hours before the expiry time"), made by the service's clock,
// serviceNow, which may differ from the time of the request the sender is judged by. It returns
// the push-service rule under which the service refuses the token (rfc8292-4.2-reject-expired or
// rfc8292-4.2-reject-exp-over-24h) and why, or "" when exp is absent (graded by
// rfc8292-2-exp-required) or acceptable. The expiry is strict; the 24 h bound allows ExpLeeway, so
// that an exp a sender rounded up to the next whole second is not refused.
func (v *VAPID) ServiceExpProblem(serviceNow time.Time) (rule, reason string) {
	exp, ok := v.Exp()
	if !ok {
		return "", ""
	}
	if !serviceNow.Before(exp) {
		return rules.RejectExpired.ID, fmt.Sprintf("exp %s (%s) has passed by the push service's clock (%s)", jsonText(v.Claims["exp"]), exp.UTC().Format(time.RFC3339), serviceNow.UTC().Format(time.RFC3339))
	}
	if ahead := exp.Sub(serviceNow); ahead > MaxVAPIDLifetime+ExpLeeway {
		return rules.RejectExpOver24h.ID, fmt.Sprintf("exp is %s ahead of the push service's clock, more than 24 h", Duration(ahead))
	}
	return "", ""
}

// Duration writes d for people: "24 h 2 min", "1 min 30 s", "45 s".
func Duration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Round(time.Second)
	h, m, sec := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	if h > 0 {
		b = append(strconv.AppendInt(b, h, 10), " h"...)
	}
	if m > 0 {
		if h > 0 {
			b = append(b, ' ')
		}
		b = append(strconv.AppendInt(b, m, 10), " min"...)
	}
	if sec > 0 || (h == 0 && m == 0) {
		if h > 0 || m > 0 {
			b = append(b, ' ')
		}
		b = append(strconv.AppendInt(b, sec, 10), " s"...)
	}
	return string(b)
}

func (v *VAPID) audProblems(audience string) []Problem {
	raw, present := v.Claims["aud"]
	if !present {
		return []Problem{must(rules.AudOrigin.ID, "the JWT has no aud claim")}
	}
	// RFC 8292 §2: "An "aud" (Audience) claim in the token MUST include the unicode
	// serialization of the origin [...] of the push resource URL." RFC 7519 §4.1.3: "In the
	// general case, the "aud" value is an array of case-sensitive strings [...] In the special
	// case when the JWT has one audience, the "aud" value MAY be a single case-sensitive string".
	// So aud is a string or an array of strings, and one of them must be the origin.
	var auds []string
	switch a := raw.(type) {
	case string:
		auds = []string{a}
	case []any:
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return []Problem{must(rules.AudOrigin.ID, fmt.Sprintf("aud is %s, an array with a member that is not a string (RFC 7519 §4.1.3)", cutText(jsonText(raw), 200)))}
			}
			auds = append(auds, s)
		}
	default:
		return []Problem{must(rules.AudOrigin.ID, fmt.Sprintf("aud is %s, neither a string nor an array of strings (RFC 7519 §4.1.3)", cutText(jsonText(raw), 200)))}
	}
	for _, aud := range auds {
		if audience != "" && aud == audience {
			return nil
		}
		if audience == "" && isOrigin(aud) {
			return nil
		}
	}
	if audience == "" {
		return []Problem{must(rules.AudOrigin.ID, fmt.Sprintf("aud %s includes no serialized origin scheme://host[:port]", cutText(jsonText(raw), 200)))}
	}
	return []Problem{must(rules.AudOrigin.ID, fmt.Sprintf("aud %s does not include the push resource's origin %q", cutText(jsonText(raw), 200), audience))}
}

func isOrigin(aud string) bool {
	u, err := url.Parse(aud)
	return err == nil && u.Scheme != "" && u.Host != "" && u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (v *VAPID) subProblems() []Problem {
	raw, present := v.Claims["sub"]
	if !present {
		// RFC 8292 §2.1: "If the application server wishes to provide contact details it MAY
		// include a "sub" (Subject) claim in the JWT." Leaving it out breaks nothing; Apple's
		// push service minds, which is the interop note interop-apple-sub-required.
		return nil
	}
	sub, ok := raw.(string)
	if !ok {
		return []Problem{should(rules.SubContactURI.ID, fmt.Sprintf("sub is %s, not a string", jsonText(raw)))}
	}
	// RFC 8292 §2.1: "The "sub" claim SHOULD include a contact URI for the application server
	// as either a "mailto:" (email) [RFC6068] or an "https:" [RFC2818] URI."
	if !isContactURI(sub) {
		return []Problem{should(rules.SubContactURI.ID, fmt.Sprintf("sub %q is not a mailto: address or an https: URL", sub))}
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
		problems = append(problems, must(rules.RestrictedNeedsJWT.ID, "k is not the applicationServerKey the subscription was made with"))
	}
	if o.ECDHKey != nil && bytes.Equal(v.Key, o.ECDHKey) {
		problems = append(problems, must(rules.DistinctKeys.ID, "k is the message's ECDH key; the signing key must differ from the key exchange key"))
	}
	return problems
}
