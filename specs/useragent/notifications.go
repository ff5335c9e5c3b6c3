package useragent

// WHATWG Notifications, as a push handler uses it: showNotification() options and their
// errors, getNotifications() (tag filter, order), tag replacement, close(), actions and
// timestamp — called on the fixture's service worker registration from the page, plus one
// end-to-end round trip where the service worker shows what a push message asked for.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
)

// jsNotification describes a Notification for the specs (extends sitefixture's list shape).
const jsNotification = `
const nv = (n) => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon,
  requireInteraction: n.requireInteraction, silent: n.silent, renotify: n.renotify, timestamp: n.timestamp,
  actions: n.actions ? Array.from(n.actions, (a) => ({action: a.action, title: a.title})) : null,
  actionsFrozen: n.actions ? Object.isFrozen(n.actions) && Array.from(n.actions).every((a) => Object.isFrozen(a)) : null,
  data: n.data === undefined ? null : n.data});
const closeAll = async () => { for (const n of await reg.getNotifications()) n.close(); };
`

type jsNote struct {
	Title              string           `json:"title"`
	Body               string           `json:"body"`
	Tag                string           `json:"tag"`
	Icon               string           `json:"icon"`
	RequireInteraction bool             `json:"requireInteraction"`
	Silent             *bool            `json:"silent"`
	Timestamp          float64          `json:"timestamp"`
	Actions            []map[string]any `json:"actions"`
	ActionsFrozen      *bool            `json:"actionsFrozen"`
	Data               json.RawMessage  `json:"data"`
}

