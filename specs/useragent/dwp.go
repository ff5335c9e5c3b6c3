package useragent

// Declarative Web Push (w3c/push-api#385). Shipping state: Safari; Firefox behind
// dom.push.declarative.enabled; nothing in Chromium. Support is decided by what a declarative
// probe message does (shown without a push event, or dispatched to push), not by
// window.pushManager: Firefox gates the two behind separate prefs. Without support every spec
// skips as unsupported with the probe's outcome as evidence. Firefox 153 ESR has no pref for it
// (strings of libxul: no dom.push.declarative.enabled), so the Env cannot turn it on.
//
// Each message is followed by a sentinel that reports only after every earlier push handler has
// (sw.js afterPending), so a push event fired for the message is never missed on a race.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

// declarative builds a declarative push message: {"web_push": 8030, "notification": n}.
func declarative(webPush any, n map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"web_push": webPush, "notification": n})
	return b
}

var _ = describe("Declarative Web Push", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var (
				c           *harness.Client
				supported   bool
				probe       string // the probe's outcome, in words
				probeReport string // the push report the probe caused, if any
			)
			BeforeAll(func(ctx SpecContext) {
				c = newClient(ctx, nil, k)
				var v struct {
					WindowPushManager bool `json:"windowPushManager"`
				}
				if err := evalInto(ctx, nil, c, "detect", `return {windowPushManager: "pushManager" in window && !!window.pushManager};`, &v); err != nil {
					Fail("harness: feature detection threw " + err.Error())
				}
				const title = "pushspec dwp probe"
				since := len(c.Reports())
				res, err := c.Send(ctx, declarative(8030, map[string]any{"title": title, "navigate": "/dwp"}), harness.SendOptions{})
				if err != nil || res.Status/100 != 2 {
					probe = fmt.Sprintf("probe not sent: %v %v", err, res)
					return
				}
				pushes, err := afterSentinel(ctx, c, since, "probe")
				if err != nil {
					probe = err.Error()
					return
				}
				p := dwpProbe{Dispatched: len(pushes) > 0}
				if p.Dispatched {
					probeReport = string(pushes[0].Raw)
				} else {
					// No push event: wait (bounded) for the UA to show it.
					wctx, cancel := bounded(ctx)
					defer cancel()
					p.Shown = awaitNotification(wctx, c, title)
				}
				supported, probe = judgeDWPSupport(p)
				probe += fmt.Sprintf(" (window.pushManager: %v)", v.WindowPushManager)
			}, NodeTimeout(time.Minute))

			requireDWP := func(r *conformance.Recorder) {
				r.Evidence("probe", probe)
				if probeReport != "" {
					r.Evidence("probe.report", probeReport)
				}
				if !supported {
					why := "Chromium implements no Declarative Web Push"
					if k == browser.Firefox {
						why = "this build has no dom.push.declarative.enabled pref to turn it on (its compiled-in push prefs are dom.push.enabled, dom.push.indicate_aesgcm_support.enabled, dom.push.testing.*, dom.push.userAgentID; docs/firefox-autopush.md §9)"
					}
					conformance.SkipBecause(fmt.Sprintf("unsupported: in %s %s %s; %s", k, env.Browser(k).Version(), probe, why))
				}
			}

			// deliver sends a declarative message then a sentinel, and returns the push reports
			// before the sentinel's and the registration's notifications.
			type outcome struct {
				pushes []sitefixture.Report
				notes  []sitefixture.Notification
			}
			// wantShown, if set, is the title of a notification the UA should show itself.
			deliver := func(ctx SpecContext, r *conformance.Recorder, name string, payload []byte, wantShown string) outcome {
				since := len(c.Reports())
				r.Evidence("payload."+name, string(payload))
				send(ctx, r, c, payload, harness.SendOptions{})
				pushes, err := afterSentinel(ctx, c, since, name)
				Expect(err).NotTo(HaveOccurred(), "%v; without the sentinel pushspec cannot tell whether the %s message fired push", err, name)
				o := outcome{pushes: pushes}
				if len(pushes) == 0 && wantShown != "" {
					// Shown by the UA, not by a handler: wait (bounded) for it to be listed.
					wctx, cancel := bounded(ctx)
					awaitNotification(wctx, c, wantShown)
					cancel()
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
					o := deliver(ctx, r, "shown", declarative(8030, map[string]any{"title": "pushspec dwp shown", "navigate": "/dwp"}), "pushspec dwp shown")
					Expect(o.pushes).To(BeEmpty(), "push events for a declarative message")
					Expect(titles(o.notes)).To(ContainElement("pushspec dwp shown"), "%s showed the notifications %q, not the declarative one titled \"pushspec dwp shown\"; Declarative Web Push shows a declarative message itself", k, titles(o.notes))
				}, specTimeout)

			conformance.It("dispatches to push when web_push is not the number 8030", tg, rules.DWPMember8030,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					o := deliver(ctx, r, "8031", declarative(8031, map[string]any{"title": "pushspec dwp 8031", "navigate": "/dwp"}), "")
					Expect(o.pushes).To(HaveLen(1), "push events for web_push 8031")
				}, specTimeout)

			conformance.It("dispatches to push when notification.title is missing", tg, rules.DWPTitleRequired,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					o := deliver(ctx, r, "no-title", declarative(8030, map[string]any{"navigate": "/dwp"}), "")
					Expect(o.pushes).To(HaveLen(1), "push events for a message without title")
				}, specTimeout)

			conformance.It("dispatches to push when notification.navigate does not parse", tg, rules.DWPNavigateRequired,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					o := deliver(ctx, r, "bad-navigate", declarative(8030, map[string]any{"title": "pushspec dwp bad nav", "navigate": "http://999.999"}), "")
					Expect(o.pushes).To(HaveLen(1), "push events for a message whose navigate does not parse")
				}, specTimeout)

			conformance.It("replaces a shown notification with the same tag", tg, rules.DWPTagReplaces,
				func(ctx SpecContext, r *conformance.Recorder) {
					requireDWP(r)
					deliver(ctx, r, "tag-a", declarative(8030, map[string]any{"title": "pushspec dwp A", "navigate": "/dwp", "tag": "dwp"}), "pushspec dwp A")
					o := deliver(ctx, r, "tag-b", declarative(8030, map[string]any{"title": "pushspec dwp B", "navigate": "/dwp", "tag": "dwp"}), "pushspec dwp B")
					var tagged []string
					for _, n := range o.notes {
						if n.Tag == "dwp" {
							tagged = append(tagged, n.Title)
						}
					}
					Expect(tagged).To(Equal([]string{"pushspec dwp B"}), "the notifications tagged dwp are %q, not only \"pushspec dwp B\"; a declarative notification with the tag of a shown one replaces it", tagged)
				}, specTimeout)
		})
	}
})

