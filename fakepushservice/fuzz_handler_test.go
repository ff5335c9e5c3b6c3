package fakepushservice

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// Hardening fuzz targets (docs/reliability.md): the whole Server handler — push resource, message
// resource, receipts, control API, /_pushspec/ and unknown routes — gets an arbitrary method,
// path, header block and body. It must never panic, never answer 5xx, and every error answer of
// the rfc profile must be JSON. FuzzControlJSON aims the body at the control API's JSON routes.

var hzToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// hzHeaders parses "Name: value" lines, keeping only what net/http's server would let through
// (a token name, a value without CR, LF or NUL): the handler never sees anything else.
func hzHeaders(block string) http.Header {
	h := http.Header{}
	sc := bufio.NewScanner(strings.NewReader(block))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || !hzToken.MatchString(name) || strings.ContainsAny(value, "\r\n\x00") {
			continue
		}
		h[http.CanonicalHeaderKey(name)] = append(h[http.CanonicalHeaderKey(name)], strings.TrimSpace(value))
	}
	return h
}

type hzFixture struct {
	s       *Server
	paths   []string
	auth    string
	goodMsg []byte
}

func newHzFixture(f *testing.F) *hzFixture {
	s := &Server{NoTLS: true, MaxRecorded: 200, Logf: func(string, ...any) {}}
	if err := s.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	vk, _ := webpush.NewVAPIDKeys()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ua := s.NewVirtualUA(VirtualUAOptions{})
	f.Cleanup(ua.Close)
	restricted, err := ua.Subscribe(ctx, vk.Public())
	if err != nil {
		f.Fatal(err)
	}
	open, err := ua.Subscribe(ctx, nil)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := webpush.Encrypt(restricted.WebPush(), []byte("hello"), nil)
	auth, _ := vk.Authorization(s.URL(), "mailto:a@b.example", time.Now().Add(time.Hour), nil)
	rp := strings.TrimPrefix(restricted.Endpoint, s.URL())
	op := strings.TrimPrefix(open.Endpoint, s.URL())
	return &hzFixture{s: s, auth: auth, goodMsg: good, paths: []string{
		rp, op, "/wp/" + restricted.ID, "/fcm/send/" + open.ID, "/notify/" + open.ID, "/push/",
		"/m/", "/receipts/", "/subscribe", "/get-notifications", "/expire-subscription/", "/status",
		"/_pushspec/", "/_pushspec/requests", "/_pushspec/events", "/_pushspec/faults",
		"/_pushspec/subscriptions/" + open.ID + "/", "/_pushspec/messages/", "",
	}}
}

// hzHangGuard is how long serve waits, after a request's context ended, for its handler to return.
const hzHangGuard = 30 * time.Second

// serve runs one request through the handler with a short deadline (long polls end with it).
func (hz *hzFixture) serve(t *testing.T, method, target string, h http.Header, body []byte) *httptest.ResponseRecorder {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Skip()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req := (&http.Request{
		Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: strings.TrimPrefix(hz.s.URL(), "http://"), RemoteAddr: "127.0.0.1:1",
		Body: http.NoBody, ContentLength: int64(len(body)),
	}).WithContext(ctx)
	if len(body) > 0 {
		req.Body = httpBody(body)
	}
	w := httptest.NewRecorder()
	// Long polls end with the request's context (200 ms): the handler must return once that
	// context is done. hzHangGuard only bounds the wait for that event (a handler that ignores
	// its context would otherwise hold the fuzzer forever); it is no speed target.
	done := make(chan any, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("%v\n%s", p, debug.Stack())
				return
			}
			done <- nil
		}()
		hz.s.ServeHTTP(w, req)
	}()
	var p any
	select {
	case p = <-done:
	case <-ctx.Done():
		select {
		case p = <-done:
		case <-time.After(hzHangGuard):
			t.Fatalf("%s %q: the handler had not returned %v after its request's context ended: it hangs", method, target, hzHangGuard)
		}
	}
	if p != nil {
		t.Fatalf("%s %q: the handler panicked: %v", method, target, p)
	}
	hz.s.ClearFaults() // a fault rule posted by this input must not steer the next one
	return w
}

func httpBody(b []byte) *readCloser { return &readCloser{bytes.NewReader(b)} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// checkAnswer is the contract: no 5xx; a redirect only from ServeMux for a path that is not
// clean; every 4xx a JSON body (HEAD has none).
func checkAnswer(t *testing.T, method, target string, w *httptest.ResponseRecorder) {
	t.Helper()
	switch {
	case w.Code >= 500 || w.Code < 200:
		t.Fatalf("%s %q: status %d: %s", method, target, w.Code, w.Body)
	case w.Code/100 == 3:
		p := target
		if i := strings.IndexAny(p, "?#"); i >= 0 {
			p = p[:i]
		}
		if u, err := url.Parse(p); err == nil && path.Clean(u.Path) == u.Path && u.Path != "" {
			t.Fatalf("%s %q: redirect %d to %q for a clean path", method, target, w.Code, w.Header().Get("Location"))
		}
	case w.Code >= 400 && method != http.MethodHead:
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %q: %d with a body that is not JSON: %q", method, target, w.Code, w.Body)
		}
	}
}

