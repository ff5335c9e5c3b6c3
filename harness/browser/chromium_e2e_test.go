package browser

// End to end with real Chromium, offline: the core push service + the FCM emulation link, a tiny
// loopback page whose service worker reports every push back over fetch, and webpush-go (plus the
// pushspec codec for legacy aesgcm and a corrupted tag) as the sender.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/fcm"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

const e2eWorker = `
self.addEventListener('push', e => {
  const data = e.data ? e.data.text() : null;
  e.waitUntil((async () => {
    await self.registration.showNotification(data === null ? '(no payload)' : data, {tag: 'pushspec-e2e'});
    await fetch('/report', {method: 'POST', body: JSON.stringify({data})});
  })());
});`

// swReport is what the service worker posted for one push event.
type swReport struct {
	Data *string   `json:"data"`
	At   time.Time `json:"-"`
}

// lockedBuffer collects Chromium's output for a failure message.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func chromiumAvailable(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Chromium; -short given")
	}
	for _, p := range ChromiumExecPaths {
		if _, err := os.Stat(p); err == nil {
			return
		}
	}
	t.Skipf("needs Chromium at one of %v (make browsers)", ChromiumExecPaths)
}

// chromiumRig is the end-to-end set-up: core + FCM link, a loopback page whose worker reports
// every push, Chromium launched against both (GCM warmed up), and one subscription.
type chromiumRig struct {
	svc     *fakepushservice.Server
	link    *fcm.Link
	b       Browser
	sess    Session
	origin  string
	reports chan swReport
	vapid   *webpush.VAPIDKeys
	appKey  string
	mapped  string // the subscription's endpoint with the fake service's scheme and host
	// The subscription for both senders.
	codecSub webpush.Subscription
	goSub    *webpushgo.Subscription
	goOpts   *webpushgo.Options
}

