package fakepushservice

import (
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// vapidRules are the sender-side VAPID rules graded on every request whose token parsed; one
// that Verify does not complain about passes. rfc8292-2.1-sub-contact-uri is graded only when
// the token has a sub (it is about sub "if present").
var vapidRules = []string{
	webpush.RuleVAPIDScheme, webpush.RuleP256SigningKey, webpush.RuleJWSES256, webpush.RuleExpRequired,
	webpush.RuleExpMax24h, webpush.RuleAudOrigin, webpush.RuleClaimsSmall, webpush.RuleKUncompressedB64,
}

// vapidCond maps a MUST-level problem to the condition a profile answers. The sender's exp
// (rfc8292-2-exp-max-24h) maps to none: whether the service refuses a token for its exp is the
// service's own check by its own clock (VAPID.ServiceExpProblem, whose rules map here).
func vapidCond(pr webpush.Problem) (Cond, bool) {
	switch pr.Rule {
	case webpush.RuleRejectAbsent:
		return CondVAPIDAbsent, true
	case webpush.RuleVAPIDScheme:
		return CondVAPIDScheme, true
	case webpush.RuleRejectMissingTK:
		return CondVAPIDMissingTK, true
	case webpush.RuleJWSES256:
		if strings.Contains(pr.Reason, "alg") {
			return CondVAPIDMalformed, true
		}
		return CondVAPIDSignature, true
	case webpush.RuleP256SigningKey, webpush.RuleKUncompressedB64, webpush.RuleExpRequired:
		return CondVAPIDMalformed, true
	case webpush.RuleRejectExpired:
		return CondVAPIDExpired, true
	case webpush.RuleRejectExpOver24h:
		return CondVAPIDExpTooLong, true
	case webpush.RuleAudOrigin:
		return CondVAPIDAud, true
	case webpush.RuleRestrictedNeedJWT:
		return CondVAPIDKey, true
	case webpush.RuleDistinctKeys:
		return CondSameKeys, true
	case webpush.RuleSubContactURI:
		return CondVAPIDSub, true
	}
	return "", false
}

// senderParseRule is the application-server rule a ParseVAPID error is graded under. ParseVAPID
// names what a push service refuses (rfc8292-4.2-reject-missing-t-or-k is a push-service rule);
// the sender's own fault in that case is the shape of its credentials. RFC 8292 §3: "This
// authentication scheme carries a signed JWT [...] plus the key that signed that JWT", and "Two
// parameters are defined for this authentication scheme: `t` and `k`" (rfc8292-2-vapid-scheme).
func senderParseRule(rule string) string {
	if rule == webpush.RuleRejectMissingTK {
		return webpush.RuleVAPIDScheme
	}
	return rule
}

// checkCrypto grades VAPID, the content coding header and (for virtual-UA subscriptions, whose
// private key the service holds) the decrypted plaintext; it adds the conditions a profile may
// refuse.
func (s *Server) checkCrypto(p *pushReq) {
	h := p.r.Header
	body := p.rec.Body
	if p.rec.Truncated {
		body = nil
	}

	// The message's ECDH key: aes128gcm keyid, or aesgcm dh.
	var ecdhKey []byte
	switch p.encoding {
	case "aes128gcm":
		ecdhKey = s.checkContentHeader(p, body)
	case "aesgcm":
		if dh := cryptoKeyParam(h.Get("Crypto-Key"), "dh"); dh != "" {
			ecdhKey, _ = webpush.DecodeBase64(dh)
		}
	}

	// VAPID.
	restricted := p.sub != nil && p.sub.sub.AppServerKey != nil
	for _, v := range h.Values("Proxy-Authorization") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "vapid") {
			p.verdict("rfc8292-3-no-proxy-auth", false, "vapid credentials in Proxy-Authorization", nil)
		}
	}
	auth := h.Get("Authorization")
	if auth == "" {
		if restricted {
			p.verdict(webpush.RuleRestrictedNeedJWT, false, "restricted subscription (made with an applicationServerKey) and no Authorization header", nil)
			p.add(CondVAPIDAbsent, "the subscription was made with an applicationServerKey; a vapid Authorization is required (RFC 8292 §4.2)")
		} else {
			p.info(webpush.RuleSubOptional, "no VAPID on an unrestricted subscription", nil)
		}
	} else {
		s.checkVAPID(p, auth, h.Get("Crypto-Key"), ecdhKey, restricted)
	}

	// Decryption by the virtual UA's keys.
	if p.sub == nil || p.sub.keys == nil || len(body) == 0 {
		return
	}
	keys := p.sub.keys
	switch p.encoding {
	case "aes128gcm":
		m, err := webpush.DecryptMessage(keys, body)
		if err != nil {
			ev := map[string]string{"body_size": strconv.Itoa(len(body))}
			rule, tagVerified := senderDecryptRule(err)
			graded := err
			if one := asOneRecord(body); one != nil && !tagVerified {
				// A reader cuts records at the header's rs (RFC 8188 §2), so a record longer than
				// rs cannot be opened whatever the keys. When the body read as one record, as Web
				// Push sends it (RFC 8291 §4), opens as far as the tag, the keys are right: the rs
				// is graded once, under rfc8188-2-record-layout (by checkContentHeader), and the
				// padding on that reading. Otherwise the body is graded as the reader cut it.
				if _, oneErr := webpush.DecryptMessage(keys, one); oneErr == nil {
					rule, tagVerified, graded = "", true, nil
				} else if r, tv := senderDecryptRule(oneErr); tv {
					rule, tagVerified, graded = r, true, oneErr
				}
			}
			if tagVerified {
				p.verdict(webpush.RuleKeyDerivation, true, "the AES-GCM tag verifies with the subscription's keys (RFC 8291 §3.3, §3.4)", ev)
			}
			if rule != "" {
				p.verdict(rule, false, errText(graded), ev)
			}
			p.add(CondDecrypt, errText(err))
			return
		}
		ev := map[string]string{"plaintext_size": strconv.Itoa(len(m.Plaintext)), "padding": strconv.Itoa(m.Padding), "records": strconv.Itoa(m.Records)}
		p.verdict(webpush.RuleKeyDerivation, true, "decrypts with the subscription's keys (RFC 8291 §3.3, §3.4)", ev)
		p.verdict("rfc8188-2-padding-delimiter", true, "delimiter 0x02 followed only by zero padding", ev)
		p.check("rfc8291-4-single-record", m.Records == 1, "one record",
			fmt.Sprintf("the body holds %d records; RFC 8291 §4 requires a single record", m.Records), ev)
		p.rec.Plaintext, p.decrypted = m.Plaintext, true
	case "aesgcm":
		pt, err := webpush.DecryptAESGCM(keys, body, h.Get("Encryption"), h.Get("Crypto-Key"))
		if err != nil {
			p.verdict(webpush.RuleKeyDerivation, false, "the subscription's keys cannot decrypt the aesgcm body: "+errText(err), nil)
			p.add(CondDecrypt, errText(err))
			return
		}
		p.verdict(webpush.RuleKeyDerivation, true, "aesgcm body decrypts with the subscription's keys", map[string]string{"plaintext_size": strconv.Itoa(len(pt))})
		p.rec.Plaintext, p.decrypted = pt, true
	}
}

