package fakepushservice

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// FuzzPushRequest throws arbitrary header values and bodies at the push resource of a restricted
// virtual-UA subscription, in every profile: the answer is always a 2xx or a 4xx, never a panic.
func FuzzPushRequest(f *testing.F) {
	vk, _ := webpush.NewVAPIDKeys()
	servers := map[string]*Server{}
	subs := map[string]*VirtualSubscription{}
	for _, p := range allProfiles {
		s := &Server{Profile: p, NoTLS: true, Logf: func(string, ...any) {}}
		if err := s.Start(); err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { s.Close() })
		ua := s.NewVirtualUA(VirtualUAOptions{})
		vs, err := ua.Subscribe(testCtx(f), vk.Public())
		if err != nil {
			f.Fatal(err)
		}
		servers[p], subs[p] = s, vs
	}
	good, _ := webpush.Encrypt(subs["rfc"].WebPush(), []byte("hello"), nil)
	auth, _ := vk.Authorization(origin0(subs["rfc"].Endpoint), "mailto:a@b.example", time.Now().Add(time.Hour), nil)
	f.Add(uint8(0), "60", "aes128gcm", auth, "", "", "", "", good)
	f.Add(uint8(1), "-1", "aesgcm", "WebPush x.y.z", "salt=AAAA", "dh=BBBB;p256ecdsa=CCCC", "low, high", "a:b", []byte{0, 1, 2})
	f.Add(uint8(2), "99999999999999999999", "aes128gcm, gzip", "vapid t=, k=", "", "", "urgent", strings.Repeat("x", 40), good[:30])
	f.Add(uint8(3), "", "", "Bearer", "", "", "", "", []byte{})
	f.Add(uint8(4), "1.5", "AES128GCM", "vapid t=a.b.c, k=BAAA", "rs=0", "dh=", "high", "ab==", append(good, 0))
	f.Fuzz(func(t *testing.T, which uint8, ttl, ce, authz, encr, ck, urg, topic string, body []byte) {
		p := allProfiles[int(which)%len(allProfiles)]
		s, vs := servers[p], subs[p]
		req := httptest.NewRequest("POST", vs.Endpoint, bytes.NewReader(body))
		for k, v := range map[string]string{"TTL": ttl, "Content-Encoding": ce, "Authorization": authz, "Encryption": encr, "Crypto-Key": ck, "Urgency": urg, "Topic": topic} {
			if v != "" {
				req.Header[http.CanonicalHeaderKey(k)] = []string{v}
			}
		}
		if which&0x80 != 0 {
			req.Header.Set("Prefer", "respond-async")
			req.Header.Set("Link", "<"+topic+">; rel=\"urn:ietf:params:push:receipt\"")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code/100 != 2 && w.Code/100 != 4 {
			t.Fatalf("%s: status %d: %s", p, w.Code, w.Body)
		}
		if w.Code >= 400 && w.Header().Get("Pushspec-Rule") == "" {
			t.Fatalf("%s: %d without Pushspec-Rule", p, w.Code)
		}
	})
}
