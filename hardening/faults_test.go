package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
	"github.com/coder/websocket"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/webpush"
)

// burstSender posts n messages with empty bodies (TTL 3600) to endpoint from one goroutine and
// returns the accepted message IDs in order.
func burst(ctx context.Context, t *testing.T, endpoint string, n int) []string {
	var ids []string
	for i := 0; i < n; i++ {
		req, _ := http.NewRequestWithContext(ctx, "POST", endpoint, nil)
		req.Header.Set("TTL", "3600")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("push %d: %v", i, err)
			return ids
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Errorf("push %d: %d", i, resp.StatusCode)
			return ids
		}
		loc := resp.Header.Get("Location")
		ids = append(ids, loc[strings.LastIndex(loc, "/")+1:])
	}
	return ids
}

// apClient plays Firefox's push client over the autopush protocol.
type apClient struct {
	ws *websocket.Conn
}

func apDial(ctx context.Context, t *testing.T, l *autopush.Link, uaid string) (*apClient, string) {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, l.URL(), &websocket.DialOptions{Subprotocols: []string{autopush.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	hello := `{"messageType":"hello","use_webpush":true`
	if uaid != "" {
		hello += `,"uaid":"` + uaid + `"`
	}
	ws.Write(ctx, websocket.MessageText, []byte(hello+`}`))
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ UAID string }
	json.Unmarshal(b, &h)
	return &apClient{ws}, h.UAID
}

// TestAutopushLinkCutMidBurst: a client playing Firefox acks every notification; after it has
// taken a third of a 300-message burst the service drops its WebSocket (Link.Drop, what the
// harness does to Firefox). The client reconnects with its uaid. Every accepted message must be
// delivered and acked in the end; a message is sent again only if the service had no ack for it
// when the link dropped (RFC 8030 §6.2: redelivery of unacknowledged messages). Acks still in
// the dying connection are lost with it, so at-least-once is the contract, not exactly-once: the
// client (Firefox) sees those again.
func TestAutopushLinkCutMidBurst(t *testing.T) {
	s, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	link, err := autopush.Attach(s, autopush.Options{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, uaid := apDial(ctx, t, link, "")
	c.ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"register","channelID":"c1"}`))
	_, b, _ := c.ws.Read(ctx)
	var reg struct{ PushEndpoint string }
	json.Unmarshal(b, &reg)

	const n = 300
	var ids []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		ids = burst(ctx, t, reg.PushEndpoint, n)
	}()
	acked := map[string]bool{}
	received := map[string]int{}
	serverAcked := map[string]bool{} // acks the service had recorded when the link dropped
	cuts := 0
	for len(acked) < n {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("%d of %d acked before the deadline", len(acked), n)
			}
			// The link dropped us: reconnect with the same uaid, as Firefox does.
			c.ws.CloseNow()
			var got string
			c, got = apDial(ctx, t, link, uaid)
			if got != uaid {
				t.Fatalf("reconnect got uaid %q, want %q", got, uaid)
			}
			continue
		}
		var m struct{ MessageType, Version string }
		json.Unmarshal(b, &m)
		if m.MessageType != "notification" {
			continue
		}
		received[m.Version]++
		acked[m.Version] = true
		c.ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"ack","updates":[{"channelID":"c1","version":"`+m.Version+`","code":100}]}`))
		if len(acked) == n/3 && cuts == 0 {
			cuts++
			link.Drop(uaid)
			for _, a := range s.Acks() {
				serverAcked[a.MessageID] = true
			}
		}
	}
	<-done
	c.ws.CloseNow()
	if len(ids) != n {
		t.Fatalf("%d of %d accepted", len(ids), n)
	}
	again, ackLost := 0, 0
	for _, id := range ids {
		if received[id] == 0 {
			t.Errorf("message %s lost", id)
		}
		if received[id] > 1 {
			again++
			if serverAcked[id] {
				t.Errorf("message %s came again although the service had its ack before the cut", id)
			}
		}
	}
	for id := range acked {
		if received[id] > 1 && !serverAcked[id] {
			ackLost++ // the client acked, the ack frame died with the connection
		}
	}
	if cuts != 1 {
		t.Fatalf("the link was cut %d times", cuts)
	}
	// After the acks everything leaves the store.
	for _, id := range ids {
		if _, err := s.AwaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("LINKCUT autopush: %d messages, link dropped after %d acks, reconnect with the same uaid; lost 0; sent again %d (%d of them acked by the client but the ack died with the link), none whose ack the service had", n, n/3, again, ackLost)
}

