package graders

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// VAPIDResult is the request's VAPID credentials (RFC 8292) as verified.
type VAPIDResult struct {
	// Present says the request has an Authorization header.
	Present bool
	// V is the credentials read; nil when absent or unreadable.
	V *webpush.VAPID
	// Problems are the sender rules the token breaks (when V is set).
	Problems []webpush.Problem
	// Unreadable is why the credentials could not be read (when Present and V is nil).
	Unreadable *webpush.Problem
}

// VAPID verifies the request's credentials once, against the request's time and origin, the
// message's ECDH key and the subscription's applicationServerKey.
func (r *Request) VAPID() *VAPIDResult {
	if r.vapid != nil {
		return r.vapid
	}
	res := &VAPIDResult{}
	r.vapid = res
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return res
	}
	res.Present = true
	o := r.verifyOptions()
	var err error
	if r.VerifyCache != nil {
		res.V, res.Problems, err = r.VerifyCache.VerifyHeader(auth, r.Header.Get("Crypto-Key"), o)
	} else if res.V, err = webpush.ParseVAPID(auth, r.Header.Get("Crypto-Key")); err == nil {
		res.Problems = res.V.Verify(o)
	}
	if err != nil {
		res.V, res.Problems = nil, nil
		pr := webpush.Problem{Rule: rules.JWSES256.ID, Reason: err.Error(), Level: webpush.LevelMust}
		var we *webpush.Error
		if errors.As(err, &we) {
			pr.Rule, pr.Reason = we.Rule, we.Reason
		}
		res.Unreadable = &pr
	}
	return res
}

func (r *Request) verifyOptions() webpush.VerifyOptions {
	return webpush.VerifyOptions{Audience: r.Audience, Now: r.Received, ECDHKey: r.ECDHKey(), SubscriptionKey: r.AppServerKey}
}

// vapidRules are the sender-side rules graded on every token that was read; one that Verify does
// not complain about passes. rules.SubContactURI is graded only when the token has a sub (it is
// about sub "if present").
var vapidRules = []rules.Rule{
	rules.VAPIDScheme, rules.P256SigningKey, rules.JWSES256, rules.ExpRequired,
	rules.ExpMax24h, rules.AudOrigin, rules.ClaimsSmall, rules.KUncompressedBase64URL,
}

// senderParseRule is the application-server rule a ParseVAPID error is graded under. ParseVAPID
// names what a push service refuses (rfc8292-4.2-reject-missing-t-or-k is a push-service rule);
// the sender's own fault in that case is the shape of its credentials. RFC 8292 §3: "This
// authentication scheme carries a signed JWT [...] plus the key that signed that JWT", and "Two
// parameters are defined for this authentication scheme: `t` and `k`" (rules.VAPIDScheme).
func senderParseRule(id string) rules.Rule {
	if id == rules.RejectMissingTOrK.ID {
		return rules.VAPIDScheme
	}
	return ruleOf(id)
}

