package fakepushservice

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// chanConn is a UAConn that hands deliveries to a channel.
type chanConn struct {
	ch  chan Delivery
	err error
}

func (c *chanConn) Deliver(ctx context.Context, d Delivery) error {
	if c.err != nil {
		return c.err
	}
	select {
	case c.ch <- d:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *chanConn) next(t *testing.T, ctx context.Context) Delivery {
	t.Helper()
	select {
	case d := <-c.ch:
		return d
	case <-ctx.Done():
		t.Fatal("no delivery before the context ended")
		return Delivery{}
	}
}

// none reports that no delivery is waiting right now; it is used after the service has
// observably settled (an Await on the store), never as a timing guess.
func (c *chanConn) none(t *testing.T) {
	t.Helper()
	select {
	case d := <-c.ch:
		t.Fatalf("unexpected delivery %s (attempt %d)", d.MessageID, d.Attempt)
	default:
	}
}

func newTestServer(t testing.TB, s *Server) *Server {
	t.Helper()
	if s.Logf == nil {
		s.Logf = t.Logf
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fakeClock is a settable Clock.
type fakeClock struct {
	mu  chan struct{}
	now time.Time
}

func newFakeClock() *fakeClock {
	c := &fakeClock{mu: make(chan struct{}, 1), now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu <- struct{}{}
	defer func() { <-c.mu }()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu <- struct{}{}
	defer func() { <-c.mu }()
	c.now = c.now.Add(d)
}

// sender builds conformant (or deliberately broken) push requests with the codec.
type sender struct {
	t     testing.TB
	vapid *webpush.VAPIDKeys
	now   func() time.Time
	cl    *http.Client
}

func newSender(t testing.TB) *sender {
	k, err := webpush.NewVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &sender{t: t, vapid: k, now: time.Now, cl: &http.Client{Timeout: 20 * time.Second}}
}

func origin0(endpoint string) string {
	u, _ := url.Parse(endpoint)
	return u.Scheme + "://" + u.Host
}

// msg is one push request to build.
type msg struct {
	plaintext []byte
	noBody    bool
	enc       *webpush.Options
	aesgcm    bool
	sign      *webpush.SignOptions
	noVAPID   bool
	aud       string // "" → endpoint origin
	sub       string // "" → mailto:pushspec@example.com; "-" → none
	exp       time.Duration
	header    map[string]string // set after everything else ("" value deletes)
	extra     http.Header       // added after everything else
	method    string
	mutate    func(http.Header) // last change to the headers
	vapid     *webpush.VAPIDKeys
}

func (s *sender) request(vs *VirtualSubscription, endpoint string, m msg) *http.Request {
	s.t.Helper()
	if endpoint == "" {
		endpoint = vs.Endpoint
	}
	return s.requestFor(endpoint, vs.P256dh, vs.Auth, m)
}

// requestFor builds a request for a subscription known only by its public parts.
func (s *sender) requestFor(endpoint, p256dh, auth string, m msg) *http.Request {
	t := s.t
	t.Helper()
	pk, err := webpush.DecodeBase64(p256dh)
	if err != nil {
		t.Fatal(err)
	}
	ak, err := webpush.DecodeBase64(auth)
	if err != nil {
		t.Fatal(err)
	}
	wsub := webpush.Subscription{Endpoint: endpoint, P256dh: pk, Auth: ak}
	var body []byte
	h := http.Header{}
	h.Set("TTL", "60")
	if !m.noBody {
		pt := m.plaintext
		if pt == nil {
			pt = []byte("hello")
		}
		if m.aesgcm {
			b, encr, ck, err := webpush.EncryptAESGCM(wsub, pt, m.enc)
			if err != nil {
				t.Fatal(err)
			}
			body = b
			h.Set("Content-Encoding", "aesgcm")
			h.Set("Encryption", encr)
			h.Set("Crypto-Key", ck)
		} else {
			b, err := webpush.Encrypt(wsub, pt, m.enc)
			if err != nil {
				t.Fatal(err)
			}
			body = b
			h.Set("Content-Encoding", "aes128gcm")
		}
		h.Set("Content-Type", "application/octet-stream")
	}
	if !m.noVAPID {
		k := s.vapid
		if m.vapid != nil {
			k = m.vapid
		}
		aud := m.aud
		if aud == "" {
			aud = origin0(endpoint)
		}
		sub := m.sub
		switch sub {
		case "":
			sub = "mailto:pushspec@example.com"
		case "-":
			sub = ""
		}
		exp := m.exp
		if exp == 0 {
			exp = 12 * time.Hour
		}
		vh, err := k.Headers(aud, sub, s.now().Add(exp), m.sign)
		if err != nil {
			t.Fatal(err)
		}
		h.Set("Authorization", vh.Get("Authorization"))
		if ck := vh.Get("Crypto-Key"); ck != "" {
			if old := h.Get("Crypto-Key"); old != "" {
				ck = old + ";" + ck
			}
			h.Set("Crypto-Key", ck)
		}
	}
	for k, v := range m.header {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	for k, vs := range m.extra {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if m.mutate != nil {
		m.mutate(h)
	}
	method := m.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	return req
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (s *sender) send(vs *VirtualSubscription, m msg) result {
	return s.do(s.request(vs, "", m))
}

func (s *sender) do(req *http.Request) result {
	s.t.Helper()
	resp, err := s.cl.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

func testPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }
