package useragent

// Push API subscribe() and Notifications showNotification() on a registration without an active
// worker. The page registers sitefixture's sw-installing.js on a second scope; that worker
// subscribes from its own install handler (the way WPT does it) and reports, then stays
// installing for a while, during which the page calls showNotification() on its registration.

import (
	"encoding/json"
	"fmt"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("Push API and Notifications without an active worker", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			// installing registers sw-installing.js on /installing/ and returns its install report.
			installing := func(ctx SpecContext, r *conformance.Recorder, c *harness.Client, id string, holdMs int) sitefixture.Report {
				q := url.Values{"key": {webpush.Base64URL(env.VAPID.Public())}, "holdMs": {fmt.Sprint(holdMs)}, "id": {id}}
				var v struct {
					Installing bool `json:"installing"`
				}
				if err := evalInto(ctx, r, c, "register-installing", fmt.Sprintf(`
const r2 = await navigator.serviceWorker.register(%q, {scope: "/installing/"});
window.pushspecInstalling = r2; // Chromium's getRegistration() does not find a registration before it is installed
return {installing: !!r2.installing};`, "/sw-installing.js?"+q.Encode()), &v); err != nil {
					conformance.HarnessError(fmt.Errorf("registering sw-installing.js: %s", err))
				}
				wctx, cancel := bounded(ctx)
				defer cancel()
				rep, err := c.Origin.AwaitReport(wctx, func(rep sitefixture.Report) bool { return rep.Kind == "install" && rep.ID == id })
				if err != nil {
					conformance.HarnessError(fmt.Errorf("no install report from sw-installing.js within %v", waitFor))
				}
				if r != nil {
					r.Evidence("install report", string(rep.Raw))
				}
				return rep
			}

			conformance.It("subscribe() from the install handler, with no active worker, rejects with InvalidStateError", tg, rules.SubscribeNoActiveWorker,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
					c := noClient(ctx, k, harness.ClientOptions{})
					rep := installing(ctx, r, c, "no-active-subscribe", 0)
					var v struct {
						Active    bool `json:"active"`
						Subscribe struct {
							Resolved string               `json:"resolved"`
							Error    *sitefixture.JSError `json:"error"`
						} `json:"subscribe"`
					}
					conformance.HarnessError(json.Unmarshal(rep.Raw, &v))
					if v.Active {
						conformance.HarnessError(fmt.Errorf("the registration already had an active worker during install"))
					}
					Expect(v.Subscribe.Error).NotTo(BeNil(), "subscribe() resolved (%s) with no active worker", v.Subscribe.Resolved)
					Expect(v.Subscribe.Error.Name).To(Equal("InvalidStateError"), "subscribe() rejected with %s: %s", v.Subscribe.Error.Name, v.Subscribe.Error.Message)
				}, specTimeout)

			conformance.It("showNotification() on a registration whose worker is still installing rejects with TypeError", tg, rules.NotificationShowRequiresActiveWorker,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
					c := noClient(ctx, k, harness.ClientOptions{})
					installing(ctx, r, c, "no-active-show", 30000)
					var v struct {
						Active     bool                 `json:"active"`
						Installing bool                 `json:"installing"`
						Resolved   bool                 `json:"resolved"`
						Err        *sitefixture.JSError `json:"err"`
					}
					Expect(evalInto(ctx, r, c, "showNotification", `
const r2 = window.pushspecInstalling;
const out = {active: !!r2.active, installing: !!r2.installing};
try { await r2.showNotification("pushspec: installing"); out.resolved = true; } catch (e) { out.err = errv(e); }
return out;`, &v)).To(BeNil(), "the installing-worker script threw in %s (see the js evidence); showNotification() must reject, not throw outside its try", k)
					if v.Active || !v.Installing {
						conformance.HarnessError(fmt.Errorf("the worker was not installing when showNotification() ran (active %v, installing %v)", v.Active, v.Installing))
					}
					Expect(v.Err).NotTo(BeNil(), "showNotification() resolved with no active worker")
					Expect(v.Err.Name).To(Equal("TypeError"), "showNotification() rejected with %s: %s", v.Err.Name, v.Err.Message)
				}, specTimeout)
		})
	}
})
