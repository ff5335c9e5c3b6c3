package fcm

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
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

// A connection whose login was overtaken by a newer one before it joined the core does not take
// the newer one's place. Chromium drops its first connection right after the login; when that
// connection's goroutine reached the core last, it became the UA's connection, closed, and left
// the next message stored with no connection to go to.
func TestOvertakenLoginDoesNotReplaceTheNewer(t *testing.T) {
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

	// The first login is held before it joins the core until the second has joined.
	secondJoined := make(chan struct{})
	l.beforeJoin = func(ua string, login int) {
		if login == 1 {
			select {
			case <-secondJoined:
			case <-ctx.Done():
			}
		}
	}
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
	first := dialMCS(t, l, aid, tok)
	second := dialMCS(t, l, aid, tok)
	if err := s.AwaitConnected(ctx, uaName(aid)); err != nil {
		t.Fatal(err)
	}
	close(secondJoined)

	uaKey, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	sub := &webpushgo.Subscription{
		Endpoint: s.URL() + "/fcm/send/" + token,
		Keys: webpushgo.Keys{P256dh: base64.RawURLEncoding.EncodeToString(uaKey.PublicKey().Bytes()),
			Auth: base64.RawURLEncoding.EncodeToString(auth)},
	}
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
	// The overtaken connection is closed without a message: had it joined, it would have
	// replaced the second and got the message, sent to it or sent again to it as unacked.
	first.tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if tag, _, err := readFrame(first.br); err == nil {
		t.Fatalf("the overtaken connection got a frame (tag %d)", tag)
	} else if !errors.Is(err, io.EOF) {
		t.Fatalf("the overtaken connection was not closed: %v", err)
	}
	if tag, m := second.read(); tag != tagDataMessageStanza || len(m.bytes(dataRawData)) == 0 {
		t.Fatalf("the newer connection got tag %d %v, want the message", tag, m)
	}
}