// VAPID grades the request's VAPID credentials (RFC 8292 §2, §3, §4.2) and, on a token that was
// read, the interop notes on its exp.
func VAPID(r *Request) []rules.Verdict {
	out := r.out()
	restricted := r.AppServerKey != nil
	// RFC 8292 §3 (paraphrased): the vapid scheme is for the push service, never a proxy.
	for _, v := range r.Header.Values("Proxy-Authorization") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "vapid") {
			out = append(out, rules.Check(rules.NoProxyAuth, false, "vapid credentials in Proxy-Authorization", nil))
		}
	}
	res := r.VAPID()
	switch {
	case !res.Present && restricted:
		// RFC 8292 §4.2: "the request for push message delivery MUST include a JWT signed by
		// the private key that corresponds to the public key used when creating the
		// subscription."
		return r.keep(append(out, rules.Check(rules.RestrictedNeedsJWT, false, "restricted subscription (made with an applicationServerKey) and no Authorization header", nil)))
	case !res.Present:
		// RFC 8292 (paraphrased): a subscription made without a key takes requests without VAPID.
		return r.keep(append(out, info(rules.SubOptional, "no VAPID on an unrestricted subscription", nil)))
	case res.Unreadable != nil:
		// One fault, one rule: the credentials could not be read, which is graded under the
		// sender's rule for their shape; rules.RestrictedNeedsJWT (whose own fault is a key other
		// than the subscription's) is not graded on top of it.
		pr := res.Unreadable
		if sr := senderParseRule(pr.Rule); sr.ID != rules.RejectAbsent.ID {
			out = append(out, rules.Check(sr, false, pr.Reason, map[string]string{"Authorization": RedactAuth(r.Header.Get("Authorization"))}))
		} else if restricted {
			out = append(out, rules.Check(rules.RestrictedNeedsJWT, false, "restricted subscription (made with an applicationServerKey) and an empty Authorization header", nil))
		}
		return r.keep(out)
	}
	v := res.V
	te := tokenEvidenceOf(v)
	ev := map[string]string{
		"scheme": v.Scheme, "k": te.k, "jwt_header": te.header,
		"jwt_claims": te.claims, "signature_len": strconv.Itoa(len(v.Signature)),
	}
	if _, ok := v.Claims["exp"]; ok {
		ev["exp"] = te.exp
		ev["request_time"] = strconv.FormatInt(r.Received.Unix(), 10)
		if r.ClockSkew != 0 {
			ev["service_clock"] = strconv.FormatInt(r.Received.Add(r.ClockSkew).Unix(), 10)
		}
	}
	ev["audience_expected"] = r.Audience
	broken := map[string]bool{}
	for _, pr := range res.Problems {
		broken[pr.Rule] = true
		o := rules.Fail
		if pr.Level == webpush.LevelShould {
			o = rules.NonStrict
		}
		out = append(out, rules.Verdict{Rule: ruleOf(pr.Rule).ID, Outcome: o, Message: pr.Reason, Evidence: ev})
	}
	for _, rule := range vapidRules {
		if !broken[rule.ID] {
			out = append(out, rules.Check(rule, true, "ok", ev))
		}
	}
	_, hasSub := v.Claims["sub"]
	if hasSub && !broken[rules.SubContactURI.ID] {
		// RFC 8292 §2.1: "If the application server wishes to provide contact details, it MAY
		// include a "sub" (Subject) claim in the JWT. The "sub" claim SHOULD include a contact
		// URI for the application server as either a "mailto:" (email) [RFC6068] or an "https:"
		// [RFC2818] URI."
		out = append(out, rules.Check(rules.SubContactURI, true, "sub is a mailto: or https: URI", ev))
	}
	// RFC 8292 §2.1: the application server "MAY include a "sub" (Subject) claim": recorded, never
	// graded down. Apple's push service refuses a token without a non-empty sub (the interop note
	// rules.InteropAppleSubRequired, graded by the push service against its apple profile).
	if hasSub {
		out = append(out, info(rules.SubOptional, "sub present", rules.Evidence("sub", te.sub)))
	} else {
		out = append(out, info(rules.SubOptional, "no sub: allowed (RFC 8292 §2.1: MAY); Apple's push service refuses such tokens", nil))
	}
	if restricted && !broken[rules.RestrictedNeedsJWT.ID] {
		// RFC 8292 §4.2: "the request for push message delivery MUST include a JWT signed by the
		// private key that corresponds to the public key used when creating the subscription."
		// Graded on k alone: the scheme and the signature have rules of their own.
		out = append(out, rules.Check(rules.RestrictedNeedsJWT, true, "k is the applicationServerKey the subscription was made with", ev))
	}
	if r.ECDHKey() != nil && !broken[rules.DistinctKeys.ID] {
		// RFC 8292 §3.2 (paraphrased): the VAPID key k is not the message's ECDH key.
		out = append(out, rules.Check(rules.DistinctKeys, true, "k differs from the message's ECDH key", ev))
	}
	return r.keep(expTiming(out, r, v, te))
}

// tokenEvidence is the evidence text of a token, kept for the last token seen: a VerifyCache hit
// returns the same *webpush.VAPID, and senders reuse one token for many requests. exp and sub
// are the claims as fmt.Sprint prints them, expJSON exp as JSON.
type tokenEvidence struct {
	v                 *webpush.VAPID
	k, header, claims string
	exp, expJSON, sub string
}

