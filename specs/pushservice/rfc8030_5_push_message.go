package pushservice

import (
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

var _ = describe("RFC 8030 §5 Requesting Push Message Delivery", func() {
	// Sends: a valid aes128gcm message with TTL 60 and VAPID. Expects: 201 and a Location that
	// is a URI.
	conformance.It("answers 201 with the push message resource in Location", tgt, rules.Accepted201Location,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			res := send(ctx, r, "push", message(sub, "hello"))
			Expect(res.Status).To(Equal(http.StatusCreated), "a conformant push was answered %d %s; RFC 8030 §5 accepts with 201", res.Status, cut(string(res.Body), 120))
			loc := res.Header.Get("Location")
			Expect(loc).NotTo(BeEmpty(), "201 without a Location header; RFC 8030 §5 returns the push message resource there")
			_, err := url.Parse(loc)
			Expect(err).NotTo(HaveOccurred(), "Location %q is not a URI (%v); RFC 8030 §5 gives the push message resource's URI in Location", loc, err)
		})

	// No check here of what an application server's DELETE on that Location does: in RFC 8030 a
	// DELETE on the push message resource is the user agent's acknowledgement (§6.2: "To
	// ensure that a push message is properly delivered to the user agent at least once, the user
	// agent MUST acknowledge receipt of the message by performing an HTTP DELETE on the push
	// message resource"), not a way for the application server to withdraw a message, and §5's
	// requirement is the Location itself.
})
