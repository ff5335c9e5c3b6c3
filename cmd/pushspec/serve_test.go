package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8090": true, "localhost:0": true, "[::1]:80": true,
		"0.0.0.0:8090": false, ":8090": false, "192.0.2.1:80": false, "example.com:80": false,
	} {
		if err := checkLoopback(addr, false); (err == nil) != ok {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if err := checkLoopback("0.0.0.0:1", true); err != nil {
		t.Error(err)
	}
}

func TestServeHelpAndBadFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runServe(context.Background(), []string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--profile") && !strings.Contains(out.String(), "-profile") {
		t.Fatalf("help: %d %q", code, out.String())
	}
	for _, args := range [][]string{{"--profile", "nope"}, {"--addr", "0.0.0.0:0"}, {"--bogus"}, {"extra"}} {
		out.Reset()
		errb.Reset()
		if code := runServe(context.Background(), args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%v: code %d stderr %q", args, code, errb.String())
		}
	}
}

// served is a `pushspec serve` subprocess.
type served struct {
	cmd    *exec.Cmd
	base   string
	caFile string // the CA file serve printed, "" with --no-tls
	stdout *bytes.Buffer
	done   chan error
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startServe(t *testing.T, bin string, args ...string) *served {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port)}, args...)...)
	pr, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sv := &served{cmd: cmd, stdout: &bytes.Buffer{}, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		var base string
		for sc.Scan() {
			line := sc.Text()
			sv.stdout.WriteString(line + "\n")
			if strings.HasPrefix(line, "control API:") {
				base = strings.Fields(line)[2]
			}
			if v, ok := strings.CutPrefix(line, "CA file:"); ok {
				sv.caFile = strings.TrimSpace(v)
			}
			if line == "ready" {
				ready <- base
			}
		}
		sv.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-sv.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("serve stderr:\n%s", stderr.String())
		}
	})
	select {
	case sv.base = <-ready:
	case <-time.After(20 * time.Second):
		t.Fatalf("pushspec serve did not start; stderr:\n%s", stderr.String())
	}
	return sv
}

