package fakepushservice

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// chanConn is a UAConn that hands deliveries to a channel.
type chanConn struct {
	ch  chan Delivery
	err error
}

func (c *chanConn) Deliver(ctx context.Context, d Delivery) error {
	if c.err != nil {
		return c.err
	}
	select {
	case c.ch <- d:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newTestServer(t *testing.T, s *Server) *Server {
	t.Helper()
	if s.Logf == nil {
		s.Logf = t.Logf
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLinkContract(t *testing.T) {
	s := newTestServer(t, &Server{})
	ctx := testCtx(t)
	sub, err := s.CreateSubscription(SubscriptionSpec{UA: "autopush:u1", Link: LinkAutopush, LinkRef: "chan-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sub.Endpoint, s.URL()+"/push/") || len(sub.ID) != 64 {
		t.Fatalf("endpoint %q id %q", sub.Endpoint, sub.ID)
	}
	// Stored while away.
	req, _ := http.NewRequest("POST", sub.Endpoint, strings.NewReader("ciphertext"))
	req.Header.Set("TTL", "60")
	req.Header.Set("Content-Encoding", "aes128gcm")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(resp.Header.Get("Location"), "/m/") {
		t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	conn := &chanConn{ch: make(chan Delivery, 4)}
	disconnect := s.Connect("autopush:u1", conn, ConnectOptions{})
	defer disconnect()
	var d Delivery
	select {
	case d = <-conn.ch:
	case <-ctx.Done():
		t.Fatal("no delivery")
	}
	if string(d.Body) != "ciphertext" || d.LinkRef != "chan-1" || d.Attempt != 1 || d.ContentEncoding != "aes128gcm" {
		t.Fatalf("delivery %+v", d)
	}
	s.Ack("autopush:u1", d.MessageID, AckDelivered, nil)
	code, err := s.AwaitAck(ctx, d.MessageID)
	if err != nil || code != AckDelivered {
		t.Fatal(code, err)
	}
	if n := len(s.Stored()); n != 0 {
		t.Fatalf("%d stored after ack", n)
	}
}
