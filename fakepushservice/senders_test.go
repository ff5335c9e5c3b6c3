package fakepushservice

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// webpushGoKeys makes a VAPID key pair with webpush-go and returns it with the public key bytes.
func webpushGoKeys(t testing.TB) (priv, pub string, pubBytes []byte) {
	t.Helper()
	priv, pub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	b, err := webpush.DecodeBase64(pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub, b
}

func goSubscription(vs *VirtualSubscription) *webpushgo.Subscription {
	return &webpushgo.Subscription{Endpoint: vs.Endpoint, Keys: webpushgo.Keys{P256dh: vs.P256dh, Auth: vs.Auth}}
}

func sendGo(t testing.TB, ctx context.Context, vs *VirtualSubscription, payload string, o *webpushgo.Options) int {
	t.Helper()
	resp, err := webpushgo.SendNotificationWithContext(ctx, []byte(payload), goSubscription(vs), o)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// webpush-go as a real sender: 201, the virtual UA decrypts exactly what was sent, and the
// request breaks no MUST of the sender rules.
func TestWebpushGoSender(t *testing.T) {
	s := newTestServer(t, &Server{})
	ctx := testCtx(t)
	ua := s.NewVirtualUA(VirtualUAOptions{})
	defer ua.Close()
	priv, pub, pubBytes := webpushGoKeys(t)
	vs, err := ua.Subscribe(ctx, pubBytes)
	if err != nil {
		t.Fatal(err)
	}
	opts := func(ttl int) *webpushgo.Options {
		return &webpushgo.Options{Subscriber: "pushspec@example.com", TTL: ttl, VAPIDPublicKey: pub, VAPIDPrivateKey: priv,
			Urgency: webpushgo.UrgencyHigh, Topic: "news"}
	}
	for _, payload := range []string{"hello from webpush-go", "ünïcödé ✓", strings.Repeat("x", 3000)} {
		if st := sendGo(t, ctx, vs, payload, opts(60)); st != 201 {
			t.Fatalf("status %d", st)
		}
		got, err := ua.AwaitMessage(ctx, vs.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Err != "" || string(got.Payload) != payload {
			t.Fatalf("received %q (err %q), want %q", got.Payload, got.Err, payload)
		}
		if code, err := s.AwaitAck(ctx, got.MessageID); err != nil || code != AckDelivered {
			t.Fatalf("ack %d %v", code, err)
		}
	}
	for _, rq := range s.Requests() {
		for _, v := range rq.Verdicts {
			if v.Outcome == rules.Fail {
				t.Errorf("webpush-go request broke %s: %s %v", v.Rule, v.Message, v.Evidence)
			}
		}
		// webpush-go pads every body to 4096 octets.
		if rq.BodySize != 4096 {
			t.Errorf("body size %d, want webpush-go's 4096", rq.BodySize)
		}
	}

	// Over TLS too, with the server's client.
	tlsUA := s.NewVirtualUA(VirtualUAOptions{})
	defer tlsUA.Close()
	o := opts(60)
	o.HTTPClient = s.Client()
	vsTLS, err := tlsUA.Subscribe(ctx, pubBytes)
	if err != nil {
		t.Fatal(err)
	}
	vsTLS.Endpoint = strings.Replace(vsTLS.Endpoint, s.URL(), s.TLSURL(), 1)
	if st := sendGo(t, ctx, vsTLS, "over https", o); st != 201 {
		t.Fatalf("https status %d", st)
	}
	if got, err := tlsUA.AwaitMessage(ctx, vsTLS.ID); err != nil || string(got.Payload) != "over https" {
		t.Fatalf("https: %q %v", got.Payload, err)
	}
}

// webpush-go's default TTL is 0: to an offline UA such a message is dropped, not stored.
func TestWebpushGoTTLZeroOffline(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true})
	ctx := testCtx(t)
	ua := s.NewVirtualUA(VirtualUAOptions{})
	defer ua.Close()
	priv, pub, pubBytes := webpushGoKeys(t)
	vs, err := ua.Subscribe(ctx, pubBytes)
	if err != nil {
		t.Fatal(err)
	}
	o := &webpushgo.Options{Subscriber: "https://pushspec.example/contact", VAPIDPublicKey: pub, VAPIDPrivateKey: priv, RecordSize: 256}
	// Connected: TTL 0 is delivered.
	if st := sendGo(t, ctx, vs, "ttl0 online", o); st != 201 {
		t.Fatalf("status %d", st)
	}
	if got, err := ua.AwaitMessage(ctx, vs.ID); err != nil || string(got.Payload) != "ttl0 online" {
		t.Fatalf("%q %v", got.Payload, err)
	}
	// Offline: TTL 0 is dropped; the sentinel (TTL 60) arrives alone.
	ua.Disconnect()
	if st := sendGo(t, ctx, vs, "ttl0 offline", o); st != 201 {
		t.Fatalf("status %d", st)
	}
	o.TTL = 60
	if st := sendGo(t, ctx, vs, "sentinel", o); st != 201 {
		t.Fatalf("status %d", st)
	}
	ua.Reconnect()
	got, err := ua.AwaitMessage(ctx, vs.ID)
	if err != nil || string(got.Payload) != "sentinel" {
		t.Fatalf("after reconnect got %q %v, want the sentinel", got.Payload, err)
	}
	if err := s.await(ctx, func() bool { return s.store.len() == 0 }); err != nil {
		t.Fatal(err)
	}
	if n := len(ua.ReceivedFor(vs.ID)); n != 2 {
		t.Fatalf("%d messages received, want 2", n)
	}
	// RecordSize 256 with a short payload: rs honoured, no padding to 4096.
	if rq := s.Requests()[0]; rq.BodySize > 256+86 {
		t.Errorf("body %d octets with RecordSize 256", rq.BodySize)
	}
}

// npmBin finds the npm tools: $PUSHSPEC_NPM_BIN, else .cache/npm/node_modules/.bin at the module
// root.
func npmBin(t testing.TB, tool string) string {
	t.Helper()
	dir := os.Getenv("PUSHSPEC_NPM_BIN")
	if dir == "" {
		dir = filepath.Join("..", ".cache", "npm", "node_modules", ".bin")
	}
	p, err := filepath.Abs(filepath.Join(dir, tool))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("npm tool %s not installed (%v); run make npm-tools", tool, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	return p
}

// The npm web-push CLI (a sender in another language) over HTTPS, trusting the service's CA via
// NODE_EXTRA_CA_CERTS: 201 and decrypted for aes128gcm. Its aesgcm mode signs with the draft
// `WebPush` scheme, which the rfc profile refuses (401, rfc8292-2-vapid-scheme) and the autopush
// profile accepts, as autopush does.
func TestWebPushCLISender(t *testing.T) {
	bin := npmBin(t, "web-push")
	for _, c := range []struct {
		profile, enc string
		want         int
	}{
		{"rfc", "aes128gcm", 201},
		{"rfc", "aesgcm", 401},
		{"autopush", "aesgcm", 201},
	} {
		t.Run(c.profile+"_"+c.enc, func(t *testing.T) {
			s := newTestServer(t, &Server{HTTPSEndpoints: true, Profile: c.profile})
			ctx := testCtx(t)
			ua := s.NewVirtualUA(VirtualUAOptions{})
			defer ua.Close()
			vk, err := webpush.NewVAPIDKeys()
			if err != nil {
				t.Fatal(err)
			}
			vs, err := ua.Subscribe(ctx, vk.Public())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(vs.Endpoint, "https://") {
				t.Fatalf("endpoint %s", vs.Endpoint)
			}
			payload := "hello from node web-push " + c.enc
			cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(cctx, bin, "send-notification",
				"--endpoint="+vs.Endpoint, "--key="+vs.P256dh, "--auth="+vs.Auth, "--payload="+payload,
				"--vapid-subject=mailto:pushspec@example.com", "--vapid-pubkey="+webpush.Base64URL(vk.Public()),
				"--vapid-pvtkey="+webpush.Base64URL(vk.PrivateBytes()), "--ttl=60", "--encoding="+c.enc)
			cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+s.CAFile())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("web-push: %v\n%s", err, out)
			}
			rq, err := s.AwaitRequest(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rq.Status != c.want || !rq.TLS {
				t.Fatalf("status %d (tls %v), want %d; web-push said:\n%s", rq.Status, rq.TLS, c.want, out)
			}
			if c.want != 201 {
				if !strings.Contains(string(out), "Error sending push message") || rq.Rule != rules.VAPIDScheme.ID {
					t.Fatalf("rule %s; web-push said:\n%s", rq.Rule, out)
				}
				return
			}
			if !strings.Contains(string(out), "Push message sent.") {
				t.Fatalf("web-push said:\n%s", out)
			}
			got, err := ua.AwaitMessage(ctx, vs.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Err != "" || string(got.Payload) != payload || got.MessageID != rq.MessageID {
				t.Fatalf("received %q (err %q)", got.Payload, got.Err)
			}
			for _, v := range rq.Verdicts {
				if v.Outcome == rules.Fail && !(c.enc == "aesgcm" && (v.Rule == rules.AES128GCMOnly.ID || v.Rule == rules.VAPIDScheme.ID)) {
					t.Errorf("%s failed: %s", v.Rule, v.Message)
				}
			}
		})
	}
}