// afterSentinel sends a sentinel that reports only after every earlier push handler has (sw.js
// afterPending) and returns the push reports since `since` other than the sentinel's. An error
// means the sentinel never reported.
func afterSentinel(ctx SpecContext, c *harness.Client, since int, name string) ([]sitefixture.Report, error) {
	id := "sentinel-dwp-" + name
	res, err := c.Send(ctx, harness.Payload(id, map[string]any{"show": false, "afterPending": true}, nil), harness.SendOptions{})
	if err != nil {
		return nil, fmt.Errorf("the sentinel could not be sent: %w", err)
	}
	if res.Status/100 != 2 {
		return nil, fmt.Errorf("the push service refused the sentinel: %d %s", res.Status, res.Body)
	}
	wctx, cancel := bounded(ctx)
	defer cancel()
	if _, err := c.AwaitPush(wctx, func(rep sitefixture.Report) bool { return rep.ID == id }); err != nil {
		return nil, fmt.Errorf("no service-worker report of the sentinel within %v (%s)", waitFor, c.Kind)
	}
	var out []sitefixture.Report
	for _, rep := range c.Reports()[since:] {
		if rep.ID != id {
			out = append(out, rep)
		}
	}
	return out, nil
}

// awaitNotification polls the registration's notifications until one titled title is listed or
// ctx ends, and says whether it was.
func awaitNotification(ctx context.Context, c *harness.Client, title string) bool {
	for {
		if raw, err := c.Call(ctx, "getNotifications"); err == nil {
			var page struct{ Notifications []sitefixture.Notification }
			if json.Unmarshal(raw, &page) == nil {
				for _, n := range page.Notifications {
					if n.Title == title {
						return true
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// The sentinel the DWP specs rely on: in Firefox, a push handler that takes longer (it holds
// waitUntil, as one that shows a notification does) reports after a plain sentinel sent behind
// it; in every browser it reports before a sentinel with afterPending. Both ways, so that the race
// the DWP specs avoid stays proven.
var _ = describe("the afterPending sentinel", Label("needs:browser"), func() {
	for _, k := range kinds {
		It("[fixture] reports after every earlier push handler", Label("target:"+string(k)), func(ctx SpecContext) {
			c := newClient(ctx, nil, k)
			held := func(id string) []byte {
				return harness.Payload(id, map[string]any{"show": false, "holdMs": 500}, nil)
			}
			order := func(first, sentinel string, instr map[string]any) []string {
				send(ctx, nil, c, held(first), harness.SendOptions{})
				send(ctx, nil, c, harness.Payload(sentinel, instr, nil), harness.SendOptions{})
				awaitPush(ctx, nil, c, first, func(rep sitefixture.Report) bool { return rep.ID == first })
				awaitPush(ctx, nil, c, sentinel, func(rep sitefixture.Report) bool { return rep.ID == sentinel })
				var ids []string
				for _, rep := range c.Reports() {
					if rep.ID == first || rep.ID == sentinel {
						ids = append(ids, rep.ID)
					}
				}
				return ids
			}
			plain := order("held-1", "plain", map[string]any{"show": false})
			AddReportEntry("plain sentinel order", plain)
			if k == browser.Firefox {
				// Firefox runs push handlers concurrently: the race is real there. Chromium
				// dispatches the next push event only once the previous one's waitUntil settled.
				Expect(plain).To(Equal([]string{"plain", "held-1"}),
					"a plain sentinel reports before an earlier handler that holds waitUntil (the race)")
			}
			Expect(order("held-2", "after", map[string]any{"show": false, "afterPending": true})).To(Equal([]string{"held-2", "after"}),
				"a sentinel with afterPending reports after the earlier handler")
		}, specTimeout)
	}
})
