package hardening

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
)

// browserLoad is how many pushes TestBrowserLoadAndLinkCut sends to each browser in its load
// phase: 100 by default, PUSHSPEC_BROWSER_LOAD=500 for the figure of docs/reliability.md.
func browserLoad(t *testing.T) int {
	if v := os.Getenv("PUSHSPEC_BROWSER_LOAD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("PUSHSPEC_BROWSER_LOAD=%q", v)
		}
		return n
	}
	return 100
}

// firefoxNoQuota lifts Firefox's push quota for these tests, which are about pushspec's
// delivery, not Firefox's policy. Firefox lowers a subscription's quota (16) by one 3 s after
// each push unless a notification of the origin is visible, and each push arriving while a tab
// of the origin is open resets it; when Firefox works through a burst slowly (a loaded CI
// machine), 16 decrements can land between two pushes and it expires the subscription
// mid-burst: unregister code 201, acks 102, the rest dropped (docs/firefox-autopush.md §8).
// Seen in CI: 9 of 50 unreported.
var firefoxNoQuota = map[string]any{"dom.push.maxQuotaPerSubscription": 1 << 20}

func installed(kind browser.Kind) bool {
	paths := map[browser.Kind][]string{browser.Firefox: {browser.DefaultFirefoxPath}, browser.Chromium: browser.ChromiumExecPaths}[kind]
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// TestBrowserLoadAndLinkCut runs, for each installed browser in its own Env:
//
//   - load: N pushes from 4 concurrent webpush-go senders, 50 per subscription; the service
//     worker must report every message exactly once and the browser must ack each;
//   - link cut: a burst of 45 messages: once its first third has been reported the push
//     service cuts the browser's link (Firefox: the autopush WebSocket, Link.Drop; Chromium:
//     the MCS connection, fcm Link.DropAll) and the rest is sent
//     during the outage. The browser reconnects by itself; every message must still be
//     reported, none twice. A sentinel sent last proves the link drained (delivery is in
//     store order, so a redelivery would come before it).
func TestBrowserLoadAndLinkCut(t *testing.T) {
	if testing.Short() {
		t.Skip("browsers skipped in -short mode")
	}
	for _, kind := range []browser.Kind{browser.Firefox, browser.Chromium} {
		t.Run(string(kind), func(t *testing.T) {
			if !installed(kind) {
				t.Skipf("%s not installed", kind)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			sctx, scancel := context.WithTimeout(ctx, 2*time.Minute)
			env, err := harness.StartEnv(sctx, harness.EnvOptions{Browsers: []browser.Kind{kind}, FirefoxPrefs: firefoxNoQuota})
			scancel()
			if err != nil {
				t.Fatal(err)
			}
			defer env.Close()
			// The load is spread over subscriptions of perClient pushes each, each on its own
			// origin, as many sites would be.
			const perClient = 50
			n := browserLoad(t)
			t0 := time.Now()
			for done := 0; done < n; done += perClient {
				c, err := env.NewClient(ctx, kind)
				if err != nil {
					t.Fatal(err)
				}
				pids, mids := pushAll(ctx, t, c, "load", min(perClient, n-done), 4)
				awaitReportedOnce(ctx, t, c, pids, mids)
				for _, mid := range mids {
					if _, err := c.AwaitAck(ctx, mid); err != nil {
						t.Fatalf("no ack for %s", mid)
					}
				}
				c.Close()
			}
			t.Logf("BROWSERLOAD %s %s: %d pushes (%d per subscription), every one reported once by the service worker and acked, in %v",
				kind, env.Browser(kind).Version(), n, perClient, time.Since(t0).Round(100*time.Millisecond))

			c, err := env.NewClient(ctx, kind)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Link cut in the middle of a burst.
			const m = 45
			// The first third is sent and reported, the link is cut, and the rest is sent at
			// once, while the browser is disconnected or reconnecting: those messages must be
			// stored and forwarded, and the first third's acks still in the dying connection
			// make the service send those again (the browser must not show them twice).
			t1 := time.Now()
			pa, ma := pushAll(ctx, t, c, "cut-a", m/3, 1)
			if _, err := c.AwaitReport(ctx, pa[len(pa)-1]); err != nil {
				t.Fatal(err)
			}
			if cutLink(env, kind) == 0 {
				t.Fatalf("no %s link connection to cut", kind)
			}
			pb, mb := pushAll(ctx, t, c, "cut-b", m-m/3, 1)
			pids := append(pa, pb...)
			awaitReportedOnce(ctx, t, c, pids, append(append([]string(nil), ma...), mb...))
			burst := map[string]bool{}
			for _, id := range append(ma, mb...) {
				burst[id] = true
			}
			again := 0
			for _, d := range env.Push.Deliveries() {
				if burst[d.MessageID] && d.Attempt > 1 && d.Err == "" {
					again++
				}
			}
			// Sentinel: sent after everything, reported last.
			res, err := c.Send(ctx, harness.Payload("sentinel", nil, nil), harness.SendOptions{TTL: 600})
			if err != nil || res.Status != 201 {
				t.Fatalf("sentinel: %v %v", res, err)
			}
			wctx, wcancel := context.WithTimeout(ctx, 90*time.Second)
			_, err = c.AwaitReport(wctx, "sentinel")
			wcancel()
			if err != nil {
				for _, e := range env.Push.Events() {
					if e.Message == res.MessageID || e.Kind == "connect" || e.Kind == "disconnect" || e.Kind == "unsubscribed" || e.Kind == "expired" || e.Kind == "drop" {
						t.Logf("event %+v", e)
					}
				}
				for _, a := range env.Push.Acks() {
					if a.MessageID == res.MessageID {
						t.Logf("ack %+v", a)
					}
				}
				for _, l := range env.RecentLog(40) {
					t.Log(l)
				}
				t.Fatalf("sentinel %s never reported after the link cut", res.MessageID)
			}
			counts := countReports(c)
			for _, id := range pids {
				if counts[id] != 1 {
					t.Errorf("%s reported %d times", id, counts[id])
				}
			}
			browserSecretsAbsent(t, env, c)
			t.Logf("LINKCUT %s: %d-message burst, link cut after %d reports, %d sent during the outage, %d deliveries sent again after the reconnect; all %d reported exactly once in %v",
				kind, m, m/3, m-m/3, again, m, time.Since(t1).Round(100*time.Millisecond))
		})
	}
}

// browserSecretsAbsent greps everything the Env recorded (its log ring: push service, links,
// fixture site; every push request with its verdicts; the events) for the browser
// subscription's auth secret and the application server's VAPID private key.
func browserSecretsAbsent(t *testing.T, env *harness.Env, c *harness.Client) {
	t.Helper()
	var corpus strings.Builder
	corpus.WriteString(strings.Join(env.RecentLog(4000), "\n"))
	for _, v := range []any{env.Push.Requests(), env.Push.Verdicts(), env.Push.Events(), env.Push.Deliveries()} {
		b, _ := json.Marshal(v)
		corpus.Write(b)
	}
	text := corpus.String()
	for what, secret := range map[string][]byte{"auth secret": c.Subscription.WebPush.Auth, "VAPID private key": env.VAPID.PrivateBytes()} {
		if len(secret) == 0 {
			t.Fatalf("no %s to look for", what)
		}
		for _, form := range secretForms(secret) {
			if strings.Contains(text, form) {
				t.Errorf("the browser flow's %s appears in the Env's records as %q", what, form)
			}
		}
	}
	t.Logf("SECRETS %s: auth secret and VAPID private key absent from %d octets of logs, requests, verdicts, events", c.Kind, len(text))
}

// linkDiagnostics logs the link's connection events and, for Chromium, the last MCS frames.
func linkDiagnostics(t *testing.T, env *harness.Env) {
	for _, e := range env.Push.Events() {
		if e.Kind == "connect" || e.Kind == "disconnect" || e.Kind == "deliver-error" || e.Kind == "unsubscribed" || e.Kind == "expired" || e.Kind == "drop" {
			t.Logf("event %s %s %s %s", e.Time.Format("15:04:05.000"), e.Kind, e.UA, e.Detail)
		}
	}
	if l := env.FCM(); l != nil {
		for _, ua := range l.UAs() {
			fr := l.FrameLog(ua)
			for _, f := range fr[max(0, len(fr)-25):] {
				t.Logf("mcs %s conn %d %s %s %.200s", f.Time.Format("15:04:05.000"), f.Conn, f.Dir, f.Kind, f.Detail)
			}
		}
	}
}

// cutLink drops the browser's push link and returns how many connections it closed.
func cutLink(env *harness.Env, kind browser.Kind) int {
	switch kind {
	case browser.Firefox:
		if env.Autopush().Drop("") {
			return 1
		}
		return 0
	case browser.Chromium:
		return env.FCM().DropAll()
	}
	return 0
}

// pushAll sends n pushes with payload ids prefix-0 … prefix-(n-1) from conc goroutines; every
// push must be accepted. It returns the payload ids and the service's message ids.
func pushAll(ctx context.Context, t *testing.T, c *harness.Client, prefix string, n, conc int) (pids, mids []string) {
	t.Helper()
	pids, mids = make([]string, n), make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				id := fmt.Sprintf("%s-%d", prefix, i)
				res, err := c.Send(ctx, harness.Payload(id, nil, nil), harness.SendOptions{TTL: 600})
				if err != nil || res.Status != 201 {
					t.Errorf("push %s: %v %v", id, res, err)
					return
				}
				pids[i], mids[i] = id, res.MessageID
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return pids, mids
}

// countReports counts the service worker's push reports per payload id.
func countReports(c *harness.Client) map[string]int {
	out := map[string]int{}
	for _, r := range c.Reports() {
		out[r.ID]++
	}
	return out
}

// awaitReportedOnce waits for the report of every payload id and fails on any reported twice.
// mids[i] is the push service's message id for pids[i]; on a missing report the test logs what
// happened to every unreported message (deliveries, acks) and the Env's recent log, so a CI
// failure tells the push service's side from the browser's.
func awaitReportedOnce(ctx context.Context, t *testing.T, c *harness.Client, pids, mids []string) {
	t.Helper()
	for _, id := range pids {
		if _, err := c.AwaitReport(ctx, id); err != nil {
			linkDiagnostics(t, c.Env)
			unreportedDiagnostics(t, c, pids, mids)
			t.Fatalf("%s never reported (%d push reports so far)", id, len(c.Reports()))
		}
	}
	for id, k := range countReports(c) {
		if k > 1 {
			t.Errorf("%s reported %d times", id, k)
		}
	}
}

// unreportedDiagnostics logs, for every payload id without a report, the push service's
// deliveries and acks of its message, then the Env's last log lines (push service, links,
// browser console and stderr).
func unreportedDiagnostics(t *testing.T, c *harness.Client, pids, mids []string) {
	counts := countReports(c)
	missing := map[string]string{}
	for i, id := range pids {
		if counts[id] == 0 {
			missing[mids[i]] = id
		}
	}
	t.Logf("%d of %d pushes unreported", len(missing), len(pids))
	for _, d := range c.Env.Push.Deliveries() {
		if id, ok := missing[d.MessageID]; ok {
			t.Logf("unreported %s: delivery of %s attempt %d on conn %d at %s, error %q", id, d.MessageID, d.Attempt, d.Conn, d.At.Format("15:04:05.000"), d.Err)
		}
	}
	for _, a := range c.Env.Push.Acks() {
		if id, ok := missing[a.MessageID]; ok {
			t.Logf("unreported %s: ack code %v at %s, evidence %v", id, a.Code, a.At.Format("15:04:05.000"), a.Evidence)
		}
	}
	if l := c.Env.Autopush(); l != nil {
		for _, n := range l.Nacks() {
			if id, ok := missing[n.Version]; ok {
				t.Logf("unreported %s: nack %+v", id, n)
			}
		}
	}
	for _, l := range c.Env.RecentLog(150) {
		t.Log(l)
	}
}
