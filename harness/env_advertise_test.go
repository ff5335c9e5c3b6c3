package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/browser"
)

// The advertised name and the one address it leads to. Linux routes all of 127.0.0.0/8 to lo,
// so listening on 127.0.0.2 needs no set-up; nothing of pushspec listens on 127.0.0.1 then.
const (
	testAdvertiseHost = "push.pushspec.test"
	testListenIP      = "127.0.0.2"
)

// TestAdvertiseHostRoundTrip starts an Env that listens on 127.0.0.2 alone and hands its
// browsers push.pushspec.test, a name no resolver on this machine knows: each browser reaches
// pushspec only through the name, which its own start-up maps to 127.0.0.2 (Chromium's
// host-resolver rules, Firefox's network.dns.forceResolve). A subscribe → push → shown
// notification round trip must still succeed in each.
func TestAdvertiseHostRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("starts browsers; -short given")
	}
	kinds := installedKinds()
	if len(kinds) == 0 {
		t.Skip("neither Chromium nor Firefox is installed")
	}
	if addrs, err := net.DefaultResolver.LookupHost(context.Background(), testAdvertiseHost); err == nil {
		t.Fatalf("%s resolves here (%v): the test needs a name only the browsers map", testAdvertiseHost, addrs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err := StartEnv(ctx, EnvOptions{Browsers: kinds, AdvertiseHost: testAdvertiseHost, ListenIP: testListenIP, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()

	// Every listener is on 127.0.0.2, and the same ports on 127.0.0.1 are closed.
	listeners := []string{env.Push.URL(), env.Push.TLSURL(), env.Site.URL()}
	if l := env.FCM(); l != nil {
		listeners = append(listeners, l.Endpoint(), l.CheckinURL())
	}
	if l := env.Autopush(); l != nil {
		listeners = append(listeners, l.URL())
	}
	for _, raw := range listeners {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		want := testListenIP
		if raw == env.Site.URL() {
			want = testAdvertiseHost
		}
		if u.Hostname() != want {
			t.Errorf("%s: host %s, want %s", raw, u.Hostname(), want)
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", u.Port()), time.Second); err == nil {
			c.Close()
			t.Errorf("port %s of %s also answers on 127.0.0.1", u.Port(), raw)
		}
	}
	// What the browsers were given names the advertised host only.
	for _, k := range kinds {
		lo := env.states[k].launch
		for _, raw := range []string{lo.AutopushURL, lo.GCMCheckinURL, lo.GCMRegistrationURL, lo.MCSEndpoint} {
			if raw == "" {
				continue
			}
			if u, err := url.Parse(raw); err != nil || u.Hostname() != testAdvertiseHost {
				t.Errorf("%s was given %s, not on %s", k, raw, testAdvertiseHost)
			}
		}
	}

	for _, k := range kinds {
		t.Run(string(k), func(t *testing.T) {
			c, err := env.NewClient(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if u, _ := url.Parse(c.Origin.URL()); u.Hostname() != testAdvertiseHost {
				t.Errorf("origin %s", c.Origin.URL())
			}
			sub := c.Subscription
			t.Logf("%s: endpoint %s, posted to %s", k, sub.Endpoint, sub.SendEndpoint)
			if !strings.HasPrefix(sub.SendEndpoint, env.Push.URL()+"/") {
				t.Errorf("send endpoint %s is not on the push service at %s", sub.SendEndpoint, env.Push.URL())
			}
			if k == browser.Firefox {
				// Firefox hands back the endpoint the push service made: on the advertised host.
				if u, _ := url.Parse(sub.Endpoint); u == nil || u.Hostname() != testAdvertiseHost || !sub.Mapped {
					t.Errorf("endpoint %s (mapped %v), want one on %s", sub.Endpoint, sub.Mapped, testAdvertiseHost)
				}
			}
			res, err := c.Send(ctx, Payload("adv-"+string(k), nil, nil), SendOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != 201 || res.MessageID == "" {
				t.Fatalf("send: %d %s", res.Status, res.Body)
			}
			rep, err := c.AwaitReport(ctx, "adv-"+string(k))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Show.OK {
				t.Fatalf("the notification was not shown: %s", rep.Raw)
			}
			if code, err := c.AwaitAck(ctx, res.MessageID); err != nil || code != fakepushservice.AckDelivered {
				t.Errorf("ack %v %v", code, err)
			}
			t.Logf("%s: push shown %v after the send", k, rep.Latency)
			// Over HTTPS too: the push service's certificate names the listen address.
			res, err = c.Send(ctx, Payload("adv-tls-"+string(k), nil, nil), SendOptions{HTTPS: true})
			if err != nil || res.Status != 201 || res.Request == nil || !res.Request.TLS {
				t.Fatalf("HTTPS send: %+v %v", res, err)
			}
			if _, err := c.AwaitReport(ctx, "adv-tls-"+string(k)); err != nil {
				t.Fatal(err)
			}

			// The insecure test host leads to the listen address too, and stays insecure: the
			// advertised name's secure-context exception does not reach it.
			u, err := url.Parse(c.Origin.PageURL())
			if err != nil {
				t.Fatal(err)
			}
			u.Host = net.JoinHostPort(browser.InsecureTestHost, u.Port())
			if err := c.Session.Navigate(ctx, u.String()); err != nil {
				t.Fatalf("loading %s: %v", u, err)
			}
			raw, err := c.Session.Eval(ctx, `Promise.resolve({secure: self.isSecureContext, title: document.title})`)
			if err != nil {
				t.Fatal(err)
			}
			var g struct {
				Secure bool
				Title  string
			}
			if err := json.Unmarshal(raw, &g); err != nil || g.Secure || g.Title == "" {
				t.Errorf("%s: %s (%v); want the fixture page, not a secure context", u, raw, err)
			}
		})
	}
}

// TestAdvertiseHostRemote is TestAdvertiseHostRoundTrip with browsers the Env does not start: a
// Chromium with a DevTools port, driven over CDP, and a Playwright server for Firefox (the
// driver's launch-server), both started through EnvOptions.StartRemote with the switches and
// prefs it hands them (browser.ChromiumArgs, browser.FirefoxLaunchPrefs), as a browser grid
// would be.
func TestAdvertiseHostRemote(t *testing.T) {
	if testing.Short() {
		t.Skip("starts browsers; -short given")
	}
	kinds := installedKinds()
	if len(kinds) == 0 {
		t.Skip("neither Chromium nor Firefox is installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err := StartEnv(ctx, EnvOptions{Browsers: kinds, AdvertiseHost: testAdvertiseHost, ListenIP: testListenIP, Logf: t.Logf,
		StartRemote: func(ctx context.Context, k browser.Kind, o browser.LaunchOptions) (string, error) {
			if k == browser.Chromium {
				return startRemoteChromium(ctx, t, o)
			}
			return startPlaywrightServer(ctx, t, o)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	for _, k := range kinds {
		if lo := env.states[k].launch; !strings.HasPrefix(lo.Remote, "ws://127.0.0.1:") {
			t.Errorf("%s was not connected to as a remote: %q", k, lo.Remote)
		}
		t.Run(string(k), func(t *testing.T) {
			c, err := env.NewClient(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if u, _ := url.Parse(c.Origin.URL()); u.Hostname() != testAdvertiseHost {
				t.Errorf("origin %s", c.Origin.URL())
			}
			id := "remote-" + string(k)
			res, err := c.Send(ctx, Payload(id, nil, nil), SendOptions{})
			if err != nil || res.Status != 201 {
				t.Fatalf("send: %+v %v", res, err)
			}
			rep, err := c.AwaitReport(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Show.OK {
				t.Fatalf("the notification was not shown: %s", rep.Raw)
			}
			t.Logf("remote %s %s: endpoint %s, push shown %v after the send", k, c.Browser.Version(), c.Subscription.Endpoint, rep.Latency)
		})
	}
}

// installedKinds lists the browsers installed here.
func installedKinds() []browser.Kind {
	var kinds []browser.Kind
	for _, p := range browser.ChromiumExecPaths {
		if _, err := os.Stat(p); err == nil {
			kinds = append(kinds, browser.Chromium)
			break
		}
	}
	if _, err := os.Stat(browser.DefaultFirefoxPath); err == nil {
		kinds = append(kinds, browser.Firefox)
	}
	return kinds
}

// startRemoteChromium starts Chromium with o's switches and a DevTools port, and returns its
// DevTools endpoint. The process group is killed when the test ends.
func startRemoteChromium(ctx context.Context, t *testing.T, o browser.LaunchOptions) (string, error) {
	exe, args, err := browser.ChromiumArgs(o)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "pushspec-remote-chromium-")
	if err != nil {
		return "", err
	}
	args = append(args, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir="+dir, "about:blank")
	// Chromium announces "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID".
	return startAnnouncing(ctx, t, exec.Command(exe, args...), true, func(line string) (string, bool) {
		_, ws, ok := strings.Cut(line, "DevTools listening on ")
		return ws, ok
	}, func() { os.RemoveAll(dir) })
}

// startPlaywrightServer starts the Playwright driver's launch-server for Firefox with o's prefs
// and returns the ws endpoint it prints.
func startPlaywrightServer(ctx context.Context, t *testing.T, o browser.LaunchOptions) (string, error) {
	prefs, err := browser.FirefoxLaunchPrefs(o)
	if err != nil {
		return "", err
	}
	dir, err := browser.DriverDirectory()
	if err != nil {
		return "", err
	}
	node := os.Getenv("PLAYWRIGHT_NODEJS_PATH")
	if node == "" {
		if node, err = exec.LookPath("node"); err != nil {
			return "", err
		}
	}
	cfg, err := json.Marshal(map[string]any{
		"channel": "moz-firefox", "executablePath": browser.DefaultFirefoxPath, "headless": true,
		"firefoxUserPrefs": prefs, "env": browser.FirefoxEnv(),
	})
	if err != nil {
		return "", err
	}
	cfgPath := filepath.Join(t.TempDir(), "launch-server.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command(node, filepath.Join(dir, "package", "cli.js"), "launch-server", "--browser", "firefox", "--config", cfgPath)
	return startAnnouncing(ctx, t, cmd, false, func(line string) (string, bool) {
		line = strings.TrimSpace(line)
		return line, strings.HasPrefix(line, "ws://")
	}, nil)
}

// startAnnouncing starts cmd in its own process group and returns what found picks from its
// stderr (or stdout) lines; the group is ended and cleanup run when the test ends.
func startAnnouncing(ctx context.Context, t *testing.T, cmd *exec.Cmd, stderr bool, found func(string) (string, bool), cleanup func()) (string, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out io.ReadCloser
	var err error
	if stderr {
		out, err = cmd.StderrPipe()
	} else {
		out, err = cmd.StdoutPipe()
	}
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	t.Cleanup(func() {
		// SIGTERM first: the Playwright server then closes the Firefox it launched, which runs
		// in a process group of its own, so that a SIGKILL of this group would leave it behind.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if cleanup != nil {
			cleanup()
		}
	})
	ch := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if v, ok := found(sc.Text()); ok {
				ch <- v
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return "", fmt.Errorf("%s announced no endpoint: %w", filepath.Base(cmd.Path), ctx.Err())
	}
}

// resolveAdvertise, advertiseURL and MapEndpoint without a browser.
func TestResolveAdvertise(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		host, listen, wantIP string // wantIP "error": refused
	}{
		{"", "", ""},
		{"", "127.0.0.2", "error"},
		{"push.pushspec.test", "127.0.0.2", "127.0.0.2"},
		{"127.0.0.3", "", "127.0.0.3"},
		{"localhost", "", "127.0.0.1"},
		{"::1", "", "error"},
		{"push.pushspec.test:8080", "127.0.0.2", "error"},
		{"http://push.pushspec.test", "127.0.0.2", "error"},
		{"push.pushspec.test", "not-an-ip", "error"},
	} {
		e := &Env{opts: EnvOptions{AdvertiseHost: c.host, ListenIP: c.listen}, logs: newRing(10)}
		err := e.resolveAdvertise(ctx)
		got := e.ListenIP()
		if err != nil {
			got = "error"
		}
		if got != c.wantIP {
			t.Errorf("host %q listen %q: listen IP %q (%v), want %q", c.host, c.listen, got, err, c.wantIP)
		}
	}

	e := &Env{opts: EnvOptions{AdvertiseHost: testAdvertiseHost, ListenIP: testListenIP}, logs: newRing(10),
		Push: &fakepushservice.Server{NoTLS: true, Addr: testListenIP + ":0", EndpointHost: testAdvertiseHost}}
	if err := e.resolveAdvertise(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Push.Start(); err != nil {
		t.Fatal(err)
	}
	defer e.Push.Close()
	port := strings.TrimPrefix(e.Push.URL(), "http://"+testListenIP+":")
	if got, want := e.advertiseURL(e.Push.URL()+"/autopush/"), "http://"+testAdvertiseHost+":"+port+"/autopush/"; got != want {
		t.Errorf("advertiseURL = %s, want %s", got, want)
	}
	for in, want := range map[string]string{
		"http://" + testAdvertiseHost + ":" + port + "/push/abc": e.Push.URL() + "/push/abc",
		"https://fcm.googleapis.com/fcm/send/tok":                e.Push.URL() + "/fcm/send/tok",
		"http://localhost:9/push/abc":                            "http://localhost:9/push/abc",
	} {
		got, mapped := e.MapEndpoint(in)
		if got != want || mapped != (in != want) {
			t.Errorf("MapEndpoint(%s) = %s, %v; want %s", in, got, mapped, want)
		}
	}
}
