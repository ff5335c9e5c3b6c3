package hardening

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/webpush"
)

// loadMessages is how many messages TestLoadNoLoss sends: 10,000 by default (2,000 under -race,
// as `make test` runs it), PUSHSPEC_LOAD_MESSAGES=100000 for the full figure of
// docs/reliability.md.
func loadMessages(t *testing.T) int {
	if v := os.Getenv("PUSHSPEC_LOAD_MESSAGES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("PUSHSPEC_LOAD_MESSAGES=%q", v)
		}
		return n
	}
	if raceEnabled {
		return 2000
	}
	return 10000
}

// TestLoadNoLoss: 64 concurrent senders post to 256 subscriptions held by 16 virtual user agents
// (always connected, decrypting and acknowledging). Each sender owns four subscriptions and posts
// to them in turn, so the order in which one subscription's messages were accepted is known. Every
// request must be accepted (201, no 5xx, no transport error), every accepted message delivered
// exactly once with its payload, in acceptance order per subscription (no Topic, one
// connection: RFC 8030 §5 stores and forwards in order), and the store must drain.
//
// Bodies are encrypted before the clock starts (four per subscription, reused in turn) so that
// the figure measures the push service, not the sender's ECDH.
func TestLoadNoLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const senders, nUA, subsPerUA, bodiesPerSub = 64, 16, 16, 4
	total := loadMessages(t)
	s := &fakepushservice.Server{NoTLS: true, MaxRecorded: 1000, RateLimit: -1, Logf: func(string, ...any) {}} // up to 6,250 messages per UA: no RFC 8030 §8.4 limit
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	vk, err := webpush.NewVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	var uas []*fakepushservice.VirtualUA
	var subs []*fakepushservice.VirtualSubscription
	uaOf := map[string]*fakepushservice.VirtualUA{}
	for i := 0; i < nUA; i++ {
		ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
		defer ua.Close()
		uas = append(uas, ua)
		for j := 0; j < subsPerUA; j++ {
			vs, err := ua.Subscribe(ctx, vk.Public())
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, vs)
			uaOf[vs.ID] = ua
		}
	}
	auth, err := vk.Authorization(s.URL(), "mailto:load@example.com", time.Now().Add(12*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := func(sub, k int) string { return fmt.Sprintf("load sub %03d body %d", sub, k) }
	bodies := make([][][]byte, len(subs))
	for i, vs := range subs {
		for k := 0; k < bodiesPerSub; k++ {
			b, err := webpush.Encrypt(vs.WebPush(), []byte(plain(i, k)), nil)
			if err != nil {
				t.Fatal(err)
			}
			bodies[i] = append(bodies[i], b)
		}
	}

	tr := &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	type accepted struct {
		id   string
		body int
	}
	perSub := make([][]accepted, len(subs)) // acceptance order; sub i is written only by sender i%senders
	var sent, refused, serverErr, transportErr atomic.Int64
	statuses := sync.Map{}
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := []int{}
			for i := w; i < len(subs); i += senders {
				mine = append(mine, i)
			}
			for n := 0; ; n++ {
				if int(sent.Add(1)) > total || ctx.Err() != nil {
					return
				}
				si := mine[n%len(mine)]
				k := (n / len(mine)) % bodiesPerSub
				req, _ := http.NewRequestWithContext(ctx, "POST", subs[si].Endpoint, bytes.NewReader(bodies[si][k]))
				req.Header.Set("TTL", "3600")
				req.Header.Set("Content-Encoding", "aes128gcm")
				req.Header.Set("Authorization", auth)
				resp, err := client.Do(req)
				if err != nil {
					transportErr.Add(1)
					t.Errorf("sender %d: %v", w, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				c, _ := statuses.LoadOrStore(resp.StatusCode, new(atomic.Int64))
				c.(*atomic.Int64).Add(1)
				if resp.StatusCode >= 500 {
					serverErr.Add(1)
				}
				if resp.StatusCode != http.StatusCreated {
					refused.Add(1)
					continue
				}
				loc := resp.Header.Get("Location")
				perSub[si] = append(perSub[si], accepted{loc[strings.LastIndex(loc, "/")+1:], k})
			}
		}()
	}
	wg.Wait()
	sendTime := time.Since(start)
	nAccepted := 0
	for _, a := range perSub {
		nAccepted += len(a)
	}
	statuses.Range(func(k, v any) bool {
		t.Logf("status %d: %d", k, v.(*atomic.Int64).Load())
		return true
	})
	if serverErr.Load() != 0 || refused.Load() != 0 || transportErr.Load() != 0 || nAccepted != total {
		t.Fatalf("%d accepted of %d: %d refused (%d 5xx), %d transport errors", nAccepted, total, refused.Load(), serverErr.Load(), transportErr.Load())
	}

	// Every UA receives exactly what was accepted for its subscriptions.
	want := map[*fakepushservice.VirtualUA]int{}
	for i, a := range perSub {
		want[uaOf[subs[i].ID]] += len(a)
	}
	for _, ua := range uas {
		if err := ua.AwaitCount(ctx, want[ua]); err != nil {
			t.Fatalf("%s: %d of %d messages received before the deadline", ua.ID(), len(ua.Received()), want[ua])
		}
	}
	deliverTime := time.Since(start)
	lost, dup, misordered, corrupt := 0, 0, 0, 0
	for i, a := range perSub {
		got := uaOf[subs[i].ID].ReceivedFor(subs[i].ID)
		seen := map[string]int{}
		for _, r := range got {
			seen[r.MessageID]++
		}
		for _, x := range a {
			switch seen[x.id] {
			case 0:
				lost++
			case 1:
			default:
				dup++
			}
		}
		if len(got) != len(a) {
			t.Errorf("subscription %d: %d accepted, %d received", i, len(a), len(got))
			continue
		}
		for j := range a {
			if got[j].MessageID != a[j].id {
				misordered++
				break
			}
			if got[j].Err != "" || string(got[j].Payload) != plain(i, a[j].body) || got[j].Attempt != 1 {
				corrupt++
			}
		}
	}
	for _, ua := range uas {
		if d := ua.Duplicates(); len(d) != 0 {
			t.Errorf("%s received duplicates: %v", ua.ID(), d)
		}
	}
	if lost+dup+misordered+corrupt != 0 {
		t.Fatalf("lost %d, duplicated %d, subscriptions out of order %d, corrupt %d", lost, dup, misordered, corrupt)
	}
	// Every message was acknowledged and left the store.
	for _, a := range perSub {
		for _, x := range a {
			if code, err := s.AwaitAck(ctx, x.id); err != nil || code != fakepushservice.AckDelivered {
				t.Fatalf("message %s: ack %d, %v", x.id, code, err)
			}
		}
	}
	if left := s.Stored(); len(left) != 0 {
		t.Fatalf("store not drained: %d messages left", len(left))
	}
	t.Logf("LOAD %d messages, %d senders, %d subscriptions on %d virtual UAs: accepted %d in %v (%.0f/s), all delivered after %v; lost 0, duplicates 0, out of order 0, 5xx 0",
		total, senders, len(subs), nUA, nAccepted, sendTime.Round(time.Millisecond), float64(total)/sendTime.Seconds(), deliverTime.Round(time.Millisecond))
}