// senderDecryptRule is the application-server rule a DecryptMessage error is graded under, and
// whether the AES-GCM tag had verified. DecryptMessage decrypts as a user agent and names the
// user agent's rules (rfc8291-7-ua-validates-key, rfc8291-4-ua-checks-delimiter, ...); here the
// body is the sender's, and each fault is graded once, against the sender. "" means the fault is
// already graded by checkContentHeader (header layout, rs, a keyid that is not a 65-octet P-256
// point: rfc8291-4-keyid-is-as-public-key).
func senderDecryptRule(err error) (rule string, tagVerified bool) {
	var we *webpush.Error
	if !errors.As(err, &we) {
		return webpush.RuleKeyDerivation, false
	}
	switch we.Rule {
	case webpush.RuleHeaderLayout, webpush.RuleRSMin18, webpush.RuleKeyIDIsASPublicKey, webpush.RuleUAValidatesKey:
		return "", false
	case webpush.RuleFailNoDelimiter, webpush.RuleFailWrongDelimiter, webpush.RuleUAChecksDelimiter, webpush.RuleNoPartial:
		// RFC 8188 §2: "Each record contains a single padding delimiter octet followed by any
		// number of zero octets. The last record uses a padding delimiter octet set to the value
		// 2, all other records have a padding delimiter octet value of 1." The tag verified
		// before the delimiter was looked at, so the keys were derived right.
		return rules.PaddingDelimiter.ID, true
	case webpush.RuleMinRecord:
		// A record shorter than a delimiter and a 16-octet tag cannot hold the padding
		// delimiter RFC 8188 §2 puts in every record.
		return rules.PaddingDelimiter.ID, false
	}
	return webpush.RuleKeyDerivation, false
}