// TestVirtualUAAwayLongerThanTTL: a user agent offline while time moves past a message's TTL
// never gets that message; one with a longer TTL is delivered when it comes back, once.
func TestVirtualUAAwayLongerThanTTL(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Clock: clock, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{Offline: true})
	defer ua.Close()
	vs, err := ua.Subscribe(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(ttl, payload string) string {
		body, _ := webpush.Encrypt(vs.WebPush(), []byte(payload), nil)
		req, _ := http.NewRequest("POST", vs.Endpoint, bytes.NewReader(body))
		req.Header.Set("TTL", ttl)
		req.Header.Set("Content-Encoding", "aes128gcm")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("push TTL %s: %v %v", ttl, resp, err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		return loc[strings.LastIndex(loc, "/")+1:]
	}
	short := send("60", "short-lived")
	long := send("3600", "long-lived")
	mu.Lock()
	now = now.Add(61 * time.Second) // away longer than the first message's TTL
	mu.Unlock()
	ua.Reconnect()
	r, err := ua.AwaitMessage(ctx, vs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.MessageID != long || string(r.Payload) != "long-lived" {
		t.Fatalf("first delivery after the reconnect: %s %q, want the long-lived message", r.MessageID, r.Payload)
	}
	s.Kick() // the store looks again; nothing more may come
	for _, st := range s.Stored() {
		if st.ID == short {
			t.Fatalf("the expired message is still stored")
		}
	}
	for _, got := range ua.Received() {
		if got.MessageID == short {
			t.Fatalf("a message whose TTL ran out while the UA was away was delivered")
		}
	}
	dropped := false
	for _, e := range s.Events() {
		dropped = dropped || (e.Kind == "drop" && e.Message == short)
	}
	if !dropped {
		t.Errorf("no drop event for the expired message")
	}
	t.Logf("TTL away 61 s: the 60 s message was dropped, never delivered; the 3600 s message delivered once")
}

// faultOutcome is what one sender saw for one injected fault.
type faultOutcome struct {
	Sender, Fault string
	Status        int
	Err           string
	Attempts      int // requests that reached the service for this one send
	Elapsed       time.Duration
}

// TestSendersUnderFaults injects each fault into the next push request and records how each
// sender reacts (status seen, error, retries, time): 429 + Retry-After, 503, 500, a 1 s delay and
// a dropped connection. The service must answer exactly what was injected, the sender must return
// (no hang), and the next request without a fault must succeed. The table is docs/reliability.md's.
func TestSendersUnderFaults(t *testing.T) {
	s, err := fakepushservice.NewServer(&fakepushservice.Server{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	vapidPriv, vapidPub, _ := webpushgo.GenerateVAPIDKeys()
	vapidPubBytes, _ := webpush.DecodeBase64(vapidPub)
	ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
	defer ua.Close()
	vs, err := ua.Subscribe(ctx, vapidPubBytes)
	if err != nil {
		t.Fatal(err)
	}
	client, err := sender.HTTPClient(s.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	senders := []sender.Sender{sender.WebpushGo{Client: client}}
	if _, err := os.Stat("../.cache/npm/node_modules/web-push"); err == nil {
		senders = append(senders, sender.Node{CAFile: s.CAFile()})
	} else {
		t.Logf("npm web-push not installed (make deps): only webpush-go is exercised")
	}
	httpsEndpoint := s.TLSURL() + strings.TrimPrefix(vs.Endpoint, s.URL())
	faults := []struct {
		name string
		f    fakepushservice.Fault
		want int // status the sender must see; 0: a transport error
	}{
		{"429 Retry-After 30", fakepushservice.Fault{Status: 429, RetryAfter: 30}, 429},
		{"503", fakepushservice.Fault{Status: 503, RetryAfter: 1}, 503},
		{"500", fakepushservice.Fault{Status: 500}, 500},
		{"1 s delay", fakepushservice.Fault{Delay: time.Second}, 201},
		{"dropped connection", fakepushservice.Fault{Drop: true}, 0},
	}
	var table []faultOutcome
	for _, snd := range senders {
		for _, fc := range faults {
			before := len(s.Requests())
			s.AddFault(fakepushservice.FaultRule{Fault: fc.f, Subscription: vs.ID, Count: 1})
			msg := sender.Message{
				Subscription: sender.Subscription{Endpoint: httpsEndpoint, Keys: sender.Keys{P256dh: vs.P256dh, Auth: vs.Auth}},
				Payload:      []byte("fault " + fc.name), TTL: 60,
				VAPID: &sender.VAPID{Public: vapidPub, Private: vapidPriv, Subject: "mailto:faults@example.com"},
			}
			t0 := time.Now()
			sctx, scancel := context.WithTimeout(ctx, 60*time.Second)
			res, err := snd.Send(sctx, msg)
			scancel()
			o := faultOutcome{Sender: snd.Name(), Fault: fc.name, Elapsed: time.Since(t0)}
			if err != nil {
				o.Err = err.Error()
			} else {
				o.Status = res.Status
				if res.Status == 0 && res.Output != "" {
					o.Err = strings.TrimSpace(res.Output)
				}
			}
			for _, r := range s.Requests()[before:] {
				if r.SubscriptionID == vs.ID {
					o.Attempts++
				}
			}
			table = append(table, o)
			switch {
			case fc.want == 0 && o.Status != 0:
				t.Errorf("%s, %s: status %d, want a transport error", o.Sender, fc.name, o.Status)
			case fc.want != 0 && o.Status != fc.want:
				t.Errorf("%s, %s: status %d (%s), want %d", o.Sender, fc.name, o.Status, o.Err, fc.want)
			}
			s.ClearFaults()
			// The next send without a fault goes through.
			msg.Payload = []byte("after " + fc.name)
			if res, err := snd.Send(ctx, msg); err != nil || res.Status != 201 {
				t.Errorf("%s after %s: %v %v", snd.Name(), fc.name, res, err)
			}
		}
	}
	for _, o := range table {
		e := o.Err
		if len(e) > 70 {
			e = e[:70] + "…"
		}
		t.Logf("FAULT | %s | %s | status %d | attempts %d | %v | %s", o.Sender, o.Fault, o.Status, o.Attempts, o.Elapsed.Round(10*time.Millisecond), e)
	}
}

// TestFaultDelayHoldsRequest shows that Fault.Delay holds the request, by events rather than by
// time: a request given a delay of an hour is seen by the service (the OnRequest hook fires) and
// then stays unanswered and unstored while a second request to the same subscription is
// answered and delivered; only when its client gives up does it end. Without the delay, the
// first request, which arrived first, would be answered and delivered first.
func TestFaultDelayHoldsRequest(t *testing.T) {
	arrived := make(chan struct{}, 8)
	s, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: func(string, ...any) {},
		OnRequest: func(*fakepushservice.Request) *fakepushservice.Fault { arrived <- struct{}{}; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
	defer ua.Close()
	vs, err := ua.Subscribe(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	post := func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", vs.Endpoint, nil)
		req.Header.Set("TTL", "60")
		return http.DefaultClient.Do(req)
	}

	s.AddFault(fakepushservice.FaultRule{Fault: fakepushservice.Fault{Delay: time.Hour}, Subscription: vs.ID, Count: 1})
	heldCtx, giveUp := context.WithCancel(ctx)
	held := make(chan error, 1)
	go func() {
		resp, err := post(heldCtx)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("answered %d", resp.StatusCode)
		}
		held <- err
	}()
	select {
	case <-arrived:
	case <-ctx.Done():
		t.Fatal("the delayed request never reached the service")
	}

	resp, err := post(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-arrived
	if resp.StatusCode != 201 {
		t.Fatalf("the request after the delayed one: %d, want 201", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	second := loc[strings.LastIndex(loc, "/")+1:]
	got, err := ua.AwaitMessage(ctx, vs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.MessageID != second {
		t.Errorf("the first delivery is message %s, not the second request's %s: the delayed request went through", got.MessageID, second)
	}
	select {
	case err := <-held:
		t.Fatalf("the delayed request ended before its client gave up: %v", err)
	default:
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests recorded as finished while the delayed one is held, want 1", n)
	}

	giveUp()
	if err := <-held; !errors.Is(err, context.Canceled) {
		t.Errorf("the delayed request ended with %v, want the client's cancellation", err)
	}
}
