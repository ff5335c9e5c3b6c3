package autopush_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	link "github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/internal/testlog"
	"github.com/pushspec/pushspec/useragent"
	"github.com/pushspec/pushspec/useragent/autopush"
	"github.com/pushspec/pushspec/webpush"
)

// push sends payload to sub, encrypted with coding ("aes128gcm" or "aesgcm"), unrestricted.
func push(t *testing.T, ctx context.Context, sub *useragent.Subscription, coding, payload string) {
	t.Helper()
	var body []byte
	h := http.Header{"Ttl": {"60"}, "Content-Encoding": {coding}}
	var err error
	if coding == "aesgcm" {
		var enc, ck string
		body, enc, ck, err = webpush.EncryptAESGCM(sub.WebPush(), []byte(payload), nil)
		h.Set("Encryption", enc)
		h.Set("Crypto-Key", ck)
	} else {
		body, err = webpush.Encrypt(sub.WebPush(), []byte(payload), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("push %q: status %d", payload, res.StatusCode)
	}
}

// TestClientOnPushspecsLink runs the client against pushspec's own autopush link: both codings
// decrypted with the channel's keys, acknowledged 100, and an unacknowledged notification sent
// again after a reconnect, counted as attempt 2 and as a duplicate.
func TestClientOnPushspecsLink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := &fakepushservice.Server{Logf: testlog.Logf(t), NoTLS: true}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := link.Attach(s, link.Options{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := autopush.Dial(ctx, l.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sub, err := c.Register(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.UAID() == "" || sub.ID == "" || sub.Endpoint == "" || sub.P256dh == "" {
		t.Fatalf("uaid %q, subscription %+v", c.UAID(), sub)
	}
	for _, coding := range []string{"aes128gcm", "aesgcm"} {
		push(t, ctx, sub, coding, "in "+coding)
		r, err := c.AwaitNotification(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(r.Payload) != "in "+coding || r.Encoding != coding || r.Err != "" || r.Acked != useragent.AckDelivered ||
			r.Attempt != 1 || r.SubscriptionID != sub.ID || !r.LinkVisible || r.Raw == "" {
			t.Errorf("%s: %+v", coding, r)
		}
	}
	c.SetNoAck(true)
	push(t, ctx, sub, "aes128gcm", "kept")
	first, err := c.AwaitNotification(ctx, sub.ID)
	if err != nil || first.Acked != 0 {
		t.Fatalf("unacknowledged: %+v %v", first, err)
	}
	c.Disconnect()
	c.SetNoAck(false)
	if err := c.Reconnect(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := c.AwaitNotification(ctx, sub.ID)
	if err != nil || again.MessageID != first.MessageID || string(again.Payload) != "kept" || again.Attempt != 2 {
		t.Fatalf("redelivery: first %+v, again %+v, %v", first, again, err)
	}
	if d := c.Duplicates(); d[first.MessageID] != 2 || len(d) != 1 {
		t.Errorf("duplicates %v, want %s×2", d, first.MessageID)
	}
	if n := len(c.Received()); n != 4 {
		t.Errorf("%d notifications recorded, want 4", n)
	}
	if err := c.Unregister(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
}
