package pushservice

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
)

// aes128gcmOverhead is what RFC 8291 adds to a plaintext in one record without padding:
// salt 16 + rs 4 + idlen 1 + keyid 65, delimiter 1, tag 16.
const aes128gcmOverhead = 103

var _ = describe("RFC 8030 §7.2 Push Message Storage", func() {
	// Services must accept bodies of at least 4096 octets.
	for _, size := range []int{4096, 4000} {
		// Sends: a valid aes128gcm body of exactly <size> octets. Expects: no 413, and acceptance.
		conformance.It("accepts a "+itoa(size)+"-octet body", tgt, rules.No413UpTo4096,
			func(ctx SpecContext, r *conformance.Recorder) {
				sub := subscribe(ctx, r)
				res := send(ctx, r, "push", message(sub, strings.Repeat("p", size-aes128gcmOverhead)))
				Expect(res.Request.Body).To(HaveLen(size), "pushspec built a %d-octet body, not the %d octets it meant to send (a harness fault)", len(res.Request.Body), size)
				Expect(res.Status).NotTo(Equal(http.StatusRequestEntityTooLarge), "a conformant %d-octet body was answered 413; RFC 8030 §7.2 requires bodies up to 4096 octets to be taken", size)
				Expect(res.Status/100).To(Equal(2), "a conformant %d-octet body was answered %d", size, res.Status)
			})
	}

	// RFC 8030 §7.2: a push service MAY refuse larger bodies with 413 (Payload Too Large).
	// Sends: a 4096-octet body (the valid twin), then a 4097-octet body. Expects: the twin
	// accepted, the other 413 (graded info otherwise).
	conformance.It("refuses a 4097-octet body with 413", tgt, rules.Over4096May413,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			validTwin(ctx, r, message(sub, strings.Repeat("p", 4096-aes128gcmOverhead)), sender.Faults{}, "of 4096 octets")
			res := post(ctx, r, "push", message(sub, strings.Repeat("p", 4097-aes128gcmOverhead)), sender.Faults{})
			Expect(res.Request.Body).To(HaveLen(4097), "pushspec built a %d-octet body, not the 4097 octets it meant to send (a harness fault)", len(res.Request.Body))
			Expect(res.Status).To(Equal(http.StatusRequestEntityTooLarge), "a 4097-octet body was answered %d, not 413 (RFC 8030 §7.2 allows 413)", res.Status)
		})
})
