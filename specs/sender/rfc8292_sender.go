package sender

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("RFC 8292 VAPID at the application server", func() {
	// RFC 8292 §2, §3: the token travels as Authorization: vapid t=<jwt>, k=<key>.
	graded("uses the vapid auth scheme", rules.VAPIDScheme, typical, 0)
	// RFC 8292 §2: a JWS signed with ES256; the signature is 64 octets r ‖ s, not DER.
	graded("signs ES256 with a raw r‖s signature", rules.JWSES256, typical, 0)
	// RFC 8292 §2: the signing key is ECDSA on P-256.
	graded("signs with a P-256 key", rules.P256SigningKey, typical, 0)
	graded("includes exp", rules.ExpRequired, typical, 0)
	// RFC 8292 §2: exp "MUST NOT be more than 24 hours from the time of the request". Judged
	// against the time the service received the request, with a 60 s leeway for clock skew.
	graded("keeps exp within 24 hours", rules.ExpMax24h, typical, 0)
	// Interop: no sentence ties exp to the message's TTL; a sender that signs exp = now + TTL
	// makes a token that expires with the message (TTL 60: a minute). Recorded (info).
	graded("does not tie exp to the TTL", rules.InteropExpIndependentOfTTL, typical, 0)
	// RFC 8292 §2: aud is the origin of the push resource URL.
	graded("sets aud to the endpoint's origin", rules.AudOrigin, typical, 0)
	// RFC 8292 §3.2: k is the uncompressed P-256 key, base64url.
	graded("sends k uncompressed, base64url", rules.KUncompressedBase64URL, typical, 0)
	// RFC 8292 §3.2: the signing key differs from the message's ECDH key.
	graded("signs with a key other than the ECDH key", rules.DistinctKeys, typical, 0)
	// RFC 8292 §4.2: for a restricted subscription, a JWT signed by the subscription's key.
	graded("signs with the subscription's key", rules.RestrictedNeedsJWT, typical, 0)
	// RFC 8292 §2.1: sub, when present, SHOULD be a mailto: or https: URI. Sends: the suite
	// configures "mailto:pushspec@example.com"; a library that prefixes again sends
	// mailto:mailto:… (webpush-go, https://github.com/SherClockHolmes/webpush-go/pull/92).
	graded("sends sub as one contact URI", rules.SubContactURI, typical, 0)
	// RFC 8292 §2.2: additional claims kept small (SHOULD; bound: 1 KiB, pushspec's choice).
	graded("keeps the claims small", rules.ClaimsSmall, typical, 0)

	conformance.It("never sends vapid credentials in Proxy-Authorization", tgt, rules.NoProxyAuth,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			for _, v := range q.Header.Values("Proxy-Authorization") {
				scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
				Expect(strings.EqualFold(scheme, "vapid")).To(BeFalse(),
					"the request carries vapid credentials in Proxy-Authorization; RFC 8292 §3 keeps the vapid scheme out of it")
			}
		})

	// A MAY: recorded, graded info at worst (Apple's
	// requirement is interop-apple-sub-required).
	conformance.It("includes sub", tgt, rules.SubOptional,
		func(ctx SpecContext, r *conformance.Recorder) {
			q := typical.request(ctx, r, 0)
			v, err := webpush.ParseVAPID(q.Header.Get("Authorization"), q.Header.Get("Crypto-Key"))
			if err != nil {
				conformance.SkipBecause("not applicable: the sender's VAPID credentials do not parse (graded by " + rules.VAPIDScheme.ID + "): " + err.Error())
			}
			r.Evidence("claims", cut(strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(jsonString(v.Claims), "\n", ""), "  ", "")), 300))
			Expect(v.Claims).To(HaveKey("sub"), "the JWT has no sub, which RFC 8292 §2.1 allows (MAY)")
		})

	// RFC 8292 §4.2: a push service judges exp by its own clock, so an exp right at the 24 h bound
	// is refused by a service whose clock lags (docs/push-services.md §4, interop-exp-skew-margin). Interop, info. Sends: the
	// typical message with the sender's default exp to a service whose clock is two minutes
	// behind. Expects: exp leaves at least 5 min of room below 24 h; rfc8292-2-exp-max-24h
	// itself is judged against the time of the request, not that service's clock.
	graded("leaves room for clock skew in its default exp", rules.InteropExpSkewMargin, lagging, 0)
	// The same request, judged by the time it was received: the lagging service's clock does
	// not make a conformant sender's exp a MUST failure.
	graded("keeps exp within 24 hours of the request whatever the service's clock", rules.ExpMax24h, lagging, 0)
})
