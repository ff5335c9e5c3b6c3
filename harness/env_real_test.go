package harness

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/target"
)

// PUSHSPEC_PUSH_SERVICE=real never runs here: these tests cover its configuration and the skip
// path with a dialer that fails instead of the network.

func failingDial(dialed *[]string) Dialer {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		*dialed = append(*dialed, addr)
		return nil, errors.New("no route to host (test)")
	}
}

func TestRealModeWithoutInternetIsUnavailable(t *testing.T) {
	var dialed []string
	env, err := StartEnv(context.Background(), EnvOptions{Browsers: []browser.Kind{browser.Firefox, browser.Chromium},
		RealPushServices: true, RealDial: failingDial(&dialed)})
	if env != nil {
		env.Close()
		t.Fatal("an Env started without its push services")
	}
	if !errors.Is(err, ErrRealUnavailable) {
		t.Fatalf("err = %v, want ErrRealUnavailable", err)
	}
	if !strings.Contains(err.Error(), "push.services.mozilla.com:443") {
		t.Errorf("the reason does not name the host: %v", err)
	}
	if len(dialed) != 1 {
		t.Errorf("dialed %v: it should stop at the first unreachable host", dialed)
	}
}

func TestCheckRealServicesDialsEachBrowsersHosts(t *testing.T) {
	var dialed []string
	ok := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		c1, c2 := net.Pipe()
		c2.Close()
		return c1, nil
	}
	if err := CheckRealServices(context.Background(), []browser.Kind{browser.Chromium, browser.Firefox}, ok); err != nil {
		t.Fatal(err)
	}
	want := "android.clients.google.com:443 mtalk.google.com:5228 push.services.mozilla.com:443"
	if got := strings.Join(dialed, " "); got != want {
		t.Errorf("dialed %q, want %q", got, want)
	}
}

func TestRealModeFromConfig(t *testing.T) {
	t.Setenv("PUSHSPEC_PUSH_SERVICE", "real")
	t.Setenv("PUSHSPEC_BROWSERS", "firefox")
	o, err := EnvOptionsFromConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !o.RealPushServices {
		t.Error("PUSHSPEC_PUSH_SERVICE=real did not select real push services")
	}
	t.Setenv("PUSHSPEC_PUSH_SERVICE", "fake")
	if o, _ := EnvOptionsFromConfig(); o.RealPushServices {
		t.Error("fake mode selected real push services")
	}
}

func TestRealModeSendsToTheVendorsEndpoint(t *testing.T) {
	e := &Env{opts: EnvOptions{RealPushServices: true}}
	for _, ep := range []string{"https://fcm.googleapis.com/fcm/send/abc:def", "https://updates.push.services.mozilla.com/wpush/v2/gAAA"} {
		if got, mapped := e.MapEndpoint(ep); got != ep || mapped {
			t.Errorf("MapEndpoint(%s) = %s, %v", ep, got, mapped)
		}
	}
	if e.RequiresOwnService() == "" {
		t.Error("no skip reason for specs that observe pushspec's service")
	}
	if (&Env{}).RequiresOwnService() != "" {
		t.Error("offline Env gives a skip reason")
	}
}

// The push-service suite's real target and the browsers' real mode name one service; the two
// packages keep their own constant (harness/target does not pull in the browser drivers).
func TestRealModeOneMozillaURL(t *testing.T) {
	if target.RealAutopushURL != browser.MozillaPushServerURL {
		t.Errorf("target.RealAutopushURL %q != browser.MozillaPushServerURL %q", target.RealAutopushURL, browser.MozillaPushServerURL)
	}
}