func buildPushspec(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pushspec")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// probeCase is one sender request played against `pushspec serve`.
type probeCase struct {
	name    string
	status  int
	payload string // "" for no plaintext; listed by get-notifications when accepted and decryptable
	listed  bool
	build   func(p *prober, payload string) *http.Request
}

type prober struct {
	t        *testing.T
	endpoint string
	p256dh   []byte
	auth     []byte
	vapid    *webpush.VAPIDKeys
}

func (p *prober) sub() webpush.Subscription {
	return webpush.Subscription{Endpoint: p.endpoint, P256dh: p.p256dh, Auth: p.auth}
}

type reqOpts struct {
	enc      *webpush.Options
	sign     *webpush.SignOptions
	noAuth   bool
	aud      string
	sub      string
	exp      time.Duration
	vapid    *webpush.VAPIDKeys
	set      map[string]string
	endpoint string
	method   string
	aesgcm   bool
}

func (p *prober) req(payload string, o reqOpts) *http.Request {
	p.t.Helper()
	h := http.Header{"Ttl": {"60"}}
	var body []byte
	var err error
	if o.aesgcm {
		var encr, ck string
		body, encr, ck, err = webpush.EncryptAESGCM(p.sub(), []byte(payload), o.enc)
		h.Set("Content-Encoding", "aesgcm")
		h.Set("Encryption", encr)
		h.Set("Crypto-Key", ck)
	} else {
		body, err = webpush.Encrypt(p.sub(), []byte(payload), o.enc)
		h.Set("Content-Encoding", "aes128gcm")
	}
	if err != nil {
		p.t.Fatal(err)
	}
	endpoint := p.endpoint
	if o.endpoint != "" {
		endpoint = o.endpoint
	}
	if !o.noAuth {
		k := p.vapid
		if o.vapid != nil {
			k = o.vapid
		}
		aud := o.aud
		if aud == "" {
			aud = endpoint[:strings.Index(endpoint, "/notify/")]
		}
		sub := o.sub
		if sub == "" {
			sub = "mailto:probe@example.com"
		} else if sub == "-" {
			sub = ""
		}
		exp := o.exp
		if exp == 0 {
			exp = time.Hour
		}
		a, err := k.Authorization(aud, sub, time.Now().Add(exp), o.sign)
		if err != nil {
			p.t.Fatal(err)
		}
		h.Set("Authorization", a)
	}
	for k, v := range o.set {
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
	}
	method := o.method
	if method == "" {
		method = "POST"
	}
	r, _ := http.NewRequest(method, endpoint, bytes.NewReader(body))
	r.Header = h
	return r
}

func probeCases() []probeCase {
	ok := func(name, payload string, o reqOpts) probeCase {
		return probeCase{name: name, status: 201, payload: payload, listed: true, build: func(p *prober, pl string) *http.Request { return p.req(pl, o) }}
	}
	bad := func(name string, status int, o reqOpts) probeCase {
		return probeCase{name: name, status: status, payload: "must-not-appear " + name, build: func(p *prober, pl string) *http.Request { return p.req(pl, o) }}
	}
	other, _ := webpush.NewVAPIDKeys()
	return []probeCase{
		ok("conformant", "p01 conformant", reqOpts{}),
		{name: "webpush-go", status: 201, payload: "p02 webpush-go", listed: true},
		ok("ttl 0 to a connected UA", "p03 ttl0", reqOpts{set: map[string]string{"TTL": "0"}}),
		ok("ttl overflow", "p04 ttl overflow", reqOpts{set: map[string]string{"TTL": "99999999999999999999"}}),
		ok("urgency high", "p05 urgency", reqOpts{set: map[string]string{"Urgency": "high"}}),
		ok("topic", "p06 topic", reqOpts{set: map[string]string{"Topic": "news_1"}}),
		ok("aesgcm with vapid", "p07 aesgcm", reqOpts{aesgcm: true}),
		ok("body 4096", "p08 4096", reqOpts{enc: &webpush.Options{Pad: 4096 - 86 - 16 - 1 - len("p08 4096")}}),
		ok("sub missing", "p09 no sub", reqOpts{sub: "-"}),
		ok("unknown auth params", "p10 realm", reqOpts{sign: &webpush.SignOptions{ExtraParams: `realm="x", foo=bar`}}),
		ok("padding", "p11 padded", reqOpts{enc: &webpush.Options{Pad: 100}}),
		ok("small rs", "p12 rs", reqOpts{enc: &webpush.Options{RS: 128}}),
		{name: "respond-async", status: 202, payload: "p13 async", listed: true, build: func(p *prober, pl string) *http.Request {
			return p.req(pl, reqOpts{set: map[string]string{"Prefer": "respond-async"}})
		}},
		{name: "undecryptable", status: 201, payload: "never decrypts", build: func(p *prober, pl string) *http.Request {
			return p.req(pl, reqOpts{enc: &webpush.Options{WrongAuth: true}})
		}},
		bad("ttl missing", 400, reqOpts{set: map[string]string{"TTL": ""}}),
		bad("ttl letters", 400, reqOpts{set: map[string]string{"TTL": "ten"}}),
		bad("ttl negative", 400, reqOpts{set: map[string]string{"TTL": "-1"}}),
		bad("urgency list", 400, reqOpts{set: map[string]string{"Urgency": "low, high"}}),
		bad("urgency unknown", 400, reqOpts{set: map[string]string{"Urgency": "asap"}}),
		bad("topic too long", 400, reqOpts{set: map[string]string{"Topic": strings.Repeat("t", 33)}}),
		bad("topic charset", 400, reqOpts{set: map[string]string{"Topic": "a:b"}}),
		bad("no content-encoding", 415, reqOpts{set: map[string]string{"Content-Encoding": ""}}),
		bad("gzip", 415, reqOpts{set: map[string]string{"Content-Encoding": "gzip"}}),
		bad("body 4097", 413, reqOpts{enc: &webpush.Options{Pad: 4097 - 86 - 16 - 1 - len("must-not-appear body 4097")}}),
		bad("no authorization", 401, reqOpts{noAuth: true}),
		{name: "webpush scheme", status: 401, payload: "must-not-appear webpush", build: func(p *prober, pl string) *http.Request {
			return p.req(pl, reqOpts{sign: &webpush.SignOptions{Scheme: webpush.SchemeWebPush}, set: map[string]string{"Crypto-Key": p.vapid.CryptoKey(nil)}})
		}},
		bad("bad signature", 403, reqOpts{sign: &webpush.SignOptions{CorruptSignature: true}}),
		bad("DER signature", 403, reqOpts{sign: &webpush.SignOptions{DERSignature: true}}),
		bad("alg none", 403, reqOpts{sign: &webpush.SignOptions{Alg: "none"}}),
		bad("exp passed", 403, reqOpts{exp: -time.Minute}),
		bad("exp over 24h", 403, reqOpts{exp: 25 * time.Hour}),
		bad("exp string", 403, reqOpts{sign: &webpush.SignOptions{ExpAsString: true}}),
		bad("wrong aud", 403, reqOpts{aud: "https://app.example"}),
		bad("other key", 403, reqOpts{vapid: other}),
		bad("t missing", 403, reqOpts{sign: &webpush.SignOptions{OmitT: true}}),
		bad("GET", 405, reqOpts{method: "GET"}),
		bad("invalid receipt subscription", 400, reqOpts{set: map[string]string{"Prefer": "respond-async", "Link": `</receipts/forged>; rel="urn:ietf:params:push:receipt"`}}),
		{name: "unknown subscription", status: 404, payload: "nobody", build: func(p *prober, pl string) *http.Request {
			return p.req(pl, reqOpts{endpoint: p.endpoint[:strings.LastIndex(p.endpoint, "/")+1] + strings.Repeat("ab", 32)})
		}},
	}
}

// A black-box probe of `pushspec serve`: conformant and broken senders against the control API;
// status codes, Location on every accepted message, accepted payloads returned in order by
// get-notifications, rejected ones never stored; expiry; clean shutdown on SIGTERM.
func TestServeProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildPushspec(t)
	sv := startServe(t, bin)

	st, b := post(t, sv.base+"/status", "")
	if st != 200 || string(b) != "OK" {
		t.Fatalf("status: %d %s", st, b)
	}
	vk, _ := webpush.NewVAPIDKeys()
	st, b = post(t, sv.base+"/subscribe", `{"userVisibleOnly":"true","applicationServerKey":"`+webpush.Base64URL(vk.Public())+`"}`)
	if st != 200 {
		t.Fatalf("subscribe: %d %s", st, b)
	}
	var sub struct {
		Data struct {
			Endpoint   string            `json:"endpoint"`
			Keys       map[string]string `json:"keys"`
			ClientHash string            `json:"clientHash"`
		} `json:"data"`
	}
	json.Unmarshal(b, &sub)
	p256dh, _ := webpush.DecodeBase64(sub.Data.Keys["p256dh"])
	auth, _ := webpush.DecodeBase64(sub.Data.Keys["auth"])
	p := &prober{t: t, endpoint: sub.Data.Endpoint, p256dh: p256dh, auth: auth, vapid: vk}

	var want []string
	cases := probeCases()
	if len(cases) < 25 {
		t.Fatalf("only %d probe cases", len(cases))
	}
	for _, c := range cases {
		var resp *http.Response
		var err error
		if c.build == nil { // webpush-go
			priv := webpush.Base64URL(vk.PrivateBytes())
			resp, err = webpushgo.SendNotification([]byte(c.payload), &webpushgo.Subscription{Endpoint: p.endpoint,
				Keys: webpushgo.Keys{P256dh: sub.Data.Keys["p256dh"], Auth: sub.Data.Keys["auth"]}},
				&webpushgo.Options{Subscriber: "probe@example.com", TTL: 30, VAPIDPublicKey: webpush.Base64URL(vk.Public()), VAPIDPrivateKey: priv, RecordSize: 2048})
		} else {
			resp, err = http.DefaultClient.Do(c.build(p, c.payload))
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d; %s", c.name, resp.StatusCode, c.status, body)
			continue
		}
		if resp.StatusCode/100 == 2 {
			if !strings.Contains(resp.Header.Get("Location"), "/m/") {
				t.Errorf("%s: accepted without Location", c.name)
			}
			if c.listed {
				want = append(want, c.payload)
			}
		} else {
			var e map[string]any
			if json.Unmarshal(body, &e) != nil || e["rule"] == nil || e["error"] == nil || e["status"] != float64(resp.StatusCode) {
				t.Errorf("%s: error body %s lacks rule/error/status", c.name, body)
			}
		}
	}
	st, b = post(t, sv.base+"/get-notifications", `{"clientHash":"`+sub.Data.ClientHash+`"}`)
	var got struct {
		Data struct {
			Messages []string `json:"messages"`
		} `json:"data"`
	}
	json.Unmarshal(b, &got)
	if st != 200 || strings.Join(got.Data.Messages, "\n") != strings.Join(want, "\n") {
		t.Fatalf("get-notifications %d:\n got %q\nwant %q", st, got.Data.Messages, want)
	}

	// Verdicts are there for the broken requests.
	resp, err := http.Get(sv.base + "/_pushspec/verdicts?outcome=fail")
	if err != nil {
		t.Fatal(err)
	}
	vb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, rule := range []string{rules.TTLRequired.ID, rules.JWSES256.ID, rules.AES128GCMOnly.ID, rules.TopicSyntax.ID} {
		if !strings.Contains(string(vb), `"rule":"`+rule+`"`) {
			t.Errorf("no failing verdict for %s", rule)
		}
	}

	// Expire, then push: 404 (rfc).
	if st, b = post(t, sv.base+"/expire-subscription/"+sub.Data.ClientHash, ""); st != 200 {
		t.Fatalf("expire: %d %s", st, b)
	}
	r, _ := http.DefaultClient.Do(p.req("late", reqOpts{}))
	r.Body.Close()
	if r.StatusCode != 404 {
		t.Fatalf("after expiry: %d", r.StatusCode)
	}

	// Clean shutdown on SIGTERM.
	sv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-sv.done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if !strings.Contains(sv.stdout.String(), "shutting down") || !strings.Contains(sv.stdout.String(), "CA file:") {
		t.Fatalf("stdout:\n%s", sv.stdout.String())
	}
}

