package sender

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
)

// capture is a loopback push resource that records what senders post and answers 201.
type capture struct {
	mu   sync.Mutex
	reqs []*RecordedRequest
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.reqs = append(c.reqs, &RecordedRequest{Method: r.Method, URL: r.URL.String(), Header: r.Header.Clone(), Body: body})
	c.mu.Unlock()
	w.Header().Set("Location", "/m/1")
	w.WriteHeader(http.StatusCreated)
}

func (c *capture) last(t *testing.T) *RecordedRequest {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.reqs) == 0 {
		t.Fatal("no request reached the push resource")
	}
	return c.reqs[len(c.reqs)-1]
}

func testSubscription(t *testing.T, endpoint string) Subscription {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return Subscription{Endpoint: endpoint, Keys: Keys{
		P256dh: base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		Auth:   base64.RawURLEncoding.EncodeToString(auth),
	}}
}

func testVAPID(t *testing.T) *VAPID {
	t.Helper()
	priv, pub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &VAPID{Public: pub, Private: priv, Subject: "mailto:pushspec@example.com"}
}

func TestWebpushGoSendsRFC8030Headers(t *testing.T) {
	c := &capture{}
	srv := httptest.NewServer(c)
	defer srv.Close()
	m := Message{Subscription: testSubscription(t, srv.URL+"/push/abc"), Payload: []byte("hello"), TTL: 60,
		Urgency: "high", Topic: "upd", VAPID: testVAPID(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := WebpushGo{}.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusCreated || res.Request == nil {
		t.Fatalf("status %d, request recorded %v", res.Status, res.Request != nil)
	}
	got := c.last(t)
	for h, want := range map[string]string{"Ttl": "60", "Urgency": "high", "Topic": "upd", "Content-Encoding": "aes128gcm"} {
		if v := got.Header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
	a := got.Header.Get("Authorization")
	if !strings.HasPrefix(a, "vapid t=") || !strings.Contains(a, "k="+m.VAPID.Public) {
		t.Errorf("Authorization = %q", a)
	}
	// The adapter hands webpush-go the bare address its API takes: the token's sub is the
	// subject once, not "mailto:mailto:…".
	tok, _, _ := strings.Cut(strings.TrimPrefix(a, "vapid t="), ",")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS", tok)
	}
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !strings.Contains(string(claims), `"sub":"`+m.VAPID.Subject+`"`) {
		t.Errorf("JWT claims %s (%v), want sub %q", claims, err, m.VAPID.Subject)
	}
	// webpush-go pads to one 4096-octet record: 86-octet header + 4010 ciphertext/tag.
	if len(got.Body) != 4096 {
		t.Errorf("body %d octets, want 4096 (webpush-go's padding)", len(got.Body))
	}
	if _, err := (WebpushGo{}).Send(ctx, Message{Subscription: m.Subscription}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("empty push: got %v, want ErrUnsupported", err)
	}
}

func tlsCapture(t *testing.T) (*capture, *httptest.Server, string) {
	t.Helper()
	c := &capture{}
	srv := httptest.NewTLSServer(c)
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return c, srv, caFile
}

func TestNodeWebPushSendsOverHTTPS(t *testing.T) {
	n := Node{}
	if _, err := n.modulesDir(); err != nil {
		t.Fatalf("%v — make test installs it", err)
	}
	c, srv, caFile := tlsCapture(t)
	n.CAFile = caFile
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name    string
		m       Message
		headers map[string]string
	}{
		{"aes128gcm", Message{Payload: []byte("hello"), TTL: 30, Urgency: "low", Topic: "t1", VAPID: testVAPID(t)},
			map[string]string{"Ttl": "30", "Urgency": "low", "Topic": "t1", "Content-Encoding": "aes128gcm"}},
		{"aesgcm", Message{Payload: []byte("hello"), TTL: 5, Encoding: "aesgcm", VAPID: testVAPID(t)},
			map[string]string{"Ttl": "5", "Content-Encoding": "aesgcm"}},
		{"no payload", Message{TTL: 0}, map[string]string{"Ttl": "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.m.Subscription = testSubscription(t, srv.URL+"/push/xyz")
			res, err := n.Send(ctx, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != http.StatusCreated {
				t.Fatalf("status %d: %s", res.Status, res.Output)
			}
			got := c.last(t)
			for h, want := range tc.headers {
				if v := got.Header.Get(h); v != want {
					t.Errorf("%s = %q, want %q", h, v, want)
				}
			}
			if tc.m.Payload == nil && len(got.Body) != 0 {
				t.Errorf("no-payload push carried %d octets", len(got.Body))
			}
			if tc.m.Encoding == "aesgcm" && (!strings.HasPrefix(got.Header.Get("Encryption"), "salt=") || !strings.Contains(got.Header.Get("Crypto-Key"), "dh=")) {
				t.Errorf("aesgcm headers missing: Encryption=%q Crypto-Key=%q", got.Header.Get("Encryption"), got.Header.Get("Crypto-Key"))
			}
		})
	}
}

func TestCommandGetsTheMessageInEnvironment(t *testing.T) {
	c, srv, caFile := tlsCapture(t)
	// A sender written in shell with curl would do; here the command echoes what it was given and
	// posts it with Go's own client is not needed: sh + printf prove the contract.
	dir := t.TempDir()
	out := filepath.Join(dir, "env")
	cmd := Command{CAFile: caFile, Cmd: `env | grep ^PUSHSPEC_SEND_ | sort > ` + out + `; cat "$PUSHSPEC_SEND_PAYLOAD_FILE" >> ` + out + `; echo status=201`}
	sub := testSubscription(t, srv.URL+"/push/q")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cmd.Send(ctx, Message{Subscription: sub, Payload: []byte("héllo"), TTL: 7, Topic: "tp", VAPID: testVAPID(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 201 {
		t.Errorf("status line not parsed: %d (%q)", res.Status, res.Output)
	}
	env, _ := os.ReadFile(out)
	for _, want := range []string{"PUSHSPEC_SEND_ENDPOINT=" + sub.Endpoint, "PUSHSPEC_SEND_TTL=7", "PUSHSPEC_SEND_TOPIC=tp",
		"PUSHSPEC_SEND_ENCODING=aes128gcm", "PUSHSPEC_SEND_PAYLOAD=héllo", "PUSHSPEC_SEND_CA_FILE=" + caFile, "PUSHSPEC_SEND_VAPID_SUBJECT=mailto:"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("environment lacks %q:\n%s", want, env)
		}
	}
	if !strings.HasSuffix(string(env), "héllo") {
		t.Errorf("payload file content not passed: %q", env)
	}
	_ = c
	if _, err := (Command{Cmd: "exit 3"}).Send(ctx, Message{Subscription: sub}); err == nil {
		t.Error("a failing command must be an error")
	}
}

// Message.Receipt: Command passes it as PUSHSPEC_SEND_RECEIPT=1, Raw sends Prefer: respond-async,
// and the library senders, which have no receipt support, refuse it. A status line counts even
// when the command fails (a sender that exits 1 on a 410 still says which status it saw).
func TestReceiptAndStatusOnFailure(t *testing.T) {
	c, srv, caFile := tlsCapture(t)
	sub := testSubscription(t, srv.URL+"/push/r")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := (Command{CAFile: caFile, Cmd: `echo "receipt=$PUSHSPEC_SEND_RECEIPT"; echo status=410; exit 1`}).Send(ctx, Message{Subscription: sub, Receipt: true})
	if err == nil {
		t.Error("a failing command must be an error")
	}
	if res == nil || res.Status != 410 || !strings.Contains(res.Output, "receipt=1") {
		t.Errorf("result %+v: want status 410 and receipt=1 in the output", res)
	}
	res, _ = (Command{Cmd: `echo "receipt=$PUSHSPEC_SEND_RECEIPT."`}).Send(ctx, Message{Subscription: sub})
	if res == nil || !strings.Contains(res.Output, "receipt=.") {
		t.Errorf("without Receipt: output %q", res.Output)
	}
	if _, err := (Raw{Client: srv.Client()}).Send(ctx, Message{Subscription: sub, Payload: []byte("r"), TTL: 5, Receipt: true}); err != nil {
		t.Fatal(err)
	}
	if got := c.last(t).Header.Get("Prefer"); got != "respond-async" {
		t.Errorf("raw sender with Receipt: Prefer %q", got)
	}
	for _, s := range []Sender{WebpushGo{}, Node{}} {
		if s.Capabilities().Receipts {
			t.Errorf("%s claims receipt support", s.Name())
		}
		if _, err := s.Send(ctx, Message{Subscription: sub, Payload: []byte("r"), TTL: 5, Receipt: true}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s with Receipt: %v, want ErrUnsupported", s.Name(), err)
		}
	}
}

// A command that cannot send a message says so, by exit status 3 or by a line
// `unsupported: <reason>`; Send returns ErrUnsupported with that reason. Any other failure is a
// plain error, and success stays success.
func TestCommandUnsupported(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := testSubscription(t, "https://127.0.0.1:1/push/u")
	for _, c := range []struct {
		cmd, reason string // reason "": not unsupported
		fails       bool
	}{
		{`echo "unsupported: no aesgcm in this library"; exit 3`, "no aesgcm in this library", true},
		{`echo "trying"; echo "unsupported: payload-less pushes"; exit 1`, "payload-less pushes", true},
		{`exit 3`, "exited with status 3", true},
		{`echo "TypeError: boom" >&2; exit 1`, "", true},
		{`echo "not unsupported: this is a log line"; echo status=201`, "", false},
	} {
		_, err := (Command{Cmd: c.cmd}).Send(ctx, Message{Subscription: sub})
		var ue *UnsupportedError
		switch {
		case c.reason != "":
			if !errors.Is(err, ErrUnsupported) || !errors.As(err, &ue) || !strings.Contains(ue.Reason, c.reason) {
				t.Errorf("%q: got %v, want unsupported with reason %q", c.cmd, err, c.reason)
			}
		case c.fails:
			if err == nil || errors.Is(err, ErrUnsupported) {
				t.Errorf("%q: got %v, want a plain error", c.cmd, err)
			}
		default:
			if err != nil {
				t.Errorf("%q: got %v, want success", c.cmd, err)
			}
		}
	}
}

// A command's output is kept up to MaxOutput, with its end (where errors are printed) whole.
func TestCommandKeepsTheEndOfItsOutput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := testSubscription(t, "https://127.0.0.1:1/push/o")
	// 200 000 octets of noise, then the error.
	res, err := (Command{Cmd: `head -c 200000 /dev/zero | tr '\0' x; echo; echo "Error: self-signed certificate in certificate chain" >&2; exit 1`}).Send(ctx, Message{Subscription: sub})
	if err == nil {
		t.Fatal("want an error")
	}
	if !strings.HasSuffix(strings.TrimSpace(res.Output), "Error: self-signed certificate in certificate chain") {
		t.Errorf("the output's end is lost: …%q", res.Output[max(0, len(res.Output)-80):])
	}
	if len(res.Output) > MaxOutput+200 || len(res.Output) < MaxOutput-200 {
		t.Errorf("kept %d octets of output, want about %d", len(res.Output), MaxOutput)
	}
	if !strings.Contains(res.Output, "left out by pushspec") {
		t.Error("the output does not say that some of it was left out")
	}
	if !strings.Contains(err.Error(), "self-signed certificate") {
		t.Errorf("the error does not end with the command's last words: %v", err)
	}
	short, _ := (Command{Cmd: `echo hello; echo status=201`}).Send(ctx, Message{Subscription: sub})
	if short.Output != "hello\nstatus=201\n" {
		t.Errorf("short output changed: %q", short.Output)
	}
}
