package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/sitefixture"
)

// TestFirefoxRemote starts a Playwright server for Firefox itself (as a Playwright server fleet
// would, with pushspec's prefs and environment in its launch config) and drives it through
// LaunchOptions.Remote.
func TestFirefoxRemote(t *testing.T) {
	firefoxAvailable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	core, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	link, err := autopush.Attach(core, autopush.Options{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	site := sitefixture.New()
	site.Logf = t.Logf
	if err := site.Start(); err != nil {
		t.Fatal(err)
	}
	defer site.Close()

	dir, err := DriverDirectory()
	if err != nil {
		t.Fatal(err)
	}
	node := os.Getenv("PLAYWRIGHT_NODEJS_PATH")
	if node == "" {
		if node, err = exec.LookPath("node"); err != nil {
			t.Skip("node not found")
		}
	}
	cfg, err := json.Marshal(map[string]any{
		"channel": "moz-firefox", "executablePath": DefaultFirefoxPath, "headless": true,
		"firefoxUserPrefs": FirefoxPrefs(link.URL()), "env": FirefoxEnv(),
	})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "launch-server.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(node, filepath.Join(dir, "package", "cli.js"), "launch-server", "--browser", "firefox", "--config", cfgPath)
	// Its own process group, so that the server and the Firefox it starts end together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	}()
	endpoint := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "ws://") {
				endpoint <- line
				break
			}
		}
		for sc.Scan() {
		}
	}()
	var ws string
	select {
	case ws = <-endpoint:
	case <-ctx.Done():
		t.Fatal("the Playwright server printed no endpoint")
	}

	b, err := Launch(ctx, Firefox, LaunchOptions{Remote: ws})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	t.Logf("remote Firefox %s at %s, connected %v after the server start", b.Version(), ws, time.Since(start))
	firefoxRoundTrip(ctx, t, b, core, link, site, start)
}