// compat answers like web-push-testing: 400 for bad input, 410 when expired, 201 without Location.
func TestServeCompatProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sv := startServe(t, buildPushspec(t), "--profile", "compat", "--no-tls")
	p, clientHash := subscribeUnrestricted(t, sv)
	for _, c := range []struct {
		o      reqOpts
		status int
	}{
		{reqOpts{noAuth: true}, 201},
		{reqOpts{noAuth: true, set: map[string]string{"TTL": ""}}, 400},
		{reqOpts{noAuth: true, set: map[string]string{"Content-Encoding": "gzip"}}, 400},
	} {
		r, err := http.DefaultClient.Do(p.req("hello", c.o))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != c.status || r.Header.Get("Location") != "" {
			t.Fatalf("%+v: %d Location %q", c.o, r.StatusCode, r.Header.Get("Location"))
		}
	}
	post(t, sv.base+"/expire-subscription/"+clientHash, "")
	r, _ := http.DefaultClient.Do(p.req("late", reqOpts{noAuth: true}))
	r.Body.Close()
	if r.StatusCode != 410 {
		t.Fatalf("expired: %d", r.StatusCode)
	}
	if st, b := post(t, sv.base+"/get-notifications", `{"clientHash":"`+clientHash+`"}`); st != 200 || string(b) != `{"data":{"messages":["hello"]}}`+"\n" {
		t.Fatalf("get-notifications: %d %s", st, b)
	}
}

