package fakepushservice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawPush posts an opaque body (the store does not care whether it decrypts) to an unrestricted
// subscription with the given headers and returns status, Location and the message ID.
func rawPush(t *testing.T, endpoint string, hdr map[string]string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader("opaque-ciphertext"))
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("TTL", "60")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	return resp.StatusCode, loc, loc[strings.LastIndex(loc, "/")+1:]
}

type storeFixture struct {
	s     *Server
	clock *fakeClock
	sub   *Subscription
	ua    string
}

func newStoreFixture(t *testing.T) *storeFixture {
	clock := newFakeClock()
	s := newTestServer(t, &Server{NoTLS: true, Clock: clock.Now})
	sub, err := s.CreateSubscription(SubscriptionSpec{UA: "test:ua", Link: LinkVirtual, LinkRef: "ref"})
	if err != nil {
		t.Fatal(err)
	}
	return &storeFixture{s: s, clock: clock, sub: sub, ua: "test:ua"}
}

func (f *storeFixture) push(t *testing.T, hdr map[string]string) string {
	t.Helper()
	st, _, id := rawPush(t, f.sub.Endpoint, hdr)
	if st != 201 {
		t.Fatalf("push: status %d", st)
	}
	return id
}

func (f *storeFixture) connect(opts ConnectOptions) (*chanConn, func()) {
	c := &chanConn{ch: make(chan Delivery, 100)}
	return c, f.s.Connect(f.ua, c, opts)
}

// expectOnly takes deliveries until it has the wanted IDs in that order, acking each, then checks
// that the store is empty and that nothing else was delivered.
func (f *storeFixture) expectOnly(t *testing.T, ctx context.Context, c *chanConn, ids ...string) {
	t.Helper()
	for _, id := range ids {
		d := c.next(t, ctx)
		if d.MessageID != id {
			t.Fatalf("got message %s, want %s", d.MessageID, id)
		}
		f.s.Ack(f.ua, d.MessageID, AckDelivered, nil)
	}
	if err := f.s.await(ctx, func() bool { return f.s.store.len() == 0 }); err != nil {
		t.Fatal("store never emptied")
	}
	c.none(t)
}

func TestStoreTTLExpiry(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	short := f.push(t, map[string]string{"TTL": "10"})
	f.clock.Advance(11 * time.Second)
	sentinel := f.push(t, map[string]string{"TTL": "60"})
	c, done := f.connect(ConnectOptions{})
	defer done()
	f.expectOnly(t, ctx, c, sentinel)
	for _, d := range f.s.Deliveries() {
		if d.MessageID == short {
			t.Fatal("expired message delivered")
		}
	}
}

func TestStoreTTLZero(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	// Offline: dropped, although accepted with 201.
	f.push(t, map[string]string{"TTL": "0"})
	if n := len(f.s.Stored()); n != 0 {
		t.Fatalf("TTL 0 to an offline UA stored (%d)", n)
	}
	sentinel := f.push(t, nil)
	c, done := f.connect(ConnectOptions{})
	defer done()
	f.expectOnly(t, ctx, c, sentinel)
	// Online: delivered at once.
	zero := f.push(t, map[string]string{"TTL": "0"})
	f.expectOnly(t, ctx, c, zero)
}

func TestStoreTopicReplacement(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	st, locA, a := rawPush(t, f.sub.Endpoint, map[string]string{"Topic": "upd"})
	_, locB, b := rawPush(t, f.sub.Endpoint, map[string]string{"Topic": "upd"})
	if st != 201 || locA == locB {
		t.Fatalf("locations %q %q", locA, locB)
	}
	x := f.push(t, map[string]string{"Topic": "other"})
	y := f.push(t, nil)
	c, done := f.connect(ConnectOptions{})
	defer done()
	f.expectOnly(t, ctx, c, b, x, y)
	for _, d := range f.s.Deliveries() {
		if d.MessageID == a {
			t.Fatal("replaced message delivered")
		}
		if strings.Contains(fmt.Sprintf("%+v", d.Delivery), "upd") || strings.Contains(fmt.Sprintf("%+v", d.Delivery), "other") {
			t.Fatalf("topic forwarded: %+v", d.Delivery)
		}
	}
}

func TestStoreTopicReplacesTTL(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	f.push(t, map[string]string{"Topic": "t", "TTL": "600"})
	f.push(t, map[string]string{"Topic": "t", "TTL": "2"})
	f.clock.Advance(4 * time.Second)
	sentinel := f.push(t, nil)
	c, done := f.connect(ConnectOptions{})
	defer done()
	f.expectOnly(t, ctx, c, sentinel)
}