var _ = describe("Notifications API", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var c *harness.Client
			BeforeAll(func(ctx SpecContext) {
				c = newClient(ctx, nil, k)
			}, NodeTimeout(time.Minute))

			// rejects shows a notification with options (a JavaScript expression) and returns the
			// rejection, or nil when it was shown (then closed again).
			rejects := func(ctx SpecContext, r *conformance.Recorder, what, options string) *sitefixture.JSError {
				var v struct {
					Err *sitefixture.JSError `json:"err"`
				}
				Expect(evalInto(ctx, r, c, what, jsNotification+`
try { await reg.showNotification("pushspec `+what+`", `+options+`); } catch (e) { return {err: errv(e)}; }
await closeAll();
return {err: null};`, &v)).To(BeNil(), "the script showing a notification with %s threw outside its own try in %s (see the js evidence); showNotification() must resolve or reject", options, k)
				return v.Err
			}

			conformance.It("showNotification() with silent: true and vibrate rejects with TypeError", tg, rules.NotificationSilentWithVibrate,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					err := rejects(ctx, r, "silent-vibrate", `{silent: true, vibrate: [100]}`)
					Expect(err).NotTo(BeNil(), "showNotification({silent: true, vibrate: [100]}) resolved")
					Expect(err.Name).To(Equal("TypeError"), "showNotification({silent: true, vibrate: [100]}) rejected with %s, not TypeError; the Notifications API requires a TypeError", err)
				}, specTimeout)

			conformance.It("showNotification() with renotify: true and no tag rejects with TypeError", tg, rules.NotificationRenotifyNeedsTag,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					err := rejects(ctx, r, "renotify-no-tag", `{renotify: true}`)
					Expect(err).NotTo(BeNil(), "showNotification({renotify: true}) resolved")
					Expect(err.Name).To(Equal("TypeError"), "showNotification({renotify: true}) without a tag rejected with %s, not TypeError; the Notifications API requires a TypeError", err)
				}, specTimeout)

			conformance.It("data is structured-cloned (Date, nested arrays) and unserializable data rejects with DataCloneError", tg, rules.NotificationDataStructuredClone,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						Found  bool                 `json:"found"`
						A      []int                `json:"a"`
						IsDate bool                 `json:"isDate"`
						Time   float64              `json:"time"`
						Nested string               `json:"nested"`
						FnErr  *sitefixture.JSError `json:"fnErr"`
					}
					Expect(evalInto(ctx, r, c, "data", jsNotification+`
await closeAll();
await reg.showNotification("pushspec data", {tag: "data", data: {a: [1, 2], d: new Date(0), n: {s: "é"}}});
const [n] = await reg.getNotifications({tag: "data"});
const out = {found: !!n};
if (n) { out.a = n.data.a; out.isDate = n.data.d instanceof Date; out.time = n.data.d instanceof Date ? n.data.d.getTime() : null; out.nested = n.data.n.s; }
try { await reg.showNotification("pushspec data fn", {tag: "data-fn", data: {f: () => 1}}); out.fnErr = null; } catch (e) { out.fnErr = errv(e); }
await closeAll();
return out;`, &v)).To(BeNil(), "the structured-clone script threw in %s (see the js evidence); showNotification() and getNotifications() with data must resolve", k)
					Expect(v.Found).To(BeTrue(), "the notification is not listed")
					Expect(v.A).To(Equal([]int{1, 2}), "data.a came back as %v, not [1 2]; the Notifications API structured-clones data", v.A)
					Expect(v.IsDate).To(BeTrue(), "data.d is no longer a Date; the Notifications API structured-clones data, which keeps a Date a Date")
					Expect(v.Time).To(Equal(0.0), "data.d came back as the time %v, not 0; the Notifications API structured-clones data, keeping a Date's time", v.Time)
					Expect(v.Nested).To(Equal("é"), "data.n.s came back as %q, not \"é\"; the Notifications API structured-clones data", v.Nested)
					Expect(v.FnErr).NotTo(BeNil(), "data holding a function was accepted")
					Expect(v.FnErr.Name).To(Equal("DataCloneError"), "data holding a function rejected with %s", v.FnErr)
				}, specTimeout)

			conformance.It("a notification with the tag of a shown one replaces it (one entry, the latest body)", tg, rules.NotificationTagReplaces,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						List []jsNote `json:"list"`
					}
					Expect(evalInto(ctx, r, c, "tag-replace", jsNotification+`
await closeAll();
await reg.showNotification("pushspec replace", {tag: "rep", body: "A"});
await reg.showNotification("pushspec replace", {tag: "rep", body: "B"});
const list = (await reg.getNotifications()).map(nv);
await closeAll();
return {list};`, &v)).To(BeNil(), "the tag-replace script threw in %s (see the js evidence); showNotification() and getNotifications() must resolve", k)
					Expect(v.List).To(HaveLen(1), "notifications listed after two with tag rep")
					Expect(v.List[0].Body).To(Equal("B"), "the notification listed under tag rep has body %q, not \"B\"; the Notifications API replaces a shown notification of the same tag with the new one", v.List[0].Body)
				}, specTimeout)

			conformance.It("getNotifications({tag}) lists only the notifications with that tag", tg, rules.NotificationGetTagFilter,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						All      []jsNote `json:"all"`
						Filtered []jsNote `json:"filtered"`
					}
					Expect(evalInto(ctx, r, c, "tag-filter", jsNotification+`
await closeAll();
await reg.showNotification("pushspec x", {tag: "x"});
await reg.showNotification("pushspec y", {tag: "y"});
await reg.showNotification("pushspec untagged", {});
const all = (await reg.getNotifications()).map(nv);
const filtered = (await reg.getNotifications({tag: "y"})).map(nv);
await closeAll();
return {all, filtered};`, &v)).To(BeNil(), "the tag-filter script threw in %s (see the js evidence); showNotification() and getNotifications() must resolve", k)
					Expect(v.All).To(HaveLen(3), "harness: three notifications should be listed without a filter")
					Expect(v.Filtered).To(HaveLen(1), "getNotifications({tag: \"y\"}) listed %d notifications, not 1; the Notifications API lists only those with that tag", len(v.Filtered))
					Expect(v.Filtered[0].Tag).To(Equal("y"), "getNotifications({tag: \"y\"}) listed the tag %q; the Notifications API lists only those with tag y", v.Filtered[0].Tag)
					Expect(v.Filtered[0].Title).To(Equal("pushspec y"), "getNotifications({tag: \"y\"}) listed the title %q, not \"pushspec y\"; the Notifications API lists the notification shown with that tag", v.Filtered[0].Title)
				}, specTimeout)

			conformance.It("getNotifications() lists neither another registration's notifications nor non-persistent ones", tg, rules.NotificationGetRegistrationScoped,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						Mine   []string `json:"mine"`
						Others []string `json:"others"`
					}
					Expect(evalInto(ctx, r, c, "scoped", jsNotification+`
await closeAll();
const other = await navigator.serviceWorker.register("/sw.js", {scope: "/pushspec-other/"});
const w = other.installing || other.waiting || other.active;
if (w.state !== "activated") await new Promise((res) => w.addEventListener("statechange", () => { if (w.state === "activated") res(); }));
await other.showNotification("pushspec other registration", {tag: "other-reg"});
const page = new Notification("pushspec page notification", {tag: "page"});
await reg.showNotification("pushspec mine", {tag: "mine"});
const mine = (await reg.getNotifications()).map((n) => n.tag);
const others = (await other.getNotifications()).map((n) => n.tag);
page.close();
for (const n of await other.getNotifications()) n.close();
await other.unregister();
await closeAll();
return {mine, others};`, &v)).To(BeNil(), "the registration-scope script threw in %s (see the js evidence); showNotification() and getNotifications() must resolve", k)
					Expect(v.Others).To(ContainElement("other-reg"), "harness: the other registration should list its own notification")
					Expect(v.Mine).To(Equal([]string{"mine"}), "the fixture registration's getNotifications()")
				}, specTimeout)

			conformance.It("close() removes the notification from getNotifications()", tg, rules.NotificationCloseRemoves,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					// Five rounds: close() removes the notification synchronously (the close steps
					// remove it from the list), so a conforming browser never lists it afterwards,
					// while a browser that removes it later lists it in some rounds and not others.
					// One round gave a verdict that changed from run to run.
					var v struct {
						Rounds []struct {
							Before      []string `json:"before"`
							After       []string `json:"after"`
							GoneAfterMs *float64 `json:"goneAfterMs"`
						} `json:"rounds"`
					}
					Expect(evalInto(ctx, r, c, "close", jsNotification+`
const rounds = [];
for (let round = 1; round <= 5; round++) {
  // Tags of their own per round: Chromium closes the previous round's notifications after
  // closeAll() resolves, and would close a new one that reused a tag.
  const keep = "keep" + round, close = "close" + round;
  await closeAll();
  await reg.showNotification("pushspec keep", {tag: keep});
  await reg.showNotification("pushspec close", {tag: close});
  const before = (await reg.getNotifications()).map((n) => n.tag).filter((t) => t.endsWith(round));
  const [n] = await reg.getNotifications({tag: close});
  n.close();
  const after = (await reg.getNotifications()).map((n) => n.tag).filter((t) => t.endsWith(round));
  // Evidence only: how long until it is gone, for a browser that removes it later (≤ 3 s).
  let goneAfterMs = null;
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    if (!(await reg.getNotifications({tag: close})).length) { goneAfterMs = performance.now() - t0; break; }
    await new Promise((res) => setTimeout(res, 25));
  }
  rounds.push({before, after, goneAfterMs});
}
await closeAll();
return {rounds};`, &v)).To(BeNil(), "the close() script threw in %s (see the js evidence); showNotification(), getNotifications() and close() must not throw", k)
					Expect(v.Rounds).To(HaveLen(5), "harness: five rounds")
					for i, rd := range v.Rounds {
						round := strconv.Itoa(i + 1)
						Expect(rd.Before).To(ConsistOf("keep"+round, "close"+round), "harness: both should be listed before close() (round %s)", round)
						Expect(rd.After).To(Equal([]string{"keep" + round}), "listed after close() of the notification tagged close%s, in round %s of 5 (the Notifications API's close steps remove it before close() returns)", round, round)
					}
				}, specTimeout)

			conformance.It("getNotifications() lists notifications in creation order", tg, rules.NotificationGetCreationOrder,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						Order [][]string `json:"order"`
					}
					// Three rounds: an order that only happens to match once is not creation order.
					Expect(evalInto(ctx, r, c, "order", jsNotification+`
const order = [];
for (let round = 0; round < 3; round++) {
  await closeAll();
  for (const t of ["o1", "o2", "o3", "o4", "o5"]) await reg.showNotification("pushspec " + t, {tag: t});
  order.push((await reg.getNotifications()).map((n) => n.tag));
}
await closeAll();
return {order};`, &v)).To(BeNil(), "the creation-order script threw in %s (see the js evidence); showNotification() and getNotifications() must resolve", k)
					for _, o := range v.Order {
						Expect(o).To(Equal([]string{"o1", "o2", "o3", "o4", "o5"}), "getNotifications() order (all rounds: %v)", v.Order)
					}
				}, specTimeout)

			conformance.It("actions beyond Notification.maxActions are dropped; the getter is a frozen array of frozen objects", tg, rules.NotificationActionsCapped,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						MaxActions *int   `json:"maxActions"`
						Note       jsNote `json:"note"`
					}
					Expect(evalInto(ctx, r, c, "actions", jsNotification+`
const max = Notification.maxActions;
if (typeof max !== "number") return {maxActions: null};
await closeAll();
const actions = [];
for (let i = 0; i < max + 2; i++) actions.push({action: "a" + i, title: "Action " + i});
await reg.showNotification("pushspec actions", {tag: "actions", actions});
const [n] = await reg.getNotifications({tag: "actions"});
const note = nv(n);
await closeAll();
return {maxActions: max, note};`, &v)).To(BeNil(), "the actions script threw in %s (see the js evidence); showNotification() with actions must resolve", k)
					if v.MaxActions == nil {
						conformance.SkipBecause("unsupported: Notification.maxActions is absent in " + string(k) + " " + env.Browser(k).Version())
					}
					r.Evidence("maxActions", fmt.Sprint(*v.MaxActions))
					Expect(v.Note.Actions).To(HaveLen(*v.MaxActions), "actions listed (maxActions %d, %d given)", *v.MaxActions, *v.MaxActions+2)
					for i, a := range v.Note.Actions {
						Expect(a["action"]).To(Equal(fmt.Sprintf("a%d", i)), "action %d is %q, not \"a%d\"; the Notifications API keeps the first maxActions actions in order", i, a["action"], i)
					}
					Expect(v.Note.ActionsFrozen).To(HaveValue(BeTrue()), "actions is not a frozen array of frozen objects")
				}, specTimeout)

			conformance.It("timestamp defaults to the creation time in milliseconds", tg, rules.NotificationTimestampDefault,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						Before float64  `json:"before"`
						After  float64  `json:"after"`
						TS     *float64 `json:"ts"`
					}
					Expect(evalInto(ctx, r, c, "timestamp", jsNotification+`
await closeAll();
const before = Date.now();
await reg.showNotification("pushspec timestamp", {tag: "ts"});
const after = Date.now();
const [n] = await reg.getNotifications({tag: "ts"});
await closeAll();
return {before, after, ts: n.timestamp};`, &v)).To(BeNil(), "the timestamp script threw in %s (see the js evidence); showNotification() and getNotifications() must resolve", k)
					Expect(v.TS).NotTo(BeNil(), "Notification.timestamp is not exposed (undefined)")
					// The default is the creation time "rounded to the nearest integer": up to 1 ms
					// past the last Date.now() reading (judgeTimestampDefault).
					Expect(judgeTimestampDefault(v.Before, v.After, *v.TS)).To(BeEmpty(), "Notification.timestamp is not the creation time")
				}, specTimeout)

			conformance.It("navigate is the URL parsed against the base URL, or empty", tg, rules.NotificationNavigateAttribute,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					var v struct {
						Supported bool   `json:"supported"`
						Rel       string `json:"rel"`
						Bad       string `json:"bad"`
					}
					Expect(evalInto(ctx, r, c, "navigate", jsNotification+`
if (!("navigate" in Notification.prototype)) return {supported: false};
await closeAll();
await reg.showNotification("pushspec nav", {tag: "nav", navigate: "/x"});
await reg.showNotification("pushspec nav bad", {tag: "navbad", navigate: "http://999.999"});
const [a] = await reg.getNotifications({tag: "nav"});
const [b] = await reg.getNotifications({tag: "navbad"});
await closeAll();
return {supported: true, rel: a.navigate, bad: b.navigate};`, &v)).To(BeNil(), "the navigate script threw in %s (see the js evidence); showNotification() with navigate must resolve", k)
					if !v.Supported {
						conformance.SkipBecause("unsupported: Notification.prototype.navigate is absent in " + string(k) + " " + env.Browser(k).Version())
					}
					Expect(v.Rel).To(Equal(c.Origin.URL()+"/x"), "navigate \"/x\" reads back as %q, not %q; the Notifications API parses it against the base URL", v.Rel, c.Origin.URL()+"/x")
					Expect(v.Bad).To(Equal(""), "navigate \"http://999.999\" reads back as %q, not empty; the Notifications API gives the empty string for a URL that fails to parse", v.Bad)
				}, specTimeout)

			conformance.It("new Notification() in a service worker throws TypeError", tg, rules.NotificationConstructorInSW,
				func(ctx SpecContext, r *conformance.Recorder) {
					clientEvidence(r, c)
					send(ctx, r, c, harness.Payload("ctor", map[string]any{"tryConstructor": true}, nil), harness.SendOptions{})
					rep := awaitPush(ctx, r, c, "the constructor probe", func(rep sitefixture.Report) bool { return rep.ID == "ctor" })
					var v struct {
						Constructor *struct {
							Constructed bool                 `json:"constructed"`
							Error       *sitefixture.JSError `json:"error"`
						} `json:"constructor"`
					}
					conformance.HarnessError(json.Unmarshal(rep.Raw, &v))
					if v.Constructor == nil {
						conformance.HarnessError(fmt.Errorf("the service worker did not run the constructor probe: %s", rep.Raw))
					}
					Expect(v.Constructor.Constructed).To(BeFalse(), "new Notification() succeeded in the service worker")
					Expect(v.Constructor.Error).NotTo(BeNil(), "new Notification() in the service worker neither constructed nor threw an error; the Notifications API requires a TypeError")
					Expect(v.Constructor.Error.Name).To(Equal("TypeError"), "new Notification() in the service worker threw %s, not TypeError; the Notifications API requires a TypeError", v.Constructor.Error)
				}, specTimeout)

			It("shows what a push message asked for: title, body, tag, data, icon, requireInteraction, silent, actions", Label("notifications", "target:"+string(k)),
				func(ctx SpecContext) {
					var max struct {
						Max *int `json:"max"`
					}
					Expect(evalInto(ctx, nil, c, "maxActions", `return {max: typeof Notification.maxActions === "number" ? Notification.maxActions : null};`, &max)).To(BeNil(), "reading Notification.maxActions threw in %s (see the js evidence); it is a plain static getter", k)
					var actions []map[string]string
					for i := 0; i < 2; i++ {
						actions = append(actions, map[string]string{"action": fmt.Sprintf("act%d", i), "title": fmt.Sprintf("Act %d", i)})
					}
					note := map[string]any{
						"title": "pushspec options", "body": "round trip", "tag": "opts",
						"data": map[string]any{"a": []int{1, 2}, "s": "é"}, "icon": "/icon.png",
						"requireInteraction": true, "silent": true, "actions": actions,
					}
					payload := harness.Payload("opts", nil, map[string]any{"notification": note})
					AddReportEntry("payload", string(payload))
					send(ctx, nil, c, payload, harness.SendOptions{})
					rep := awaitPush(ctx, nil, c, "the options message", func(rep sitefixture.Report) bool { return rep.ID == "opts" })
					AddReportEntry("report", string(rep.Raw))
					Expect(rep.Show.Error).To(BeNil(), "showNotification() in the push handler rejected with %v", rep.Show.Error)
					var got *sitefixture.Notification
					for i := range rep.Notifications {
						if rep.Notifications[i].Tag == "opts" {
							got = &rep.Notifications[i]
						}
					}
					Expect(got).NotTo(BeNil(), "the service worker's getNotifications() does not list it")
					Expect(got.Title).To(Equal("pushspec options"), "the notification reads back with the title %q, not \"pushspec options\"; getNotifications() must give the options it was shown with", got.Title)
					Expect(got.Body).To(Equal("round trip"), "the notification reads back with the body %q, not \"round trip\"; getNotifications() must give the options it was shown with", got.Body)
					Expect(got.Data).To(MatchJSON(`{"a":[1,2],"s":"é"}`), "the notification reads back with the data %s; getNotifications() must give the structured clone of the data it was shown with", string(got.Data))
					Expect(got.Icon).To(Equal(c.Origin.URL()+"/icon.png"), "the notification reads back with the icon %q, not %q; the Notifications API parses icon against the base URL", got.Icon, c.Origin.URL()+"/icon.png")
					Expect(got.RequireInteraction).To(BeTrue(), "the notification reads back with requireInteraction false after being shown with true; getNotifications() must give the options it was shown with")
					Expect(got.Silent).To(HaveValue(BeTrue()), "the notification does not read back with silent true after being shown with it; getNotifications() must give the options it was shown with")
					if max.Max != nil {
						Expect(got.Actions).To(HaveLen(min(2, *max.Max)), "the notification reads back with %d actions, not %d of the 2 given (maxActions %d); the Notifications API keeps up to maxActions", len(got.Actions), min(2, *max.Max), *max.Max)
					}
				}, specTimeout)
		})

		Describe(string(k)+" without permission", func() {
			conformance.It("showNotification() without the permission rejects with TypeError", tg, rules.NotificationShowRequiresPermission,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := noClient(ctx, k, harness.ClientOptions{NoGrant: true})
					r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
					var v struct {
						Permission string               `json:"permission"`
						Err        *sitefixture.JSError `json:"err"`
						Listed     int                  `json:"listed"`
					}
					Expect(evalInto(ctx, r, c, "no-permission", `
const out = {permission: Notification.permission, err: null};
try { await reg.showNotification("pushspec denied", {tag: "denied"}); } catch (e) { out.err = errv(e); }
out.listed = (await reg.getNotifications()).length;
return out;`, &v)).To(BeNil(), "the no-permission script threw in %s (see the js evidence); showNotification() must reject, not throw outside its try", k)
					if v.Permission == "granted" {
						conformance.HarnessError(fmt.Errorf("the fresh origin already has the notifications permission"))
					}
					Expect(v.Err).NotTo(BeNil(), "showNotification() resolved with permission %q", v.Permission)
					Expect(v.Err.Name).To(Equal("TypeError"), "showNotification() without the permission rejected with %s, not TypeError; the Notifications API requires a TypeError", v.Err)
					Expect(v.Listed).To(Equal(0), "getNotifications() lists a notification shown without permission")
				}, specTimeout)
		})
	}
})
