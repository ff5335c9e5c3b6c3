package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/webpush"
)

// linkUA is a user-agent link as the browser links are to the core (CreateSubscription, Connect,
// Ack): the service holds no keys for its subscriptions, so it grades headers, VAPID and the body
// layout but cannot decrypt. Deliveries are recorded and acknowledged at once; the benchmark
// compares each delivered body with what was sent, byte for byte.
type linkUA struct {
	s  *fakepushservice.Server
	id string

	mu      sync.Mutex
	got     map[string][][]byte // message ID → bodies delivered
	n       int
	changed chan struct{}
}

func (u *linkUA) Deliver(_ context.Context, d fakepushservice.Delivery) error {
	u.mu.Lock()
	u.got[d.MessageID] = append(u.got[d.MessageID], d.Body)
	u.n++
	close(u.changed)
	u.changed = make(chan struct{})
	u.mu.Unlock()
	u.s.Ack(u.id, d.MessageID, fakepushservice.AckDelivered, nil)
	return nil
}

func (u *linkUA) awaitCount(ctx context.Context, n int) {
	for {
		u.mu.Lock()
		got, ch := u.n, u.changed
		u.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
		}
	}
}

// benchPushspecLink is benchPushspec with link-held subscriptions instead of VirtualUA ones:
// no decryption on either side of the service, as when pushspec serves real browsers.
func benchPushspecLink(b *testing.B, vk *webpush.VAPIDKeys, senders int) {
	s := &fakepushservice.Server{NoTLS: true, RateLimit: -1, Logf: func(string, ...any) {}} // b.N messages to few UAs: no RFC 8030 §8.4 limit
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout+drainTimeout+30*time.Second)
	defer cancel()
	var uas []*linkUA
	var subs []webpush.Subscription
	uaOf := map[string]int{}
	for u := range uaCount {
		ua := &linkUA{s: s, id: fmt.Sprintf("bench-link:%d", u), got: map[string][][]byte{}, changed: make(chan struct{})}
		disconnect := s.Connect(ua.id, ua, fakepushservice.ConnectOptions{})
		defer disconnect()
		uas = append(uas, ua)
		for range subsPerUA {
			sub, err := s.CreateSubscription(fakepushservice.SubscriptionSpec{UA: ua.id, Link: "bench-link", AppServerKey: vk.Public()})
			if err != nil {
				b.Fatal(err)
			}
			keys, err := webpush.NewUAKeys() // the sender encrypts for keys the service never sees
			if err != nil {
				b.Fatal(err)
			}
			subs = append(subs, keys.Subscription(sub.Endpoint))
			uaOf[sub.Endpoint] = u
		}
	}
	msgs := encryptAll(b, subs, b.N, pushHeader(b, vk, s.URL()))

	run := runLoad(b, ctx, msgs, senders, nil)
	res := run.Result

	t0, cpu0 := time.Now(), ProcessCPU()
	want := make([]int, len(uas))
	for i := range res.Outcomes {
		want[uaOf[msgs[i].URL]]++
	}
	dctx, dcancel := context.WithTimeout(ctx, drainTimeout)
	defer dcancel()
	for u, ua := range uas {
		ua.awaitCount(dctx, want[u])
	}
	drain := time.Since(t0)
	cpu := run.SelfCPU + ProcessCPU() - cpu0
	lost, dup, bad := 0, 0, 0
	for i, o := range res.Outcomes {
		id := o.Location[strings.LastIndexByte(o.Location, '/')+1:]
		ua := uas[uaOf[msgs[i].URL]]
		ua.mu.Lock()
		got := ua.got[id]
		ua.mu.Unlock()
		switch {
		case len(got) == 0:
			lost++
		case !bytes.Equal(got[0], msgs[i].Body):
			bad++
		case len(got) > 1:
			dup += len(got) - 1
		}
	}
	reportLoad(b, "pushspec-link", senders, res, drain, lost, dup, cpu, 0, run.GeneratorCPU)
	if lost != 0 || dup != 0 || bad != 0 {
		b.Fatalf("%d accepted: %d lost, %d duplicated, %d delivered with another body", res.Accepted, lost, dup, bad)
	}
}
