package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/webpush"
)

// Shape of the load, the same for both services.
const (
	uaCount      = 4   // virtual user agents (pushspec) …
	subsPerUA    = 4   // … with this many subscriptions each; web-push-testing gets as many
	payloadBytes = 100 // plaintext size of every message
	loadTimeout  = 90 * time.Second
	drainTimeout = 60 * time.Second
)

var senderCounts = []int{1, 16, 64}

// benchPayload is message i's plaintext: distinct per message, payloadBytes long, printable (the
// peer stores payloads as UTF-8 strings).
func benchPayload(i int) []byte {
	p := []byte(fmt.Sprintf("pushspec bench message %09d ", i))
	for len(p) < payloadBytes {
		p = append(p, 'x')
	}
	return p[:payloadBytes]
}

// encryptAll encrypts message i's payload for subs[i%len(subs)], on every core. Each message gets
// its own ephemeral key and salt (RFC 8291 §3.1): n distinct, valid messages.
func encryptAll(b *testing.B, subs []webpush.Subscription, n int, header http.Header) []Message {
	msgs := make([]Message, n)
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				sub := subs[i%len(subs)]
				body, err := webpush.Encrypt(sub, benchPayload(i), nil)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				msgs[i] = Message{URL: sub.Endpoint, Header: header, Body: body}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	return msgs
}

// pushHeader is the header of every request: one VAPID token (signed once) for aud, TTL, the
// coding, and the content type web-push-testing insists on.
func pushHeader(b *testing.B, vk *webpush.VAPIDKeys, aud string) http.Header {
	auth, err := vk.Authorization(aud, "mailto:bench@example.com", time.Now().Add(12*time.Hour), nil)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set("TTL", "300")
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Authorization", auth)
	return h
}

// BenchmarkPushAccept measures validated push messages accepted per second, per request latency
// (p50/p99) and that every accepted message reached the user agent (lost), for web-push-testing
// 1.2.2 and then pushspec's push service under the same load: b.N distinct valid aes128gcm
// messages of 100 octets to 16 restricted subscriptions, one VAPID token reused, bodies encrypted
// before the timer starts, 1/16/64 concurrent senders on keep-alive connections. The senders run
// in a separate generator process (RunExternal, GOMAXPROCS $PUSH_GEN_PROCS, default 1) with every
// request serialized before the clock starts; the service runs in this process. pushspec's runs
// also report their ratio to the peer's rate measured just before ("x-peer") and the ratio of CPU
// per message ("x-peer-cpu", the one to trust on a busy machine).
//
// service=pushspec-link is pushspec with the subscriptions held by a link, as for real browsers:
// the service holds no user-agent keys, so it validates everything but the decryption, and
// the link only checks the delivered bytes and acks (linkua_test.go). service=http-floor is the
// ceiling of the set-up itself, generator included: the same load to a net/http handler that reads
// the body and answers 201, validating nothing.
//
// pushspec validates each message (VAPID with its verify cache, headers, body layout, verdicts
// recorded), stores it and delivers it to a VirtualUA that decrypts and acknowledges it;
// web-push-testing verifies the JWT (jsonwebtoken, no cache) and decrypts. pushspec runs in this
// process, so allocs/op count the service alone (and, as for the peer, this process's share of
// handing the load to the generator).
func BenchmarkPushAccept(b *testing.B) {
	vk, err := webpush.NewVAPIDKeys()
	if err != nil {
		b.Fatal(err)
	}
	for _, senders := range senderCounts {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			b.Run("service=web-push-testing", func(b *testing.B) { benchPeer(b, vk, senders) })
			b.Run("service=pushspec", func(b *testing.B) { benchPushspec(b, vk, senders) })
			b.Run("service=pushspec-link", func(b *testing.B) { benchPushspecLink(b, vk, senders) })
			b.Run("service=http-floor", func(b *testing.B) { benchFloor(b, vk, senders) })
		})
	}
}

// genProcs is the load generator's GOMAXPROCS: $PUSH_GEN_PROCS, default 1 (one of this machine's
// cores at most, the rest left to the service).
func genProcs() int {
	if n, err := strconv.Atoi(os.Getenv("PUSH_GEN_PROCS")); err == nil && n > 0 {
		return n
	}
	return 1
}