// --rate-limit N lets N messages through for one user agent, then answers 429 with Retry-After
// (RFC 8030 §8.4); nothing refused is stored.
func TestServeRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sv := startServe(t, buildPushspec(t), "--no-tls", "--rate-limit", "3")
	p, clientHash := subscribeUnrestricted(t, sv)
	var got []int
	retryAfter := ""
	for i := 0; i < 5; i++ {
		r, err := http.DefaultClient.Do(p.req(fmt.Sprintf("m%d", i), reqOpts{noAuth: true}))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		got = append(got, r.StatusCode)
		if r.StatusCode == 429 {
			retryAfter = r.Header.Get("Retry-After")
		}
	}
	if fmt.Sprint(got) != "[201 201 201 429 429]" || retryAfter == "" {
		t.Fatalf("statuses %v, Retry-After %q; want 3 × 201 then 429 with Retry-After", got, retryAfter)
	}
	if st, b := post(t, sv.base+"/get-notifications", `{"clientHash":"`+clientHash+`"}`); st != 200 || string(b) != `{"data":{"messages":["m0","m1","m2"]}}`+"\n" {
		t.Fatalf("get-notifications: %d %s", st, b)
	}
}

// subscribeUnrestricted makes a subscription without applicationServerKey through the control
// API and returns a prober for it and its clientHash.
func subscribeUnrestricted(t *testing.T, sv *served) (*prober, string) {
	t.Helper()
	sub := ctlSubscribe(t, sv, `{}`)
	p256dh, _ := webpush.DecodeBase64(sub.Data.Keys["p256dh"])
	auth, _ := webpush.DecodeBase64(sub.Data.Keys["auth"])
	vk, _ := webpush.NewVAPIDKeys()
	return &prober{t: t, endpoint: sub.Data.Endpoint, p256dh: p256dh, auth: auth, vapid: vk}, sub.Data.ClientHash
}

