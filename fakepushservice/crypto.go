package fakepushservice

import (
	"strings"

	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// vapidCond maps a MUST-level problem to the condition a profile answers. The sender's exp
// (rfc8292-2-exp-max-24h) maps to none: whether the service refuses a token for its exp is the
// service's own check by its own clock (VAPID.ServiceExpProblem, whose rules map here).
func vapidCond(pr webpush.Problem) (Cond, bool) {
	switch pr.Rule {
	case rules.RejectAbsent.ID:
		return CondVAPIDAbsent, true
	case rules.VAPIDScheme.ID:
		return CondVAPIDScheme, true
	case rules.RejectMissingTOrK.ID:
		return CondVAPIDMissingTK, true
	case rules.JWSES256.ID:
		if strings.Contains(pr.Reason, "alg") {
			return CondVAPIDMalformed, true
		}
		return CondVAPIDSignature, true
	case rules.P256SigningKey.ID, rules.KUncompressedBase64URL.ID, rules.ExpRequired.ID:
		return CondVAPIDMalformed, true
	case rules.RejectExpired.ID:
		return CondVAPIDExpired, true
	case rules.RejectExpOver24h.ID:
		return CondVAPIDExpTooLong, true
	case rules.AudOrigin.ID:
		return CondVAPIDAud, true
	case rules.RestrictedNeedsJWT.ID:
		return CondVAPIDKey, true
	case rules.DistinctKeys.ID:
		return CondSameKeys, true
	case rules.SubContactURI.ID:
		return CondVAPIDSub, true
	}
	return "", false
}

// checkCrypto has the graders grade the body's layout, VAPID and (for virtual-UA subscriptions,
// whose private key the service holds) the decrypted plaintext, and adds the conditions a profile
// may refuse.
func (s *Server) checkCrypto(p *pushReq) {
	g := p.g
	p.grade(graders.Body(g))
	p.grade(graders.VAPID(g))
	res := g.VAPID()
	switch {
	case !res.Present:
		if g.AppServerKey != nil {
			p.add(CondVAPIDAbsent, "the subscription was made with an applicationServerKey; a vapid Authorization is required (RFC 8292 §4.2)")
		}
	case res.Unreadable != nil:
		if c, ok := vapidCond(*res.Unreadable); ok {
			p.add(c, res.Unreadable.Reason)
		}
	default:
		v := res.V
		for _, pr := range res.Problems {
			if c, ok := vapidCond(pr); ok {
				p.add(c, pr.Reason)
			}
		}
		// RFC 8292 §4.2: the service refuses a token whose exp has passed or lies more than
		// 24 h ahead, by its own clock (which may lag: ClockSkew).
		if rule, why := v.ServiceExpProblem(g.Received.Add(s.ClockSkew)); rule != "" {
			if c, ok := vapidCond(webpush.Problem{Rule: rule}); ok {
				p.add(c, why)
			}
		}
		// Apple's push service refuses a token without a non-empty sub
		// (rules.InteropAppleSubRequired); the apple profile answers this condition.
		if str, _ := v.Claims["sub"].(string); str == "" {
			p.add(CondVAPIDSub, "the JWT has no sub, or an empty one")
		}
	}
	p.grade(graders.Decryption(g))
	if pt, tried, err := g.Decrypted(); err != nil {
		p.add(CondDecrypt, graders.ErrText(err))
	} else if tried {
		p.rec.Plaintext = pt
	}
}
