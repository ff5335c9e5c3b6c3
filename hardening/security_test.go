package hardening

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
	"github.com/coder/websocket"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/fakepushservice/fcm"
	"github.com/pushspec/pushspec/internal/testlog"
	"github.com/pushspec/pushspec/webpush"
)

// checkTokens asserts the shape of unguessable identifiers: all distinct, hex, at least minBits
// of randomness, every bit position about half ones, no shared prefix beyond chance.
func checkTokens(t *testing.T, what string, ids []string, minBits int) {
	t.Helper()
	if len(ids) < 64 {
		t.Fatalf("%s: only %d samples", what, len(ids))
	}
	seen := map[string]bool{}
	var raw [][]byte
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s: %q issued twice", what, id)
		}
		seen[id] = true
		b, err := hex.DecodeString(id)
		if err != nil {
			t.Fatalf("%s: %q is not hex: %v", what, id, err)
		}
		if len(b)*8 < minBits {
			t.Fatalf("%s: %q has %d bits, want ≥ %d", what, id, len(b)*8, minBits)
		}
		raw = append(raw, b)
	}
	n := len(raw[0])
	ones := 0
	for _, b := range raw {
		if len(b) != n {
			t.Fatalf("%s: lengths vary (%d, %d)", what, n, len(b))
		}
		for _, x := range b {
			ones += bits.OnesCount8(x)
		}
	}
	// Over 64+ samples of ≥128 bits the fraction of ones is 0.5 ± a few thousandths.
	if frac := float64(ones) / float64(len(raw)*n*8); frac < 0.47 || frac > 0.53 {
		t.Errorf("%s: %.3f of the bits are ones", what, frac)
	}
	// Every bit position varies (a constant byte, a counter or a timestamp prefix would not).
	for pos := 0; pos < n*8; pos++ {
		c := 0
		for _, b := range raw {
			c += int(b[pos/8]>>(7-pos%8)) & 1
		}
		if c == 0 || c == len(raw) {
			t.Errorf("%s: bit %d is the same in all %d samples", what, pos, len(raw))
			break
		}
	}
	t.Logf("TOKENS %s: %d samples, %d bits each, distinct, bit balance ok", what, len(raw), n*8)
}

