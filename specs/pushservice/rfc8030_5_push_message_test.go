package pushservice_test

import (
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/rules"
	"github.com/pushspec/pushspec/harness/sender"
)

var _ = Describe("RFC 8030 §5 Requesting Push Message Delivery", func() {
	// RFC 8030 §5: "The push service indicates that it has accepted the push message by
	// returning a 201 (Created) status code; the URI of the push message resource is returned
	// in the Location header field."
	// Sends: a valid aes128gcm message with TTL 60 and VAPID. Expects: 201 and a Location that
	// is a URI.
	conformance.It("answers 201 with the push message resource in Location", tgt, rules.Accepted201Location,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			res := send(ctx, r, "push", message(sub, "hello"))
			Expect(res.Status).To(Equal(http.StatusCreated))
			loc := res.Header.Get("Location")
			Expect(loc).NotTo(BeEmpty(), "201 without a Location header")
			_, err := url.Parse(loc)
			Expect(err).NotTo(HaveOccurred(), "Location %q is not a URI", loc)
		})

	// The Location of §5 names a push message resource: while the message is stored, the
	// application server can DELETE it (RFC 8030 §5, §6.2 "the push service … removes the push
	// message"), after which it is gone and never delivered.
	// Sends: with the UA offline, a message; DELETE on its Location, twice; then a sentinel.
	// Expects: 2xx for the first DELETE, 404 for the second, and only the sentinel delivered.
	conformance.It("makes Location a message resource that DELETE removes", tgt, rules.Accepted201Location,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			sf := offline(ctx, sub)
			res := accepted(ctx, r, "push", message(sub, "deleted"), sender.Faults{})
			loc := res.Header.Get("Location")
			Expect(loc).NotTo(BeEmpty(), "201 without a Location header")
			locURL, err := url.Parse(sub.Endpoint)
			Expect(err).NotTo(HaveOccurred())
			abs, err := locURL.Parse(loc)
			Expect(err).NotTo(HaveOccurred())
			del := func(label string) int {
				req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, abs.String(), nil)
				resp, err := svc.Client().Do(req)
				if err != nil {
					conformance.HarnessError(err)
				}
				resp.Body.Close()
				r.Evidence(label, "DELETE "+cut(abs.Path, 60)+" → "+resp.Status)
				return resp.StatusCode
			}
			Expect(del("delete.1")/100).To(Equal(2), "DELETE on the stored message's resource")
			Expect(del("delete.2")).To(Equal(http.StatusNotFound), "DELETE on a message already removed")
			accepted(ctx, r, "sentinel", message(sub, "sentinel"), sender.Faults{})
			online(ctx, sf, sub)
			expectFirst(ctx, r, sub, "sentinel", "deleted")
		})
})
