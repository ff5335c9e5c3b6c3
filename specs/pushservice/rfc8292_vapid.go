package pushservice

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

func sign(o webpush.SignOptions) sender.Faults { return sender.Faults{Sign: &o} }

// badTokens are the ways a vapid token for a restricted subscription can be invalid, with the
// MUST of RFC 8292 §4.2 that each breaks.
var badTokens = []struct {
	name  string
	rule  rules.Rule
	cond  fakepushservice.Cond // how pushspec's fake names the fault
	build func(sub *target.Subscription) (sender.Message, sender.Faults)
}{
	{"without t", rules.RejectMissingTOrK, fakepushservice.CondVAPIDMissingTK, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		return message(sub, "no t"), sign(webpush.SignOptions{OmitT: true})
	}},
	{"without k", rules.RejectMissingTOrK, fakepushservice.CondVAPIDMissingTK, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		return message(sub, "no k"), sign(webpush.SignOptions{OmitK: true})
	}},
	{"whose signature does not verify", rules.RejectBadSignature, fakepushservice.CondVAPIDSignature, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		return message(sub, "bad sig"), sign(webpush.SignOptions{CorruptSignature: true})
	}},
	{"with a DER-encoded signature", rules.RejectBadSignature, fakepushservice.CondVAPIDSignature, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		return message(sub, "der"), sign(webpush.SignOptions{DERSignature: true})
	}},
	{"whose exp has passed", rules.RejectExpired, fakepushservice.CondVAPIDExpired, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		m := message(sub, "expired")
		m.VAPIDExpiry = time.Now().Add(-60 * time.Second)
		return m, sender.Faults{}
	}},
	{"whose exp is more than 24 hours ahead", rules.RejectExpOver24h, fakepushservice.CondVAPIDExpTooLong, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		m := message(sub, "too long")
		// An hour past the bound: far beyond any clock-skew leeway a service allows, and beyond
		// the time the suite lets pass on an in-process service's clock (elapse).
		m.VAPIDExpiry = time.Now().Add(25 * time.Hour)
		return m, sender.Faults{}
	}},
	{"whose aud is the application's origin", rules.RejectWrongAud, fakepushservice.CondVAPIDAud, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		return message(sub, "app aud"), sender.Faults{Audience: "https://app.pushspec.example"}
	}},
	{"whose aud is the endpoint origin with a trailing slash", rules.RejectWrongAud, fakepushservice.CondVAPIDAud, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		u, _ := url.Parse(sub.Endpoint)
		return message(sub, "slash aud"), sender.Faults{Audience: u.Scheme + "://" + u.Host + "/"}
	}},
	{"whose aud has the other scheme", rules.RejectWrongAud, fakepushservice.CondVAPIDAud, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		u, _ := url.Parse(sub.Endpoint)
		other := map[string]string{"http": "https", "https": "http"}[u.Scheme]
		return message(sub, "scheme aud"), sender.Faults{Audience: other + "://" + u.Host}
	}},
	{"signed by another key", rules.RejectKeyMismatch, fakepushservice.CondVAPIDKey, func(sub *target.Subscription) (sender.Message, sender.Faults) {
		m := message(sub, "other key")
		m.VAPID = otherVAPID()
		return m, sender.Faults{}
	}},
}

func otherVAPID() *sender.VAPID {
	k, err := webpush.NewVAPIDKeys()
	if err != nil {
		conformance.HarnessError(err)
	}
	return &sender.VAPID{Public: webpush.Base64URL(k.Public()), Private: webpush.Base64URL(k.PrivateBytes()), Subject: vapidCreds.Subject}
}

