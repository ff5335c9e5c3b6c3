package useragent_test

// Declarative Web Push (w3c/push-api#385). Shipping state: Safari; Firefox behind
// dom.push.declarative.enabled; nothing in Chromium. The specs feature-detect with
// window.pushManager (the DWP entry point) and skip as unsupported without it, after recording
// what the service worker saw for a declarative payload (evidence only). Firefox 153 ESR has no
// pref for it (strings of libxul: no dom.push.declarative.enabled), so the Env cannot turn it on.

import (
	"encoding/json"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

// declarative builds a declarative push message: {"web_push": 8030, "notification": n}.
func declarative(webPush any, n map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"web_push": webPush, "notification": n})
	return b
}

var _ = Describe("Declarative Web Push", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var (
				c         *harness.Client
				supported bool
				probe     string
			)
			BeforeAll(func(ctx SpecContext) {
				c = newClient(ctx, nil, k)
				var v struct {
					WindowPushManager bool `json:"windowPushManager"`
				}
				if err := evalInto(ctx, nil, c, "detect", `return {windowPushManager: "pushManager" in window && !!window.pushManager};`, &v); err != nil {
					Fail("harness: feature detection threw " + err.Error())
				}
				supported = v.WindowPushManager
				if supported {
					return
				}
				// Not supported: record what a declarative payload does (it must reach the push
				// event in a browser without DWP).
				res, err := c.Send(ctx, declarative(8030, map[string]any{"title": "pushspec dwp probe", "navigate": "/dwp"}), harness.SendOptions{})
				if err != nil || res.Status/100 != 2 {
					probe = fmt.Sprintf("probe not sent: %v %v", err, res)
					return
				}
				wctx, cancel := bounded(ctx)
				defer cancel()
				rep, err := c.AwaitPush(wctx, func(rep sitefixture.Report) bool { return rep.Data != nil && rep.Data.TextValue() != "" })
				if err != nil {
					probe = "a declarative payload fired no push event within " + waitFor.String()
					return
				}
				probe = "a declarative payload was dispatched to the push event: " + string(rep.Raw)
			}, NodeTimeout(time.Minute))

			requireDWP := func(r *conformance.Recorder) {
				if !supported {
					r.Evidence("probe", probe)
					why := "Chromium implements no Declarative Web Push"
					if k == browser.Firefox {
						why = "this build has no dom.push.declarative.enabled pref to turn it on (its compiled-in push prefs are dom.push.enabled, dom.push.indicate_aesgcm_support.enabled, dom.push.testing.*, dom.push.userAgentID; notes/firefox-autopush.md §9)"
					}
					conformance.SkipBecause(fmt.Sprintf("unsupported: %s %s has no window.pushManager; %s", k, env.Browser(k).Version(), why))
				}
			}

			// shownWithoutPush sends a declarative message then a sentinel, and returns the push
			// reports after since (the sentinel's last) and the registration's notifications.
			type outcome struct {
				pushes []sitefixture.Report
				notes  []sitefixture.Notification
			}
			deliver := func(ctx SpecContext, r *conformance.Recorder, name string, payload []byte) outcome {
				since := len(c.Reports())
				r.Evidence("payload."+name, string(payload))
				send(ctx, r, c, payload, harness.SendOptions{})
				id := "sentinel-dwp-" + name
				send(ctx, r, c, harness.Payload(id, map[string]any{"show": false}, nil), harness.SendOptions{})
				awaitPush(ctx, r, c, "the sentinel", func(rep sitefixture.Report) bool { return rep.ID == id })
				var o outcome
				for _, rep := range c.Reports()[since:] {
					if rep.ID != id {
						o.pushes = append(o.pushes, rep)
					}
				}
				raw, err := c.Call(ctx, "getNotifications")
				if err != nil {
					conformance.HarnessError(err)
				}
				r.Evidence("notifications."+name, string(raw))
				var page struct{ Notifications []sitefixture.Notification }
				_ = json.Unmarshal(raw, &page)
				o.notes = page.Notifications
				return o
			}
			titles := func(ns []sitefixture.Notification) []string {
				var out []string
				for _, n := range ns {
					out = append(out, n.Title)
				}
				return out
			}

			conformance.It("shows a declarative message without firing push", tg, rules.DWPShownWithoutSW,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					o := deliver(ctx, r, "shown", declarative(8030, map[string]any{"title": "pushspec dwp shown", "navigate": "/dwp"}))
					Expect(o.pushes).To(BeEmpty(), "push events for a declarative message")
					Expect(titles(o.notes)).To(ContainElement("pushspec dwp shown"))
				}, specTimeout)

			conformance.It("dispatches to push when web_push is not the number 8030", tg, rules.DWPMember8030,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					o := deliver(ctx, r, "8031", declarative(8031, map[string]any{"title": "pushspec dwp 8031", "navigate": "/dwp"}))
					Expect(o.pushes).To(HaveLen(1), "push events for web_push 8031")
				}, specTimeout)

			conformance.It("dispatches to push when notification.title is missing", tg, rules.DWPTitleRequired,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					o := deliver(ctx, r, "no-title", declarative(8030, map[string]any{"navigate": "/dwp"}))
					Expect(o.pushes).To(HaveLen(1), "push events for a message without title")
				}, specTimeout)

			conformance.It("dispatches to push when notification.navigate does not parse", tg, rules.DWPNavigateRequired,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					o := deliver(ctx, r, "bad-navigate", declarative(8030, map[string]any{"title": "pushspec dwp bad nav", "navigate": "http://999.999"}))
					Expect(o.pushes).To(HaveLen(1), "push events for a message whose navigate does not parse")
				}, specTimeout)

			conformance.It("replaces a shown notification with the same tag", tg, rules.DWPTagReplaces,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					deliver(ctx, r, "tag-a", declarative(8030, map[string]any{"title": "pushspec dwp A", "navigate": "/dwp", "tag": "dwp"}))
					o := deliver(ctx, r, "tag-b", declarative(8030, map[string]any{"title": "pushspec dwp B", "navigate": "/dwp", "tag": "dwp"}))
					var tagged []string
					for _, n := range o.notes {
						if n.Tag == "dwp" {
							tagged = append(tagged, n.Title)
						}
					}
					Expect(tagged).To(Equal([]string{"pushspec dwp B"}))
				}, specTimeout)
		})
	}
})
