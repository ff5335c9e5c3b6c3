package hardening

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/webpush"
)

// badFixture is a started service (rfc profile) with one restricted virtual-UA subscription and
// a control-API subscription.
type badFixture struct {
	s    *fakepushservice.Server
	sub  *fakepushservice.VirtualSubscription
	vk   *webpush.VAPIDKeys
	auth string
	body []byte
	hash string // control-API clientHash
}

func newBadFixture(t *testing.T, o *fakepushservice.Server) *badFixture {
	t.Helper()
	if o == nil {
		o = &fakepushservice.Server{}
	}
	o.NoTLS = true
	if o.Logf == nil {
		o.Logf = t.Logf
	}
	s, err := fakepushservice.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	vk, _ := webpush.NewVAPIDKeys()
	ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
	t.Cleanup(ua.Close)
	sub, err := ua.Subscribe(ctx, vk.Public())
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := vk.Authorization(s.URL(), "mailto:bad@example.com", time.Now().Add(time.Hour), nil)
	body, _ := webpush.Encrypt(sub.WebPush(), []byte("hello"), nil)
	f := &badFixture{s: s, sub: sub, vk: vk, auth: auth, body: body}
	resp, err := http.Post(s.URL()+"/subscribe", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Data struct{ ClientHash string } }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	f.hash = out.Data.ClientHash
	return f
}

type badCase struct {
	name    string
	method  string
	path    string
	header  map[string]string
	body    []byte
	status  int  // wanted status; 0 means any 4xx
	notJSON bool // answered by net/http itself, before any handler: text/plain
}