func TestStoreUrgencyFilter(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	c, done := f.connect(ConnectOptions{MinUrgency: "high"})
	low := f.push(t, map[string]string{"Urgency": "low"})
	normal := f.push(t, nil) // counts as normal
	high := f.push(t, map[string]string{"Urgency": "high"})
	f.expectOnlyKeep(t, ctx, c, high)
	if n := len(f.s.Stored()); n != 2 {
		t.Fatalf("%d stored, want the low and normal ones", n)
	}
	done()
	c2, done2 := f.connect(ConnectOptions{MinUrgency: "normal"})
	f.expectOnlyKeep(t, ctx, c2, normal)
	done2()
	c3, done3 := f.connect(ConnectOptions{})
	defer done3()
	f.expectOnly(t, ctx, c3, low)
	for _, d := range f.s.Deliveries() {
		if strings.Contains(fmt.Sprintf("%+v", d.Delivery), "high") {
			t.Fatalf("urgency forwarded: %+v", d.Delivery)
		}
	}
}

// expectOnlyKeep is expectOnly without requiring an empty store: it waits until the connection's
// loop has looked at the store after the last delivery.
func (f *storeFixture) expectOnlyKeep(t *testing.T, ctx context.Context, c *chanConn, ids ...string) {
	t.Helper()
	for _, id := range ids {
		d := c.next(t, ctx)
		if d.MessageID != id {
			t.Fatalf("got %s, want %s", d.MessageID, id)
		}
		f.s.Ack(f.ua, d.MessageID, AckDelivered, nil)
	}
	c.none(t)
}

func TestStoreRedeliveryAfterReconnect(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	c, done := f.connect(ConnectOptions{})
	id := f.push(t, nil)
	d := c.next(t, ctx)
	if d.MessageID != id || d.Attempt != 1 {
		t.Fatalf("%+v", d)
	}
	done() // no ack
	c2, done2 := f.connect(ConnectOptions{})
	defer done2()
	d2 := c2.next(t, ctx)
	if d2.MessageID != id || d2.Attempt != 2 || string(d2.Body) != string(d.Body) {
		t.Fatalf("redelivery %+v", d2)
	}
	f.s.Ack(f.ua, id, AckDelivered, nil)
	f.expectOnly(t, ctx, c2)
}

func TestStoreNewestConnectionWins(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	a, doneA := f.connect(ConnectOptions{})
	defer doneA()
	b, doneB := f.connect(ConnectOptions{})
	defer doneB()
	id := f.push(t, nil)
	f.expectOnly(t, ctx, b, id)
	a.none(t)
}

func TestStoreDeliverErrorKeepsMessage(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	bad := &chanConn{err: errors.New("socket gone")}
	f.s.Connect(f.ua, bad, ConnectOptions{})
	id := f.push(t, nil)
	if err := f.s.await(ctx, func() bool { return !f.s.Connected(f.ua) }); err != nil {
		t.Fatal("failed connection not dropped")
	}
	if st := f.s.Stored(); len(st) != 1 || st[0].ID != id {
		t.Fatalf("stored %+v", st)
	}
	c, done := f.connect(ConnectOptions{})
	defer done()
	f.expectOnly(t, ctx, c, id)
}

