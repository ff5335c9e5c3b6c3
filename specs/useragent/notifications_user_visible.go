package useragent

// userVisibleOnly enforcement: what a browser does when a push to a userVisibleOnly subscription
// shows nothing is UA-defined (a MAY), so it is recorded, not graded: the push event must still
// fire (pushapi-push-event-fired), and what follows is observed after a sentinel push that shows
// a notification — the notifications listed for the origin and, in Chromium, the DevTools
// notification records (Chromium may add its "site updated in the background" notification).

import (
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

var _ = describe("Notifications: a userVisibleOnly push that shows nothing", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			conformance.It("fires the push event for a push whose handler shows no notification, and records what the browser does about it", tg, rules.PushEventFired,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					send(ctx, r, c, harness.Payload("silent", map[string]any{"show": false}, nil), harness.SendOptions{})
					rep := awaitPush(ctx, r, c, "the silent push", func(rep sitefixture.Report) bool { return rep.ID == "silent" })
					Expect(rep.Show).NotTo(BeNil(), "the service worker's report of the silent push has no showNotification record: %s", rep.Raw)
					Expect(rep.Show.Called).To(BeFalse(), "harness: the handler was told not to show")
					send(ctx, r, c, harness.Payload("visible", nil, nil), harness.SendOptions{})
					awaitPush(ctx, r, c, "the sentinel", func(rep sitefixture.Report) bool { return rep.ID == "visible" })
					raw, err := c.Call(ctx, "getNotifications")
					if err != nil {
						conformance.HarnessError(err)
					}
					var page struct{ Notifications []sitefixture.Notification }
					if err := json.Unmarshal(raw, &page); err != nil {
						conformance.HarnessError(err)
					}
					var listed []string
					for _, n := range page.Notifications {
						listed = append(listed, fmt.Sprintf("%q (tag %q)", n.Title, n.Tag))
					}
					seen := "getNotifications() after a silent push and a visible one: [" + strings.Join(listed, ", ") + "]"
					if ev, ok := c.Session.(browser.Events); ok {
						var shown []string
						for _, e := range ev.PushEvents() {
							if e.Service == "notifications" {
								shown = append(shown, fmt.Sprintf("%s %s %v", e.Name, e.Instance, e.Metadata))
							}
						}
						seen += "; DevTools notification records: [" + strings.Join(shown, "; ") + "]"
					}
					r.Observe(rules.NotificationUserVisibleEnforcement, seen)
				}, specTimeout)
		})
	}
})
