package useragent

// RFC 8292 §4.1 on the browser side: the applicationServerKey given to subscribe() travels to the
// push service. Each link records what the browser sent when it registered: Firefox's autopush
// `register` message carries `key` (base64url with padding, docs/firefox-autopush.md §4.2),
// Chromium's register3 form carries `sender` (unpadded base64url, docs/chromium-fcm.md §6). The
// subscription is made with a fresh key, not the Env's, so a constant cannot pass.

import (
	"bytes"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("RFC 8292 user agent: applicationServerKey on subscribe", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			// A step of the subscription process, stated without a BCP 14 keyword.
			conformance.It("hands the applicationServerKey given to subscribe() to the push service", tg, rules.UASendsKey,
				func(ctx SpecContext, r *conformance.Recorder) {
					key := anotherKey()
					r.Evidence("applicationServerKey", webpush.Base64URL(key))
					c, err := env.OpenClient(ctx, k, harness.ClientOptions{ApplicationServerKey: webpush.Base64URL(key)})
					if err != nil {
						conformance.HarnessError(fmt.Errorf("opening a %s client subscribed with a fresh key: %w", k, err))
					}
					DeferCleanup(c.Close)
					clientEvidence(r, c)
					core, ok := coreSubscription(c.Subscription)
					if !ok {
						conformance.HarnessError(fmt.Errorf("the push service has no record of %s", c.Subscription.SendEndpoint))
					}
					var sent []byte
					switch k {
					case browser.Firefox:
						link := env.Autopush()
						if link == nil {
							conformance.HarnessError(fmt.Errorf("the Env has no autopush link"))
						}
						var reg *autopush.Register
						for _, rg := range link.Registers() {
							if rg.SubscriptionID == core.ID {
								rg := rg
								reg = &rg
							}
						}
						if reg == nil {
							conformance.HarnessError(fmt.Errorf("the autopush link recorded no register for subscription %s", core.ID))
						}
						r.Evidence("autopush.register", fmt.Sprintf("channelID %s, key %q, status %d", reg.ChannelID, reg.KeyText, reg.Status))
						Expect(reg.KeyText).NotTo(BeEmpty(), "the register message has no key")
						sent, err = webpush.DecodeBase64(reg.KeyText)
						Expect(err).NotTo(HaveOccurred(), "the register key %q is not base64url", reg.KeyText)
					case browser.Chromium:
						link := env.FCM()
						if link == nil {
							conformance.HarnessError(fmt.Errorf("the Env has no FCM link"))
						}
						reg, found := link.Registration(core.ID)
						if !found {
							conformance.HarnessError(fmt.Errorf("the FCM link has no register3 registration for subscription %s", core.ID))
						}
						r.Evidence("register3", fmt.Sprintf("sender %q, app %q, X-subtype %q", reg.Sender, reg.App, reg.Subtype))
						Expect(reg.Sender).NotTo(BeEmpty(), "Chromium's register3 request carried no sender; Chromium passes the applicationServerKey to its push service as the sender")
						sent, err = webpush.DecodeBase64(reg.Sender)
						Expect(err).NotTo(HaveOccurred(), "the register3 sender %q is not base64url", reg.Sender)
					default:
						conformance.SkipBecause(fmt.Sprintf("unsupported: pushspec has no record of what %s sends when it subscribes", k))
					}
					Expect(bytes.Equal(sent, key)).To(BeTrue(), "the key sent to the push service (%x) is not the applicationServerKey (%x)", sent, key)
					// The push service restricted the subscription to that key.
					Expect(core.AppServerKey).To(Equal(key), "the push service's record of the subscription's key")
				}, specTimeout)
		})
	}
})
