package webpush

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
)

// capturedRequest is what the loopback push endpoint saw.
type capturedRequest struct {
	header http.Header
	body   []byte
	host   string
}

// loopbackEndpoint starts an httptest server that answers 201 and hands every request over.
func loopbackEndpoint(t *testing.T) (*httptest.Server, <-chan capturedRequest) {
	t.Helper()
	got := make(chan capturedRequest, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the push body: %v", err)
		}
		got <- capturedRequest{header: r.Header.Clone(), body: body, host: r.Host}
		w.Header().Set("Location", "/m/1")
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func webpushGoSubscription(endpoint string, ua *UAKeys) *webpushgo.Subscription {
	return &webpushgo.Subscription{
		Endpoint: endpoint,
		Keys:     webpushgo.Keys{Auth: Base64URL(ua.Auth), P256dh: Base64URL(ua.P256dh())},
	}
}

// TestWebpushGoToPushspec has webpush-go (the reference sender) post to a loopback endpoint and
// checks the request with this package: the body decrypts as the user agent, the VAPID header
// verifies with no problem at all, and TTL, Urgency and Topic parse.
func TestWebpushGoToPushspec(t *testing.T) {
	srv, requests := loopbackEndpoint(t)
	ua := freshKeys(t)
	vapid := freshVAPID(t)
	for _, n := range []int{0, 41, 1000, 3993} {
		message := payload(n)
		resp, err := webpushgo.SendNotification(message, webpushGoSubscription(srv.URL+"/push/abc", ua), &webpushgo.Options{
			Subscriber:      "ops@example.com",
			TTL:             60,
			Urgency:         webpushgo.UrgencyHigh,
			Topic:           "upd",
			VAPIDPublicKey:  Base64URL(vapid.Public()),
			VAPIDPrivateKey: Base64URL(vapid.PrivateBytes()),
		})
		if err != nil {
			t.Fatalf("%d octets: webpush-go: %v", n, err)
		}
		resp.Body.Close()
		req := <-requests

		if got := req.header.Get("Content-Encoding"); got != "aes128gcm" {
			t.Errorf("Content-Encoding %q", got)
		}
		m, err := DecryptMessage(ua, req.body)
		if err != nil {
			t.Fatalf("%d octets: decrypting webpush-go's body: %v", n, err)
		}
		if !bytes.Equal(m.Plaintext, message) {
			t.Fatalf("%d octets: decrypted %d octets that differ from what was sent", n, len(m.Plaintext))
		}
		// webpush-go pads every body to 4096 octets in one record.
		if len(req.body) != 4096 || m.Records != 1 || m.Padding != 4096-86-16-1-n {
			t.Errorf("%d octets: body %d octets, %d records, %d padding; want 4096, 1, %d", n, len(req.body), m.Records, m.Padding, 4096-86-16-1-n)
		}

		if ttl, err := ParseTTL(req.header); ttl != 60 || err != nil {
			t.Errorf("TTL: %d, %v", ttl, err)
		}
		if u, err := ParseUrgency(req.header); u != "high" || err != nil {
			t.Errorf("Urgency: %q, %v", u, err)
		}
		if topic, err := ParseTopic(req.header); topic != "upd" || err != nil {
			t.Errorf("Topic: %q, %v", topic, err)
		}

		v, err := ParseVAPID(req.header.Get("Authorization"), req.header.Get("Crypto-Key"))
		if err != nil {
			t.Fatalf("parsing webpush-go's Authorization: %v", err)
		}
		problems := v.Verify(VerifyOptions{
			Audience:        srv.URL, // http://127.0.0.1:port, the endpoint's origin
			Now:             time.Now(),
			SubscriptionKey: vapid.Public(),
			ECDHKey:         m.Header.KeyID,
		})
		if len(problems) != 0 {
			t.Errorf("webpush-go's VAPID token has problems: %+v", problems)
		}
		if v.Claims["sub"] != "mailto:ops@example.com" {
			t.Errorf("sub = %v", v.Claims["sub"])
		}
	}
}

// TestPushspecToPushspec sends this package's own Encrypt and Authorization output over loopback
// and reads it back with a fresh user agent key pair.
func TestPushspecToPushspec(t *testing.T) {
	srv, requests := loopbackEndpoint(t)
	ua := freshKeys(t)
	vapid := freshVAPID(t)
	message := []byte("When I grow up, I want to be a watermelon")
	body, err := Encrypt(ua.Subscription(srv.URL+"/push/abc"), message, nil)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := vapid.Authorization(srv.URL, "mailto:ops@example.com", time.Now().Add(12*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/push/abc", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("TTL", "30")
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("Authorization", auth)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := <-requests
	plain, err := Decrypt(ua, got.body)
	if err != nil || !bytes.Equal(plain, message) {
		t.Fatalf("Decrypt = %q, %v", plain, err)
	}
	v, err := ParseVAPID(got.header.Get("Authorization"), "")
	if err != nil {
		t.Fatal(err)
	}
	if problems := v.Verify(VerifyOptions{Audience: srv.URL, SubscriptionKey: vapid.Public()}); len(problems) != 0 {
		t.Errorf("problems: %+v", problems)
	}
	// A different user agent cannot read it.
	if _, err := Decrypt(freshKeys(t), got.body); err == nil {
		t.Error("another user agent decrypted the message")
	}
}