// TestBadInputOverRealListener sends every kind of bad input we could think of to a real listener
// with a plain http.Client: each gets a clear 4xx (JSON body from pushspec's handlers), never a
// 5xx, a hang or a dropped connection, and the service answers a good push afterwards.
func TestBadInputOverRealListener(t *testing.T) {
	f := newBadFixture(t, nil)
	push := strings.TrimPrefix(f.sub.Endpoint, f.s.URL())
	good := map[string]string{"TTL": "60", "Content-Encoding": "aes128gcm", "Authorization": f.auth}
	with := func(kv ...string) map[string]string {
		h := map[string]string{}
		for k, v := range good {
			h[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(h, kv[i])
			} else {
				h[kv[i]] = kv[i+1]
			}
		}
		return h
	}
	cases := []badCase{
		{"body one over 4096", "POST", push, good, bytes.Repeat([]byte{1}, 4097), 413, false},
		{"body of 8 MiB", "POST", push, good, bytes.Repeat([]byte{1}, 8<<20), 413, false},
		{"TTL missing", "POST", push, with("TTL", ""), f.body, 400, false},
		{"TTL negative", "POST", push, with("TTL", "-1"), f.body, 400, false},
		{"TTL float", "POST", push, with("TTL", "1.5"), f.body, 400, false},
		{"TTL with spaces inside", "POST", push, with("TTL", "6 0"), f.body, 400, false},
		{"TTL of 300 digits", "POST", push, with("TTL", strings.Repeat("9", 300)), f.body, 201, false},
		{"TTL invalid UTF-8", "POST", push, with("TTL", "6\xff0"), f.body, 400, false},
		{"Urgency unknown", "POST", push, with("Urgency", "urgent"), f.body, 400, false},
		{"Urgency two values", "POST", push, with("Urgency", "low, high"), f.body, 400, false},
		{"Topic too long", "POST", push, with("Topic", strings.Repeat("a", 33)), f.body, 400, false},
		{"Topic invalid UTF-8", "POST", push, with("Topic", "\xc3\x28"), f.body, 400, false},
		{"Content-Encoding gzip", "POST", push, with("Content-Encoding", "gzip"), f.body, 415, false},
		{"no Content-Encoding", "POST", push, with("Content-Encoding", ""), f.body, 415, false},
		{"Authorization Bearer", "POST", push, with("Authorization", "Bearer x"), f.body, 401, false},
		{"Authorization absent", "POST", push, with("Authorization", ""), f.body, 401, false},
		{"vapid t garbage", "POST", push, with("Authorization", "vapid t=\xff\xfe.e30.x, k=BAAA"), f.body, 403, false},
		{"vapid 8 KiB token", "POST", push, with("Authorization", "vapid t="+strings.Repeat("A", 8<<10)+", k=BAAA"), f.body, 403, false},
		{"body not ciphertext (the service cannot decrypt: accepted, graded)", "POST", push, good, []byte("plain text"), 201, false},
		{"unknown subscription", "POST", "/push/" + strings.Repeat("0", 64), good, f.body, 404, false},
		{"subscription id with odd bytes", "POST", "/push/%FF%00..%2F", good, f.body, 404, false},
		{"GET push resource", "GET", push, nil, nil, 405, false},
		{"PUT push resource", "PUT", push, good, f.body, 405, false},
		{"DELETE unknown message", "DELETE", "/m/" + strings.Repeat("ab", 16), nil, nil, 404, false},
		{"unknown path", "GET", "/nowhere", nil, nil, 404, false},
		{"unknown path, POST", "POST", "/wp", nil, []byte("x"), 404, false},
		{"GET /subscribe", "GET", "/subscribe", nil, nil, 404, false},
		{"subscribe: malformed JSON", "POST", "/subscribe", map[string]string{"Content-Type": "application/json"}, []byte(`{"userVisibleOnly":`), 400, false},
		{"subscribe: JSON array", "POST", "/subscribe", map[string]string{"Content-Type": "application/json"}, []byte(`[true]`), 400, false},
		{"subscribe: invalid UTF-8 key", "POST", "/subscribe", map[string]string{"Content-Type": "application/json"}, []byte("{\"applicationServerKey\":\"\xff\xfe\"}"), 400, false},
		{"subscribe: unknown property", "POST", "/subscribe", map[string]string{"Content-Type": "application/json"}, []byte(`{"x":1}`), 400, false},
		{"subscribe: 1 MiB body", "POST", "/subscribe", map[string]string{"Content-Type": "application/json"}, bytes.Repeat([]byte(" "), 1<<20), 400, false},
		{"get-notifications: not subscribed", "POST", "/get-notifications", map[string]string{"Content-Type": "application/json"}, []byte(`{"clientHash":"x"}`), 400, false},
		{"get-notifications: hash is an object", "POST", "/get-notifications", map[string]string{"Content-Type": "application/json"}, []byte(`{"clientHash":{"a":1}}`), 400, false},
		{"expire: unknown", "POST", "/expire-subscription/nope", nil, nil, 400, false},
		{"faults: malformed", "POST", "/_pushspec/faults", nil, []byte(`{"status":"x"}`), 400, false},
		{"faults: status 200", "POST", "/_pushspec/faults", nil, []byte(`{"status":200}`), 400, false},
		{"faults: unknown field", "POST", "/_pushspec/faults", nil, []byte(`{"stat":429}`), 400, false},
		{"requests: unknown id", "GET", "/_pushspec/requests/nope", nil, nil, 404, false},
		{"header of 80 KiB", "POST", push, with("X-Big", strings.Repeat("b", 80<<10)), f.body, 431, true},
	}
	client := &http.Client{Timeout: 20 * time.Second}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, f.s.URL()+c.path, bytes.NewReader(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for k, v := range c.header {
			req.Header[k] = []string{v} // as given: no canonicalisation, invalid bytes kept
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 500:
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, b)
		case c.status != 0 && resp.StatusCode != c.status:
			t.Errorf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, b)
		case c.status == 0 && resp.StatusCode/100 != 4:
			t.Errorf("%s: status %d, want a 4xx: %s", c.name, resp.StatusCode, b)
		case resp.StatusCode >= 400 && !c.notJSON && !json.Valid(b):
			t.Errorf("%s: %d with a body that is not JSON: %q", c.name, resp.StatusCode, b)
		case resp.StatusCode == 201:
			if ttl, err := strconv.ParseInt(resp.Header.Get("TTL"), 10, 64); err != nil || ttl < 0 || ttl > 1<<31 {
				t.Errorf("%s: 201 with TTL %q", c.name, resp.Header.Get("TTL"))
			}
		}
	}
	// Still serving.
	req, _ := http.NewRequest("POST", f.sub.Endpoint, bytes.NewReader(f.body))
	for k, v := range good {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("good push after the bad ones: %v %v", resp, err)
	}
	resp.Body.Close()
	t.Logf("BADINPUT %d bad requests over a real listener: no 5xx, no hang, JSON on every handler error", len(cases))
}

