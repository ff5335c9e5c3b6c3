package useragent

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

func newSub(t *testing.T, id string) *Subscription {
	t.Helper()
	keys, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	return NewSubscription(id, "https://push.example/"+id, nil, keys)
}

func TestSubscriptionIsBrowserShaped(t *testing.T) {
	s := newSub(t, "a")
	var j struct {
		Endpoint       string  `json:"endpoint"`
		ExpirationTime *string `json:"expirationTime"`
		Keys           struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(s.JSON(), &j); err != nil {
		t.Fatal(err)
	}
	p, err := webpush.DecodeBase64(j.Keys.P256dh)
	if err != nil || len(p) != 65 || p[0] != 4 {
		t.Errorf("p256dh %q: %d octets, %v; want a 65-octet uncompressed point", j.Keys.P256dh, len(p), err)
	}
	a, err := webpush.DecodeBase64(j.Keys.Auth)
	if err != nil || len(a) != 16 {
		t.Errorf("auth: %d octets, %v; want 16", len(a), err)
	}
	if j.Endpoint != s.Endpoint || j.ExpirationTime != nil {
		t.Errorf("JSON %s", s.JSON())
	}
	if other := newSub(t, "b"); other.P256dh == s.P256dh || other.Auth == s.Auth {
		t.Error("two subscriptions share keys")
	}
}

func TestOpenBothCodingsAndFailures(t *testing.T) {
	s := newSub(t, "a")
	body, err := webpush.Encrypt(s.WebPush(), []byte("new"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var r Received
	if code := Open(&r, s.Keys, "aes128gcm", body, "", ""); code != AckDelivered || string(r.Payload) != "new" || r.Err != "" {
		t.Errorf("aes128gcm: code %d, %+v", code, r)
	}
	old, enc, ck, err := webpush.EncryptAESGCM(s.WebPush(), []byte("draft"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r = Received{}
	if code := Open(&r, s.Keys, "aesgcm", old, enc, ck); code != AckDelivered || string(r.Payload) != "draft" {
		t.Errorf("aesgcm: code %d, %+v", code, r)
	}
	other := newSub(t, "b")
	for name, tc := range map[string]struct {
		keys   *webpush.UAKeys
		coding string
	}{"wrong keys": {other.Keys, "aes128gcm"}, "wrong coding": {s.Keys, "aesgcm"}, "no coding": {s.Keys, ""}} {
		r := Received{Payload: []byte("stale")}
		if code := Open(&r, tc.keys, tc.coding, body, "", ""); code != AckDecryptError || r.Payload != nil || r.Err == "" {
			t.Errorf("%s: code %d, %+v; want 101, no payload, an error", name, code, r)
		}
	}
}

func TestInboxOrderDuplicatesAndWaits(t *testing.T) {
	var in Inbox
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan Received, 2)
	go func() {
		for range 2 {
			r, err := in.Next(ctx, "a")
			if err != nil {
				close(got)
				return
			}
			got <- r
		}
	}()
	in.Record(Received{SubscriptionID: "b", MessageID: "m0", Attempt: 1})
	if r := in.RecordCounted(Received{SubscriptionID: "a", MessageID: "m1"}); r.Attempt != 1 {
		t.Errorf("first m1: attempt %d", r.Attempt)
	}
	if r := in.RecordCounted(Received{SubscriptionID: "a", MessageID: "m1"}); r.Attempt != 2 {
		t.Errorf("m1 again: attempt %d", r.Attempt)
	}
	for i := range 2 {
		r, ok := <-got
		if !ok || r.MessageID != "m1" || r.Attempt != i+1 {
			t.Fatalf("Next %d: %+v (%v)", i, r, ok)
		}
	}
	if err := in.AwaitCount(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if d := in.Duplicates(); len(d) != 1 || d["m1"] != 2 {
		t.Errorf("duplicates %v, want m1×2", d)
	}
	if n := len(in.For("a")); n != 2 || in.Len() != 3 || len(in.All()) != 3 {
		t.Errorf("For(a) %d, Len %d", n, in.Len())
	}
	short, cancelShort := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancelShort()
	if _, err := in.Next(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with nothing left: %v, want the context's end", err)
	}
	if err := in.AwaitCount(short, 4); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AwaitCount(4) of 3: %v", err)
	}
}

func TestInboxFoldCase(t *testing.T) {
	in := Inbox{FoldCase: true}
	in.Record(Received{SubscriptionID: "ABC-1", MessageID: "v"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r, err := in.Next(ctx, "abc-1"); err != nil || r.MessageID != "v" {
		t.Errorf("Next(abc-1) on ABC-1: %+v %v", r, err)
	}
	var exact Inbox
	exact.Record(Received{SubscriptionID: "ABC-1"})
	if n := len(exact.For("abc-1")); n != 0 {
		t.Errorf("without FoldCase, abc-1 matched ABC-1 (%d)", n)
	}
}