var _ = describe("RFC 8292 VAPID at the push service", func() {
	// RFC 8292 §4.2 suggests 401 (Unauthorized) for a missing token, and 403 (Forbidden) MAY
	// answer an invalid one.
	// Sends: to a subscription restricted to the suite's key, the message with its token (the
	// valid twin), then the same without Authorization. Expects: the twin accepted, the other
	// refused (4xx other than 429) with the answer the fake's profile gives for it.
	conformance.It("rejects a push without vapid authentication", tgt, rules.RejectAbsent,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "signed"), sender.Faults{}, "with its token")
			res := post(ctx, r, "push", message(sub, "anonymous"), sender.Faults{Omit: []string{"Authorization"}})
			Expect(refusal(res.Status)).To(BeTrue(), "a push without Authorization to a restricted subscription was answered %d; RFC 8292 §4.2 requires a refusal", res.Status)
			expectNamed(res, fakepushservice.CondVAPIDAbsent)
		})

	// RFC 8292 §4.2: an absent token MAY be answered 401. Sends: the same (valid twin first).
	// Expects: 401 (graded info otherwise).
	conformance.It("answers 401 to a push without vapid authentication", tgt, rules.Status401Absent,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "signed"), sender.Faults{}, "with its token")
			res := post(ctx, r, "push", message(sub, "anonymous"), sender.Faults{Omit: []string{"Authorization"}})
			Expect(res.Status).To(Equal(http.StatusUnauthorized), "a push without Authorization was answered %d, not 401 (RFC 8292 §4.2 suggests 401)", res.Status)
		})

	// RFC 9110 §15.5.2, the rule's sentence: every 401 carries a WWW-Authenticate challenge.
	// Sends: the push with its token (the valid twin), then without Authorization.
	// Expects: when the answer is 401, a WWW-Authenticate with a challenge (skipped when the
	// service answers otherwise: no 401 to check).
	conformance.It("sends a WWW-Authenticate challenge with its 401", tgt, rules.Unauthorized401Challenge,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "signed"), sender.Faults{}, "with its token")
			res := post(ctx, r, "push", message(sub, "anonymous"), sender.Faults{Omit: []string{"Authorization"}})
			if res.Status != http.StatusUnauthorized {
				conformance.SkipBecause(fmt.Sprintf("a push without Authorization was answered %d, not 401: no 401 to check", res.Status))
			}
			Expect(strings.TrimSpace(res.Header.Get("WWW-Authenticate"))).NotTo(BeEmpty(),
				"a 401 without WWW-Authenticate; RFC 9110 §15.5.2 requires a challenge with every 401")
		})

	for _, bt := range badTokens {
		// RFC 8292 §4.2: the push service MUST reject the message when the token is invalid
		// (missing t or k, a signature that does not verify, exp passed or over 24 h, aud not
		// the push resource's origin, a key other than the subscription's).
		// Sends: to a restricted subscription, a valid token (the twin), then a token <bt.name>.
		// Expects: the twin accepted; the other refused (4xx other than 429) with the answer the
		// fake's profile gives for that fault.
		conformance.It("rejects a vapid token "+bt.name, tgt, bt.rule,
			func(ctx SpecContext, r *conformance.Recorder) {
				sub := subscribe(ctx, r)
				validTwin(ctx, r, message(sub, "valid token"), sender.Faults{}, "with a valid token")
				m, f := bt.build(sub)
				res := post(ctx, r, "push", m, f)
				Expect(refusal(res.Status)).To(BeTrue(), "a vapid token %s was answered %d; RFC 8292 §4.2 requires a refusal", bt.name, res.Status)
				expectNamed(res, bt.cond)
				if res.Status == http.StatusForbidden {
					r.Observe(rules.Status403Invalid, "invalid token ("+bt.name+") answered 403")
				}
			})
	}

	// RFC 8292 §4.2: an invalid token MAY be answered 403 (Forbidden).
	// Sends: a valid token (the twin), then a token whose signature does not verify. Expects:
	// 403 (graded info otherwise).
	conformance.It("answers 403 to an invalid vapid token", tgt, rules.Status403Invalid,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "valid token"), sender.Faults{}, "with a valid token")
			res := post(ctx, r, "push", message(sub, "bad sig"), sign(webpush.SignOptions{CorruptSignature: true}))
			Expect(res.Status).To(Equal(http.StatusForbidden), "a token whose signature does not verify was answered %d, not 403 (RFC 8292 §4.2 suggests 403)", res.Status)
		})

	// RFC 8292 §2: a push service MAY answer 403 to a bad token even on a subscription that is
	// not restricted. Sends: an unrestricted subscription, a valid token (the twin), then a
	// corrupt signature. Expects: 403 (graded info otherwise; accepting it is allowed too).
	conformance.It("answers 403 to a bad token on an unrestricted subscription", tgt, rules.ServiceMay403,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribeWith(ctx, r, nil)
			validTwin(ctx, r, message(sub, "valid token"), sender.Faults{}, "with a valid token")
			res := post(ctx, r, "push", message(sub, "bad sig"), sign(webpush.SignOptions{CorruptSignature: true}))
			Expect(res.Status).To(Equal(http.StatusForbidden), "a bad token on an unrestricted subscription was answered %d, not 403 (RFC 8292 §2 allows 403)", res.Status)
		})

	// Sends: a valid token with realm="x", foo=bar added. Expects: accepted (2xx).
	conformance.It("ignores unknown auth parameters", tgt, rules.IgnoreUnknownParams,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			res := post(ctx, r, "push", message(sub, "params"), sign(webpush.SignOptions{ExtraParams: `realm="x", foo=bar`}))
			Expect(res.Status/100).To(Equal(2), "a valid token with realm and an unknown parameter was answered %d; RFC 8292 §3 says to ignore them", res.Status)
		})

	// The signing key here is the key used for message encryption.
	// Sends: the message encrypted with a fresh ephemeral key (the twin), then encrypted with the
	// VAPID key pair as its ephemeral ECDH key. Expects: the twin accepted, the other 400.
	conformance.It("rejects a message whose k is its ECDH key with 400", tgt, rules.SameKeys400,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, "fresh keys"), sender.Faults{}, "with a fresh ECDH key")
			as, err := vapidKeys.Private.ECDH()
			if err != nil {
				conformance.HarnessError(err)
			}
			res := post(ctx, r, "push", message(sub, "same keys"), sender.Faults{Encrypt: &webpush.Options{ASPrivate: as}})
			Expect(res.Status).To(Equal(http.StatusBadRequest), "a message whose ECDH key is the VAPID key was answered %d; RFC 8292 §3.2 asks for 400", res.Status)
			expectNamed(res, fakepushservice.CondSameKeys)
		})

	for _, enc := range []string{"aes128gcm", "aesgcm"} {
		// Sends: a valid <enc> message with VAPID (aesgcm: the key also travels in Crypto-Key as
		// p256ecdsa=). Expects: the UA-link delivery contains neither the token nor k.
		conformance.It("does not forward the vapid token or key to the user agent ("+enc+")", tgt, rules.NoJWTToUA,
			func(ctx SpecContext, r *conformance.Recorder) {
				linkVisible(nil)
				sub := subscribe(ctx, r)
				m := message(sub, "vapid")
				m.Encoding = enc
				res := accepted(ctx, r, "push", m, sender.Faults{})
				got := next(ctx, r, sub, "vapid")
				linkVisible(got)
				auth := res.Request.Header.Get("Authorization")
				jwt := auth
				for _, part := range strings.Split(auth, ",") {
					if _, t, ok := strings.Cut(strings.TrimSpace(part), "t="); ok {
						jwt = t
					}
					if f := strings.Fields(part); len(f) == 2 && strings.EqualFold(f[0], "webpush") {
						jwt = f[1]
					}
				}
				sig := jwt[strings.LastIndex(jwt, ".")+1:]
				for what, s := range map[string]string{"the JWT signature": sig, "k": vapidCreds.Public, "p256ecdsa": "p256ecdsa"} {
					where, found := forwardedContains(got, s)
					Expect(found).To(BeFalse(), "the UA link carried %s (%s); RFC 8292 §4.2 forwards neither the JWT nor the public key to the user agent", what, cut(where, 120))
				}
			})
	}
})
