package browser

import (
	"strings"
	"testing"
)

// The loopback-only contract of every local Chromium start (docs/chromium-fcm.md §2), checked
// without a browser.
func TestChromiumSwitchesStayOnLoopback(t *testing.T) {
	opts := LaunchOptions{
		ExecPath:           "/bin/true",
		GCMCheckinURL:      "http://127.0.0.1:4000/checkin",
		GCMRegistrationURL: "http://127.0.0.1:4000/c2dm/register3",
		MCSEndpoint:        "https://127.0.0.1:4001",
		MCSCertSPKI:        "c3BraQ==",
	}
	_, sw, err := chromiumSwitches(opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, s := range sw {
		if _, dup := got[s.Name]; dup {
			t.Errorf("--%s given twice", s.Name)
		}
		got[s.Name] = s.Value
	}
	want := map[string]any{
		"host-resolver-rules":                 "MAP pushspec-insecure.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
		"headless":                            "new",
		"no-sandbox":                          true,
		"disable-gpu":                         true,
		"disable-dev-shm-usage":               true,
		"disable-background-networking":       true,
		"disable-component-update":            true,
		"disable-sync":                        true,
		"no-first-run":                        true,
		"no-default-browser-check":            true,
		"gcm-checkin-url":                     opts.GCMCheckinURL,
		"gcm-registration-url":                opts.GCMRegistrationURL,
		"gcm-mcs-endpoint":                    opts.MCSEndpoint,
		"ignore-certificate-errors-spki-list": opts.MCSCertSPKI,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("--%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got["ignore-certificate-errors"]; ok {
		t.Error("--ignore-certificate-errors would trust every certificate")
	}

	// Without an FCM emulation the GCM switches still point at loopback (a dead port).
	_, sw, err = chromiumSwitches(LaunchOptions{ExecPath: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sw {
		if strings.HasPrefix(s.Name, "gcm-") && !strings.Contains(s.Value.(string), "://127.0.0.1:") {
			t.Errorf("--%s=%v is not loopback", s.Name, s.Value)
		}
	}

	for _, bad := range []string{"https://android.clients.google.com/checkin", "http://10.0.0.1/checkin"} {
		if _, _, err := chromiumSwitches(LaunchOptions{ExecPath: "/bin/true", GCMCheckinURL: bad}); err == nil {
			t.Errorf("GCM checkin URL %s accepted", bad)
		}
	}
}
