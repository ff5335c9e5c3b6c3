package autopush

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
	"github.com/coder/websocket"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/internal/testlog"
	"github.com/pushspec/pushspec/webpush"
)

// fixture is the real core with the link attached and one VAPID key pair.
type fixture struct {
	t        *testing.T
	core     *fakepushservice.Server
	link     *Link
	vapidPub string // base64url, unpadded
	vapidKey string
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	core, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	opts.Logf = t.Logf
	link, err := Attach(core, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		link.Close()
		core.Close()
	})
	priv, pub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, core: core, link: link, vapidPub: pub, vapidKey: priv}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// client plays Firefox's push client: the frames are those of docs/firefox-autopush.md §4.2.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (f *fixture) dial(ctx context.Context) *client {
	f.t.Helper()
	if !strings.HasPrefix(f.link.URL(), "ws://127.0.0.1:") || !strings.HasSuffix(f.link.URL(), "/autopush/") {
		f.t.Fatalf("URL() = %q", f.link.URL())
	}
	// Firefox's Origin is the server URL itself (§4.1); the link must accept it.
	ws, resp, err := websocket.Dial(ctx, f.link.URL(), &websocket.DialOptions{
		Subprotocols: []string{Subprotocol},
		HTTPHeader:   http.Header{"Origin": {f.link.URL()}},
	})
	if err != nil {
		f.t.Fatalf("dial: %v", err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != Subprotocol {
		f.t.Errorf("subprotocol %q", got)
	}
	c := &client{t: f.t, ws: ws}
	f.t.Cleanup(func() { ws.CloseNow() })
	return c
}

func (c *client) send(ctx context.Context, frame string) {
	c.t.Helper()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("write %s: %v", frame, err)
	}
}

func (c *client) read(ctx context.Context) map[string]any {
	c.t.Helper()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("frame %s: %v", data, err)
	}
	return m
}

func (c *client) hello(ctx context.Context, uaid string) string {
	c.t.Helper()
	if uaid == "" {
		c.send(ctx, `{"messageType":"hello","broadcasts":{},"use_webpush":true}`)
	} else {
		c.send(ctx, `{"messageType":"hello","broadcasts":{},"use_webpush":true,"uaid":"`+uaid+`"}`)
	}
	m := c.read(ctx)
	if m["messageType"] != "hello" || m["status"] != 200.0 || m["use_webpush"] != true {
		c.t.Fatalf("hello reply %v", m)
	}
	got, _ := m["uaid"].(string)
	if got == "" || len(got) > 128 {
		c.t.Fatalf("hello reply uaid %q", got)
	}
	return got
}

const channelID = "ebc2925a-768a-4a36-829f-a27424804328"

// register subscribes with the VAPID key, padded base64url as Firefox sends it, and returns
// the endpoint and the user agent keys the test decrypts with.
func (c *client) register(ctx context.Context, f *fixture, chid string) (string, *webpush.UAKeys) {
	c.t.Helper()
	key, err := webpush.DecodeBase64(f.vapidPub)
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(ctx, `{"channelID":"`+chid+`","messageType":"register","key":"`+base64.URLEncoding.EncodeToString(key)+`"}`)
	m := c.read(ctx)
	if m["messageType"] != "register" || m["status"] != 200.0 || m["channelID"] != chid {
		c.t.Fatalf("register reply %v", m)
	}
	ep, _ := m["pushEndpoint"].(string)
	if !strings.HasPrefix(ep, f.core.URL()+"/push/") {
		c.t.Fatalf("pushEndpoint %q", ep)
	}
	keys, err := webpush.NewUAKeys()
	if err != nil {
		c.t.Fatal(err)
	}
	return ep, keys
}

