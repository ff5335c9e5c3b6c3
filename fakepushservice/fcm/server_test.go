package fcm

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/internal/testlog"
)

// TestWithCoreServer runs the link on the real core: register3 → subscription, a webpush-go POST
// to /fcm/send/<token> → DataMessageStanza on the newest MCS connection, stream ack → core Ack,
// and redelivery of an unacked message on the next login.
func TestWithCoreServer(t *testing.T) {
	s, err := fakepushservice.NewServer(&fakepushservice.Server{Logf: testlog.Logf(t), NoTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	l, err := Attach(s, Options{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	aid, tok := chromeCheckin(t, l, 0, 0)
	vapidPriv, vapidPub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	_, body := register3(t, l, aid, tok, webPushForm(aid, strings.TrimRight(vapidPub, "=")))
	token, ok := strings.CutPrefix(body, "token=")
	if !ok {
		t.Fatalf("register3: %q", body)
	}
	ua := uaName(aid)

	// What Chromium does: the first connection is dropped right after login.
	first := dialMCS(t, l, aid, tok)
	first.tc.Close()
	c := dialMCS(t, l, aid, tok)
	if err := s.AwaitConnected(ctx, ua); err != nil {
		t.Fatal(err)
	}

	uaKey, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	sub := &webpushgo.Subscription{
		// Chromium's endpoint host is compiled in; the harness keeps the path and swaps the host.
		Endpoint: s.URL() + "/fcm/send/" + token,
		Keys: webpushgo.Keys{P256dh: base64.RawURLEncoding.EncodeToString(uaKey.PublicKey().Bytes()),
			Auth: base64.RawURLEncoding.EncodeToString(auth)},
	}
	send := func() {
		t.Helper()
		resp, err := webpushgo.SendNotificationWithContext(ctx, []byte("hello"), sub, &webpushgo.Options{
			Subscriber: "mailto:test@example.com", VAPIDPublicKey: vapidPub, VAPIDPrivateKey: vapidPriv, TTL: 60,
		})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("push: %s", resp.Status)
		}
	}

	send()
	tag, m := c.read()
	if tag != tagDataMessageStanza || len(m.bytes(dataRawData)) == 0 {
		t.Fatalf("stanza: tag %d %v", tag, m)
	}
	msgID := m.str(dataPersistentID)
	c.streamAck()
	if code, err := s.AwaitAck(ctx, msgID); err != nil || code != fakepushservice.AckDelivered {
		t.Fatalf("AwaitAck: %v %v", code, err)
	}

	// Unacked message: redelivered with the same persistent id on the next login.
	send()
	_, m = c.read()
	msgID = m.str(dataPersistentID)
	c.tc.Close()
	c = dialMCS(t, l, aid, tok)
	_, m2 := c.read()
	if m2.str(dataPersistentID) != msgID {
		t.Errorf("redelivery persistent_id %q, want %q", m2.str(dataPersistentID), msgID)
	}
	c.streamAck()
	if _, err := s.AwaitAck(ctx, msgID); err != nil {
		t.Fatal(err)
	}
}