var lastToken atomic.Pointer[tokenEvidence]

func tokenEvidenceOf(v *webpush.VAPID) *tokenEvidence {
	if te := lastToken.Load(); te != nil && te.v == v {
		return te
	}
	te := &tokenEvidence{v: v, k: webpush.Base64URL(v.Key), header: jsonText(v.Header), claims: jsonText(v.Claims)}
	if exp, ok := v.Claims["exp"]; ok {
		te.exp, te.expJSON = fmt.Sprint(exp), jsonText(exp)
	}
	if sub, ok := v.Claims["sub"]; ok {
		te.sub = fmt.Sprint(sub)
	}
	lastToken.Store(te)
	return te
}

// expTiming records the two interop notes on exp, both info: exp left no room for a push
// service whose clock is behind, and exp follows the message's TTL.
func expTiming(out []rules.Verdict, r *Request, v *webpush.VAPID, te *tokenEvidence) []rules.Verdict {
	exp, ok := v.Exp()
	if !ok {
		return out
	}
	received := r.Received
	ahead := exp.Sub(received)
	aheadText := webpush.Duration(ahead)
	ev := map[string]string{"exp": te.expJSON, "request_time": strconv.FormatInt(received.Unix(), 10), "exp_after_request": aheadText}
	// A push service judges exp by its own clock (RFC 8292 §4.2: "the current time is [...]
	// more than 24 hours before the expiry time"): exp close to the 24 h bound leaves no room
	// for a service whose clock is behind the sender's. Outside (0, 24 h + leeway] exp is
	// graded by rules.ExpMax24h alone.
	if ahead > 0 && ahead <= webpush.MaxVAPIDLifetime+webpush.ExpLeeway {
		room := webpush.MaxVAPIDLifetime - ahead
		msg := "exp is " + aheadText + " after the request, " + webpush.Duration(room) + " within RFC 8292's 24 h"
		if room < webpush.ExpSkewMargin {
			msg = fmt.Sprintf("exp is %s after the request, leaving %s below RFC 8292's 24 h bound: a push service whose clock is further behind than that refuses the token; pushspec suggests at least %s of room",
				webpush.Duration(ahead), webpush.Duration(max(room, 0)), webpush.Duration(webpush.ExpSkewMargin))
		}
		out = append(out, rules.Check(rules.InteropExpSkewMargin, room >= webpush.ExpSkewMargin, msg, ev))
	}

	// RFC 8292 §2 ties exp to the token ("This limits the time over which a token is valid"),
	// nothing to the message's TTL; a sender that sets exp = now + TTL signs a token that has
	// expired on arrival for TTL 0 and breaks the 24 h bound for TTL over 86400. Only a TTL that
	// no library uses as its default exp span tells the two apart.
	ttl, err := webpush.ParseTTL(r.Header)
	if err != nil || len(r.Header.Values("TTL")) != 1 {
		return out
	}
	follows := (ahead - time.Duration(ttl)*time.Second).Abs() <= 5*time.Second
	if follows && (ttl == 43200 || ttl == 86400) {
		return out // indistinguishable from a 12 h or 24 h default
	}
	ev["TTL"] = strconv.FormatInt(ttl, 10)
	msg := "exp (" + aheadText + " after the request) is independent of TTL " + strconv.FormatInt(ttl, 10)
	if follows {
		msg = fmt.Sprintf("exp is the request time plus the message's TTL (%d s): exp bounds the token's validity (RFC 8292 §2), not the message's; with TTL 0 the token expires on arrival", ttl)
	}
	return append(out, rules.Check(rules.InteropExpIndependentOfTTL, !follows, msg, ev))
}

// RedactAuth keeps the scheme, the JWT's header and claims and k, and drops the signature: a
// recorded request never carries a complete, replayable token.
func RedactAuth(v string) string {
	if v == "" {
		return ""
	}
	out := make([]string, 0, 4)
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		if strings.Count(f, ".") == 2 {
			i := strings.LastIndexByte(f, '.')
			f = f[:i+1] + "<signature redacted>"
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
