package fakepushservice

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
	"testing"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// startPeer runs marc1706/web-push-testing's server in the foreground on a free port and returns
// its base URL.
func startPeer(t *testing.T) string {
	t.Helper()
	npmBin(t, "web-push-testing") // skips when not installed
	dir := os.Getenv("PUSHSPEC_NPM_BIN")
	if dir == "" {
		dir = filepath.Join("..", ".cache", "npm", "node_modules", ".bin")
	}
	script, _ := filepath.Abs(filepath.Join(dir, "..", "web-push-testing", "src", "bin", "server.js"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", script, fmt.Sprint(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Server running on port") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("web-push-testing did not start")
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

type target struct {
	name, base string
}

type peerSub struct {
	vs   *VirtualSubscription
	hash string
}

func subscribeAt(t *testing.T, base, body string) (int, []byte, *peerSub) {
	t.Helper()
	resp, err := http.Post(base+"/subscribe", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, b, nil
	}
	var r subscribeResp
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	// Public parts only: enough for the sender side.
	vs := &VirtualSubscription{ID: r.Data.ClientHash, Endpoint: r.Data.Endpoint, P256dh: r.Data.Keys.P256dh, Auth: r.Data.Keys.Auth}
	return 200, b, &peerSub{vs: vs, hash: r.Data.ClientHash}
}

// The compat profile answers like web-push-testing itself: the same request to both gives the
// same status and, where the peer answers JSON, the same body; get-notifications lists the same
// payloads.
func TestCompatMatchesPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node")
	}
	peer := startPeer(t)
	s := newTestServer(t, &Server{Profile: "compat", NoTLS: true})
	targets := []target{{"web-push-testing", peer}, {"pushspec compat", s.URL()}}
	vk, _ := webpush.NewVAPIDKeys()
	other, _ := webpush.NewVAPIDKeys()

	// Control API errors.
	for _, body := range []string{`{"foo":1}`, `{"userVisibleOnly":"yes"}`, `{"applicationServerKey":"AAAA"}`} {
		var got []string
		for _, tg := range targets {
			st, b, _ := subscribeAt(t, tg.base, body)
			got = append(got, fmt.Sprintf("%d %s", st, strings.TrimSpace(string(b))))
		}
		if got[0] != got[1] {
			t.Errorf("subscribe %s:\n peer %s\n ours %s", body, got[0], got[1])
		}
	}

	type pcase struct {
		name    string
		payload string
		build   func(s *sender, ps *peerSub, payload string) *http.Request
	}
	req := func(m msg) func(s *sender, ps *peerSub, payload string) *http.Request {
		return func(snd *sender, ps *peerSub, payload string) *http.Request {
			m := m
			if m.plaintext == nil && !m.noBody {
				m.plaintext = []byte(payload)
			}
			return snd.requestFor(ps.vs.Endpoint, ps.vs.P256dh, ps.vs.Auth, m)
		}
	}
	cases := []pcase{
		{"conformant", "one", req(msg{})},
		{"aesgcm WebPush", "two", req(msg{aesgcm: true, sign: &webpush.SignOptions{Scheme: webpush.SchemeWebPush}})},
		{"exp over 24h (not checked by the peer)", "three", req(msg{exp: 30 * time.Hour})},
		{"wrong aud (not checked by the peer)", "four", req(msg{aud: "https://app.example"})},
		{"ttl missing", "x", req(msg{header: map[string]string{"TTL": ""}})},
		{"ttl letters", "x", req(msg{header: map[string]string{"TTL": "abc"}})},
		{"no content-encoding", "x", req(msg{header: map[string]string{"Content-Encoding": ""}})},
		{"Vapid capitalised", "x", req(msg{mutate: func(h http.Header) {
			h.Set("Authorization", "Vapid"+strings.TrimPrefix(h.Get("Authorization"), "vapid"))
		}})},
		{"aes128gcm with WebPush scheme", "x", req(msg{sign: &webpush.SignOptions{Scheme: webpush.SchemeWebPush}})},
		{"other key", "x", req(msg{vapid: other})},
		{"bad signature", "x", req(msg{sign: &webpush.SignOptions{CorruptSignature: true}})},
		{"expired exp", "x", req(msg{exp: -time.Hour})},
		{"undecryptable", "x", req(msg{enc: &webpush.Options{WrongAuth: true}})},
		{"unknown hash", "x", func(snd *sender, ps *peerSub, payload string) *http.Request {
			return snd.requestFor(ps.vs.Endpoint[:strings.LastIndex(ps.vs.Endpoint, "/")+1]+strings.Repeat("0", 64), ps.vs.P256dh, ps.vs.Auth, msg{plaintext: []byte(payload)})
		}},
	}
	subs := make([]*peerSub, len(targets))
	for i, tg := range targets {
		_, _, subs[i] = subscribeAt(t, tg.base, `{"applicationServerKey":"`+webpush.Base64URL(vk.Public())+`"}`)
		if subs[i] == nil {
			t.Fatalf("%s: subscribe failed", tg.name)
		}
	}
	snd := newSender(t)
	snd.vapid = vk
	for _, c := range cases {
		var got []string
		for i := range targets {
			r := snd.do(c.build(snd, subs[i], c.payload))
			body := strings.TrimSpace(string(r.body))
			if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				var m map[string]any
				json.Unmarshal(r.body, &m)
				delete(m, "rule") // pushspec's additions
				delete(m, "status")
				if e, ok := m["error"].(map[string]any); ok && c.name == "undecryptable" {
					e["message"] = "<decryption error text>"
				}
				b, _ := json.Marshal(m)
				body = string(b)
			}
			if r.status >= 400 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				body = "<non-JSON>"
			}
			got = append(got, fmt.Sprintf("%d %s loc=%q", r.status, body, r.header.Get("Location")))
		}
		if got[0] != got[1] {
			t.Errorf("%s:\n peer %s\n ours %s", c.name, got[0], got[1])
		} else {
			t.Logf("%-40s both %s", c.name, got[0])
		}
	}
	// Same notifications, then expiry → 410 on both.
	var lists []string
	for i, tg := range targets {
		resp, err := http.Post(tg.base+"/get-notifications", "application/json", strings.NewReader(`{"clientHash":"`+subs[i].hash+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lists = append(lists, fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(b)))
		resp, err = http.Post(tg.base+"/expire-subscription/"+subs[i].hash, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		r := snd.do(snd.requestFor(subs[i].vs.Endpoint, subs[i].vs.P256dh, subs[i].vs.Auth, msg{plaintext: []byte("late")}))
		lists = append(lists, fmt.Sprintf("after expiry %d", r.status))
	}
	if lists[0] != lists[2] || lists[1] != lists[3] || lists[0] != `200 {"data":{"messages":["one","two","three","four"]}}` {
		t.Errorf("peer %v\nours %v", lists[:2], lists[2:])
	}
}
