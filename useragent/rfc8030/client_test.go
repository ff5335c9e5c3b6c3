package rfc8030

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/useragent"
	"github.com/pushspec/pushspec/webpush"
)

func TestLinks(t *testing.T) {
	h := http.Header{"Link": {`</push/a>; rel="urn:ietf:params:push", <https://x.example/s,1>; rel="other urn:ietf:params:push:set"`,
		`<http://y.example/p>;rel=urn:ietf:params:push`}}
	base, _ := url.Parse("https://push.example/subscribe")
	if got := Links(h, RelPush, base); len(got) != 2 || got[0] != "https://push.example/push/a" || got[1] != "http://y.example/p" {
		t.Errorf("push links: %q", got)
	}
	if got := Links(h, RelPushSet, nil); len(got) != 1 || got[0] != "https://x.example/s,1" {
		t.Errorf("set links: %q", got)
	}
}

// TestReceive: a pushed message becomes the shared user agent's record, decrypted by its
// Content-Encoding with the subscription's keys; what cannot be decrypted says why.
func TestReceive(t *testing.T) {
	keys, err := useragent.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	sub := &Subscription{Subscription: *useragent.NewSubscription("https://push.example/s/1", "https://push.example/p/1", nil, keys),
		Resource: "https://push.example/s/1", PushResource: "https://push.example/p/1"}
	body, err := webpush.Encrypt(sub.WebPush(), []byte("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	old, enc, ck, err := webpush.EncryptAESGCM(sub.WebPush(), []byte("draft"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		p       *Push
		payload string
		err     string
	}{
		"aes128gcm":                {&Push{Path: "/m/1", Header: http.Header{"Content-Encoding": {"AES128GCM"}}, Body: body}, "hello", ""},
		"aesgcm":                   {&Push{Path: "/m/2", Header: http.Header{"Content-Encoding": {"aesgcm"}, "Encryption": {enc}, "Crypto-Key": {ck}}, Body: old}, "draft", ""},
		"no coding":                {&Push{Path: "/m/3", Header: http.Header{}, Body: body}, "", "content coding"},
		"reset":                    {&Push{Path: "/m/4", Header: http.Header{"Content-Encoding": {"aes128gcm"}}, Err: errors.New("stream reset")}, "", "stream reset"},
		"aes128gcm body as aesgcm": {&Push{Path: "/m/5", Header: http.Header{"Content-Encoding": {"aesgcm"}, "Encryption": {enc}, "Crypto-Key": {ck}}, Body: body}, "", "rfc8030"},
	} {
		r := sub.Receive(tc.p)
		if r.SubscriptionID != sub.Resource || r.MessageID != tc.p.Path || string(r.Payload) != tc.payload ||
			(tc.err == "") != (r.Err == "") || !strings.Contains(r.Err, tc.err) || r.HasBody != (len(tc.p.Body) > 0) {
			t.Errorf("%s: %+v", name, r)
		}
	}
}