func newChromiumRig(tb testing.TB, ctx context.Context) *chromiumRig {
	tb.Helper()
	r := &chromiumRig{reports: make(chan swReport, 256)}
	var err error
	r.svc, err = fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: func(string, ...any) {}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.svc.Close() })
	r.link, err = fcm.Attach(r.svc, fcm.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.link.Close() })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>pushspec e2e</title>`)
	})
	mux.HandleFunc("GET /sw.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, e2eWorker)
	})
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, req *http.Request) {
		var rep swReport
		if err := json.NewDecoder(req.Body).Decode(&rep); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		rep.At = time.Now()
		r.reports <- rep
	})
	site := httptest.NewServer(mux)
	tb.Cleanup(site.Close)
	r.origin = site.URL

	out := &lockedBuffer{}
	t0 := time.Now()
	r.b, err = Launch(ctx, Chromium, LaunchOptions{
		GCMCheckinURL: r.link.CheckinURL(), GCMRegistrationURL: r.link.RegistrationURL(),
		MCSEndpoint: r.link.Endpoint(), MCSCertSPKI: r.link.SPKIHash(), Log: out,
	})
	if err != nil {
		tb.Fatal(err)
	}
	profile := r.b.(*chromiumBrowser).userDataDir
	tb.Cleanup(func() {
		if err := r.b.Close(); err != nil {
			tb.Error(err)
		}
		if _, err := os.Stat(profile); !os.IsNotExist(err) {
			tb.Errorf("profile dir %s left behind (%v)", profile, err)
		}
	})
	tb.Logf("chromium %s launched in %v", r.b.Version(), time.Since(t0).Round(time.Millisecond))
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("chromium output (tail):\n%s", tail(out.String(), 3000))
			for _, ua := range r.link.UAs() {
				for _, f := range r.link.FrameLog(ua) {
					tb.Logf("fcm %s: %+v", ua, f)
				}
			}
		}
	})

	warm, err := r.b.(PushWarmer).WarmUpPush(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("cold subscribe (GCM checkin + register3): %v, endpoint %s", warm.Subscribe.Round(time.Millisecond), warm.Endpoint)

	r.sess, err = r.b.NewSession(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.sess.Close() })
	if err := r.sess.GrantNotifications(ctx, r.origin); err != nil {
		tb.Fatal(err)
	}
	if err := r.sess.Navigate(ctx, r.origin+"/"); err != nil {
		tb.Fatal(err)
	}
	r.vapid, err = webpush.NewVAPIDKeys()
	if err != nil {
		tb.Fatal(err)
	}
	r.appKey = webpush.Base64URL(r.vapid.Public())
	raw, err := r.sess.Eval(ctx, `(async () => {
		const reg = await navigator.serviceWorker.register('/sw.js');
		await navigator.serviceWorker.ready;
		const t0 = performance.now();
		const sub = await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: '`+r.appKey+`'});
		return {ms: performance.now() - t0, sub: sub.toJSON()};
	})()`)
	if err != nil {
		tb.Fatal(err)
	}
	var got struct {
		MS  float64 `json:"ms"`
		Sub struct {
			Endpoint       string            `json:"endpoint"`
			ExpirationTime *float64          `json:"expirationTime"`
			Keys           map[string]string `json:"keys"`
		} `json:"sub"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		tb.Fatalf("%s: %v", raw, err)
	}
	tb.Logf("warm subscribe: %.1f ms", got.MS)

	// Subscription shape (docs/chromium-fcm.md §7): the compiled-in FCM host, then
	// /fcm/send/<register3 token>.
	ep, err := url.Parse(got.Sub.Endpoint)
	if err != nil || ep.Scheme != "https" || !strings.HasPrefix(ep.Path, "/fcm/send/") ||
		len(got.Sub.Keys["p256dh"]) != 87 || len(got.Sub.Keys["auth"]) != 22 || got.Sub.ExpirationTime != nil {
		tb.Fatalf("subscription shape: %s", raw)
	}
	token := strings.TrimPrefix(ep.Path, "/fcm/send/")
	if reg, ok := r.link.Registration(token); !ok || reg.Sender != r.appKey {
		tb.Fatalf("register3 for token %s: %+v %v (sender must be the applicationServerKey)", token, reg, ok)
	}
	// Chromium never contacts its endpoint host; the harness keeps the path, swaps scheme and host.
	r.mapped = r.svc.URL() + ep.Path
	p256dh, _ := webpush.DecodeBase64(got.Sub.Keys["p256dh"])
	auth, _ := webpush.DecodeBase64(got.Sub.Keys["auth"])
	r.codecSub = webpush.Subscription{Endpoint: r.mapped, P256dh: p256dh, Auth: auth}
	r.goSub = &webpushgo.Subscription{Endpoint: r.mapped, Keys: webpushgo.Keys{P256dh: got.Sub.Keys["p256dh"], Auth: got.Sub.Keys["auth"]}}
	r.goOpts = &webpushgo.Options{Subscriber: "mailto:pushspec@example.com", TTL: 60,
		VAPIDPublicKey: r.appKey, VAPIDPrivateKey: webpush.Base64URL(r.vapid.PrivateBytes())}
	return r
}

// sendGo posts msg with webpush-go (aes128gcm, VAPID) and returns when it started and the
// message id from Location.
func (r *chromiumRig) sendGo(tb testing.TB, ctx context.Context, msg string) (time.Time, string) {
	tb.Helper()
	start := time.Now()
	resp, err := webpushgo.SendNotificationWithContext(ctx, []byte(msg), r.goSub, r.goOpts)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		tb.Fatalf("push: %s %s", resp.Status, body)
	}
	return start, messageID(resp)
}

// awaitReport returns the worker's next report.
func (r *chromiumRig) awaitReport(tb testing.TB, ctx context.Context) swReport {
	tb.Helper()
	actx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	select {
	case rep := <-r.reports:
		return rep
	case <-actx.Done():
		tb.Fatalf("no service worker report: %v", actx.Err())
	}
	return swReport{}
}

