package sender

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

func uaSubscription(t *testing.T, endpoint string) (*webpush.UAKeys, Subscription) {
	t.Helper()
	k, err := webpush.NewUAKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k, Subscription{Endpoint: endpoint, Keys: Keys{P256dh: webpush.Base64URL(k.P256dh()), Auth: webpush.Base64URL(k.Auth)}}
}

func TestRawSendsWhatTheUserAgentDecrypts(t *testing.T) {
	c := &capture{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	keys, sub := uaSubscription(t, srv.URL+"/push/r")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	vapid := testVAPID(t)
	for _, enc := range []string{"aes128gcm", "aesgcm"} {
		res, err := Raw{}.Send(ctx, Message{Subscription: sub, Payload: []byte("raw " + enc), TTL: 9, Encoding: enc, VAPID: vapid})
		if err != nil || res.Status != http.StatusCreated {
			t.Fatalf("%s: %v %v", enc, res, err)
		}
		got := c.last(t)
		var plain []byte
		if enc == "aes128gcm" {
			plain, err = webpush.Decrypt(keys, got.Body)
		} else {
			plain, err = webpush.DecryptAESGCM(keys, got.Body, got.Header.Get("Encryption"), got.Header.Get("Crypto-Key"))
		}
		if err != nil || string(plain) != "raw "+enc {
			t.Fatalf("%s: decrypted %q, %v", enc, plain, err)
		}
		v, err := webpush.ParseVAPID(got.Header.Get("Authorization"), got.Header.Get("Crypto-Key"))
		if err != nil {
			t.Fatal(err)
		}
		if p := v.Verify(webpush.VerifyOptions{Audience: srv.URL, Now: time.Now()}); len(p) != 0 {
			t.Errorf("%s: conformant raw request has VAPID problems: %+v", enc, p)
		}
	}
}

func TestRawFaultsReachTheWire(t *testing.T) {
	c := &capture{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	keys, sub := uaSubscription(t, srv.URL+"/push/f")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Raw{}.SendFaulty(ctx, Message{Subscription: sub, Payload: []byte("x"), TTL: 5}, Faults{
		Omit:    []string{"TTL"},
		Set:     http.Header{"Urgency": {"low", "high"}},
		Encrypt: &webpush.Options{FlipTag: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.last(t)
	if _, ok := got.Header["Ttl"]; ok {
		t.Error("TTL was not omitted")
	}
	if u := got.Header.Values("Urgency"); len(u) != 2 {
		t.Errorf("Urgency = %v, want two fields", u)
	}
	if _, err := webpush.Decrypt(keys, got.Body); err == nil {
		t.Error("a flipped tag must not decrypt")
	}
	if _, err := (Raw{}).SendFaulty(ctx, Message{Subscription: sub, TTL: 1}, Faults{RawTTL: "-5", Method: http.MethodPut}); err != nil {
		t.Fatal(err)
	}
	if got := c.last(t); got.Method != http.MethodPut || got.Header.Get("TTL") != "-5" || len(got.Body) != 0 {
		t.Errorf("method %s TTL %q body %d", got.Method, got.Header.Get("TTL"), len(got.Body))
	}
}
