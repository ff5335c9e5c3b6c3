package browser

import (
	"maps"
	"strings"
	"testing"
)

// An advertised host: Chromium maps it (and the insecure test host) to the advertised address and
// nothing else anywhere, and treats it as a secure context through a *.<parent> pattern.
func TestChromiumSwitchesAdvertise(t *testing.T) {
	opts := LaunchOptions{
		ExecPath:           "/bin/true",
		GCMCheckinURL:      "http://push.pushspec.test:4000/checkin",
		GCMRegistrationURL: "http://push.pushspec.test:4000/c2dm/register3",
		MCSEndpoint:        "https://push.pushspec.test:4001",
		AdvertiseHost:      "push.pushspec.test",
		AdvertiseIP:        "127.0.0.2",
	}
	_, sw, err := chromiumSwitches(opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, s := range sw {
		got[s.Name] = s.Value
	}
	if want := "MAP push.pushspec.test 127.0.0.2, MAP pushspec-insecure.test 127.0.0.2, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"; got["host-resolver-rules"] != want {
		t.Errorf("--host-resolver-rules=%v, want %s", got["host-resolver-rules"], want)
	}
	if got["unsafely-treat-insecure-origin-as-secure"] != "*.pushspec.test" {
		t.Errorf("--unsafely-treat-insecure-origin-as-secure=%v", got["unsafely-treat-insecure-origin-as-secure"])
	}

	// An address advertised is excluded from the ~NOTFOUND rule, and is a secure context as is.
	ip := opts
	ip.AdvertiseHost, ip.GCMCheckinURL, ip.GCMRegistrationURL, ip.MCSEndpoint = "127.0.0.2", "", "", ""
	_, sw, err = chromiumSwitches(ip)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sw {
		if s.Name == "host-resolver-rules" && !strings.HasSuffix(s.Value.(string), ", EXCLUDE 127.0.0.2") {
			t.Errorf("--host-resolver-rules=%v", s.Value)
		}
		if s.Name == "unsafely-treat-insecure-origin-as-secure" {
			t.Errorf("--%s=%v for a loopback address", s.Name, s.Value)
		}
	}

	for name, o := range map[string]LaunchOptions{
		"a non-loopback address":      {AdvertiseHost: "push.example.net", AdvertiseIP: "192.0.2.1"},
		"a name without an address":   {AdvertiseHost: "push.example.net"},
		"the insecure test host":      {AdvertiseHost: InsecureTestHost, AdvertiseIP: "127.0.0.2"},
		"a two-label name":            {AdvertiseHost: "pushspec.test", AdvertiseIP: "127.0.0.2"},
		"localhost elsewhere":         {AdvertiseHost: "localhost", AdvertiseIP: "127.0.0.2"},
		"a GCM URL on another host":   {AdvertiseHost: "push.pushspec.test", AdvertiseIP: "127.0.0.2", GCMCheckinURL: "http://push.example.net/checkin"},
		"a GCM URL on a public name":  {GCMCheckinURL: "http://push.pushspec.test/checkin"},
		"an advertised host not held": {AdvertiseHost: "push.pushspec.test", AdvertiseIP: "10.0.0.1", GCMCheckinURL: "http://push.pushspec.test/checkin"},
	} {
		o.ExecPath = "/bin/true"
		if _, _, err := chromiumSwitches(o); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestChromiumSecureOriginSwitch(t *testing.T) {
	for host, want := range map[string]string{
		"localhost":             "",
		"push.localhost":        "",
		"127.0.0.2":             "",
		"push.pushspec.test":    "*.pushspec.test",
		"host.docker.internal":  "*.docker.internal",
		"a.b.example.com":       "*.b.example.com",
		"pushspec.test":         "error",
		"browserhost":           "error",
		"192.0.2.1":             "error",
		"push.pushspec.test.":   "*.pushspec.test",
		"push.pushspec-x.test2": "*.pushspec-x.test2",
	} {
		got, err := ChromiumSecureOriginSwitch(host)
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("ChromiumSecureOriginSwitch(%q) = %q (%v), want %q", host, got, err, want)
		}
	}
}

func TestFirefoxAdvertisePrefs(t *testing.T) {
	for host, want := range map[string]map[string]any{
		"":          {},
		"localhost": {},
		"push.pushspec.test": {
			"network.dns.forceResolve": "127.0.0.2", "network.dns.localDomains": "",
			"dom.securecontext.allowlist": "push.pushspec.test",
		},
		"push.localhost": {"network.dns.forceResolve": "127.0.0.2", "network.dns.localDomains": ""},
		"127.0.0.2": {
			"network.dns.forceResolve": "127.0.0.2", "network.dns.localDomains": "",
			"dom.securecontext.allowlist": "127.0.0.2",
		},
	} {
		if got := FirefoxAdvertisePrefs(host, "127.0.0.2"); !maps.Equal(got, want) {
			t.Errorf("FirefoxAdvertisePrefs(%q) = %v, want %v", host, got, want)
		}
	}
}
