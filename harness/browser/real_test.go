package browser

import (
	"strings"
	"testing"
)

// PUSHSPEC_PUSH_SERVICE=real never runs here; its launch configuration is checked instead.

func TestChromiumRealSwitchesUseGooglesFCM(t *testing.T) {
	_, sw, err := chromiumSwitches(LaunchOptions{ExecPath: "/bin/true", RealPushServices: true,
		// Ignored in real mode, even though they are not loopback-only checks' business.
		GCMCheckinURL: "http://127.0.0.1:1/checkin", MCSCertSPKI: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, s := range sw {
		have[s.Name] = true
	}
	for _, name := range []string{"host-resolver-rules", "gcm-checkin-url", "gcm-registration-url", "gcm-mcs-endpoint",
		"ignore-certificate-errors-spki-list", "disable-background-networking"} {
		if have[name] {
			t.Errorf("real mode passes --%s: Chromium would not reach FCM", name)
		}
	}
	if !have["headless"] || !have["no-first-run"] {
		t.Errorf("real mode lost the common switches: %v", sw)
	}

	// And the offline start keeps every one of them.
	_, sw, err = chromiumSwitches(LaunchOptions{ExecPath: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	have = map[string]bool{}
	for _, s := range sw {
		have[s.Name] = true
	}
	for _, name := range []string{"host-resolver-rules", "gcm-checkin-url", "gcm-registration-url", "gcm-mcs-endpoint", "headless"} {
		if !have[name] {
			t.Errorf("offline start lacks --%s", name)
		}
	}
}

func TestFirefoxRealPrefsUseMozillasAutopush(t *testing.T) {
	p := FirefoxRealPrefs()
	if got := p["dom.push.serverURL"]; got != MozillaPushServerURL {
		t.Errorf("dom.push.serverURL = %v, want %s", got, MozillaPushServerURL)
	}
	for k := range p {
		if strings.HasPrefix(k, "network.") || strings.HasPrefix(k, "services.settings") || k == "dom.push.testing.allowInsecureServerURL" {
			t.Errorf("real mode sets %s", k)
		}
	}
	if p["dom.push.enabled"] != true || p["dom.push.connection.enabled"] != true {
		t.Errorf("push is not on: %v", p)
	}
	// The offline prefs must not have changed with it.
	if FirefoxPrefs("ws://127.0.0.1:1/")["services.settings.server"] == nil {
		t.Error("offline prefs lost services.settings.server")
	}
}

func TestFirefoxExtraPrefsCannotReopenTheNetwork(t *testing.T) {
	if err := checkExtraPrefs(map[string]any{"dom.push.maxQuotaPerSubscription": 1 << 20}); err != nil {
		t.Errorf("a push pref was refused: %v", err)
	}
	refused := []string{"dom.push.serverURL", "network.proxy.type"}
	for k := range FirefoxNoNetworkPrefs {
		refused = append(refused, k)
	}
	for _, k := range refused {
		if err := checkExtraPrefs(map[string]any{k: "x"}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("extra pref %s: err = %v, want a refusal naming it", k, err)
		}
	}
	got := withExtraPrefs(FirefoxPrefs("ws://127.0.0.1:1/autopush/"), map[string]any{"dom.push.maxQuotaPerSubscription": 7})
	if got["dom.push.maxQuotaPerSubscription"] != 7 || got["dom.push.serverURL"] != "ws://127.0.0.1:1/autopush/" {
		t.Errorf("withExtraPrefs lost a pref: %v", got)
	}
}
