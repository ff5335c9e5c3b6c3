package fakepushservice

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/webpush"
)

// loadFixture is a server with nUA virtual UAs holding subsPerUA subscriptions each.
type loadFixture struct {
	s     *Server
	uas   []*VirtualUA
	subs  []*VirtualSubscription
	subUA map[string]*VirtualUA
}

func newLoadFixture(t testing.TB, appKey []byte, nUA, subsPerUA int) *loadFixture {
	// No rate limit: BenchmarkPushAccept sends b.N messages to four user agents.
	s := newTestServer(t, &Server{NoTLS: true, MaxRecorded: 2000, RateLimit: -1, Logf: func(string, ...any) {}})
	f := &loadFixture{s: s, subUA: map[string]*VirtualUA{}}
	ctx := testCtx(t)
	for i := 0; i < nUA; i++ {
		ua := s.NewVirtualUA(VirtualUAOptions{})
		t.Cleanup(ua.Close)
		f.uas = append(f.uas, ua)
		for j := 0; j < subsPerUA; j++ {
			vs, err := ua.Subscribe(ctx, appKey)
			if err != nil {
				t.Fatal(err)
			}
			f.subs = append(f.subs, vs)
			f.subUA[vs.ID] = ua
		}
	}
	return f
}

// Short load: 2,000 messages from 16 concurrent webpush-go senders to 16 virtual-UA
// subscriptions; every accepted message is received exactly once, with its payload.
func TestLoadExactlyOnce(t *testing.T) {
	total, senders := 2000, 16
	if testing.Short() {
		total = 320
	}
	priv, pub, pubBytes := webpushGoKeys(t)
	f := newLoadFixture(t, pubBytes, 4, 4)
	// A generous bound: under -race on a shared 2-core machine 2,000 webpush-go sends (client
	// and server crypto) can take most of a minute.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: senders}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}

	type sent struct{ sub, payload string }
	var mu sync.Mutex
	accepted := map[string]sent{} // message ID → what
	var refused atomic.Int64
	var wg sync.WaitGroup
	var next atomic.Int64
	start := time.Now()
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				vs := f.subs[i%len(f.subs)]
				payload := fmt.Sprintf("load message %05d", i)
				resp, err := webpushgo.SendNotificationWithContext(ctx, []byte(payload), goSubscription(vs), &webpushgo.Options{
					HTTPClient: client, Subscriber: "load@example.com", TTL: 300, VAPIDPublicKey: pub, VAPIDPrivateKey: priv, RecordSize: 512,
				})
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					refused.Add(1)
					continue
				}
				loc := resp.Header.Get("Location")
				mu.Lock()
				accepted[loc[strings.LastIndex(loc, "/")+1:]] = sent{vs.ID, payload}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sendTime := time.Since(start)
	if refused.Load() != 0 || len(accepted) != total {
		t.Fatalf("%d refused, %d accepted of %d", refused.Load(), len(accepted), total)
	}
	if err := f.s.await(ctx, func() bool { return f.s.store.len() == 0 }); err != nil {
		t.Fatalf("store never drained: %d left", len(f.s.Stored()))
	}
	got := map[string]int{}
	lost := 0
	for _, ua := range f.uas {
		for _, r := range ua.Received() {
			got[r.MessageID]++
			want, ok := accepted[r.MessageID]
			if !ok || r.Err != "" || string(r.Payload) != want.payload || r.SubscriptionID != want.sub {
				t.Errorf("unexpected delivery %+v (err %q)", r.MessageID, r.Err)
			}
		}
	}
	for id := range accepted {
		switch got[id] {
		case 1:
		case 0:
			lost++
		default:
			t.Errorf("message %s received %d times", id, got[id])
		}
	}
	if lost != 0 {
		t.Fatalf("%d messages lost", lost)
	}
	t.Logf("%d messages from %d senders in %v (%.0f msgs/s incl. webpush-go encryption), lost 0, duplicates 0",
		total, senders, sendTime.Round(time.Millisecond), float64(total)/sendTime.Seconds())
}

// processCPU is the user+system CPU time used by this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPushAccept measures validated messages per second (VAPID verified, aes128gcm header
// graded, body decrypted for verdicts, stored, delivered to a virtual UA, which decrypts and
// acks) at 1, 16 and 64 concurrent senders over keep-alive connections with one VAPID token.
// Bodies are encrypted beforehand, so the sender's crypto is not measured.
func BenchmarkPushAccept(b *testing.B) {
	vk, err := webpush.NewVAPIDKeys()
	if err != nil {
		b.Fatal(err)
	}
	for _, senders := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			f := newLoadFixture(b, vk.Public(), 4, 4)
			origin := origin0(f.subs[0].Endpoint)
			auth, err := vk.Authorization(origin, "mailto:bench@example.com", time.Now().Add(12*time.Hour), nil)
			if err != nil {
				b.Fatal(err)
			}
			const perSub = 16
			bodies := make([][][]byte, len(f.subs))
			for i, vs := range f.subs {
				for j := 0; j < perSub; j++ {
					body, err := webpush.Encrypt(vs.WebPush(), []byte(fmt.Sprintf("bench %d/%d", i, j)), nil)
					if err != nil {
						b.Fatal(err)
					}
					bodies[i] = append(bodies[i], body)
				}
			}
			tr := &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			var next, ok, bad atomic.Int64
			b.ResetTimer()
			cpu0 := processCPU()
			start := time.Now()
			var wg sync.WaitGroup
			for w := 0; w < senders; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						si := i % len(f.subs)
						req, _ := http.NewRequest("POST", f.subs[si].Endpoint, bytes.NewReader(bodies[si][(i/len(f.subs))%perSub]))
						req.Header.Set("TTL", "300")
						req.Header.Set("Content-Encoding", "aes128gcm")
						req.Header.Set("Authorization", auth)
						resp, err := client.Do(req)
						if err != nil {
							bad.Add(1)
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == 201 {
							ok.Add(1)
						} else {
							bad.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := f.s.await(ctx, func() bool { return f.s.store.len() == 0 }); err != nil {
				b.Fatalf("store never drained")
			}
			cpu := processCPU() - cpu0 // everything: senders, service, delivery, UA decryption
			received := 0
			for _, ua := range f.uas {
				received += len(ua.Received())
			}
			lost := int(ok.Load()) - received
			b.ReportMetric(float64(ok.Load())/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(lost), "lost")
			b.ReportMetric(float64(bad.Load()), "refused")
			// CPU time of the whole process (service and senders) per message: meaningful on a
			// shared machine where wall-clock throughput depends on the neighbours.
			b.ReportMetric(float64(cpu.Microseconds())/float64(max(ok.Load(), 1)), "cpu-µs/msg")
			if bad.Load() != 0 || lost != 0 {
				b.Fatalf("refused %d, lost %d", bad.Load(), lost)
			}
		})
	}
}