func (f *fixture) push(ctx context.Context, endpoint string, keys *webpush.UAKeys, payload []byte) string {
	f.t.Helper()
	sub := &webpushgo.Subscription{Endpoint: endpoint, Keys: webpushgo.Keys{
		P256dh: webpush.Base64URL(keys.P256dh()), Auth: webpush.Base64URL(keys.Auth)}}
	resp, err := webpushgo.SendNotificationWithContext(ctx, payload, sub, &webpushgo.Options{
		TTL: 60, Subscriber: "mailto:test@example.com", VAPIDPublicKey: f.vapidPub, VAPIDPrivateKey: f.vapidKey,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		f.t.Fatalf("push: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

func TestHelloRegisterDeliverAck(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := testCtx(t)
	c := f.dial(ctx)
	uaid := c.hello(ctx, "")
	if h, err := f.link.AwaitHello(ctx, uaid); err != nil || h.ClientUAID != "" || h.Reset {
		t.Fatalf("AwaitHello = %+v, %v", h, err)
	}
	ep, keys := c.register(ctx, f, channelID)
	reg, err := f.link.AwaitRegister(ctx, nil)
	if err != nil || len(reg.Key) != 65 || reg.Endpoint != ep || reg.UAID != uaid {
		t.Fatalf("AwaitRegister = %+v, %v", reg, err)
	}

	msgID := f.push(ctx, ep, keys, []byte("hello"))
	n := c.read(ctx)
	if n["messageType"] != "notification" || n["channelID"] != channelID || n["version"] != msgID {
		t.Fatalf("notification %v (message %s)", n, msgID)
	}
	if h, _ := n["headers"].(map[string]any); h["encoding"] != "aes128gcm" {
		t.Fatalf("headers %v", n["headers"])
	}
	body, err := base64.RawURLEncoding.DecodeString(n["data"].(string))
	if err != nil {
		t.Fatalf("data is not unpadded base64url: %v", err)
	}
	plain, err := webpush.Decrypt(keys, body)
	if err != nil || string(plain) != "hello" {
		t.Fatalf("decrypt: %q, %v", plain, err)
	}
	c.send(ctx, `{"messageType":"ack","updates":[{"channelID":"`+channelID+`","version":"`+msgID+`","code":100}]}`)
	if code, err := f.core.AwaitAck(ctx, msgID); err != nil || code != fakepushservice.AckDelivered {
		t.Fatalf("AwaitAck = %d, %v", code, err)
	}
	c.send(ctx, `{"messageType":"nack","version":"`+msgID+`","code":301}`)
	if nk, err := f.link.AwaitNack(ctx, msgID); err != nil || nk.Code != 301 {
		t.Fatalf("AwaitNack = %+v, %v", nk, err)
	}

	// Ping: {} is answered with {}.
	c.send(ctx, `{}`)
	if m := c.read(ctx); len(m) != 0 {
		t.Fatalf("pong %v", m)
	}

	// A push without a payload: no data, no headers.
	resp, err := http.DefaultClient.Do(f.emptyPush(ep))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("empty push: %d", resp.StatusCode)
	}
	n = c.read(ctx)
	if _, ok := n["data"]; ok || n["headers"] != nil {
		t.Fatalf("empty push frame %v", n)
	}
	c.send(ctx, `{"messageType":"ack","updates":[{"channelID":"`+channelID+`","version":"`+n["version"].(string)+`","code":101}]}`)
	if code, err := f.core.AwaitAck(ctx, n["version"].(string)); err != nil || code != fakepushservice.AckDecryptError {
		t.Fatalf("AwaitAck = %d, %v", code, err)
	}

	var types []string
	for _, fr := range f.link.Frames(uaid) {
		types = append(types, map[bool]string{true: "<", false: ">"}[fr.In]+fr.Type)
	}
	want := "<hello >hello <register >register >notification <ack <nack <ping >ping >notification <ack"
	if strings.Join(types, " ") != want {
		t.Errorf("frame log %v\nwant %s", types, want)
	}
	if u := f.link.Unknown(); len(u) != 0 {
		t.Errorf("unknown frames %v", u)
	}
}

// emptyPush is a POST without a body, signed with the fixture's VAPID key.
func (f *fixture) emptyPush(endpoint string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, endpoint, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	priv, err := webpush.DecodeBase64(f.vapidKey)
	if err != nil {
		f.t.Fatal(err)
	}
	keys, err := webpush.VAPIDKeysFromBytes(priv)
	if err != nil {
		f.t.Fatal(err)
	}
	auth, err := keys.Authorization("http://"+req.URL.Host, "mailto:test@example.com", time.Now().Add(time.Hour), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("TTL", "60")
	return req
}

// TestStoreAndForward: a message posted while the user agent is away reaches it after the next
// hello with its uaid; the unacked one is sent again after a drop.
func TestStoreAndForward(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := testCtx(t)
	c := f.dial(ctx)
	uaid := c.hello(ctx, "")
	ep, keys := c.register(ctx, f, channelID)
	if !f.link.Drop(uaid) {
		t.Fatal("Drop found no connection")
	}
	if _, _, err := c.ws.Read(ctx); err == nil {
		t.Fatal("read after Drop succeeded")
	}
	msgID := f.push(ctx, ep, keys, []byte("while away"))

	c2 := f.dial(ctx)
	if got := c2.hello(ctx, uaid); got != uaid {
		t.Fatalf("known uaid not echoed: %q → %q", uaid, got)
	}
	n := c2.read(ctx)
	if n["version"] != msgID {
		t.Fatalf("after reconnect got %v, want version %s", n, msgID)
	}
	// Not acked, dropped again: redelivered with the same version.
	n2 := len(f.link.Hellos())
	f.link.Drop(uaid)
	c3 := f.dial(ctx)
	c3.hello(ctx, uaid)
	if _, err := f.link.AwaitHelloAfter(ctx, uaid, n2); err != nil {
		t.Fatal(err)
	}
	if n := c3.read(ctx); n["version"] != msgID {
		t.Fatalf("redelivery %v", n)
	}
}

func TestUnregister(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := testCtx(t)
	c := f.dial(ctx)
	c.hello(ctx, "")
	ep, keys := c.register(ctx, f, channelID)
	c.send(ctx, `{"channelID":"`+channelID+`","messageType":"unregister","code":200}`)
	if m := c.read(ctx); m["messageType"] != "unregister" || m["status"] != 200.0 || m["channelID"] != channelID {
		t.Fatalf("unregister reply %v", m)
	}
	u, err := f.link.AwaitUnregister(ctx, channelID)
	if err != nil || u.Code != 200 || u.SubscriptionID == "" {
		t.Fatalf("AwaitUnregister = %+v, %v", u, err)
	}
	sub := &webpushgo.Subscription{Endpoint: ep, Keys: webpushgo.Keys{P256dh: webpush.Base64URL(keys.P256dh()), Auth: webpush.Base64URL(keys.Auth)}}
	resp, err := webpushgo.SendNotificationWithContext(ctx, []byte("x"), sub, &webpushgo.Options{
		TTL: 60, Subscriber: "mailto:test@example.com", VAPIDPublicKey: f.vapidPub, VAPIDPrivateKey: f.vapidKey})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusGone {
		t.Fatalf("push after unregister: %d", resp.StatusCode)
	}
}

func TestKnobs(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := testCtx(t)
	c := f.dial(ctx)
	uaid := c.hello(ctx, "")
	c.register(ctx, f, channelID)

	// An unknown uaid is answered with a fresh one.
	c2 := f.dial(ctx)
	if got := c2.hello(ctx, "00000000000000000000000000000000"); got == "00000000000000000000000000000000" {
		t.Error("unknown uaid echoed")
	}

	// ResetUAID: the next hello with a uaid gets a different one.
	f.link.ResetUAID()
	c3 := f.dial(ctx)
	got := c3.hello(ctx, uaid)
	if got == uaid {
		t.Fatal("ResetUAID: uaid echoed")
	}
	h, err := f.link.AwaitHello(ctx, got)
	if err != nil || !h.Reset || h.ClientUAID != uaid {
		t.Fatalf("hello record %+v, %v", h, err)
	}

	// Register failure.
	f.link.SetRegisterStatus(500)
	c3.send(ctx, `{"channelID":"`+channelID+`","messageType":"register"}`)
	if m := c3.read(ctx); m["status"] != 500.0 || m["pushEndpoint"] != nil {
		t.Fatalf("failing register reply %v", m)
	}
	f.link.SetRegisterStatus(0)

	// 4774.
	if !f.link.CloseNoReconnect(got) {
		t.Fatal("CloseNoReconnect found no connection")
	}
	_, _, err = c3.ws.Read(ctx)
	if websocket.CloseStatus(err) != CloseNoReconnect {
		t.Fatalf("close status %v (%v)", websocket.CloseStatus(err), err)
	}
}

func TestFrameBeforeHelloClosed(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := testCtx(t)
	c := f.dial(ctx)
	c.send(ctx, `{"messageType":"register","channelID":"`+channelID+`"}`)
	if _, _, err := c.ws.Read(ctx); err == nil {
		t.Fatal("connection still open after a frame before hello")
	}
	if len(f.link.Unknown()) != 1 {
		t.Errorf("unknown = %v", f.link.Unknown())
	}
}

// A client sending frames the link does not understand cannot grow it without bound: Unknown
// keeps FrameLogLimit of them and counts the rest.
func TestUnknownFramesBounded(t *testing.T) {
	f := newFixture(t, Options{FrameLogLimit: 3})
	ctx := testCtx(t)
	c := f.dial(ctx)
	c.hello(ctx, "")
	for i := 0; i < 5; i++ {
		c.send(ctx, `{"messageType":"bogus"}`)
	}
	c.send(ctx, `{}`) // frames are handled in order: the pong comes after the five
	c.read(ctx)
	if got, dropped := len(f.link.Unknown()), f.link.UnknownDropped(); got != 3 || dropped != 2 {
		t.Errorf("Unknown() has %d frames and %d were dropped, want 3 and 2", got, dropped)
	}
}
