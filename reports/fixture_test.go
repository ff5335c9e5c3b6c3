package reports

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/rules"
)

// The fixture is a ginkgo report as harness/conformance produces it, with every case the
// reports package must handle: four targets of three kinds, every outcome, a rule checked by
// several specs (folded), latency evidence (string and number), a spec that panicked without a
// result (→ error from its rule label), a failed spec without any rule (→ problem), a spec
// skipped by a filter (→ nothing), and a result for a rule the catalogue does not know. Three
// interop targets ("<receiver>/<sender>/<profile>", specs/interop) fill part of the interop
// matrix: a browser cell, a passing virtual-UA cell, and one with two rules of which one fails;
// interop-apple-urgency is checked on an interop target only.

var fixtureStart = time.Date(2026, 11, 26, 21, 30, 0, 0, time.UTC)

var (
	tChromium = map[string]string{"id": "chromium", "kind": "user-agent", "name": "Chromium", "version": "142.0.7444.59"}
	tFirefox  = map[string]string{"id": "firefox", "kind": "user-agent", "name": "Firefox ESR", "version": "153.7.0esr"}
	tFake     = map[string]string{"id": "fake:rfc", "kind": "push-service", "name": "pushspec push service, rfc profile", "version": "v0.1.0-test"}
	tSender   = map[string]string{"id": "sender:webpush-go", "kind": "sender", "name": "webpush-go", "version": "v1.4.0"}

	tIopChromium = map[string]string{"id": "chromium/web-push/rfc", "kind": "user-agent", "name": "Chromium ← web-push via the rfc profile"}
	tIopRaw      = map[string]string{"id": "virtual-ua/raw/rfc", "kind": "user-agent", "name": "pushspec virtual UA ← raw via the rfc profile"}
	tIopApple    = map[string]string{"id": "virtual-ua/webpush-go/apple", "kind": "user-agent", "name": "pushspec virtual UA ← webpush-go via the apple profile"}
)

func fixtureMeta() Meta {
	return Meta{
		Tool: Tool{Name: "pushspec", Version: "v0.1.0-test"},
		Config: map[string]string{
			"browsers":     "chromium,firefox",
			"push_service": "fake",
			"profile":      "rfc",
			"sender":       "webpush-go",
			"strict":       "false",
			"vapid_key":    "[redacted]",
			"report_dir":   "reports/out",
		},
		Started:   fixtureStart,
		Duration:  95*time.Second + 400*time.Millisecond,
		Catalogue: fixtureCatalogue,
	}
}

// entry builds a report entry. viaJSON sets only AsJSON, as a report read from a file or sent
// across parallel processes has; otherwise only the raw Go value is set, as in-process.
func entry(name string, v any, viaJSON bool) types.ReportEntry {
	e := types.ReportEntry{Name: name, Value: types.WrapEntryValue(v)}
	if viaJSON {
		b, err := json.Marshal(e.Value)
		if err != nil {
			panic(err)
		}
		var val types.ReportEntryValue
		if err := json.Unmarshal(b, &val); err != nil {
			panic(err)
		}
		e.Value = val
	}
	return e
}

func result(rule, target, outcome, msg string, ms int, evidence map[string]any) map[string]any {
	r := map[string]any{"rule": rule, "target": target, "outcome": outcome, "message": msg, "duration_ms": ms}
	if evidence != nil {
		r["evidence"] = evidence
	}
	return r
}

type specDef struct {
	container, text string
	file            string
	line            int
	state           types.SpecState
	labels          []string
	target          map[string]string // nil: no target entry
	results         []map[string]any
	failure         types.Failure
	runtime         time.Duration
}