// asOneRecord returns a copy of an aes128gcm body whose rest after the header is longer than its
// header's rs, with rs set one above that length (the body read as one record, shorter than rs as
// RFC 8291 §4 has it); nil for any other body.
func asOneRecord(body []byte) []byte {
	hdr, err := webpush.ParseContentHeader(body)
	rec := len(body) - hdr.Len
	if err != nil || uint64(rec) <= uint64(hdr.RS) || uint64(rec) >= math.MaxUint32 {
		return nil
	}
	one := bytes.Clone(body)
	binary.BigEndian.PutUint32(one[16:20], uint32(rec)+1)
	return one
}

// checkContentHeader grades the aes128gcm header and returns the keyid.
func (s *Server) checkContentHeader(p *pushReq, body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	hdr, err := webpush.ParseContentHeader(body)
	var we *webpush.Error
	errors.As(err, &we)
	if err != nil && (we == nil || we.Rule != webpush.RuleRSMin18) {
		p.verdict(webpush.RuleHeaderLayout, false, errText(err), map[string]string{"body_size": strconv.Itoa(len(body))})
		return nil
	}
	ev := map[string]string{
		"salt": webpush.Base64URL(hdr.Salt), "rs": strconv.FormatUint(uint64(hdr.RS), 10),
		"idlen": strconv.Itoa(len(hdr.KeyID)), "keyid": webpush.Base64URL(hdr.KeyID), "body_size": strconv.Itoa(len(body)),
	}
	p.verdict(webpush.RuleHeaderLayout, true, fmt.Sprintf("salt ‖ rs ‖ idlen ‖ keyid, %d-octet header", hdr.Len), ev)
	p.check(webpush.RuleRSMin18, hdr.RS >= webpush.MinRS, fmt.Sprintf("rs is %d", hdr.RS),
		fmt.Sprintf("rs is %d; RFC 8188 §2.1 makes an rs below 18 invalid", hdr.RS), ev)
	keyOK := len(hdr.KeyID) == 65
	if keyOK {
		_, perr := ecdh.P256().NewPublicKey(hdr.KeyID)
		keyOK = perr == nil
	}
	p.check(webpush.RuleKeyIDIsASPublicKey, keyOK, "keyid is a 65-octet uncompressed P-256 point",
		fmt.Sprintf("the keyid (%d octets) is not an uncompressed P-256 point; RFC 8291 §4 requires the sender's 65-octet ECDH public key", len(hdr.KeyID)), ev)
	rec := len(body) - hdr.Len
	p.check("rfc8188-2-record-layout", uint64(rec) <= uint64(hdr.RS), fmt.Sprintf("record of %d octets, rs %d", rec, hdr.RS),
		fmt.Sprintf("the record is %d octets, longer than rs %d; RFC 8188 §2 keeps every record within rs", rec, hdr.RS), ev)
	p.check("rfc8291-4-rs-exceeds-record", uint64(hdr.RS) > uint64(rec), fmt.Sprintf("rs %d > record %d", hdr.RS, rec),
		fmt.Sprintf("rs %d is not greater than the %d-octet record; RFC 8291 §4 requires rs to exceed plaintext, delimiter, padding and tag", hdr.RS, rec), ev)
	p.check("rfc8188-4.3-random-salt", !bytes.Equal(hdr.Salt, make([]byte, 16)), "salt is not all zero",
		"the salt is 16 zero octets; RFC 8188 §4.3 asks for a fresh random salt per message", ev)

	// Salt reuse and ephemeral key reuse, per subscription, against the bodies this service
	// accepted. RFC 8188 §2.1: the salt "MUST NOT be reused for two different payload bodies that
	// have the same input keying material". RFC 8291 §3.1: "When sending a push message, the
	// application server also generates a new ECDH key pair". The same body sent again (a retry after 429, 503 or a timeout) is the
	// same payload body and the same message, so it reuses nothing; a body the service refused
	// was never a message, so it is not remembered (rememberKeyUse runs on acceptance only).
	if p.sub != nil {
		use := &keyUse{
			salt: sha256.Sum256(append(append([]byte(p.sub.sub.ID+"\x00"), hdr.KeyID...), hdr.Salt...)),
			key:  sha256.Sum256(append([]byte(p.sub.sub.ID+"\x00"), hdr.KeyID...)),
			body: sha256.Sum256(body),
		}
		s.saltMu.Lock()
		saltBody, saltSeen := s.seenSalt[use.salt]
		keyBody, keySeen := s.seenKey[use.key]
		s.saltMu.Unlock()
		p.keyUse = use
		saltReused, keyReused := saltSeen && saltBody != use.body, keySeen && keyBody != use.body
		saltMsg, keyMsg := "(subscription, keyid, salt) not used before by an accepted message", "keyid not used before by an accepted message to this subscription"
		switch {
		case saltReused:
			saltMsg = "the salt and keyid of an earlier accepted message to this subscription come back with a different body; RFC 8188 §2.1 forbids one salt for two payload bodies under the same keying material"
		case saltSeen:
			saltMsg = "the same body as an earlier accepted message (a resend): one payload body, no salt reuse"
		}
		switch {
		case keyReused:
			keyMsg = "the ECDH key (keyid) of an earlier accepted message to this subscription comes back with a different body; RFC 8291 §3.1 has a new key pair generated for each push message"
		case keySeen:
			keyMsg = "the same body as an earlier accepted message (a resend): one message, no key reuse"
		}
		p.verdict(rules.SaltNotReused.ID, !saltReused, saltMsg, ev)
		p.verdict(rules.ASEphemeralKey.ID, !keyReused, keyMsg, ev)
	}
	if keyOK {
		return hdr.KeyID
	}
	return nil
}