// TestTokensAreUnguessable: subscription IDs (the endpoint capability), message IDs (the message
// resource, DELETE-able), receipt subscriptions and autopush uaids come from crypto/rand with at
// least 128 bits.
func TestTokensAreUnguessable(t *testing.T) {
	s, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	link, err := autopush.Attach(s, autopush.Options{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
	defer ua.Close()
	var subIDs, msgIDs, receiptIDs, uaids, auths []string
	for i := 0; i < 64; i++ {
		vs, err := ua.Subscribe(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		subIDs = append(subIDs, vs.ID)
		if !strings.HasSuffix(vs.Endpoint, "/"+vs.ID) {
			t.Fatalf("endpoint %q does not end in the subscription id", vs.Endpoint)
		}
		a, err := base64.RawURLEncoding.DecodeString(vs.Auth)
		if err != nil || len(a) != 16 {
			t.Fatalf("auth secret of %d octets", len(a))
		}
		auths = append(auths, hex.EncodeToString(a))
	}
	for i := 0; i < 64; i++ {
		req, _ := http.NewRequest("POST", s.URL()+"/push/"+subIDs[i], nil)
		req.Header.Set("TTL", "60")
		req.Header.Set("Prefer", "respond-async")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("push: %d", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		msgIDs = append(msgIDs, loc[strings.LastIndex(loc, "/")+1:])
		if l := resp.Header.Get("Link"); l != "" {
			r := l[strings.Index(l, "/receipts/")+len("/receipts/") : strings.Index(l, ">")]
			receiptIDs = append(receiptIDs, r)
		}
	}
	for i := 0; i < 64; i++ {
		ws, _, err := websocket.Dial(ctx, link.URL(), &websocket.DialOptions{Subprotocols: []string{autopush.Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"hello","use_webpush":true}`))
		_, b, err := ws.Read(ctx)
		ws.CloseNow()
		if err != nil {
			t.Fatal(err)
		}
		var h struct{ UAID string }
		json.Unmarshal(b, &h)
		uaids = append(uaids, h.UAID)
	}
	checkTokens(t, "subscription id", subIDs, 256)
	checkTokens(t, "message id", msgIDs, 128)
	if len(receiptIDs) > 0 {
		checkTokens(t, "receipt subscription", receiptIDs, 128)
	}
	checkTokens(t, "autopush uaid", uaids, 128)
	checkTokens(t, "virtual UA auth secret", auths, 128)
}

// TestListenersAreLoopback: every listener the service and its links open by default is on
// 127.0.0.1, and `pushspec serve` refuses a non-loopback --addr or --tls-addr unless
// --allow-non-loopback is given.
func TestListenersAreLoopback(t *testing.T) {
	s, err := fakepushservice.NewServer(&fakepushservice.Server{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fl, err := fcm.Attach(s, fcm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	al, err := autopush.Attach(s, autopush.Options{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	for what, u := range map[string]string{"control API and push resource": s.URL(), "HTTPS push resource": s.TLSURL(),
		"MCS": fl.Endpoint(), "autopush": al.URL(), "checkin": fl.CheckinURL()} {
		if !strings.Contains(u, "://127.0.0.1:") {
			t.Errorf("%s listens on %s", what, u)
		}
	}

	if testing.Short() {
		t.Skip("building cmd/pushspec skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "pushspec")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/pushspec").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"--addr", "0.0.0.0:0"}, {"--addr", ":0"}, {"--addr", "[::]:0"}, {"--addr", "192.0.2.1:0"},
		{"--addr", "127.0.0.1:0", "--tls-addr", "0.0.0.0:0"}, {"--addr", "example.com:0"},
	} {
		cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
		cmd := exec.CommandContext(cctx, bin, append([]string{"serve"}, args...)...)
		cmd.Env = append(os.Environ(), "PUSHSPEC_ALLOW_NON_LOOPBACK=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		ccancel()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "allow-non-loopback") {
			t.Errorf("pushspec serve %v: %v, stderr %q; want exit 2 naming --allow-non-loopback", args, err, stderr.String())
		}
	}
	t.Logf("LOOPBACK serve refuses 0.0.0.0, :0, [::], a public address, a non-loopback --tls-addr and a host name")
}

// logSink collects every log line.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(sprintf(format, args...)))
}

// secretForms returns the encodings a secret might leak in.
func secretForms(b []byte) []string {
	return []string{base64.RawURLEncoding.EncodeToString(b), base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b), base64.URLEncoding.EncodeToString(b), hex.EncodeToString(b)}
}

// TestSecretsStayOut runs whole flows — webpush-go with a VAPID private key to a virtual UA, the
// control API (subscribe, push, get-notifications), the autopush link with a registered channel,
// a message through it, and an aesgcm message — then gathers every log line of the service and
// its links and every observation route (/_pushspec/requests, verdicts, events, messages,
// subscriptions, stored, deliveries, acks, Verdicts()) and greps them for the VAPID private key,
// the user agents' private keys and auth secrets and the JWT signatures, in base64url, base64 and
// hex.
func TestSecretsStayOut(t *testing.T) {
	sink := &logSink{}
	s, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: sink.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	al, err := autopush.Attach(s, autopush.Options{Logf: sink.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	vapidPriv, vapidPub, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	vapidPubBytes, _ := webpush.DecodeBase64(vapidPub)
	vapidPrivBytes, _ := webpush.DecodeBase64(vapidPriv)
	var secrets [][]byte
	secrets = append(secrets, vapidPrivBytes)

	ua := s.NewVirtualUA(fakepushservice.VirtualUAOptions{})
	defer ua.Close()
	vs, err := ua.Subscribe(ctx, vapidPubBytes)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, vs.Keys.Auth, vs.Keys.Private.Bytes())
	var jwtSigs []string
	send := func(endpoint, p256dh, auth string, payload string) {
		t.Helper()
		resp, err := webpushgo.SendNotificationWithContext(ctx, []byte(payload), &webpushgo.Subscription{
			Endpoint: endpoint, Keys: webpushgo.Keys{P256dh: p256dh, Auth: auth},
		}, &webpushgo.Options{TTL: 60, Subscriber: "mailto:secrets@example.com", VAPIDPublicKey: vapidPub, VAPIDPrivateKey: vapidPriv, Urgency: "high", Topic: "t1"})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("push to %s: %d", endpoint, resp.StatusCode)
		}
		if a := resp.Request.Header.Get("Authorization"); a != "" {
			tok := strings.TrimPrefix(strings.Split(a, ",")[0], "vapid t=")
			jwtSigs = append(jwtSigs, tok[strings.LastIndex(tok, ".")+1:])
		}
	}
	send(vs.Endpoint, vs.P256dh, vs.Auth, "to the virtual UA")
	if _, err := ua.AwaitMessage(ctx, vs.ID); err != nil {
		t.Fatal(err)
	}
	// aesgcm (legacy) through the codec: Crypto-Key carries dh and the VAPID key.
	body, encryption, cryptoKey, err := webpush.EncryptAESGCM(vs.WebPush(), []byte("legacy"), nil)
	if err != nil {
		t.Fatal(err)
	}
	vk, _ := webpush.VAPIDKeysFromBytes(vapidPrivBytes)
	// The draft WebPush scheme (Crypto-Key: p256ecdsa=…) is refused 401 in the rfc profile but
	// recorded all the same; the vapid scheme is accepted and delivered.
	for _, scheme := range []string{webpush.SchemeWebPush, webpush.SchemeVAPID} {
		h, _ := vk.Headers(s.URL(), "mailto:secrets@example.com", time.Now().Add(time.Hour), &webpush.SignOptions{Scheme: scheme})
		req, _ := http.NewRequest("POST", vs.Endpoint, bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("TTL", "60")
		req.Header.Set("Content-Encoding", "aesgcm")
		req.Header.Set("Encryption", encryption)
		if ck := req.Header.Get("Crypto-Key"); ck != "" {
			req.Header.Set("Crypto-Key", cryptoKey+";"+ck)
		} else {
			req.Header.Set("Crypto-Key", cryptoKey)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[string]int{webpush.SchemeWebPush: 401, webpush.SchemeVAPID: 201}[scheme]; resp.StatusCode != want {
			t.Fatalf("aesgcm push, scheme %s: %d, want %d", scheme, resp.StatusCode, want)
		}
		a := req.Header.Get("Authorization")
		jwtSigs = append(jwtSigs, strings.Split(a[strings.LastIndex(a, ".")+1:], ",")[0])
	}
	if _, err := ua.AwaitMessage(ctx, vs.ID); err != nil {
		t.Fatal(err)
	}

	// Control API: its /subscribe answer carries the keys by design (that is the API); nothing
	// after it may.
	resp, err := http.Post(s.URL()+"/subscribe", "application/json", strings.NewReader(`{"applicationServerKey":"`+vapidPub+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var ctl struct {
		Data struct {
			Endpoint   string
			ClientHash string
			Keys       struct{ P256dh, Auth string }
		}
	}
	json.NewDecoder(resp.Body).Decode(&ctl)
	resp.Body.Close()
	ctlAuth, _ := webpush.DecodeBase64(ctl.Data.Keys.Auth)
	secrets = append(secrets, ctlAuth)
	send(s.URL()+"/notify/"+ctl.Data.ClientHash, ctl.Data.Keys.P256dh, ctl.Data.Keys.Auth, "through the control API")
	if resp, err := http.Post(s.URL()+"/get-notifications", "application/json", strings.NewReader(`{"clientHash":"`+ctl.Data.ClientHash+`"}`)); err == nil {
		resp.Body.Close()
	}

	// autopush: a client registers, gets a message, acks it.
	ws, _, err := websocket.Dial(ctx, al.URL(), &websocket.DialOptions{Subprotocols: []string{autopush.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"hello","use_webpush":true}`))
	ws.Read(ctx)
	ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"register","channelID":"c1","key":"`+vapidPub+`"}`))
	_, b, _ := ws.Read(ctx)
	var reg struct{ PushEndpoint string }
	json.Unmarshal(b, &reg)
	apKeys, _ := webpush.NewUAKeys()
	secrets = append(secrets, apKeys.Auth, apKeys.Private.Bytes())
	send(reg.PushEndpoint, webpush.Base64URL(apKeys.P256dh()), webpush.Base64URL(apKeys.Auth), "over autopush")
	_, b, err = ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var note struct{ Version string }
	json.Unmarshal(b, &note)
	ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"ack","updates":[{"channelID":"c1","version":"`+note.Version+`","code":100}]}`))
	if _, err := s.AwaitAck(ctx, note.Version); err != nil {
		t.Fatal(err)
	}

	// Gather everything observable.
	var corpus strings.Builder
	for _, route := range []string{"/_pushspec/", "/_pushspec/requests", "/_pushspec/verdicts", "/_pushspec/events",
		"/_pushspec/subscriptions", "/_pushspec/stored", "/_pushspec/deliveries", "/_pushspec/acks", "/_pushspec/messages/" + note.Version} {
		resp, err := http.Get(s.URL() + route)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		corpus.Write(b)
	}
	for _, r := range s.Requests() {
		b, _ := json.Marshal(r)
		corpus.Write(b)
		b, _ = json.Marshal(r.Verdicts)
		corpus.Write(b)
	}
	b, _ = json.Marshal(s.Verdicts())
	corpus.Write(b)
	b, _ = json.Marshal(s.Events())
	corpus.Write(b)
	for _, fr := range al.Frames("") {
		corpus.Write(fr.JSON)
	}
	sink.mu.Lock()
	nLines := len(sink.lines)
	corpus.WriteString(strings.Join(sink.lines, "\n"))
	sink.mu.Unlock()
	text := corpus.String()
	if len(text) < 2000 || nLines < 5 {
		t.Fatalf("gathered only %d octets and %d log lines: the flow did not run", len(text), nLines)
	}
	leaks := 0
	for i, sec := range secrets {
		for _, form := range secretForms(sec) {
			if len(form) >= 16 && strings.Contains(text, form) {
				t.Errorf("secret %d leaks as %q", i, form)
				leaks++
			}
		}
	}
	for _, sig := range jwtSigs {
		if len(sig) >= 40 && strings.Contains(text, sig) {
			t.Errorf("a JWT signature leaks: %s…", sig[:12])
			leaks++
		}
	}
	t.Logf("SECRETS %d secrets (VAPID private key, UA private keys, auth secrets) and %d JWT signatures in 5 encodings: 0 of them in %d octets of logs (%d lines), observation routes, verdicts and frames",
		len(secrets), len(jwtSigs), len(text), nLines)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
