package config

import (
	"flag"
	"strings"
	"testing"
)

func TestDefaultsAreValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if got := c.BrowserList(); len(got) != 2 || got[0] != "chromium" || got[1] != "firefox" {
		t.Errorf("BrowserList = %v", got)
	}
	if c.ReportDir != "reports/out" || c.Profile != "rfc" || c.PushService != "fake" {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestEnvThenFlags(t *testing.T) {
	c := Default()
	if err := c.applyEnv([]string{"PUSHSPEC_PROFILE=autopush", "PUSHSPEC_STRICT=true", "PUSHSPEC_PROCS=2", "HOME=/root"}); err != nil {
		t.Fatal(err)
	}
	if c.Profile != "autopush" || !c.Strict || c.Procs != 2 {
		t.Fatalf("env not applied: %+v", c)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--profile", "apple"}); err != nil {
		t.Fatal(err)
	}
	if c.Profile != "apple" || !c.Strict {
		t.Fatalf("flag must override env and keep the rest: %+v", c)
	}
}

func TestUnknownVariableIsAnError(t *testing.T) {
	c := Default()
	err := c.applyEnv([]string{"PUSHSPEC_BROWSER=firefox"})
	if err == nil || !strings.Contains(err.Error(), "PUSHSPEC_BROWSER") {
		t.Fatalf("want an error naming the typo, got %v", err)
	}
	// The toolchain's own variable and the sender command's inputs are not config.
	if err := c.applyEnv([]string{"PUSHSPEC_NPM_BIN=/x", "PUSHSPEC_SEND_ENDPOINT=http://x", "PUSHSPEC_ADDR=127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejects(t *testing.T) {
	for _, env := range [][]string{
		{"PUSHSPEC_BROWSERS=safari"},
		{"PUSHSPEC_PROFILE=gcm"},
		{"PUSHSPEC_PUSH_SERVICE=autopush"},
		{"PUSHSPEC_PUSH_SERVICE=autopush=not a url"},
		{"PUSHSPEC_PUSH_SERVICE=elsewhere"},
		{"PUSHSPEC_SENDER=cmd"},
		{"PUSHSPEC_STRICT=maybe"},
		{"PUSHSPEC_PROCS=-1"},
		{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=true", "PUSHSPEC_SENDER_NAME=my sender"},
	} {
		c := Default()
		if err := c.applyEnv(env); err == nil {
			t.Errorf("%v: want an error", env)
		}
	}
	c := Default()
	if err := c.applyEnv([]string{"PUSHSPEC_PUSH_SERVICE=autopush=ws://127.0.0.1:8080/"}); err != nil {
		t.Fatal(err)
	}
	if k, a := c.PushServiceTarget(); k != "autopush" || a != "ws://127.0.0.1:8080/" {
		t.Errorf("target = %q %q", k, a)
	}
}

// A named command sender gets its own target ID, so that reports of several libraries merge
// without colliding; unnamed, the ID is the sender kind.
func TestSenderTargetID(t *testing.T) {
	c := Default()
	if got := c.SenderTargetID(); got != "sender:webpush-go" {
		t.Errorf("default: %q", got)
	}
	if err := c.applyEnv([]string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=node send.js",
		"PUSHSPEC_SENDER_NAME=@pushforge/builder", "PUSHSPEC_SENDER_VERSION=2.0.5"}); err != nil {
		t.Fatal(err)
	}
	if got := c.SenderTargetID(); got != "sender:@pushforge/builder" || c.SenderVersion != "2.0.5" {
		t.Errorf("named: %q version %q", got, c.SenderVersion)
	}
}

func TestRedactedMasksSecretsAndEnvironRoundTrips(t *testing.T) {
	c := Default()
	c.VAPIDPrivate = "secret-key"
	red := c.Redacted()
	if red["PUSHSPEC_VAPID_PRIVATE_KEY"] != "(redacted)" {
		t.Errorf("secret not masked: %q", red["PUSHSPEC_VAPID_PRIVATE_KEY"])
	}
	if red["PUSHSPEC_PROFILE"] != "rfc" {
		t.Errorf("profile = %q", red["PUSHSPEC_PROFILE"])
	}
	d := Default()
	if err := d.applyEnv(c.Environ()); err != nil {
		t.Fatal(err)
	}
	if d != c {
		t.Errorf("Environ does not round-trip:\n%+v\n%+v", d, c)
	}
}

// An unknown profile stops the run before anything starts, naming the profiles the push service
// knows (the list comes from the profiles themselves, not from a copy here).
func TestValidateRejectsUnknownProfile(t *testing.T) {
	t.Setenv("PUSHSPEC_PROFILE", "autopushh")
	c, err := FromEnv()
	if err == nil {
		err = c.Validate()
	}
	if err == nil || !strings.Contains(err.Error(), `"autopushh"`) || !strings.Contains(err.Error(), "compat") {
		t.Fatalf("Validate() = %v, want an error naming the profile and the known ones", err)
	}
	t.Setenv("PUSHSPEC_PROFILE", "wns")
	if c, err = FromEnv(); err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Fatalf("profile wns refused: %v", err)
	}
}
