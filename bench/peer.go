package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pushspec/pushspec/internal/modroot"
	"github.com/pushspec/pushspec/webpush"
)

// WebPushTesting is a running marc1706/web-push-testing server (the npm package the Makefile
// pins), bound to 127.0.0.1 on a free port. Close stops it.
type WebPushTesting struct {
	URL  string // http://127.0.0.1:<port>
	cmd  *exec.Cmd
	done chan struct{}
}

// PeerSubscription is a subscription made through the peer's /subscribe route.
type PeerSubscription struct {
	webpush.Subscription        // Endpoint rewritten to 127.0.0.1 (the peer hands out localhost)
	ClientHash           string // for /get-notifications
	Audience             string // the origin of the endpoint the peer handed out
}

// loopbackJS makes Node's net.Server listen on 127.0.0.1 when a program gives only a port;
// web-push-testing would listen on every interface otherwise.
const loopbackJS = `const net = require('net'); const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  if (typeof a[0] === 'number' && (a.length === 1 || typeof a[1] === 'function')) a.splice(1, 0, '127.0.0.1');
  return listen.apply(this, a);
};`

// WebPushTestingScript finds src/bin/server.js of the installed web-push-testing: next to
// $PUSHSPEC_NPM_BIN (set by the Makefile), else under .cache/npm of the module root above the
// working directory.
func WebPushTestingScript() (string, error) {
	var modules string
	if bin := os.Getenv("PUSHSPEC_NPM_BIN"); bin != "" {
		modules = filepath.Dir(bin)
	} else {
		dir, err := modroot.Dir()
		if err != nil {
			return "", fmt.Errorf("bench: %w", err)
		}
		modules = filepath.Join(dir, ".cache", "npm", "node_modules")
	}
	script := filepath.Join(modules, "web-push-testing", "src", "bin", "server.js")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("bench: web-push-testing is not installed (make npm-tools): %w", err)
	}
	return script, nil
}

// StartWebPushTesting starts `node <script> <port>` on a free loopback port and waits until it
// says it runs (at most 20 s).
func StartWebPushTesting(ctx context.Context, script string) (*WebPushTesting, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pre, err := os.CreateTemp("", "pushspec-loopback-*.js")
	if err != nil {
		return nil, err
	}
	defer os.Remove(pre.Name()) // node reads it at start-up, before it says it runs
	if _, err := pre.WriteString(loopbackJS); err != nil {
		pre.Close()
		return nil, err
	}
	pre.Close()
	cmd := exec.Command(node, "-r", pre.Name(), script, fmt.Sprint(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &WebPushTesting{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		said := false
		for sc.Scan() { // keep draining so the server never blocks on its pipe
			if !said && strings.Contains(sc.Text(), "Server running on port") {
				said = true
				ready <- nil
			}
		}
		if !said {
			ready <- errors.New("bench: web-push-testing exited before it was ready")
		}
		cmd.Wait()
		close(p.done)
	}()
	t := time.NewTimer(20 * time.Second)
	defer t.Stop()
	select {
	case err = <-ready:
	case <-t.C:
		err = errors.New("bench: web-push-testing did not start within 20 s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Close kills the server and waits for it to exit.
func (p *WebPushTesting) Close() {
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

func (p *WebPushTesting) post(ctx context.Context, route string, body any, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+route, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: web-push-testing %s: %s %s", route, resp.Status, raw)
	}
	return json.Unmarshal(raw, out)
}

// Subscribe makes a restricted subscription for the VAPID key appServerKey (65 octets): the peer
// then verifies every push request's JWT and key, and decrypts its body.
func (p *WebPushTesting) Subscribe(ctx context.Context, appServerKey []byte) (*PeerSubscription, error) {
	var r struct {
		Data struct {
			Endpoint string `json:"endpoint"`
			Keys     struct {
				P256dh string `json:"p256dh"`
				Auth   string `json:"auth"`
			} `json:"keys"`
			ClientHash string `json:"clientHash"`
		} `json:"data"`
	}
	if err := p.post(ctx, "/subscribe", map[string]string{"applicationServerKey": webpush.Base64URL(appServerKey)}, &r); err != nil {
		return nil, err
	}
	u, err := url.Parse(r.Data.Endpoint)
	if err != nil {
		return nil, err
	}
	p256dh, err := webpush.DecodeBase64(r.Data.Keys.P256dh)
	if err != nil {
		return nil, err
	}
	auth, err := webpush.DecodeBase64(r.Data.Keys.Auth)
	if err != nil {
		return nil, err
	}
	return &PeerSubscription{
		Subscription: webpush.Subscription{Endpoint: p.URL + u.Path, P256dh: p256dh, Auth: auth},
		ClientHash:   r.Data.ClientHash,
		Audience:     u.Scheme + "://" + u.Host,
	}, nil
}

// Notifications returns every payload the peer decrypted for clientHash, in arrival order.
func (p *WebPushTesting) Notifications(ctx context.Context, clientHash string) ([]string, error) {
	var r struct {
		Data struct {
			Messages []string `json:"messages"`
		} `json:"data"`
	}
	err := p.post(ctx, "/get-notifications", map[string]string{"clientHash": clientHash}, &r)
	return r.Data.Messages, err
}