func (d specDef) report(i int) types.SpecReport {
	sr := types.SpecReport{
		ContainerHierarchyTexts: []string{d.container},
		LeafNodeType:            types.NodeTypeIt,
		LeafNodeText:            d.text,
		LeafNodeLabels:          d.labels,
		LeafNodeLocation:        types.CodeLocation{FileName: "/home/ci/pushspec/specs/" + d.file, LineNumber: d.line},
		State:                   d.state,
		StartTime:               fixtureStart.Add(time.Duration(i) * time.Second),
		RunTime:                 d.runtime,
		Failure:                 d.failure,
	}
	sr.EndTime = sr.StartTime.Add(d.runtime)
	if d.target != nil {
		sr.ReportEntries = append(sr.ReportEntries, entry(TargetEntry, d.target, i%2 == 0))
	}
	for j, r := range d.results {
		sr.ReportEntries = append(sr.ReportEntries, entry(ResultEntry, r, (i+j)%2 == 1))
	}
	return sr
}

func fixtureReport() types.Report {
	ms := time.Millisecond
	delivery := func(target string, lat []float64, failAt int) []map[string]any {
		var out []map[string]any
		for i, l := range lat {
			ev := map[string]any{"request": fmt.Sprintf("POST /push/sub-%s-%d TTL: 60 Content-Encoding: aes128gcm (4096 bytes)", target, i), "response": "201 Created"}
			// Half the samples as numbers, half as strings: both forms must read.
			if i%2 == 0 {
				ev["latency_ms"] = l
			} else {
				ev["latency_ms"] = fmt.Sprint(l)
			}
			outcome, msg := "pass", fmt.Sprintf("push event %d fired with the expected data", i)
			if i == failAt {
				outcome, msg = "fail", "no push event within 10s: the message was acknowledged on the UA link but never reached the service worker"
				delete(ev, "latency_ms")
				ev["sw_log"] = "install → activate → (no push event)"
			}
			out = append(out, result(rules.PushEventFired.ID, target, outcome, msg, int(l)+3, ev))
		}
		return out
	}
	defs := []specDef{
		{container: "RFC 8030 §5.2 Push Message Time-To-Live", text: "rejects a push request without TTL", file: "pushservice/rfc8030_5_2_ttl_test.go", line: 31,
			state: types.SpecStatePassed, labels: []string{rules.TTLMissing400.ID, "rfc8030", "MUST", "actor:push-service", "target:fake:rfc"}, target: tFake, runtime: 14 * ms,
			results: []map[string]any{result(rules.TTLMissing400.ID, "fake:rfc", "pass", "400 Bad Request for a request without TTL", 12, map[string]any{
				"request":  "POST /push/7f3a HTTP/1.1\nContent-Encoding: aes128gcm\nContent-Length: 120\nAuthorization: vapid t=[redacted], k=BO…",
				"response": "HTTP/1.1 400 Bad Request\nContent-Type: application/json\n\n{\"reason\":\"missing TTL\"}"})}},
		{container: "RFC 8030 §5.3 Push Message Urgency", text: "rejects a request with two Urgency values", file: "pushservice/rfc8030_5_3_urgency_test.go", line: 48,
			state: types.SpecStateFailed, labels: []string{rules.UrgencyMultiple400.ID, "rfc8030", "MUST", "actor:push-service", "target:fake:rfc"}, target: tFake, runtime: 9 * ms,
			failure: types.Failure{Message: "Expected <int>: 201 to equal <int>: 400"},
			results: []map[string]any{result(rules.UrgencyMultiple400.ID, "fake:rfc", "fail", "expected 400 for `Urgency: low, high`, got 201 Created", 8, map[string]any{
				"expected": "400", "observed": "201 Created",
				"request":  "POST /push/91bc HTTP/1.1\nTTL: 60\nUrgency: low, high\nContent-Encoding: aes128gcm",
				"response": "HTTP/1.1 201 Created\nLocation: /m/91bc-1"})}},
		{container: "RFC 8030 §8.4 Denial-of-Service Considerations", text: "sends Retry-After with 429", file: "pushservice/rfc8030_8_4_dos_test.go", line: 22,
			state: types.SpecStatePassed, labels: []string{rules.RetryAfterOn429.ID, "rfc8030", "SHOULD", "actor:push-service", "target:fake:rfc"}, target: tFake, runtime: 30 * ms,
			results: []map[string]any{result(rules.RetryAfterOn429.ID, "fake:rfc", "non-strict", "429 Too Many Requests without Retry-After", 29, map[string]any{
				"response": "HTTP/1.1 429 Too Many Requests\nContent-Length: 0"})}},
		{container: "Push API receiving a push message", text: "fires push for each message (Firefox)", file: "useragent/pushapi_push_test.go", line: 40,
			state: types.SpecStatePassed, labels: []string{rules.PushEventFired.ID, "pushapi", "MUST", "actor:user-agent", "target:firefox", "needs:browser"}, target: tFirefox, runtime: 2400 * ms,
			results: delivery("firefox", []float64{84, 92, 77, 130, 101, 88, 95, 410, 99, 86, 91, 102}, -1)},
		{container: "Push API receiving a push message", text: "fires push for each message (Chromium)", file: "useragent/pushapi_push_test.go", line: 40,
			state: types.SpecStateFailed, labels: []string{rules.PushEventFired.ID, "pushapi", "MUST", "actor:user-agent", "target:chromium", "needs:browser"}, target: tChromium, runtime: 12800 * ms,
			failure: types.Failure{Message: "push event 3 never fired"},
			results: delivery("chromium", []float64{38, 41, 35, 44, 52, 39, 47, 36, 43, 1210}, 3)},
		{container: "RFC 8188 §2 decryption", text: "rejects a final record with the 0x01 delimiter", file: "useragent/rfc8188_2_test.go", line: 63,
			state: types.SpecStateFailed, labels: []string{rules.FailWrongDelimiter.ID, "rfc8188", "MUST", "actor:user-agent", "target:chromium", "needs:browser"}, target: tChromium, runtime: 1800 * ms,
			results: []map[string]any{result(rules.FailWrongDelimiter.ID, "chromium", "fail", "push event fired for a final record padded with 0x01: the sentinel came second, the bad message first", 1790, map[string]any{
				"expected": "only the sentinel message \"sentinel-7\"", "observed": "[\"bad-delimiter-7\", \"sentinel-7\"]",
				"record": "rs=4096 idlen=65 last octet of plaintext: 0x01"})}},
		{container: "RFC 8188 §2 decryption", text: "rejects a final record with the 0x01 delimiter", file: "useragent/rfc8188_2_test.go", line: 63,
			state: types.SpecStatePassed, labels: []string{rules.FailWrongDelimiter.ID, "rfc8188", "MUST", "actor:user-agent", "target:firefox", "needs:browser"}, target: tFirefox, runtime: 1500 * ms,
			results: []map[string]any{result(rules.FailWrongDelimiter.ID, "firefox", "pass", "only the sentinel fired; the bad record was acknowledged with code 101", 1490, map[string]any{
				"ua_link": "ack {channelID: 5e1f…, version: 7, code: 101}"})}},
		{container: "Push API subscribe()", text: "rejects userVisibleOnly: false", file: "useragent/pushapi_subscribe_test.go", line: 77,
			state: types.SpecStateSkipped, labels: []string{rules.SubscribeUserVisibleRequired.ID, "pushapi", "MUST", "actor:user-agent", "target:firefox"}, target: tFirefox, runtime: 2 * ms,
			failure: types.Failure{Message: "unsupported: Firefox allows silent push for extensions only"},
			results: []map[string]any{result(rules.SubscribeUserVisibleRequired.ID, "firefox", "skip", "unsupported: Firefox allows userVisibleOnly: false (quota-based silent push)", 1, nil)}},
		{container: "Push API subscribe()", text: "rejects userVisibleOnly: false", file: "useragent/pushapi_subscribe_test.go", line: 77,
			state: types.SpecStatePassed, labels: []string{rules.SubscribeUserVisibleRequired.ID, "pushapi", "MUST", "actor:user-agent", "target:chromium"}, target: tChromium, runtime: 300 * ms,
			results: []map[string]any{result(rules.SubscribeUserVisibleRequired.ID, "chromium", "pass", "NotAllowedError: Push subscriptions without userVisibleOnly are not supported", 290, nil)}},
		{container: "Notifications showNotification()", text: "rejects without permission", file: "useragent/notifications_show_test.go", line: 19,
			state: types.SpecStateFailed, labels: []string{rules.NotificationShowRequiresPermission.ID, "notifications", "MUST", "actor:user-agent", "target:chromium"}, target: tChromium, runtime: 30 * time.Second,
			results: []map[string]any{result(rules.NotificationShowRequiresPermission.ID, "chromium", "error", "harness: the fixture page did not load within 30s (sitefixture on 127.0.0.1:41327)", 30000, map[string]any{"log": "navigate http://localhost:41327/fixture/index.html: context deadline exceeded"})}},
		{container: "Notifications", text: "replaces a notification with the same tag", file: "useragent/notifications_tag_test.go", line: 55,
			state: types.SpecStatePanicked, labels: []string{rules.NotificationTagReplaces.ID, "notifications", "MUST", "actor:user-agent", "target:firefox"}, runtime: 800 * ms,
			failure: types.Failure{Message: "Test Panicked", ForwardedPanic: "runtime error: invalid memory address or nil pointer dereference",
				Location: types.CodeLocation{FileName: "/home/ci/pushspec/harness/browser/firefox.go", LineNumber: 211}}},
		{container: "Notifications create a notification", text: "throws for silent with vibrate", file: "useragent/notifications_create_test.go", line: 34,
			state: types.SpecStatePassed, labels: []string{rules.NotificationSilentWithVibrate.ID, "notifications", "MUST", "actor:user-agent", "target:firefox"}, target: tFirefox, runtime: 120 * ms,
			results: []map[string]any{result(rules.NotificationSilentWithVibrate.ID, "firefox", "fail", "known deviation (reviewed): Firefox ignores vibrate on desktop and does not throw — expected TypeError, the notification was shown", 110, map[string]any{
				"known_deviation": "Firefox ignores vibrate on desktop and does not throw (seen on 153.7.0esr)", "observed": "showNotification resolved"})}},
		{container: "Push API getSubscription()", text: "resolves null without a subscription", file: "useragent/pushapi_subscribe_test.go", line: 120,
			state: types.SpecStatePassed, labels: []string{rules.GetSubscriptionNull.ID, "pushapi", "MUST", "actor:user-agent", "target:chromium"}, target: tChromium, runtime: 60 * ms,
			results: []map[string]any{result(rules.GetSubscriptionNull.ID, "chromium", "pass", "listed as a known deviation but the check passed: remove it from conformance.KnownDeviations", 55, map[string]any{
				"known_deviation": "stale: Chromium resolved a stale subscription after unsubscribe (fixed)"})}},
		{container: "Environment", text: "starts the fixture site", file: "useragent/env_test.go", line: 12,
			state: types.SpecStateFailed, labels: []string{"needs:browser"}, runtime: 5 * ms,
			failure: types.Failure{Message: "listen tcp 127.0.0.1:0: socket: too many open files"}},
		{container: "RFC 8030 §5.2 Push Message Time-To-Live", text: "drops a message after its TTL", file: "pushservice/rfc8030_5_2_ttl_test.go", line: 60,
			state: types.SpecStateSkipped, labels: []string{rules.NoDeliveryAfterTTL.ID, "rfc8030", "MUST NOT", "target:fake:rfc"}},
		{container: "Sender webpush-go", text: "grades the requests of webpush-go", file: "sender/webpush_go_test.go", line: 88,
			state: types.SpecStatePassed, labels: []string{rules.Fits4096.ID, "rfc8291", "MUST", "actor:application-server", "target:sender:webpush-go"}, target: tSender, runtime: 210 * ms,
			results: []map[string]any{
				result(rules.Fits4096.ID, "sender:webpush-go", "pass", "body of 4096 octets in one aes128gcm record", 3, map[string]any{"content_length": 4096}),
				result(rules.ExpMax24h.ID, "sender:webpush-go", "pass", "exp is 12h after iat", 1, map[string]any{"jwt_claims": map[string]any{"aud": "http://127.0.0.1:40111", "exp": 1795815000, "sub": "mailto:ops@example.com"}}),
				result(rules.InteropWNSTTLZero.ID, "sender:webpush-go", "info", "TTL: 0 sent without X-WNS-Cache-Policy: WNS would answer 400", 1, map[string]any{"request": "TTL: 0"}),
				result("rfc9999-1-made-up-rule", "sender:webpush-go", "pass", "a rule from a newer catalogue", 1, nil),
				result(rules.KeyDerivation.ID, "sender:webpush-go", "pass", "the fake decrypted every body with the subscription's keys", 2, nil),
			}},
		{container: "Delivery of the sender's message to real browsers", text: "has its message decrypted and shown by chromium", file: "sender/browser_delivery_test.go", line: 40,
			state: types.SpecStatePassed, labels: []string{rules.KeyDerivation.ID, "rfc8291", "MUST", "target:sender:webpush-go", "needs:browser"}, target: tSender, runtime: 900 * ms,
			results: []map[string]any{result(rules.KeyDerivation.ID, "sender:webpush-go", "pass", "", 890, map[string]any{
				"browser": "chromium 142.0.7444.59", "shown_by": "Chromium 142.0.7444.59"})}},
		{container: "Interop: real browsers", text: "decrypts a message from web-push in chromium", file: "interop/browsers_test.go", line: 49,
			state: types.SpecStatePassed, labels: []string{rules.KeyDerivation.ID, "rfc8291", "MUST", "target:chromium/web-push/rfc", "needs:browser"}, target: tIopChromium, runtime: 1200 * ms,
			results: []map[string]any{result(rules.KeyDerivation.ID, "chromium/web-push/rfc", "pass", "", 1190, map[string]any{
				"browser": "chromium 142.0.7444.59", "response": "201 Created", "report": "{\"kind\":\"push\",\"data\":{\"text\":\"interop chromium web-push\"}}"})}},
		{container: "Interop: virtual user agent", text: "decrypts a message from raw through the rfc profile", file: "interop/suite_test.go", line: 88,
			state: types.SpecStatePassed, labels: []string{rules.KeyDerivation.ID, "rfc8291", "MUST", "target:virtual-ua/raw/rfc"}, target: tIopRaw, runtime: 40 * ms,
			results: []map[string]any{result(rules.KeyDerivation.ID, "virtual-ua/raw/rfc", "pass", "", 38, map[string]any{
				"delivered": "\"interop raw rfc\" (encoding aes128gcm, error \"\")", "request": "POST /push/4e13…, 117 octets, Content-Encoding aes128gcm, TTL 60", "response": "201 Created"})}},
		{container: "Interop: virtual user agent", text: "decrypts a message from webpush-go through the apple profile", file: "interop/suite_test.go", line: 88,
			state: types.SpecStateFailed, labels: []string{rules.KeyDerivation.ID, "rfc8291", "MUST", "target:virtual-ua/webpush-go/apple"}, target: tIopApple, runtime: 60 * ms,
			failure: types.Failure{Message: "the user agent could not decrypt the message"},
			results: []map[string]any{
				result(rules.KeyDerivation.ID, "virtual-ua/webpush-go/apple", "fail", "the virtual UA could not decrypt the message: aes128gcm: message authentication failed", 55, map[string]any{
					"expected": "\"interop webpush-go apple\"", "observed": "decryption error: message authentication failed",
					"request": "POST /push/91bc…, 4096 octets, Content-Encoding aes128gcm, TTL 60", "response": "201 Created"}),
				result(rules.InteropAppleUrgency.ID, "virtual-ua/webpush-go/apple", "info", "the sender sent `Urgency: normal`", 1, map[string]any{"request": "Urgency: normal"}),
			}},
	}
	rep := types.Report{
		SuitePath:        "/home/ci/pushspec/specs",
		SuiteDescription: "pushspec",
		StartTime:        fixtureStart,
		EndTime:          fixtureStart.Add(95 * time.Second),
		RunTime:          95 * time.Second,
	}
	for i, d := range defs {
		rep.SpecReports = append(rep.SpecReports, d.report(i))
	}
	return rep
}