// runLoad posts msgs from the generator process (loadgen.go) with senders connections; the
// benchmark's timer runs over the load alone, and start (if set) is called with it.
func runLoad(b *testing.B, ctx context.Context, msgs []Message, senders int, start func()) *ExternalRun {
	runtime.GC()
	r, err := RunExternal(ctx, Load{Messages: msgs, Senders: senders, Timeout: loadTimeout}, genProcs(), func() {
		b.ResetTimer()
		if start != nil {
			start()
		}
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	checkAnswers(b, r.Result)
	return r
}

// reportLoad reports the run's figures. goCPU is this process's CPU time over the load (for
// pushspec the service and its user agents up to the end of the drain; the senders run in the
// generator process, whose CPU is genCPU); peerCPU is the node process's, 0 for pushspec.
func reportLoad(b *testing.B, service string, senders int, res *Result, drain time.Duration, lost, dup int, goCPU, peerCPU, genCPU time.Duration) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	perMsg := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 / float64(max(1, res.Accepted)) }
	f := loadFigures{n: b.N, rate: res.Rate(), p50: res.Percentile(50), p99: res.Percentile(99), drain: drain, lost: lost, dup: dup,
		goCPU: perMsg(goCPU), peerCPU: perMsg(peerCPU), genCPU: perMsg(genCPU)}
	b.ReportMetric(f.rate, "msgs/s")
	b.ReportMetric(ms(f.p50), "p50-ms")
	b.ReportMetric(ms(f.p99), "p99-ms")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(f.goCPU+f.peerCPU, "cpu-µs/msg")
	b.ReportMetric(f.genCPU, "gen-cpu-µs/msg")
	if peerCPU > 0 {
		b.ReportMetric(f.peerCPU, "node-cpu-µs/msg")
	}
	if strings.HasPrefix(service, "pushspec") {
		if p, ok := recorded("web-push-testing", senders); ok && p.rate > 0 {
			b.ReportMetric(f.rate/p.rate, "x-peer")
			if f.goCPU > 0 {
				// CPU per message, the peer's over ours (the service's alone; the senders run
				// in the generator): the ratio that survives a loaded machine.
				b.ReportMetric((p.goCPU+p.peerCPU)/f.goCPU, "x-peer-cpu")
			}
		}
	}
	record(service, senders, f)
}

func checkAnswers(b *testing.B, res *Result) {
	if res.Refused+res.Failed+res.Unsent != 0 {
		var firstErr error
		for _, o := range res.Outcomes {
			if o.Err != nil {
				firstErr = o.Err
				break
			}
		}
		b.Fatalf("of %d: %d accepted, %d refused (first: %s), %d failed (first: %v), %d unsent before %v",
			len(res.Outcomes), res.Accepted, res.Refused, res.FirstRefusal, res.Failed, firstErr, res.Unsent, loadTimeout)
	}
}