// rawConn opens a TCP connection to the service.
func rawConn(t *testing.T, s *fakepushservice.Server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.URL(), "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// awaitAnswerOrClose reads until the server answers or closes, within limit. It returns the
// status (0 when the server closed without answering) and how long it took.
func awaitAnswerOrClose(t *testing.T, c net.Conn, limit time.Duration) (int, []byte, time.Duration) {
	t.Helper()
	t0 := time.Now()
	c.SetReadDeadline(t0.Add(limit))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("no answer and no close after %v: the connection hangs", limit)
		}
		return 0, nil, time.Since(t0)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, b, time.Since(t0)
}

// TestSlowHeadersAreCut is a slowloris client: it sends a request line and then one header byte
// every 500 ms. The server (ReadHeaderTimeout) must cut it instead of holding the connection.
func TestSlowHeadersAreCut(t *testing.T) {
	if testing.Short() {
		t.Skip("takes the server's header timeout (10 s)")
	}
	t.Parallel()
	f := newBadFixture(t, nil)
	c := rawConn(t, f.s)
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", strings.TrimPrefix(f.sub.Endpoint, f.s.URL()))
	t0 := time.Now()
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	closed := false
	for i := 0; i < 60 && !closed; i++ {
		<-ticker.C
		if _, err := c.Write([]byte("X")); err != nil {
			closed = true
		}
		// A closed connection shows on the read side first (the write may still be buffered).
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 512)); err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				closed = true
			}
		}
	}
	d := time.Since(t0)
	// The event is the cut; the 60 trickled bytes (30 s, three times the header timeout) only
	// bound the wait for it. How soon the cut comes is logged, not asserted.
	if !closed {
		t.Fatalf("a client trickling header bytes was still connected after %v", d)
	}
	t.Logf("SLOWHEADERS cut after %v", d.Round(100*time.Millisecond))
}

// TestSlowBodiesAreCut: a client sends the headers and part of the body, then stalls. The push
// resource (BodyTimeout) and the control API must answer 400 or close within the body timeout,
// not hold the connection and its goroutine for as long as the client likes.
func TestSlowBodiesAreCut(t *testing.T) {
	bt := 500 * time.Millisecond
	f := newBadFixture(t, &fakepushservice.Server{BodyTimeout: bt})
	for _, c := range []struct{ name, path, ctype string }{
		{"push resource", strings.TrimPrefix(f.sub.Endpoint, f.s.URL()), "application/octet-stream"},
		{"control /subscribe", "/subscribe", "application/json"},
		{"control /get-notifications", "/get-notifications", "application/json"},
		{"control /_pushspec/faults", "/_pushspec/faults", "application/json"},
	} {
		t.Run(strings.ReplaceAll(c.name, "/", ""), func(t *testing.T) {
			conn := rawConn(t, f.s)
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nTTL: 60\r\nContent-Encoding: aes128gcm\r\nAuthorization: %s\r\nContent-Type: %s\r\nContent-Length: 100\r\n\r\n{\"a", c.path, f.auth, c.ctype)
			// The listeners have no ReadTimeout, so only the body timeout can end the stall:
			// an answer or a close at all is the event. The limit only bounds the wait for it.
			status, body, d := awaitAnswerOrClose(t, conn, bt+30*time.Second)
			if status != 0 && (status != 400 || !json.Valid(body)) {
				t.Fatalf("stalled body: %d %q", status, body)
			}
			t.Logf("SLOWBODY %s: status %d after %v", c.name, status, d.Round(10*time.Millisecond))
		})
	}
}
