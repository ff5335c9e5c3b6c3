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

// coreLink is the link on the real core with one Chromium device checked in and one web push
// registration (register3), as Chromium leaves them before its MCS login.
type coreLink struct {
	s                   *fakepushservice.Server
	l                   *Link
	aid, tok            uint64 // the device's android id and security token
	sub                 *webpushgo.Subscription
	vapidPub, vapidPriv string
}

func newCoreLink(t *testing.T) *coreLink {
	t.Helper()
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
	cl := &coreLink{s: s, l: l}
	cl.aid, cl.tok = chromeCheckin(t, l, 0, 0)
	cl.vapidPriv, cl.vapidPub, err = webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	_, body := register3(t, l, cl.aid, cl.tok, webPushForm(cl.aid, strings.TrimRight(cl.vapidPub, "=")))
	token, ok := strings.CutPrefix(body, "token=")
	if !ok {
		t.Fatalf("register3: %q", body)
	}
	uaKey, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	cl.sub = &webpushgo.Subscription{
		// Chromium's endpoint host is compiled in; the harness keeps the path and swaps the host.
		Endpoint: s.URL() + "/fcm/send/" + token,
		Keys: webpushgo.Keys{P256dh: base64.RawURLEncoding.EncodeToString(uaKey.PublicKey().Bytes()),
			Auth: base64.RawURLEncoding.EncodeToString(auth)},
	}
	return cl
}

func (cl *coreLink) ua() string { return uaName(cl.aid) }

func (cl *coreLink) dial(t *testing.T) *mcsClient { return dialMCS(t, cl.l, cl.aid, cl.tok) }

// send pushes "hello" to the registration with webpush-go and expects 201.
func (cl *coreLink) send(ctx context.Context, t *testing.T) {
	t.Helper()
	resp, err := webpushgo.SendNotificationWithContext(ctx, []byte("hello"), cl.sub, &webpushgo.Options{
		Subscriber: "mailto:test@example.com", VAPIDPublicKey: cl.vapidPub, VAPIDPrivateKey: cl.vapidPriv, TTL: 60,
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("push: %s", resp.Status)
	}
}

// TestWithCoreServer runs the link on the real core: register3 → subscription, a webpush-go POST
// to /fcm/send/<token> → DataMessageStanza on the newest MCS connection, stream ack → core Ack,
// and redelivery of an unacked message on the next login.
func TestWithCoreServer(t *testing.T) {
	cl := newCoreLink(t)
	s := cl.s
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// What Chromium does: the first connection is dropped right after login.
	first := cl.dial(t)
	first.tc.Close()
	c := cl.dial(t)
	if err := s.AwaitConnected(ctx, cl.ua()); err != nil {
		t.Fatal(err)
	}

	cl.send(ctx, t)
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
	cl.send(ctx, t)
	_, m = c.read()
	msgID = m.str(dataPersistentID)
	c.tc.Close()
	c = cl.dial(t)
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
	cl := newCoreLink(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The first login is held before it joins the core until the second has joined.
	secondJoined := make(chan struct{})
	cl.l.beforeJoin = func(ua string, login int) {
		if login == 1 {
			select {
			case <-secondJoined:
			case <-ctx.Done():
			}
		}
	}
	first := cl.dial(t)
	second := cl.dial(t)
	if err := cl.s.AwaitConnected(ctx, cl.ua()); err != nil {
		t.Fatal(err)
	}
	close(secondJoined)
	cl.send(ctx, t)
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
