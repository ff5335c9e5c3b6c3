package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
)

// One Env (push service, fixture site, the configured browsers) for the package's end-to-end
// benchmarks, started on first use and closed by TestMain; one client (origin, service worker,
// subscription) per browser, so the framework's first b.N=1 call warms it up.
var (
	envOnce   sync.Once
	env       *harness.Env
	envErr    error
	clientsMu sync.Mutex
	clients   = map[browser.Kind]*harness.Client{}
)

func e2eEnv(b *testing.B) *harness.Env {
	b.Helper()
	envOnce.Do(func() {
		o, err := harness.EnvOptionsFromConfig()
		if err != nil {
			envErr = err
			return
		}
		if len(o.Browsers) == 0 {
			envErr = fmt.Errorf("no browser configured (PUSHSPEC_BROWSERS) has a set-up")
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		env, envErr = harness.StartEnv(ctx, o)
	})
	if envErr != nil {
		b.Skip("no end-to-end environment: ", envErr)
	}
	return env
}

func e2eClient(b *testing.B, kind browser.Kind) *harness.Client {
	b.Helper()
	clientsMu.Lock()
	defer clientsMu.Unlock()
	if c := clients[kind]; c != nil {
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := e2eEnv(b).NewClient(ctx, kind)
	if err != nil {
		b.Fatal(err)
	}
	clients[kind] = c
	return c
}

func closeE2E() {
	clientsMu.Lock()
	for _, c := range clients {
		c.Close()
	}
	clientsMu.Unlock()
	if env != nil {
		env.Close()
	}
}

// BenchmarkPushToServiceWorker measures, per configured browser (PUSHSPEC_BROWSERS, default
// chromium,firefox), sequential pushes to one subscription: webpush-go posts (aes128gcm, VAPID,
// padded to 4096) to pushspec's push service, which delivers over the browser's own link
// (FCM emulation for Chromium, autopush WebSocket for Firefox); the service worker decrypts,
// shows a notification (one shared tag), calls getNotifications and beacons its report to the
// fixture site. Latency is from the start of the POST to the report's arrival in Go; p50, p99
// and max over b.N pushes (`make bench` uses -benchtime 200x). post-p50-ms is the push
// service's answer time alone; to-handler-p50-ms, handler-p50-ms and beacon-p50-ms split the
// latency at the service worker's handler start and end (its Date.now(), same host clock).
func BenchmarkPushToServiceWorker(b *testing.B) {
	kinds, err := harness.ConfiguredBrowsers()
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range kinds {
		b.Run("browser="+string(kind), func(b *testing.B) {
			c := e2eClient(b, kind)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			lat := make([]time.Duration, 0, b.N)
			post := make([]time.Duration, 0, b.N)
			// Segments, from the service worker's Date.now() (the same host clock, 1 ms steps):
			// POST start → push handler start (service, link, browser decryption, worker start),
			// the handler (showNotification + getNotifications), and the beacon's trip.
			var toHandler, handler, beacon []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := fmt.Sprintf("bench-%s-%d-%d", kind, b.N, i)
				pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
				res, err := c.Send(pctx, harness.Payload(id, map[string]any{"tag": "bench"}, nil), harness.SendOptions{})
				if err != nil || res.Status != 201 {
					pcancel()
					b.Fatalf("push %d: %v %+v", i, err, res)
				}
				rep, err := c.AwaitReport(pctx, id)
				pcancel()
				if err != nil {
					b.Fatalf("push %d (%s): no service-worker report within 30 s: %v", i, id, err)
				}
				lat = append(lat, rep.ReceivedAt.Sub(res.Started))
				post = append(post, res.PostedAt.Sub(res.Started))
				if rep.HandlerStartMs > 0 {
					ms := func(v float64) time.Time { return time.UnixMicro(int64(v * 1000)) }
					toHandler = append(toHandler, ms(rep.HandlerStartMs).Sub(res.Started))
					handler = append(handler, ms(rep.HandlerEndMs).Sub(ms(rep.HandlerStartMs)))
					beacon = append(beacon, rep.ReceivedAt.Sub(ms(rep.SentAtMs)))
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			slices.Sort(post)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(Percentile(lat, 50)), "p50-ms")
			b.ReportMetric(ms(Percentile(lat, 99)), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
			b.ReportMetric(ms(Percentile(post, 50)), "post-p50-ms")
			for _, seg := range []struct {
				name string
				d    []time.Duration
			}{{"to-handler-p50-ms", toHandler}, {"handler-p50-ms", handler}, {"beacon-p50-ms", beacon}} {
				if len(seg.d) > 0 {
					slices.Sort(seg.d)
					b.ReportMetric(ms(Percentile(seg.d, 50)), seg.name)
				}
			}
			recordE2E(string(kind), e2eFigures{n: b.N, p50: Percentile(lat, 50), p99: Percentile(lat, 99), max: lat[len(lat)-1],
				startup: e2eEnv(b).Startup(kind), steps: c.Steps})
		})
	}
}

type e2eFigures struct {
	n             int
	p50, p99, max time.Duration
	startup       harness.Startup
	steps         []harness.Step // opening the client: session, grant, navigate, register, subscribe
}

var e2eSummary = map[string]e2eFigures{}

func recordE2E(kind string, f e2eFigures) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	e2eSummary[kind] = f
}
