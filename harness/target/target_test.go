package target

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/internal/testlog"
	"github.com/pushspec/pushspec/webpush"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func vapid(t *testing.T) (*webpush.VAPIDKeys, *sender.VAPID) {
	k, err := webpush.NewVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k, &sender.VAPID{Public: webpush.Base64URL(k.Public()), Private: webpush.Base64URL(k.PrivateBytes()), Subject: "mailto:t@example.com"}
}

func send(t *testing.T, ctx context.Context, svc PushService, sub *Subscription, v *sender.VAPID, payload string, ttl int) *sender.Result {
	t.Helper()
	res, err := sender.Raw{Client: svc.Client()}.Send(ctx, sender.Message{Subscription: sub.Sender(), Payload: []byte(payload), TTL: ttl, VAPID: v})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status/100 != 2 {
		t.Fatalf("status %d %s", res.Status, res.Body)
	}
	return res
}

// roundTrip checks subscribe → send → AwaitMessage, and store-and-forward where offered.
func roundTrip(t *testing.T, svc PushService) {
	ctx := testCtx(t)
	k, v := vapid(t)
	sub, err := svc.Subscribe(ctx, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	send(t, ctx, svc, sub, v, "one", 60)
	r, err := svc.AwaitMessage(ctx, sub)
	if err != nil || string(r.Payload) != "one" {
		t.Fatalf("got %+v, %v", r, err)
	}
	sf, ok := svc.(StoreAndForward)
	if !ok {
		return
	}
	if err := sf.Offline(ctx, sub); err != nil {
		t.Fatal(err)
	}
	send(t, ctx, svc, sub, v, "two", 60)
	if err := sf.Online(ctx, sub); err != nil {
		t.Fatal(err)
	}
	r, err = svc.AwaitMessage(ctx, sub)
	if err != nil || string(r.Payload) != "two" || !r.LinkVisible {
		t.Fatalf("after reconnect: %+v, %v", r, err)
	}
	// Redelivery of an unacknowledged message.
	a := svc.(Acker)
	a.SetNoAck(sub, true)
	send(t, ctx, svc, sub, v, "three", 60)
	first, err := svc.AwaitMessage(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	sf.Offline(ctx, sub)
	a.SetNoAck(sub, false)
	if err := sf.Online(ctx, sub); err != nil {
		t.Fatal(err)
	}
	again, err := svc.AwaitMessage(ctx, sub)
	if err != nil || again.MessageID != first.MessageID || string(again.Payload) != "three" || again.Attempt != 2 {
		t.Fatalf("redelivery: first %+v again %+v %v", first, again, err)
	}
	if u, ok := svc.(Unsubscriber); ok {
		if err := u.Unsubscribe(ctx, sub); err != nil {
			t.Fatal(err)
		}
		res, err := sender.Raw{Client: svc.Client()}.Send(ctx, sender.Message{Subscription: sub.Sender(), Payload: []byte("x"), TTL: 60, VAPID: v})
		if err != nil || res.Status/100 != 4 {
			t.Fatalf("push after unsubscribe: %v %v", res, err)
		}
	}
}

func TestFake(t *testing.T) {
	f, err := NewFake(FakeOptions{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Target().ID != "fake:rfc" {
		t.Fatal(f.Target())
	}
	roundTrip(t, f)

	// The clock expires a stored message without waiting.
	ctx := testCtx(t)
	k, v := vapid(t)
	sub, _ := f.Subscribe(ctx, k.Public())
	f.Offline(ctx, sub)
	send(t, ctx, f, sub, v, "expires", 2)
	f.Advance(5 * time.Second)
	send(t, ctx, f, sub, v, "sentinel", 60)
	f.Online(ctx, sub)
	r, err := f.AwaitMessage(ctx, sub)
	if err != nil || string(r.Payload) != "sentinel" {
		t.Fatalf("got %+v, %v", r, err)
	}
	req, err := f.AwaitRequest(ctx, sub, 2)
	if err != nil || req.TTL != 60 {
		t.Fatalf("second request %+v %v", req, err)
	}
}

func TestControlAgainstFake(t *testing.T) {
	f, err := NewFake(FakeOptions{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := NewControl(f.Server.URL(), nil)
	roundTrip(t, c)
	ctx := testCtx(t)
	k, v := vapid(t)
	sub, err := c.Subscribe(ctx, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Expire(ctx, sub); err != nil {
		t.Fatal(err)
	}
	res, err := sender.Raw{}.Send(ctx, sender.Message{Subscription: sub.Sender(), Payload: []byte("x"), TTL: 60, VAPID: v})
	if err != nil || res.Status != 404 {
		t.Fatalf("after expiry: %+v %v", res, err)
	}
}

func TestRealUnavailable(t *testing.T) {
	_, err := NewReal(context.Background(), func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, errors.New("network is unreachable")
	})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "push.services.mozilla.com") {
		t.Fatal(err)
	}
}

func TestDescribe(t *testing.T) {
	for in, want := range map[string]string{"fake": "fake:autopush", "control=http://127.0.0.1:1": "control=http://127.0.0.1:1",
		"autopush=ws://127.0.0.1:2/": "autopush=ws://127.0.0.1:2/", "real": "real:autopush"} {
		cfg := config.Default()
		cfg.PushService, cfg.Profile = in, "autopush"
		if got := Describe(cfg).ID; got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// miniAutopush is just enough of an autopush server, on the fake core, to exercise the client
// (the real link lives in fakepushservice/autopush).
func miniAutopush(t *testing.T, s *fakepushservice.Server) string {
	s.Handle("GET /autopush", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, Subprotocols: []string{"push-notification"}})
		if err != nil {
			return
		}
		defer conn.CloseNow()
		ctx := r.Context()
		var wmu sync.Mutex
		write := func(v any) {
			b, _ := json.Marshal(v)
			wmu.Lock()
			defer wmu.Unlock()
			conn.Write(ctx, websocket.MessageText, b)
		}
		var ua string
		var disconnect func()
		defer func() {
			if disconnect != nil {
				disconnect()
			}
		}()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(data, &m)
			switch m["messageType"] {
			case "hello":
				uaid, _ := m["uaid"].(string)
				if uaid == "" {
					uaid = randomHex(16)
				}
				ua = "autopush:" + uaid
				write(map[string]any{"messageType": "hello", "uaid": uaid, "status": 200, "use_webpush": true, "broadcasts": map[string]any{}})
				disconnect = s.Connect(ua, connFunc(func(ctx context.Context, d fakepushservice.Delivery) error {
					n := map[string]any{"messageType": "notification", "channelID": d.LinkRef, "version": d.MessageID}
					if d.Body != nil {
						n["data"] = base64.RawURLEncoding.EncodeToString(d.Body)
						n["headers"] = map[string]string{"encoding": d.ContentEncoding}
					}
					write(n)
					return nil
				}), fakepushservice.ConnectOptions{})
			case "register":
				chid, _ := m["channelID"].(string)
				var key []byte
				if k, ok := m["key"].(string); ok {
					key, _ = base64.URLEncoding.DecodeString(k)
				}
				sub, err := s.CreateSubscription(fakepushservice.SubscriptionSpec{UA: ua, Link: fakepushservice.LinkAutopush, AppServerKey: key, LinkRef: chid})
				if err != nil {
					write(map[string]any{"messageType": "register", "channelID": chid, "status": 500})
					continue
				}
				write(map[string]any{"messageType": "register", "channelID": chid, "status": 200, "pushEndpoint": sub.Endpoint})
			case "unregister":
				chid, _ := m["channelID"].(string)
				for _, sub := range s.Subscriptions() {
					if sub.LinkRef == chid {
						s.Unsubscribe(sub.ID, "unregister")
					}
				}
				write(map[string]any{"messageType": "unregister", "channelID": chid, "status": 200})
			case "ack":
				ups, _ := m["updates"].([]any)
				for _, u := range ups {
					um, _ := u.(map[string]any)
					v, _ := um["version"].(string)
					code, _ := um["code"].(float64)
					s.Ack(ua, v, fakepushservice.AckCode(code), nil)
				}
			}
		}
	}))
	return "ws" + strings.TrimPrefix(s.URL(), "http") + "/autopush"
}

// randomHex is n random octets in hex (a uaid for the mini link).
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

type connFunc func(ctx context.Context, d fakepushservice.Delivery) error

func (f connFunc) Deliver(ctx context.Context, d fakepushservice.Delivery) error { return f(ctx, d) }

func TestAutopushClient(t *testing.T) {
	f, err := NewFake(FakeOptions{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := NewAutopush(miniAutopush(t, f.Server), conformance.Target{})
	defer a.Close()
	roundTrip(t, a)
}

// TestAutopushClientOnLink runs the client against pushspec's own autopush link (the one Firefox
// uses), not just the mini link above.
func TestAutopushClientOnLink(t *testing.T) {
	f, err := NewFake(FakeOptions{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := autopush.Attach(f.Server, autopush.Options{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAutopush(l.URL(), conformance.Target{})
	defer a.Close()
	roundTrip(t, a)
}

// FromConfig builds each kind without dialling anything (autopush dials on Subscribe).
func TestFromConfig(t *testing.T) {
	ctx := testCtx(t)
	for in, want := range map[string]string{"fake": "*target.Fake", "control=http://127.0.0.1:1": "*target.Control",
		"autopush=ws://127.0.0.1:1/autopush/": "*target.Autopush"} {
		cfg := config.Default()
		cfg.PushService, cfg.Profile = in, "wns"
		p, err := FromConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := fmt.Sprintf("%T", p); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
		if p.Target() != Describe(cfg) {
			t.Errorf("%s: Target %v, Describe %v", in, p.Target(), Describe(cfg))
		}
		p.Close()
	}
}