// keyUse is what an aes128gcm body used, as digests: its (subscription, keyid, salt), its
// (subscription, keyid), and the body itself.
type keyUse struct{ salt, key, body [32]byte }

// rememberKeyUse records the salt and ECDH key of an accepted message; the first body to use
// each is kept, so that any other body with them is a reuse and the same body a resend.
func (s *Server) rememberKeyUse(u *keyUse) {
	if u == nil {
		return
	}
	s.saltMu.Lock()
	defer s.saltMu.Unlock()
	if s.seenSalt == nil {
		s.seenSalt, s.seenKey = map[[32]byte][32]byte{}, map[[32]byte][32]byte{}
	}
	if len(s.seenSalt) >= 200_000 {
		return
	}
	if _, ok := s.seenSalt[u.salt]; !ok {
		s.seenSalt[u.salt] = u.body
	}
	if _, ok := s.seenKey[u.key]; !ok {
		s.seenKey[u.key] = u.body
	}
}

func (s *Server) checkVAPID(p *pushReq, auth, cryptoKey string, ecdhKey []byte, restricted bool) {
	// The time of the request: the sender's exp is judged against it. The service's own clock,
	// which ClockSkew may set wrong on purpose, decides only whether the service refuses.
	received := s.now()
	o := webpush.VerifyOptions{Audience: origin(p.r), Now: received, ECDHKey: ecdhKey}
	if restricted {
		o.SubscriptionKey = p.sub.sub.AppServerKey
	}
	// Keyed on the header text: a hit skips the parse as well. v may be shared: read-only.
	v, problems, err := s.verifyCache().VerifyHeader(auth, cryptoKey, o)
	if err != nil {
		pr := webpush.Problem{Rule: webpush.RuleJWSES256, Reason: err.Error(), Level: webpush.LevelMust}
		var we *webpush.Error
		if errors.As(err, &we) {
			pr.Rule, pr.Reason = we.Rule, we.Reason
		}
		// One fault, one rule: the credentials could not be read, which is graded under the
		// sender's rule for their shape; rfc8292-4.2-restricted-needs-jwt (whose own fault is
		// a key other than the subscription's) is not graded on top of it.
		if sr := senderParseRule(pr.Rule); sr != webpush.RuleRejectAbsent {
			p.verdict(sr, false, pr.Reason, map[string]string{"Authorization": redactAuth(auth)})
		} else if restricted {
			p.verdict(webpush.RuleRestrictedNeedJWT, false, "restricted subscription (made with an applicationServerKey) and an empty Authorization header", nil)
		}
		if c, ok := vapidCond(pr); ok {
			p.add(c, pr.Reason)
		}
		return
	}
	p.claims = v.Claims
	p.vapidKey = v.Key
	ev := map[string]string{
		"scheme": v.Scheme, "k": webpush.Base64URL(v.Key), "jwt_header": jsonText(v.Header),
		"jwt_claims": jsonText(v.Claims), "signature_len": strconv.Itoa(len(v.Signature)),
	}
	if t, ok := v.Claims["exp"]; ok {
		ev["exp"] = fmt.Sprint(t)
		ev["request_time"] = strconv.FormatInt(received.Unix(), 10)
		if s.ClockSkew != 0 {
			ev["service_clock"] = strconv.FormatInt(received.Add(s.ClockSkew).Unix(), 10)
		}
	}
	ev["audience_expected"] = o.Audience
	broken := map[string]bool{}
	for _, pr := range problems {
		broken[pr.Rule] = true
		out := rules.Fail
		if pr.Level == webpush.LevelShould {
			out = rules.NonStrict
		}
		p.rec.Verdicts = append(p.rec.Verdicts, rules.Verdict{Rule: pr.Rule, Outcome: out, Message: pr.Reason, Evidence: ev})
		if c, ok := vapidCond(pr); ok {
			p.add(c, pr.Reason)
		}
	}
	for _, id := range vapidRules {
		if !broken[id] {
			p.verdict(id, true, "ok", ev)
		}
	}
	// RFC 8292 §4.2: the service refuses a token whose exp has passed or lies more than 24 h
	// ahead, by its own clock (which may lag: ClockSkew).
	if rule, why := v.ServiceExpProblem(received.Add(s.ClockSkew)); rule != "" {
		if c, ok := vapidCond(webpush.Problem{Rule: rule}); ok {
			p.add(c, why)
		}
	}
	sub, hasSub := v.Claims["sub"]
	if hasSub && !broken[webpush.RuleSubContactURI] {
		p.verdict(webpush.RuleSubContactURI, true, "sub is a mailto: or https: URI", ev)
	}
	// RFC 8292 §2.1: the application server "MAY include a "sub" (Subject) claim": recorded, never
	// graded down. Apple's push service refuses a token without a non-empty sub (the interop
	// note interop-apple-sub-required); the apple profile answers that condition.
	if hasSub {
		p.info(webpush.RuleSubOptional, "sub present", map[string]string{"sub": fmt.Sprint(sub)})
	} else {
		p.info(webpush.RuleSubOptional, "no sub: allowed (RFC 8292 §2.1: MAY); Apple's push service refuses such tokens", nil)
	}
	if str, _ := sub.(string); str == "" {
		p.add(CondVAPIDSub, "the JWT has no sub, or an empty one")
	}
	if restricted && !broken[webpush.RuleRestrictedNeedJWT] {
		// RFC 8292 §4.2: "the request for push message delivery MUST include a JWT signed by the
		// private key that corresponds to the public key used when creating the subscription."
		// Graded on k alone: the scheme and the signature have rules of their own.
		p.verdict(webpush.RuleRestrictedNeedJWT, true, "k is the applicationServerKey the subscription was made with", ev)
	}
	if ecdhKey != nil && !broken[webpush.RuleDistinctKeys] {
		p.verdict(webpush.RuleDistinctKeys, true, "k differs from the message's ECDH key", ev)
	}
	s.checkExpTiming(p, v, received)
}

