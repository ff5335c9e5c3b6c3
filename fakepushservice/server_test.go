package fakepushservice

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// NewServer starts the Server it is given, options and all: nothing is copied, so no option can
// be missed.
func TestNewServerStartsItsOptions(t *testing.T) {
	opts := &Server{NoTLS: true, Profile: "autopush", MaxPayload: 5000, Logf: t.Logf}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s != opts || s.Profile != "autopush" || s.MaxPayload != 5000 || s.URL() == "" || s.TLSURL() != "" {
		t.Errorf("NewServer returned %p (opts %p), profile %q, max payload %d, URL %q, TLS URL %q",
			s, opts, s.Profile, s.MaxPayload, s.URL(), s.TLSURL())
	}
	if _, err := NewServer(opts); err == nil {
		t.Error("a second NewServer of the same Server started it again")
	}
}

func TestZeroValueServer(t *testing.T) {
	var s Server
	s.Logf = t.Logf
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || strings.HasSuffix(s.URL(), "/") {
		t.Fatalf("URL %q", s.URL())
	}
	if !strings.HasPrefix(s.TLSURL(), "https://127.0.0.1:") {
		t.Fatalf("TLSURL %q", s.TLSURL())
	}
	pem, err := os.ReadFile(s.CAFile())
	if err != nil || !strings.Contains(string(pem), "BEGIN CERTIFICATE") {
		t.Fatalf("CA file: %v", err)
	}
	// The client trusts the CA, for 127.0.0.1 and localhost, and speaks HTTP/2.
	for _, base := range []string{s.TLSURL(), strings.Replace(s.TLSURL(), "127.0.0.1", "localhost", 1)} {
		resp, err := s.Client().Post(base+"/status", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
			t.Fatalf("%s: %d %s", base, resp.StatusCode, resp.Proto)
		}
	}
	// A default client does not trust it.
	if _, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}).Get(s.TLSURL() + "/_pushspec/"); err == nil {
		t.Fatal("untrusted client connected")
	}
	// Handle after Start mounts on both listeners.
	s.Handle("GET /linkroute", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("link")) }))
	resp, err := http.Get(s.URL() + "/linkroute")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("link route: %v %v", err, resp)
	}
	resp.Body.Close()
	caFile := s.CAFile()
	s.Close()
	if _, err := os.Stat(caFile); !os.IsNotExist(err) {
		t.Fatalf("temporary CA file left behind: %v", err)
	}
}

// A slow client that never finishes its body is cut off; the server stays responsive.
func TestSlowBodyDoesNotHang(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true, BodyTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pr, pw := testPipe()
	defer pw.Close()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/push/"+strings.Repeat("0", 64), pr)
	req.Header.Set("TTL", "60")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	pw.Write([]byte("partial"))
	// Meanwhile other requests are served.
	resp, err := http.Post(s.URL()+"/status", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status while a slow body is pending: %v", err)
	}
	resp.Body.Close()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("slow body never cut off")
	}
	rq, err := s.AwaitRequest(ctx, nil)
	if err != nil || rq.Rule != "pushspec-body-read" || rq.Status != 400 {
		t.Fatalf("recorded %+v %v", rq, err)
	}
}

// A body that ends before its Content-Length (the sender's connection broke off) is refused with
// 400 and recorded as unreadable, never stored as a shorter message.
func TestCutBodyIsRefused(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true})
	ctx := testCtx(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /push/%s HTTP/1.1\r\nHost: x\r\nTTL: 60\r\nContent-Encoding: aes128gcm\r\nContent-Length: 200\r\n\r\n%s", strings.Repeat("0", 64), strings.Repeat("a", 50))
	conn.(*net.TCPConn).CloseWrite()
	rq, err := s.AwaitRequest(ctx, nil)
	if err != nil || rq.Rule != "pushspec-body-read" || rq.Status != 400 || rq.MessageID != "" {
		t.Fatalf("recorded %+v %v; want 400 pushspec-body-read and no message", rq, err)
	}
}

// The Server as a plain http.Handler behind httptest, without Start.
func TestServerAsHandler(t *testing.T) {
	var s Server
	s.Logf = t.Logf
	ts := httptest.NewServer(&s)
	defer ts.Close()
	s.EndpointBase = ts.URL
	ctx := testCtx(t)
	ua := s.NewVirtualUA(VirtualUAOptions{})
	defer ua.Close()
	snd := newSender(t)
	vs, err := ua.Subscribe(ctx, snd.vapid.Public())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vs.Endpoint, ts.URL+"/push/") {
		t.Fatalf("endpoint %s", vs.Endpoint)
	}
	if r := snd.send(vs, msg{plaintext: []byte("via httptest")}); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	got, err := ua.AwaitMessage(ctx, vs.ID)
	if err != nil || string(got.Payload) != "via httptest" {
		t.Fatalf("%q %v", got.Payload, err)
	}
	s.Close()
}
