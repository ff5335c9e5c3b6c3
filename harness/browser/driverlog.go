package browser

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/mxschmitt/playwright-go"

	"github.com/pushspec/pushspec/internal/await"
)

// The Playwright driver reaps the Firefox it launched, so only the driver knows how it ended.
// With DEBUG=pw:browser it logs that on its stderr:
//
//	2026-12-07T23:29:28.394Z pw:browser [pid=31662] <process did exit: exitCode=null, signal=SIGKILL>
//
// driverLog reads those lines out of the driver's stderr; everything else goes on to
// LaunchOptions.Log as before (the pw:browser lines too when the user's own DEBUG asked for them).

var exitLine = regexp.MustCompile(`\[pid=(\d+)\] <process did exit: exitCode=(\S+), signal=(\S+)>`)

// driverLog is a driver's stderr.
type driverLog struct {
	next    io.Writer // LaunchOptions.Log, or nil
	forward bool      // forward pw:browser lines too (the user's DEBUG enabled them)

	mu    sync.Mutex
	buf   []byte
	exits map[int]string // pid → "signal: SIGKILL", "exit status 1"
	seen  await.Changed  // notified when an exit line arrives
}

func newDriverLog(next io.Writer, forward bool) *driverLog {
	return &driverLog{next: next, forward: forward, exits: map[int]string{}}
}

func (d *driverLog) Write(p []byte) (int, error) {
	d.mu.Lock()
	d.buf = append(d.buf, p...)
	var out []byte
	for {
		i := bytes.IndexByte(d.buf, '\n')
		if i < 0 {
			break
		}
		line := d.buf[:i+1]
		if !bytes.Contains(line, []byte(" pw:browser ")) || d.forward {
			out = append(out, line...)
		}
		if m := exitLine.FindSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(string(m[1]))
			d.exits[pid] = describeExit(string(m[2]), string(m[3]))
			d.seen.Notify()
		}
		d.buf = d.buf[i+1:]
	}
	if len(d.buf) > 1<<16 { // a line without end: pass it on rather than hold it
		if d.forward || !bytes.Contains(d.buf, []byte(" pw:browser ")) {
			out = append(out, d.buf...)
		}
		d.buf = nil
	}
	next := d.next
	d.mu.Unlock()
	if next != nil && len(out) > 0 {
		next.Write(out)
	}
	return len(p), nil
}

// awaitExit returns how pid ended once the driver says so; "" when ctx ends first.
func (d *driverLog) awaitExit(ctx context.Context, pid int) string {
	var how string
	_ = d.seen.Until(ctx, &d.mu, func() bool { how = d.exits[pid]; return how != "" }, nil)
	return how
}

// describeExit words Node's (exitCode, signal) pair as os.ProcessState does.
func describeExit(code, signal string) string {
	switch {
	case signal != "" && signal != "null":
		return "signal: " + signal
	case code != "" && code != "null":
		return "exit status " + code
	}
	return "exit status unknown"
}

// driverEnvMu serialises the DEBUG change around a driver start: playwright-go starts the
// driver with this process's environment and takes no other.
var driverEnvMu sync.Mutex

// runDriver starts the Playwright driver with pw:browser logging on, and returns the log that
// reads it. The driver's other output goes to next (os.Stderr when nil, playwright-go's
// default), and so do playwright-go's own log lines: a Logger of its own keeps playwright-go
// from redirecting the standard library's log to its Stderr.
func runDriver(ro *playwright.RunOptions, next io.Writer) (*playwright.Playwright, *driverLog, error) {
	if next == nil {
		next = os.Stderr
	}
	ro.Logger = slog.New(slog.NewTextHandler(next, nil))
	driverEnvMu.Lock()
	defer driverEnvMu.Unlock()
	old, had := os.LookupEnv("DEBUG")
	forward := had && (strings.Contains(old, "pw:browser") || strings.Contains(old, "pw:*"))
	debug := "pw:browser"
	if had && old != "" {
		debug = old + ",pw:browser"
	}
	dl := newDriverLog(next, forward)
	ro.Stderr = dl
	os.Setenv("DEBUG", debug)
	pw, err := playwright.Run(ro)
	if had {
		os.Setenv("DEBUG", old)
	} else {
		os.Unsetenv("DEBUG")
	}
	return pw, dl, err
}