// ctlSubscription is the control API's answer to POST /subscribe.
type ctlSubscription struct {
	Data struct {
		Endpoint   string            `json:"endpoint"`
		Keys       map[string]string `json:"keys"`
		ClientHash string            `json:"clientHash"`
	} `json:"data"`
}

// ctlSubscribe posts body to the control API's /subscribe and decodes the answer.
func ctlSubscribe(t *testing.T, sv *served, body string) ctlSubscription {
	t.Helper()
	_, b := post(t, sv.base+"/subscribe", body)
	var sub ctlSubscription
	if err := json.Unmarshal(b, &sub); err != nil {
		t.Fatalf("subscribe: %v: %s", err, b)
	}
	return sub
}

// --https-endpoints: POST /subscribe hands out https:// endpoints signed by the CA serve prints,
// so the npm web-push CLI (HTTPS only) sends to the subscription as handed out, trusting the CA
// through NODE_EXTRA_CA_CERTS, and the message is read back through the control API.
func TestServeHTTPSEndpointsWithNpmWebPush(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and node")
	}
	cli := filepath.Join(os.Getenv("PUSHSPEC_NPM_BIN"), "web-push")
	if _, err := os.Stat(cli); os.Getenv("PUSHSPEC_NPM_BIN") == "" || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the npm web-push CLI is not installed (PUSHSPEC_NPM_BIN=%q): make test installs it", os.Getenv("PUSHSPEC_NPM_BIN"))
		}
		t.Skipf("the npm web-push CLI is not installed (PUSHSPEC_NPM_BIN=%q); make test installs it", os.Getenv("PUSHSPEC_NPM_BIN"))
	}
	sv := startServe(t, buildPushspec(t), "--https-endpoints")
	caFile := sv.caFile
	if caFile == "" {
		t.Fatalf("serve printed no CA file:\n%s", sv.stdout.String())
	}
	vk, err := webpush.NewVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	pub, priv := webpush.Base64URL(vk.Public()), webpush.Base64URL(vk.PrivateBytes())
	sub := ctlSubscribe(t, sv, `{"applicationServerKey":"`+pub+`"}`)
	if !strings.HasPrefix(sub.Data.Endpoint, "https://localhost:") {
		t.Fatalf("endpoint %q: want https://localhost:<TLS port>/…", sub.Data.Endpoint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "send-notification", "--endpoint="+sub.Data.Endpoint,
		"--key="+sub.Data.Keys["p256dh"], "--auth="+sub.Data.Keys["auth"], "--payload=hello over https",
		"--ttl=60", "--vapid-subject=mailto:pushspec@example.com", "--vapid-pubkey="+pub, "--vapid-pvtkey="+priv)
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+caFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("web-push send-notification: %v\n%s", err, out)
	}
	if st, b := post(t, sv.base+"/get-notifications", `{"clientHash":"`+sub.Data.ClientHash+`"}`); st != 200 || !strings.Contains(string(b), "hello over https") {
		t.Fatalf("get-notifications: %d %s", st, b)
	}
}