var hzMethods = []string{"POST", "GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PRI", "post", "FOO"}

func FuzzServeHTTP(f *testing.F) {
	hz := newHzFixture(f)
	f.Add(uint8(0), uint8(0), "", "TTL: 60\nContent-Encoding: aes128gcm\nAuthorization: "+hz.auth, hz.goodMsg)
	f.Add(uint8(0), uint8(0), "", "TTL: 60\nContent-Encoding: aes128gcm\nAuthorization: "+hz.auth+"\nPrefer: respond-async\nLink: </receipts/x>; rel=\"urn:ietf:params:push:receipt\"", hz.goodMsg)
	f.Add(uint8(1), uint8(1), "", "TTL: 99999999999999999999999\nUrgency: high, low\nTopic: "+strings.Repeat("a", 40), []byte{0xff, 0xfe})
	f.Add(uint8(1), uint8(2), "", "TTL: 0\nContent-Encoding: aesgcm\nEncryption: salt=;rs=0\nCrypto-Key: dh=;p256ecdsa=", []byte("x"))
	f.Add(uint8(8), uint8(0), "", "Content-Type: application/json", []byte(`{"applicationServerKey":"\xff","userVisibleOnly":[1]}`))
	f.Add(uint8(9), uint8(0), "", "Content-Type: application/x-www-form-urlencoded", []byte("clientHash=%zz&clientHash=a"))
	f.Add(uint8(15), uint8(0), "", "", []byte(`{"status":503,"retry_after":-1,"count":-5,"delay_ns":-1}`))
	f.Add(uint8(14), uint8(1), "?after=-1&wait=99999999999", "", []byte(nil))
	f.Add(uint8(6), uint8(3), "../../push/x", "", []byte(nil))
	f.Add(uint8(18), uint8(11), "/%00/\xff", "X: \xff\xfe", []byte(nil))
	f.Fuzz(func(t *testing.T, which, method uint8, suffix, headers string, body []byte) {
		target := hz.paths[int(which)%len(hz.paths)] + suffix
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		m := hzMethods[int(method)%len(hzMethods)]
		w := hz.serve(t, m, target, hzHeaders(headers), body)
		checkAnswer(t, m, target, w)
	})
}

func FuzzControlJSON(f *testing.F) {
	hz := newHzFixture(f)
	routes := []string{"/subscribe", "/get-notifications", "/status", "/expire-subscription/x", "/_pushspec/faults"}
	f.Add(uint8(0), "application/json", []byte(`{"userVisibleOnly":true,"applicationServerKey":"BAAA"}`))
	f.Add(uint8(0), "application/json", []byte(`{"userVisibleOnly":"true","applicationServerKey":null}`))
	f.Add(uint8(0), "application/json; charset=utf-16", []byte("\xff\xfe{\x00}\x00"))
	f.Add(uint8(0), "", []byte(`[1,2,3]`))
	f.Add(uint8(0), "application/x-www-form-urlencoded", []byte(`userVisibleOnly=true&applicationServerKey=%FF`))
	f.Add(uint8(1), "application/json", []byte(`{"clientHash":{"$ne":1}}`))
	f.Add(uint8(1), "application/json", []byte(`{"clientHash":"`+strings.Repeat("a", 70000)+`"}`))
	f.Add(uint8(1), "multipart/form-data; boundary=x", []byte("--x\r\n\r\n--x--"))
	f.Add(uint8(4), "application/json", []byte(`{"cond":"rate-limited","count":1e99}`))
	f.Add(uint8(4), "application/json", []byte(`{"status":429,"retry_after":99999999999999999999}`))
	f.Fuzz(func(t *testing.T, which uint8, contentType string, body []byte) {
		target := routes[int(which)%len(routes)]
		h := http.Header{}
		if !strings.ContainsAny(contentType, "\r\n\x00") {
			h.Set("Content-Type", contentType)
		}
		w := hz.serve(t, "POST", target, h, body)
		checkAnswer(t, "POST", target, w)
		if w.Code == 200 && target == "/subscribe" {
			var out struct {
				Data struct {
					Endpoint, ClientHash string
					Keys                 struct{ P256dh, Auth string }
				}
			}
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Data.Endpoint == "" || len(out.Data.ClientHash) != 64 || out.Data.Keys.Auth == "" {
				t.Fatalf("/subscribe 200 with %q", w.Body)
			}
		}
	})
}
