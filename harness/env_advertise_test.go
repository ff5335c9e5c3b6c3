package harness

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"strings"
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
