package fakepushservice

import (
	"net/http"
	"testing"
	"time"
)

// RFC 8030 §8.4: RateLimit messages for one user agent, then 429 with Retry-After (nothing
// stored); refused requests cost nothing; the bucket refills over a minute; other user agents
// are not affected; RateLimit -1 switches the limit off.
func TestRateLimitPerUserAgent(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, &Server{NoTLS: true, Clock: clock.Now, RateLimit: 3})
	snd := newSender(t)
	snd.now = clock.Now
	ctx := testCtx(t)
	ua := s.NewVirtualUA(VirtualUAOptions{Offline: true})
	defer ua.Close()
	one, err := ua.Subscribe(ctx, snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	two, err := ua.Subscribe(ctx, snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	// A refused request (no TTL: 400) does not count.
	if r := snd.send(one, msg{plaintext: []byte("no ttl"), header: map[string]string{"TTL": ""}}); r.status != http.StatusBadRequest {
		t.Fatalf("without TTL: %d", r.status)
	}
	for i, vs := range []*VirtualSubscription{one, two, one} {
		if r := snd.send(vs, msg{plaintext: []byte("ok")}); r.status != http.StatusCreated {
			t.Fatalf("message %d: %d %s", i+1, r.status, r.body)
		}
	}
	before := len(s.Requests())
	r := snd.send(two, msg{plaintext: []byte("one too many")})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("4th message to the user agent: %d, Retry-After %q: %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	rec := s.Requests()[before]
	if rec.Answered != CondRateLimited || rec.MessageID != "" || rec.Stored {
		t.Errorf("recorded as answered %q, message %q, stored %v", rec.Answered, rec.MessageID, rec.Stored)
	}

	// Another user agent has its own bucket.
	other := s.NewVirtualUA(VirtualUAOptions{Offline: true})
	defer other.Close()
	vs, err := other.Subscribe(ctx, snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	if r := snd.send(vs, msg{plaintext: []byte("other")}); r.status != http.StatusCreated {
		t.Fatalf("another user agent: %d", r.status)
	}

	// 3 a minute: one more after 20 s, not two.
	clock.Advance(21 * time.Second)
	if r := snd.send(one, msg{plaintext: []byte("refilled")}); r.status != http.StatusCreated {
		t.Fatalf("after 21 s: %d %s", r.status, r.body)
	}
	if r := snd.send(one, msg{plaintext: []byte("again")}); r.status != http.StatusTooManyRequests {
		t.Fatalf("second message after 21 s: %d", r.status)
	}
}

func TestRateLimitOff(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true, RateLimit: -1})
	snd := newSender(t)
	ua := s.NewVirtualUA(VirtualUAOptions{Offline: true})
	defer ua.Close()
	vs, err := ua.Subscribe(testCtx(t), snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if r := snd.send(vs, msg{plaintext: []byte("x")}); r.status != http.StatusCreated {
			t.Fatalf("message %d: %d", i+1, r.status)
		}
	}
	if ok, _ := (&Server{RateLimit: -1}).takeRate("ua"); !ok {
		t.Error("RateLimit -1 refused")
	}
	if (&Server{}).rateLimit() != DefaultRateLimit {
		t.Error("the zero value is not DefaultRateLimit")
	}
}
