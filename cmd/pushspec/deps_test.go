package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/harness/config"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestToolEnvFindsTheCache: with PLAYWRIGHT_DRIVER_PATH and PUSHSPEC_NPM_BIN unset, pushspec run
// points the suites at what pushspec deps put in the user's cache; set, they are left alone.
func TestToolEnvFindsTheCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	t.Setenv("PLAYWRIGHT_DRIVER_PATH", "")
	t.Setenv("PUSHSPEC_NPM_BIN", "")
	if env := toolEnv(); len(env) != 0 {
		t.Errorf("an empty cache gives %v", env)
	}
	base, err := userCache()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(base, "playwright-driver", "package", "cli.js"), "")
	writeFile(t, filepath.Join(base, "npm", "node_modules", "web-push", "package.json"), `{"version":"`+webPushVersion+`"}`)
	got := strings.Join(toolEnv(), " ")
	want := "PLAYWRIGHT_DRIVER_PATH=" + filepath.Join(base, "playwright-driver") + " PUSHSPEC_NPM_BIN=" + filepath.Join(base, "npm", "node_modules", ".bin")
	if got != want {
		t.Errorf("toolEnv() = %q, want %q", got, want)
	}
	t.Setenv("PLAYWRIGHT_DRIVER_PATH", "/elsewhere")
	t.Setenv("PUSHSPEC_NPM_BIN", "/elsewhere/node_modules/.bin")
	if env := toolEnv(); len(env) != 0 {
		t.Errorf("set variables are overridden: %v", env)
	}
}

// TestDepsCheckSaysWhatIsMissing: each missing piece is named with how to get it; what a run can
// do without is optional.
func TestDepsCheckSaysWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PLAYWRIGHT_DRIVER_PATH", filepath.Join(dir, "driver"))
	t.Setenv("PUSHSPEC_NPM_BIN", filepath.Join(dir, "npm", "node_modules", ".bin"))
	cfg := config.Default()
	cfg.Browsers = "firefox"
	cfg.FirefoxPath = filepath.Join(dir, "no-firefox")
	items := map[string]item{}
	for _, it := range depsFor(cfg).check() {
		items[it.name] = it
	}
	if _, ok := items["chromium"]; ok {
		t.Error("chromium is checked though not configured")
	}
	ff := items["firefox"]
	if ff.ok || ff.optional || !strings.Contains(ff.detail, "not found") || !strings.Contains(ff.fix, "firefox-esr") || !strings.Contains(ff.fix, "PUSHSPEC_FIREFOX_PATH") {
		t.Errorf("firefox: %+v", ff)
	}
	d := items["Playwright driver"]
	if d.ok || d.optional || !strings.Contains(d.fix, "pushspec deps") {
		t.Errorf("driver: %+v", d)
	}
	w := items["npm web-push"]
	if w.ok || !w.optional || !strings.Contains(w.fix, "pushspec deps") {
		t.Errorf("web-push: %+v", w)
	}
	if s := ff.String(); !strings.Contains(s, "MISSING") || !strings.Contains(s, ff.fix) {
		t.Errorf("the line for a missing piece: %q", s)
	}

	cfg.Sender = "web-push"
	cfg.Browsers = ""
	for _, it := range depsFor(cfg).check() {
		if it.name == "npm web-push" && it.optional {
			t.Error("web-push is optional for --sender web-push")
		}
		if it.name == "Playwright driver" {
			t.Error("the driver is checked without Firefox")
		}
	}

	// The command: exit 1 with --check when something is missing, the lines on stdout.
	t.Setenv("PUSHSPEC_BROWSERS", "firefox")
	t.Setenv("PUSHSPEC_FIREFOX_PATH", cfg.FirefoxPath)
	var out, errb bytes.Buffer
	if code := depsCmd(context.Background(), []string{"--check"}, &out, &errb); code != 1 {
		t.Errorf("pushspec deps --check exited %d, want 1\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "missing") || !strings.Contains(out.String(), "firefox") {
		t.Errorf("pushspec deps --check says:\n%s", out.String())
	}
}

func tgz(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(t.TempDir(), "p.tgz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUntar(t *testing.T) {
	dir := t.TempDir()
	if err := untar(tgz(t, map[string]string{"package/cli.js": "x", "package/lib/a.js": "y"}), dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "package", "lib", "a.js")); err != nil || string(b) != "y" {
		t.Errorf("unpacked: %q %v", b, err)
	}
	for _, bad := range []string{"../escape", "/abs/path", "package/../../escape"} {
		if err := untar(tgz(t, map[string]string{bad: "z"}), t.TempDir()); err == nil {
			t.Errorf("%q unpacked", bad)
		}
	}
}