// checkExpTiming records the two interop notes on exp, both info: exp left no room for a push
// service whose clock is behind, and exp follows the message's TTL.
func (s *Server) checkExpTiming(p *pushReq, v *webpush.VAPID, received time.Time) {
	exp, ok := v.Exp()
	if !ok {
		return
	}
	ahead := exp.Sub(received)
	ev := map[string]string{"exp": jsonText(v.Claims["exp"]), "request_time": strconv.FormatInt(received.Unix(), 10), "exp_after_request": webpush.Duration(ahead)}
	// A push service judges exp by its own clock (RFC 8292 §4.2: "the current time is [...]
	// more than 24 hours before the expiry time"): exp close to the 24 h bound leaves no room
	// for a service whose clock is behind the sender's. Outside (0, 24 h + leeway] exp is
	// graded by rfc8292-2-exp-max-24h alone.
	if ahead > 0 && ahead <= webpush.MaxVAPIDLifetime+webpush.ExpLeeway {
		room := webpush.MaxVAPIDLifetime - ahead
		msg := fmt.Sprintf("exp is %s after the request, %s within RFC 8292's 24 h", webpush.Duration(ahead), webpush.Duration(room))
		if room < webpush.ExpSkewMargin {
			msg = fmt.Sprintf("exp is %s after the request, leaving %s below RFC 8292's 24 h bound: a push service whose clock is further behind than that refuses the token; pushspec suggests at least %s of room",
				webpush.Duration(ahead), webpush.Duration(max(room, 0)), webpush.Duration(webpush.ExpSkewMargin))
		}
		p.verdict(rules.InteropExpSkewMargin.ID, room >= webpush.ExpSkewMargin, msg, ev)
	}

	// RFC 8292 §2 ties exp to the token ("This limits the time over which a token is valid"),
	// nothing to the message's TTL; a sender that sets exp = now + TTL signs a token that has
	// expired on arrival for TTL 0 and breaks the 24 h bound for TTL over 86400. Only a TTL that
	// no library uses as its default exp span tells the two apart.
	if !p.ttlValid {
		return
	}
	follows := (ahead - time.Duration(p.ttl)*time.Second).Abs() <= 5*time.Second
	if follows && (p.ttl == 43200 || p.ttl == 86400) {
		return // indistinguishable from a 12 h or 24 h default
	}
	ev["TTL"] = strconv.FormatInt(p.ttl, 10)
	msg := fmt.Sprintf("exp (%s after the request) is independent of TTL %d", webpush.Duration(ahead), p.ttl)
	if follows {
		msg = fmt.Sprintf("exp is the request time plus the message's TTL (%d s): exp bounds the token's validity (RFC 8292 §2), not the message's; with TTL 0 the token expires on arrival", p.ttl)
	}
	p.verdict(rules.InteropExpIndependentOfTTL.ID, !follows, msg, ev)
}

func (s *Server) verifyCache() *webpush.VerifyCache { return s.vcache }

// redactAuth keeps the scheme, the JWT's header and claims and k, and drops the signature: a
// recorded request never carries a complete, replayable token.
func redactAuth(v string) string {
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

// cryptoKeyParam finds name=value in a Crypto-Key header (comma-separated entries of
// semicolon-separated parameters).
func cryptoKeyParam(header, name string) string {
	for _, entry := range strings.Split(header, ",") {
		for _, param := range strings.Split(entry, ";") {
			n, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(n), name) {
				return strings.Trim(strings.TrimSpace(v), `"`)
			}
		}
	}
	return ""
}
