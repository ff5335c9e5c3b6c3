package browser

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChromiumRemote starts a Chromium with a DevTools port itself (as a browser grid would) and
// drives it through LaunchOptions.Remote.
func TestChromiumRemote(t *testing.T) {
	chromiumAvailable(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	exe := ""
	for _, p := range ChromiumExecPaths {
		if _, err := os.Stat(p); err == nil {
			exe = p
			break
		}
	}
	// Not t.TempDir: Chromium's helper processes may still write into the profile for a moment
	// after the browser dies, and TempDir's cleanup fails the test on "directory not empty".
	dir, err := os.MkdirTemp("", "pushspec-remote-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer removeProfile(t, dir)
	cmd := exec.CommandContext(ctx, exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--host-resolver-rules="+hostResolverRules, "--remote-debugging-address=127.0.0.1",
		"--remote-debugging-port=0", "--user-data-dir="+dir,
		"--gcm-checkin-url=http://"+deadGCM+"/checkin", "--gcm-registration-url=http://"+deadGCM+"/c2dm/register3",
		"--gcm-mcs-endpoint=https://"+deadGCM, "about:blank")
	// Its own process group, so that the kill below reaches the zygote and renderers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	// Chromium announces "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr.
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, ws, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
				found <- ws
				break
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	var wsURL string
	select {
	case wsURL = <-found:
	case <-ctx.Done():
		t.Fatal("Chromium did not announce its DevTools endpoint")
	}

	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<!doctype html><title>remote</title>"))
	}))
	defer site.Close()

	b, err := LaunchChromium(ctx, LaunchOptions{Remote: wsURL})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Version() == "" {
		t.Error("no version")
	}
	s, err := b.NewSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Navigate(ctx, site.URL); err != nil {
		t.Fatal(err)
	}
	got, err := s.Eval(ctx, `Promise.resolve(document.title + ":" + (20 + 22))`)
	if err != nil || string(got) != `"remote:42"` {
		t.Errorf("eval: %s %v", got, err)
	}
}

// removeProfile removes a profile directory the test made, logging (not failing) when it cannot.
func removeProfile(t *testing.T, dir string) {
	if err := removeProfileDir(dir); err != nil {
		t.Logf("leaving %s behind: %v", filepath.Base(dir), err)
	}
}
