package harness

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/sitefixture"
)

// One Firefox Env for the package's tests and benchmarks: starting a browser costs seconds.
var (
	ffOnce sync.Once
	ffEnv  *Env
	ffErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if ffEnv != nil {
		ffEnv.Close()
	}
	os.Exit(code)
}

func firefoxEnv(tb testing.TB) *Env {
	tb.Helper()
	if _, err := os.Stat(browser.DefaultFirefoxPath); err != nil {
		tb.Skipf("%s not installed", browser.DefaultFirefoxPath)
	}
	ffOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		ffEnv, ffErr = StartEnv(ctx, EnvOptions{Browsers: []browser.Kind{browser.Firefox}})
	})
	if ffErr != nil {
		tb.Fatal(ffErr)
	}
	return ffEnv
}

func TestEnvRejectsUnknownKind(t *testing.T) {
	_, err := StartEnv(context.Background(), EnvOptions{Browsers: []browser.Kind{"netscape"}})
	if err == nil || !strings.Contains(err.Error(), "netscape") {
		t.Fatalf("err = %v", err)
	}
}

func TestMapEndpoint(t *testing.T) {
	env := &Env{Push: &fakepushservice.Server{NoTLS: true}}
	if err := env.Push.Start(); err != nil {
		t.Fatal(err)
	}
	defer env.Push.Close()
	for in, want := range map[string]string{
		env.Push.URL() + "/push/abc":                   env.Push.URL() + "/push/abc",
		"http://localhost:9/push/abc":                  "http://localhost:9/push/abc",
		"https://fcm.googleapis.com/fcm/send/tok:en?x": env.Push.URL() + "/fcm/send/tok:en?x",
	} {
		got, mapped := env.MapEndpoint(in)
		if got != want || mapped != (in != want) {
			t.Errorf("MapEndpoint(%q) = %q, %v; want %q", in, got, mapped, want)
		}
	}
}

func TestBrowsersFromConfig(t *testing.T) {
	t.Setenv("PUSHSPEC_BROWSERS", "firefox, netscape")
	if _, err := ConfiguredBrowsers(); err == nil || !strings.Contains(err.Error(), "netscape") {
		t.Errorf("err = %v", err)
	}
	t.Setenv("PUSHSPEC_BROWSERS", "Firefox")
	if got, err := ConfiguredBrowsers(); err != nil || len(got) != 1 || got[0] != browser.Firefox {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestPayloadID(t *testing.T) {
	for p, want := range map[string]string{
		string(Payload("m1", map[string]any{"show": false}, nil)): "m1",
		`{"id":7}`: "7",
		`hello`:    "",
	} {
		if got := payloadID([]byte(p)); got != want {
			t.Errorf("payloadID(%s) = %q, want %q", p, got, want)
		}
	}
}

func TestFirefoxFlow(t *testing.T) {
	env := firefoxEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st := env.Startup(browser.Firefox)
	t.Logf("Firefox %s: launch %v, push client connected after %v", env.Browser(browser.Firefox).Version(), st.Launch, st.Ready)

	c, err := env.NewClient(ctx, browser.Firefox)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Logf("client steps %v", c.Steps)
	sub := c.Subscription
	t.Logf("subscribe() %v, endpoint %s", sub.SubscribeElapsed, sub.Endpoint)
	if sub.Mapped || !strings.HasPrefix(sub.Endpoint, env.Push.URL()+"/push/") || !sub.ExpirationTimeNull {
		t.Fatalf("subscription %s", sub.Value)
	}
	res, err := c.Send(ctx, Payload("f1", nil, nil), SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 201 || res.MessageID == "" || res.Sender != "webpush-go" {
		t.Fatalf("send %+v", res)
	}
	rep, err := c.AwaitReport(ctx, "f1")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Send != res || rep.Latency <= 0 || !rep.Show.OK {
		t.Fatalf("report %s latency %v", rep.Raw, rep.Latency)
	}
	if code, err := c.AwaitAck(ctx, res.MessageID); err != nil || code != fakepushservice.AckDelivered {
		t.Fatalf("ack %v %v", code, err)
	}
	// A refused request still comes back with the service's record and verdicts.
	res, err = c.Send(ctx, Payload("unsigned", nil, nil), SendOptions{NoVAPID: true})
	if err != nil || res.Status/100 != 4 || res.MessageID != "" || res.Request == nil || len(res.Verdicts) == 0 {
		t.Fatalf("unsigned send %+v %v", res, err)
	}
	t.Logf("unsigned push to a restricted subscription: %d, rule %s", res.Status, res.Request.Rule)
	// Over HTTPS, to the push service's TLS listener.
	res, err = c.Send(ctx, Payload("tls", nil, nil), SendOptions{HTTPS: true, Urgency: "high", Topic: "t1"})
	if err != nil || res.Status != 201 || !res.Request.TLS || res.Request.Urgency != "high" || res.Request.Topic != "t1" {
		t.Fatalf("HTTPS send %+v %v", res, err)
	}
	if _, err := c.AwaitReport(ctx, "tls"); err != nil {
		t.Fatal(err)
	}
	// The legacy encoding and an empty push go through the codec path.
	res, err = c.Send(ctx, Payload("f2", nil, nil), SendOptions{Encoding: "aesgcm"})
	if err != nil || res.Status != 201 {
		t.Fatalf("aesgcm send %+v %v", res, err)
	}
	if rep, err := c.AwaitReport(ctx, "f2"); err != nil || rep.Data.TextValue() != string(Payload("f2", nil, nil)) {
		t.Fatalf("aesgcm report %v %v", rep.Raw, err)
	}
	res, err = c.Send(ctx, nil, SendOptions{})
	if err != nil || res.Status != 201 {
		t.Fatalf("empty send %+v %v", res, err)
	}
	rep, err = c.AwaitPush(ctx, func(r sitefixture.Report) bool { return !r.HasData })
	if err != nil || rep.Data != nil {
		t.Fatalf("empty report %v %v", rep.Raw, err)
	}
}

// BenchmarkFirefoxPushLatency measures POST → service-worker report over sequential pushes to one
// Firefox subscription (show + getNotifications + beacon in every handler). Run with
// `go test -run '^$' -bench FirefoxPushLatency -benchtime 60x ./harness`.
func BenchmarkFirefoxPushLatency(b *testing.B) {
	env := firefoxEnv(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := env.NewClient(ctx, browser.Firefox)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := "bench-" + time.Now().Format("150405.000000000")
		// A shared tag keeps one notification visible instead of piling them up.
		if _, err := c.Send(ctx, Payload(id, map[string]any{"tag": "bench"}, nil), SendOptions{}); err != nil {
			b.Fatal(err)
		}
		rep, err := c.AwaitReport(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, rep.Latency)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "median-ms")
	b.ReportMetric(ms(lat[len(lat)*9/10]), "p90-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "worst-ms")
	b.ReportMetric(ms(lat[0]), "best-ms")
	b.Logf("%d pushes: best %v median %v p90 %v worst %v", len(lat), lat[0], lat[len(lat)/2], lat[len(lat)*9/10], lat[len(lat)-1])
}