func TestChromiumEndToEnd(t *testing.T) {
	chromiumAvailable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newChromiumRig(t, ctx)
	svc, link, b, sess, origin := r.svc, r.link, r.b, r.sess, r.origin
	vapid, appKey, mapped, codecSub, goOpts := r.vapid, r.appKey, r.mapped, r.codecSub, r.goOpts
	ev := sess.(Events)
	aw := sess.(EventAwaiter)

	sendGo := func(t *testing.T, msg string) (time.Time, string) { t.Helper(); return r.sendGo(t, ctx, msg) }
	sendRaw := func(t *testing.T, body []byte, hdr http.Header) string {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "POST", mapped, bytes.NewReader(body))
		req.Header = hdr
		req.Header.Set("TTL", "60")
		authz, err := vapid.Authorization(svc.URL(), "mailto:pushspec@example.com", time.Now().Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", authz)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("push: %s %s", resp.Status, b)
		}
		return messageID(resp)
	}
	awaitReport := func(t *testing.T) swReport { t.Helper(); return r.awaitReport(t, ctx) }
	awaitAck := func(t *testing.T, msgID string) {
		t.Helper()
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		code, err := svc.AwaitAck(actx, msgID)
		if err != nil || code != fakepushservice.AckDelivered {
			t.Fatalf("ack of %s: %v %v", msgID, code, err)
		}
	}
	awaitEvent := func(t *testing.T, name, instance string) Event {
		t.Helper()
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		e, err := aw.AwaitPushEvent(actx, func(e Event) bool {
			return e.Name == name && (instance == "" || e.Instance == instance)
		})
		if err != nil {
			t.Fatalf("DevTools event %q (%s): %v; have %+v", name, instance, err, ev.PushEvents())
		}
		return e
	}

	t.Run("aes128gcm hello is decrypted, shown and acked", func(t *testing.T) {
		_, id := sendGo(t, "hello")
		if r := awaitReport(t); r.Data == nil || *r.Data != "hello" {
			t.Fatalf("report %+v", r)
		}
		awaitAck(t, id)
		recv := awaitEvent(t, "Push message received", id)
		if recv.Metadata["Success"] != "Yes" || recv.Metadata["Was Encrypted"] != "Yes" {
			t.Errorf("received: %+v", recv)
		}
		awaitEvent(t, "Notification displayed", "")
		shown, err := sess.Eval(ctx, `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n => n.title))`)
		if err != nil || !strings.Contains(string(shown), `"hello"`) {
			t.Errorf("getNotifications: %s %v", shown, err)
		}
	})

	t.Run("no payload gives event.data null", func(t *testing.T) {
		id := sendRaw(t, nil, http.Header{})
		if r := awaitReport(t); r.Data != nil {
			t.Fatalf("report %+v, want data null", r)
		}
		awaitAck(t, id)
	})

	t.Run("legacy aesgcm is delivered", func(t *testing.T) {
		body, encryption, cryptoKey, err := webpush.EncryptAESGCM(codecSub, []byte("legacy"), nil)
		if err != nil {
			t.Fatal(err)
		}
		id := sendRaw(t, body, http.Header{"Content-Encoding": {"aesgcm"}, "Encryption": {encryption}, "Crypto-Key": {cryptoKey}})
		if r := awaitReport(t); r.Data == nil || *r.Data != "legacy" {
			t.Fatalf("report %+v", r)
		}
		awaitAck(t, id)
	})

	t.Run("corrupted tag is refused with DevTools evidence", func(t *testing.T) {
		body, err := webpush.Encrypt(codecSub, []byte("corrupted"), &webpush.Options{FlipTag: true})
		if err != nil {
			t.Fatal(err)
		}
		id := sendRaw(t, body, http.Header{"Content-Encoding": {"aes128gcm"}})
		recv := awaitEvent(t, "Push message received", id)
		if recv.Metadata["Success"] != "No" || !strings.Contains(recv.Metadata["Error Reason"], "decryption failed") {
			t.Errorf("received: %+v", recv)
		}
		// Sentinel: a good message sent afterwards is the next thing the worker reports.
		sendGo(t, "sentinel")
		if r := awaitReport(t); r.Data == nil || *r.Data != "sentinel" {
			t.Fatalf("report after the corrupted message: %+v, want the sentinel", r)
		}
	})

	t.Run("SW-only deliverPushMessage is labelled sw-only", func(t *testing.T) {
		p := sess.(SWOnlyPusher)
		rid, err := p.ServiceWorkerRegistrationID(ctx, origin+"/")
		if err != nil {
			t.Fatal(err)
		}
		d, err := p.DeliverPushMessage(ctx, origin, rid, "via devtools")
		if err != nil {
			t.Fatal(err)
		}
		if d.Path != PathSWOnly {
			t.Errorf("path %q", d.Path)
		}
		if r := awaitReport(t); r.Data == nil || *r.Data != "via devtools" {
			t.Fatalf("report %+v", r)
		}
	})

	t.Run("register3 error rejects subscribe with AbortError", func(t *testing.T) {
		// A second origin (localhost instead of 127.0.0.1) for a subscription of its own.
		other := strings.Replace(origin, "127.0.0.1", "localhost", 1)
		s2, err := b.NewSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if err := s2.GrantNotifications(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := s2.Navigate(ctx, other+"/"); err != nil {
			t.Fatal(err)
		}
		link.SetRegisterError("INVALID_SENDER")
		defer link.SetRegisterError("")
		res, err := s2.Eval(ctx, `(async () => {
			const reg = await navigator.serviceWorker.register('/sw.js');
			await navigator.serviceWorker.ready;
			try {
				await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: '`+appKey+`'});
				return {ok: true};
			} catch (e) { return {name: e.name, message: e.message}; }
		})()`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(res), `"AbortError"`) {
			t.Errorf("subscribe with register3 Error=INVALID_SENDER: %s, want AbortError", res)
		}
		t.Logf("register3 Error=INVALID_SENDER → %s", res)
	})

	t.Run("sitefixture page and worker work in Chromium", func(t *testing.T) {
		fx, err := sitefixture.StartSite()
		if err != nil {
			t.Fatal(err)
		}
		defer fx.Close()
		fx.Logf = t.Logf
		s3, err := b.NewSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s3.Close()
		if err := s3.GrantNotifications(ctx, fx.URL()); err != nil {
			t.Fatal(err)
		}
		if err := s3.Navigate(ctx, fx.Default().PageURL()); err != nil {
			t.Fatal(err)
		}
		if res, err := s3.Eval(ctx, `pushspec.register()`); err != nil || !strings.Contains(string(res), `"active":true`) {
			t.Fatalf("register: %s %v", res, err)
		}
		raw, err := s3.Eval(ctx, `pushspec.subscribe('`+appKey+`')`)
		if err != nil {
			t.Fatal(err)
		}
		var sub struct {
			JSON sitefixture.SubscriptionJSON `json:"json"`
		}
		if err := json.Unmarshal(raw, &sub); err != nil || sub.JSON.Endpoint == "" {
			t.Fatalf("subscribe: %s %v", raw, err)
		}
		u, _ := url.Parse(sub.JSON.Endpoint)
		fxSub := &webpushgo.Subscription{Endpoint: svc.URL() + u.Path,
			Keys: webpushgo.Keys{P256dh: sub.JSON.Keys["p256dh"], Auth: sub.JSON.Keys["auth"]}}
		resp, err := webpushgo.SendNotificationWithContext(ctx, []byte(`{"pushspec":{"id":"fx1"},"notification":{"title":"hello"}}`), fxSub, goOpts)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		rep, err := fx.Default().AwaitID(actx, "fx1")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rep.NotificationTitles(), "hello") {
			t.Errorf("report: %s", rep.Raw)
		}
	})

	t.Run("latency of 50 pushes", func(t *testing.T) {
		var lat []time.Duration
		for i := range 50 {
			msg := fmt.Sprintf("n%d", i)
			start, _ := sendGo(t, msg)
			r := awaitReport(t)
			if r.Data == nil || *r.Data != msg {
				t.Fatalf("push %d: report %+v", i, r)
			}
			lat = append(lat, r.At.Sub(start))
		}
		slices.Sort(lat)
		t.Logf("POST → SW report over %d pushes: median %v, p90 %v, worst %v", len(lat),
			lat[len(lat)/2].Round(100*time.Microsecond), lat[len(lat)*9/10].Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))
	})

	if u := svc.Unhandled(); len(u) > 0 {
		t.Errorf("requests to unhandled routes: %v", u)
	}
}

// messageID is the last path segment of the Location header (the message resource).
func messageID(resp *http.Response) string {
	loc := resp.Header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// BenchmarkChromiumPushToSW measures POST (webpush-go, aes128gcm + VAPID) → core → MCS → Chromium
// decrypts → service worker push event → the worker's report reaching Go. Reports p50 and max too.
func BenchmarkChromiumPushToSW(b *testing.B) {
	chromiumAvailable(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r := newChromiumRig(b, ctx)
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		msg := fmt.Sprintf("b%d", i)
		start, _ := r.sendGo(b, ctx, msg)
		rep := r.awaitReport(b, ctx)
		if rep.Data == nil || *rep.Data != msg {
			b.Fatalf("push %d: report %+v", i, rep)
		}
		lat = append(lat, rep.At.Sub(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}
