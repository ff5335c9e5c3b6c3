package pushservice

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/useragent/rfc8030"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("RFC 8292 §4.1 Creating a Restricted Push Message Subscription", func() {
	// RFC 8292 §4.1: the user agent sends the key as the "vapid" member of a JSON body of type
	// application/webpush-options+json. "A push service MUST ignore the body of a request that
	// uses a different media type."
	// Sends: a subscribe request whose body is {"vapid": <the suite's key>} as text/plain, then a
	// conformant message without Authorization. Expects: 201, and the message is accepted (the
	// subscription is not restricted).
	conformance.It("ignores a subscribe body of another media type", tgt, rules.IgnoreOtherMediaType,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			body := []byte(`{"vapid": "` + webpush.Base64URL(vapidKeys.Public()) + `"}`)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{ContentType: "text/plain", Body: body})
			m := message(asTarget(sub), "no VAPID")
			m.VAPID = nil
			res := post(ctx, r, "push.no-vapid", m, noFaults)
			Expect(res.Status/100).To(Equal(2), "the text/plain body must be ignored: the subscription is not restricted")
		})

	// Sends: {"vapid": <key>, "x": 1, "pushspec": {"nested": [true]}}; then a message without
	// Authorization, and one with VAPID for that key. Expects: 201; the first refused (401 or
	// 403: the subscription is restricted), the second accepted.
	conformance.It("ignores unknown members of the webpush options", tgt, rules.IgnoreUnknownMembers,
		func(ctx SpecContext, r *conformance.Recorder) {
			ua := newRFCUA(ctx, r)
			body := []byte(`{"vapid": "` + webpush.Base64URL(vapidKeys.Public()) + `", "x": 1, "pushspec": {"nested": [true]}}`)
			sub := ua.subscribe(ctx, "subscribe", rfc8030.SubscribeOptions{ContentType: rfc8030.WebPushOptionsType, Body: body})
			m := message(asTarget(sub), "no VAPID")
			m.VAPID = nil
			res := post(ctx, r, "push.no-vapid", m, noFaults)
			Expect(res.Status).To(BeElementOf(http.StatusUnauthorized, http.StatusForbidden),
				"the vapid member must restrict the subscription despite the unknown members")
			ok := post(ctx, r, "push.vapid", message(asTarget(sub), "VAPID"), noFaults)
			Expect(ok.Status/100).To(Equal(2), "a message with VAPID for the key is accepted")
		})
})