func benchPushspec(b *testing.B, vk *webpush.VAPIDKeys, senders int) {
	s := &fakepushservice.Server{NoTLS: true, RateLimit: -1, Logf: func(string, ...any) {}} // b.N messages to four UAs: no RFC 8030 §8.4 limit
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout+drainTimeout+30*time.Second)
	defer cancel()
	var uas []*fakepushservice.VirtualUA
	var subs []webpush.Subscription
	uaOf := map[string]int{} // endpoint → index in uas
	for u := range uaCount {
		ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
		defer ua.Close()
		uas = append(uas, ua)
		for range subsPerUA {
			vs, err := ua.Subscribe(ctx, vk.Public())
			if err != nil {
				b.Fatal(err)
			}
			subs = append(subs, vs.WebPush())
			uaOf[vs.Endpoint] = u
		}
	}
	aud := s.URL() // the push resource's origin, scheme://host:port
	msgs := encryptAll(b, subs, b.N, pushHeader(b, vk, aud))

	run := runLoad(b, ctx, msgs, senders, nil)
	res := run.Result

	// Every accepted message must reach its virtual UA, decrypted to what was sent, once.
	t0, cpu0 := time.Now(), ProcessCPU()
	want := make([]int, len(uas))
	byID := make(map[string]int, len(msgs)) // message ID → index
	for i, o := range res.Outcomes {
		want[uaOf[msgs[i].URL]]++
		byID[o.Location[strings.LastIndexByte(o.Location, '/')+1:]] = i
	}
	dctx, dcancel := context.WithTimeout(ctx, drainTimeout)
	defer dcancel()
	for u, ua := range uas {
		ua.AwaitCount(dctx, want[u]) // a shortfall is counted as lost below
	}
	drain := time.Since(t0)
	cpu := run.SelfCPU + ProcessCPU() - cpu0 // up to the last delivery: decrypting and acking are part of the work
	got := make([]int, len(msgs))
	bad := 0
	for _, ua := range uas {
		for _, r := range ua.Received() {
			i, ok := byID[r.MessageID]
			if !ok || r.Err != "" || string(r.Payload) != string(benchPayload(i)) {
				bad++
				continue
			}
			got[i]++
		}
	}
	lost, dup := 0, 0
	for _, n := range got {
		if n == 0 {
			lost++
		}
		if n > 1 {
			dup += n - 1
		}
	}
	reportLoad(b, "pushspec", senders, res, drain, lost, dup, cpu, 0, run.GeneratorCPU)
	if lost != 0 || dup != 0 || bad != 0 {
		b.Fatalf("%d accepted: %d lost, %d duplicated, %d deliveries wrong (unknown ID, undecryptable or other payload)", res.Accepted, lost, dup, bad)
	}
}

func benchPeer(b *testing.B, vk *webpush.VAPIDKeys, senders int) {
	p := sharedPeer(b)
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout+drainTimeout+30*time.Second)
	defer cancel()
	var subs []webpush.Subscription
	var peerSubs []*PeerSubscription
	for range uaCount * subsPerUA {
		ps, err := p.Subscribe(ctx, vk.Public())
		if err != nil {
			b.Fatal(err)
		}
		peerSubs = append(peerSubs, ps)
		subs = append(subs, ps.Subscription)
	}
	msgs := encryptAll(b, subs, b.N, pushHeader(b, vk, peerSubs[0].Audience))

	var peer0 time.Duration
	run := runLoad(b, ctx, msgs, senders, func() { peer0 = p.CPU() })
	res, peerCPU := run.Result, p.CPU()-peer0

	// The peer decrypts and stores synchronously before it answers 201, so its
	// /get-notifications must list every accepted payload once its answer came back.
	t0 := time.Now()
	stored := map[string]int{}
	for _, ps := range peerSubs {
		list, err := p.Notifications(ctx, ps.ClientHash)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range list {
			stored[m]++
		}
	}
	drain := time.Since(t0)
	lost, dup := 0, 0
	for i := range msgs {
		switch n := stored[string(benchPayload(i))]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	reportLoad(b, "web-push-testing", senders, res, drain, lost, dup, run.SelfCPU, peerCPU, run.GeneratorCPU)
	if lost != 0 || dup != 0 {
		b.Fatalf("%d accepted: %d lost, %d duplicated", res.Accepted, lost, dup)
	}
}

// benchFloor posts the same load to a handler that only reads the body and answers 201 with a
// Location: what net/http and the load generator cost on their own, on this machine.
func benchFloor(b *testing.B, vk *webpush.VAPIDKeys, senders int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", "/m/x")
		w.WriteHeader(http.StatusCreated)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout+30*time.Second)
	defer cancel()
	var subs []webpush.Subscription
	for i := range uaCount * subsPerUA {
		k, err := webpush.NewUAKeys()
		if err != nil {
			b.Fatal(err)
		}
		subs = append(subs, k.Subscription(fmt.Sprintf("%s/push/%d", base, i)))
	}
	msgs := encryptAll(b, subs, b.N, pushHeader(b, vk, base))
	run := runLoad(b, ctx, msgs, senders, nil)
	reportLoad(b, "http-floor", senders, run.Result, 0, 0, 0, run.SelfCPU, 0, run.GeneratorCPU)
}
