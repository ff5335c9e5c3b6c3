package useragent

import (
	"encoding/json"
	"fmt"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

var _ = describe("Push API [SecureContext]", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)
		Describe(string(k), func() {
			// Push API, IDL: PushManager, PushSubscription, PushSubscriptionOptions, PushEvent and
			// PushMessageData are all [SecureContext] — "The Push API exists only in secure
			// contexts."
			// Loads: the fixture page from http://pushspec-insecure.test:<port>/, a host name the
			// browser resolves to 127.0.0.1 (browser.InsecureTestHost): the same loopback server,
			// but an origin that is neither localhost nor a loopback address, so not a secure
			// context. Expects: isSecureContext false, no PushManager or PushSubscription interface,
			// no pushManager on ServiceWorkerRegistration (navigator.serviceWorker is recorded).
			conformance.It("hides the Push API from a page on an insecure http:// origin", tg, rules.SecureContextOnly,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
					origin, err := env.Site.NewOrigin()
					if err != nil {
						conformance.HarnessError(err)
					}
					DeferCleanup(origin.Close)
					sess, err := env.Browser(k).NewSession(ctx)
					if err != nil {
						conformance.HarnessError(fmt.Errorf("opening a %s session: %w", k, err))
					}
					DeferCleanup(sess.Close)
					u, err := url.Parse(origin.PageURL())
					conformance.HarnessError(err)
					u.Host = browser.InsecureTestHost + ":" + u.Port()
					r.Evidence("page", u.String())
					if err := sess.Navigate(ctx, u.String()); err != nil {
						conformance.HarnessError(fmt.Errorf("loading %s: %w", u, err))
					}
					raw, err := sess.Eval(ctx, `Promise.resolve({
  origin: location.origin,
  secure: self.isSecureContext,
  pushManager: 'PushManager' in self,
  pushSubscription: 'PushSubscription' in self,
  serviceWorker: 'serviceWorker' in navigator,
  registrationPushManager: typeof ServiceWorkerRegistration !== 'undefined' && 'pushManager' in ServiceWorkerRegistration.prototype,
})`)
					if err != nil {
						conformance.HarnessError(fmt.Errorf("reading the page's globals: %w", err))
					}
					r.Evidence("page globals", string(raw))
					var g struct {
						Origin                  string `json:"origin"`
						Secure                  bool   `json:"secure"`
						PushManager             bool   `json:"pushManager"`
						PushSubscription        bool   `json:"pushSubscription"`
						ServiceWorker           bool   `json:"serviceWorker"`
						RegistrationPushManager bool   `json:"registrationPushManager"`
					}
					conformance.HarnessError(json.Unmarshal(raw, &g))
					if g.Secure {
						// The set-up failed to make an insecure context: no verdict on the rule.
						conformance.HarnessError(fmt.Errorf("%s treats %s as a secure context; the test host gives no insecure origin here", k, g.Origin))
					}
					Expect(g.PushManager).To(BeFalse(), "PushManager is exposed on the insecure origin %s", g.Origin)
					Expect(g.PushSubscription).To(BeFalse(), "PushSubscription is exposed on the insecure origin %s", g.Origin)
					Expect(g.RegistrationPushManager).To(BeFalse(), "ServiceWorkerRegistration has pushManager on the insecure origin %s", g.Origin)
				}, specTimeout)
		})
	}
})
