package fakepushservice

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pushspec/pushspec/webpush"
)

// The link contract end to end: a link-created subscription, an aesgcm message with the draft
// WebPush VAPID scheme (autopush profile accepts it), delivered with its Encryption and Crypto-Key
// (dh only: the VAPID key and the JWT never reach the UA), observed through OnDelivery and
// AwaitDelivery, acked, receipt-less.
func TestLinkContract(t *testing.T) {
	var hooked atomic.Int32
	s := newTestServer(t, &Server{Profile: "autopush", NoTLS: true, OnDelivery: func(DeliveryRecord) { hooked.Add(1) }})
	ctx := testCtx(t)
	snd := newSender(t)
	keys, _ := webpush.NewUAKeys()
	sub, err := s.CreateSubscription(SubscriptionSpec{UA: "autopush:uaid-1", Link: LinkAutopush, AppServerKey: snd.vapid.Public(), LinkRef: "channel-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sub.Endpoint, s.URL()+"/push/") || len(sub.ID) != 64 || sub.Link != LinkAutopush {
		t.Fatalf("%+v", sub)
	}
	vs := &VirtualSubscription{ID: sub.ID, Endpoint: sub.Endpoint, P256dh: webpush.Base64URL(keys.P256dh()), Auth: webpush.Base64URL(keys.Auth), Keys: keys}
	conn := &chanConn{ch: make(chan Delivery, 4)}
	disconnect := s.Connect("autopush:uaid-1", conn, ConnectOptions{})
	defer disconnect()
	r := snd.send(vs, msg{aesgcm: true, sign: &webpush.SignOptions{Scheme: webpush.SchemeWebPush}, header: map[string]string{"Topic": "t1", "Urgency": "high"}})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	rec, err := s.AwaitDelivery(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := conn.next(t, ctx)
	if d.MessageID != rec.MessageID || d.LinkRef != "channel-1" || d.Attempt != 1 || d.ContentEncoding != "aesgcm" {
		t.Fatalf("%+v", d)
	}
	if !strings.Contains(d.CryptoKey, "dh=") || strings.Contains(strings.ToLower(d.CryptoKey), "p256ecdsa") || !strings.Contains(d.Encryption, "salt=") {
		t.Fatalf("Crypto-Key %q Encryption %q", d.CryptoKey, d.Encryption)
	}
	plain := d
	plain.Body, plain.Encryption, plain.CryptoKey = nil, "", "" // random octets could spell anything
	all := fmt.Sprintf("%+v", d) + fmt.Sprintf("%+v", plain)
	if strings.Contains(all, webpush.Base64URL(snd.vapid.Public())) || strings.Contains(fmt.Sprintf("%+v", plain), "t1") || strings.Contains(fmt.Sprintf("%+v", plain), "high") {
		t.Fatalf("VAPID key, Topic or Urgency forwarded: %s", all)
	}
	pt, err := webpush.DecryptAESGCM(keys, d.Body, d.Encryption, d.CryptoKey)
	if err != nil || string(pt) != "hello" {
		t.Fatalf("%q %v", pt, err)
	}
	s.Ack("autopush:uaid-1", d.MessageID, AckDelivered, map[string]string{"frame": `{"messageType":"ack"}`})
	if code, err := s.AwaitAck(ctx, d.MessageID); err != nil || code != AckDelivered {
		t.Fatal(code, err)
	}
	if hooked.Load() != 1 {
		t.Fatalf("OnDelivery called %d times", hooked.Load())
	}
	// Another UA cannot ack it; an unknown ack is recorded as such.
	s.Ack("autopush:other", "nope", AckDelivered, nil)
	if a := s.Acks(); len(a) != 2 || a[1].Known {
		t.Fatalf("%+v", a)
	}
	// Unsubscribe: autopush profile answers 410 errno 106.
	if err := s.Unsubscribe(sub.ID, "UA unregistered"); err != nil {
		t.Fatal(err)
	}
	if r := snd.send(vs, msg{}); r.status != 410 || !strings.Contains(string(r.body), `"errno":106`) {
		t.Fatalf("after unsubscribe: %d %s", r.status, r.body)
	}
	if _, err := s.CreateSubscription(SubscriptionSpec{}); err == nil {
		t.Fatal("subscription without UA accepted")
	}
	if _, err := s.CreateSubscription(SubscriptionSpec{UA: "x", AppServerKey: []byte{4, 1}}); err == nil {
		t.Fatal("short applicationServerKey accepted")
	}
}