func TestStoreDeleteMessage(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	_, loc, _ := rawPush(t, f.sub.Endpoint, nil)
	del := func() int {
		req, _ := http.NewRequest("DELETE", loc, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := del(); st != 204 {
		t.Fatalf("DELETE: %d", st)
	}
	if st := del(); st != 404 {
		t.Fatalf("second DELETE: %d", st)
	}
	sentinel := f.push(t, nil)
	c, done := f.connect(ConnectOptions{})
	defer done()
	f.expectOnly(t, ctx, c, sentinel)
}

func TestStoreUnsubscribeDropsMessages(t *testing.T) {
	f := newStoreFixture(t)
	f.push(t, nil)
	if err := f.s.Unsubscribe(f.sub.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.s.Stored()); n != 0 {
		t.Fatalf("%d stored after unsubscribe", n)
	}
	st, _, _ := rawPushStatus(t, f.sub.Endpoint)
	if st != 404 {
		t.Fatalf("push after unsubscribe: %d", st)
	}
}

func rawPushStatus(t *testing.T, endpoint string) (int, string, string) {
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader("x"))
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("TTL", "60")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, "", ""
}

func TestReceipts(t *testing.T) {
	f := newStoreFixture(t)
	ctx := testCtx(t)
	req, _ := http.NewRequest("POST", f.sub.Endpoint, strings.NewReader("x"))
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("TTL", "60")
	req.Header.Set("Prefer", "respond-async")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	link := resp.Header.Get("Link")
	if resp.StatusCode != 202 || !strings.Contains(link, `rel="urn:ietf:params:push:receipt"`) {
		t.Fatalf("%d %q", resp.StatusCode, link)
	}
	receiptURL := link[strings.Index(link, "<")+1 : strings.Index(link, ">")]
	rid := receiptURL[strings.LastIndex(receiptURL, "/")+1:]
	loc := resp.Header.Get("Location")
	msgID := loc[strings.LastIndex(loc, "/")+1:]

	// Reusing the receipt subscription is accepted.
	req2, _ := http.NewRequest("POST", f.sub.Endpoint, strings.NewReader("y"))
	req2.Header.Set("Content-Encoding", "aes128gcm")
	req2.Header.Set("TTL", "1")
	req2.Header.Set("Prefer", "respond-async")
	req2.Header.Set("Link", "<"+receiptURL+`>; rel="urn:ietf:params:push:receipt"`)
	resp2, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 202 || resp2.Header.Get("Link") != link {
		t.Fatalf("reuse: %d %q", resp2.StatusCode, resp2.Header.Get("Link"))
	}
	loc2 := resp2.Header.Get("Location")
	msg2 := loc2[strings.LastIndex(loc2, "/")+1:]

	// Long poll in the background while the UA acks the first; the second expires.
	type got struct {
		body string
		err  error
	}
	ch := make(chan got, 1)
	go func() {
		r, err := http.Get(receiptURL + "?wait=20")
		if err != nil {
			ch <- got{err: err}
			return
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		ch <- got{body: string(b)}
	}()
	c, done := f.connect(ConnectOptions{})
	defer done()
	d := c.next(t, ctx)
	if d.MessageID != msgID {
		t.Fatalf("got %s", d.MessageID)
	}
	f.s.Ack(f.ua, d.MessageID, AckDelivered, nil)
	select {
	case g := <-ch:
		if g.err != nil || !strings.Contains(g.body, `"status":204`) || !strings.Contains(g.body, msgID) {
			t.Fatalf("long poll: %v %s", g.err, g.body)
		}
	case <-ctx.Done():
		t.Fatal("long poll never answered")
	}
	if _, err := f.s.AwaitReceipt(ctx, rid, msgID); err != nil {
		t.Fatal(err)
	}
	d2 := c.next(t, ctx) // the second one, not acked; let it expire
	if d2.MessageID != msg2 {
		t.Fatalf("got %s", d2.MessageID)
	}
	f.clock.Advance(2 * time.Second)
	f.s.Kick()
	r, err := f.s.AwaitReceipt(ctx, rid, msg2)
	if err != nil || r.Status != 410 {
		t.Fatalf("receipt %+v %v", r, err)
	}
}

// Nothing lost, nothing delivered twice to one connection, while the UA flaps.
func TestStoreNothingLostWhileFlapping(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true})
	ctx := testCtx(t)
	ua := s.NewVirtualUA(VirtualUAOptions{})
	defer ua.Close()
	snd := newSender(t)
	vs, err := ua.Subscribe(ctx, snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	want := map[string]string{}
	for i := 0; i < n; i++ {
		if i%10 == 3 {
			ua.Disconnect()
		}
		if i%10 == 7 {
			ua.Reconnect()
		}
		pt := fmt.Sprintf("m%03d", i)
		r := snd.send(vs, msg{plaintext: []byte(pt)})
		if r.status != 201 {
			t.Fatalf("%d: %d %s", i, r.status, r.body)
		}
		loc := r.header.Get("Location")
		want[loc[strings.LastIndex(loc, "/")+1:]] = pt
	}
	ua.Reconnect()
	if err := s.await(ctx, func() bool { return s.store.len() == 0 }); err != nil {
		t.Fatalf("store never emptied: %d left", len(s.Stored()))
	}
	got := map[string]string{}
	for _, r := range ua.Received() {
		if r.Err != "" {
			t.Fatalf("decrypt: %s", r.Err)
		}
		got[r.MessageID] = string(r.Payload)
	}
	for id, pt := range want {
		if got[id] != pt {
			t.Errorf("message %s: got %q want %q", id, got[id], pt)
		}
	}
	perConn := map[string]bool{}
	for _, d := range s.Deliveries() {
		k := fmt.Sprint(d.Conn, d.MessageID)
		if d.Err == "" && perConn[k] {
			t.Errorf("message %s delivered twice on connection %d", d.MessageID, d.Conn)
		}
		perConn[k] = true
	}
}

func TestAcceptedStatusKnob(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true, AcceptedStatus: 202})
	sub, _ := s.CreateSubscription(SubscriptionSpec{UA: "test:x", Link: LinkVirtual})
	st, loc, _ := rawPush(t, sub.Endpoint, nil)
	if st != 202 || loc == "" {
		t.Fatalf("%d %q", st, loc)
	}
}

// AwaitSubscription returns once the subscription reaches the state, and with the context's
// error and the state it saw when it does not.
func TestAwaitSubscription(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true})
	ua := s.NewVirtualUA(VirtualUAOptions{})
	defer ua.Close()
	vs, err := ua.Subscribe(testCtx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if state, err := s.AwaitSubscription(short, vs.ID, SubUnsubscribed); err == nil || state != SubActive {
		t.Fatalf("an active subscription: %q, %v; want active and the context's error", state, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.AwaitSubscription(testCtx(t), vs.ID, SubUnsubscribed)
		done <- err
	}()
	if err := ua.Unsubscribe(vs.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("after Unsubscribe: %v", err)
	}
}
