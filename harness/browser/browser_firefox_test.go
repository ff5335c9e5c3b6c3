package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/sitefixture"
)

func firefoxAvailable(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(DefaultFirefoxPath); err != nil {
		t.Skipf("%s not installed", DefaultFirefoxPath)
	}
	if _, err := prepareDriver(); err != nil {
		t.Skipf("Playwright driver: %v", err)
	}
}

// TestFirefoxEndToEnd drives the driver alone, without harness.Env: launch against the core with
// the autopush link, subscribe on the fixture site, push with webpush-go, see the service
// worker's report.
func TestFirefoxEndToEnd(t *testing.T) {
	firefoxAvailable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	core, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	link, err := autopush.Attach(core, autopush.Options{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	site := sitefixture.New()
	site.Logf = t.Logf
	if err := site.Start(); err != nil {
		t.Fatal(err)
	}
	defer site.Close()

	start := time.Now()
	b, err := Launch(ctx, Firefox, LaunchOptions{AutopushURL: link.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	t.Logf("Firefox %s launched in %v", b.Version(), time.Since(start))
	firefoxRoundTrip(ctx, t, b, core, link, site, start)
}

// firefoxRoundTrip checks b (a Firefox pointed at link) end to end: first hello, session, grant,
// register, subscribe, webpush-go push, service-worker report, ack 100.
func firefoxRoundTrip(ctx context.Context, t *testing.T, b Browser, core *fakepushservice.Server, link *autopush.Link, site *sitefixture.Site, start time.Time) {
	t.Helper()
	if b.Kind() != Firefox || b.Version() == "" {
		t.Errorf("Kind %q Version %q", b.Kind(), b.Version())
	}
	hello, err := link.AwaitHello(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first hello %v after launch", hello.At.Sub(start))

	s, err := b.NewSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.GrantNotifications(ctx, site.URL()); err != nil {
		t.Fatal(err)
	}
	if err := s.Navigate(ctx, site.Default().PageURL()); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string, into any) {
		t.Helper()
		raw, err := s.Eval(ctx, expr)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), `"error":{`) {
			t.Fatalf("%s: %s", expr, raw)
		}
		if into != nil {
			if err := json.Unmarshal(raw, into); err != nil {
				t.Fatal(err)
			}
		}
	}
	eval(`window.pushspec.register()`, nil)
	var perm struct{ Permission string }
	eval(`window.pushspec.notificationPermission()`, &perm)
	if perm.Permission != "granted" {
		t.Fatalf("Notification.permission = %q", perm.Permission)
	}
	vapidPriv, vapidPub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	var sub struct {
		JSON struct {
			Endpoint string
			Keys     map[string]string
		}
		ElapsedMs float64
	}
	eval(`window.pushspec.subscribe("`+vapidPub+`")`, &sub)
	t.Logf("subscribe() took %.1f ms; endpoint %s", sub.ElapsedMs, sub.JSON.Endpoint)
	if !strings.HasPrefix(sub.JSON.Endpoint, core.URL()+"/push/") {
		t.Fatalf("endpoint %q not on the core %s", sub.JSON.Endpoint, core.URL())
	}

	payload := `{"pushspec":{"id":"m1"}}`
	resp, err := webpushgo.SendNotificationWithContext(ctx, []byte(payload), &webpushgo.Subscription{
		Endpoint: sub.JSON.Endpoint, Keys: webpushgo.Keys{P256dh: sub.JSON.Keys["p256dh"], Auth: sub.JSON.Keys["auth"]},
	}, &webpushgo.Options{TTL: 60, Subscriber: "mailto:pushspec@example.com", VAPIDPublicKey: vapidPub, VAPIDPrivateKey: vapidPriv})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: %d", resp.StatusCode)
	}
	posted := time.Now()
	rep, err := site.Default().AwaitID(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("POST → report %v", rep.ReceivedAt.Sub(posted))
	if rep.Data.TextValue() != payload || !rep.Show.OK || len(rep.Notifications) != 1 {
		t.Fatalf("report %s", rep.Raw)
	}
	loc := resp.Header.Get("Location")
	if code, err := core.AwaitAck(ctx, loc[strings.LastIndex(loc, "/")+1:]); err != nil || code != fakepushservice.AckDelivered {
		t.Fatalf("ack %d, %v", code, err)
	}
}

// BenchmarkFirefoxStartup measures one cold Firefox per iteration: Launch (process start and
// BiDi session), first autopush hello, and a first client (session, grant, navigate, register,
// subscribe). Run with `go test -run '^$' -bench FirefoxStartup -benchtime 5x ./harness/browser`.
func BenchmarkFirefoxStartup(b *testing.B) {
	if _, err := os.Stat(DefaultFirefoxPath); err != nil {
		b.Skipf("%s not installed", DefaultFirefoxPath)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	quiet := func(string, ...any) {}
	var launch, hello, client, subscribe time.Duration
	_, vapidPub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		core, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: quiet})
		if err != nil {
			b.Fatal(err)
		}
		link, err := autopush.Attach(core, autopush.Options{Logf: quiet})
		if err != nil {
			b.Fatal(err)
		}
		site := sitefixture.New()
		site.Logf = quiet
		if err := site.Start(); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		br, err := Launch(ctx, Firefox, LaunchOptions{AutopushURL: link.URL()})
		if err != nil {
			b.Fatal(err)
		}
		launch += time.Since(t0)
		h, err := link.AwaitHello(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		hello += h.At.Sub(t0)
		t1 := time.Now()
		s, err := br.NewSession(ctx)
		if err == nil {
			err = s.GrantNotifications(ctx, site.URL())
		}
		if err == nil {
			err = s.Navigate(ctx, site.Default().PageURL())
		}
		if err == nil {
			_, err = s.Eval(ctx, `window.pushspec.register()`)
		}
		t2 := time.Now()
		if err == nil {
			var raw json.RawMessage
			raw, err = s.Eval(ctx, `window.pushspec.subscribe("`+vapidPub+`")`)
			if err == nil && !strings.Contains(string(raw), `"endpoint"`) {
				err = fmt.Errorf("subscribe: %s", raw)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		subscribe += time.Since(t2)
		client += time.Since(t1)
		br.Close()
		site.Close()
		link.Close()
		core.Close()
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / n }
	b.ReportMetric(ms(launch), "launch-ms")
	b.ReportMetric(ms(hello), "hello-ms")
	b.ReportMetric(ms(client), "first-client-ms")
	b.ReportMetric(ms(subscribe), "subscribe-ms")
}

// A Firefox that does not start is an error, not a nil browser: the launch's error used to be
// assigned to a variable shadowed inside the launch branches, and the caller went on with a nil
// browser.
func TestFirefoxLaunchFailureIsAnError(t *testing.T) {
	firefoxAvailable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := Launch(ctx, Firefox, LaunchOptions{ExecPath: "/bin/false", AutopushURL: "ws://127.0.0.1:9/"})
	if err == nil {
		b.Close()
		t.Fatal("Firefox launched from /bin/false")
	}
	if !strings.Contains(err.Error(), "/bin/false") {
		t.Errorf("the error does not name the executable: %v", err)
	}
}
