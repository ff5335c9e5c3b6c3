package browser

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// The driver's stderr: how a Firefox ended is read out of the pw:browser lines, which are kept
// out of LaunchOptions.Log; the driver's other lines pass on, also when split across writes.
func TestDriverLogReadsExits(t *testing.T) {
	var out bytes.Buffer
	d := newDriverLog(&out, false)
	in := "2026-12-07T23:29:25.894Z pw:browser <launched> pid=31662\n" +
		"driver says hello\n" +
		"2026-12-07T23:29:28.394Z pw:browser [pid=31662] <process did exit: exitCode=null, signal=SIGKILL>\n" +
		"2026-12-07T23:29:29.000Z pw:browser [pid=40000] <process did exit: exitCode=1, signal=null>\n"
	for i := 0; i < len(in); i += 7 { // arbitrary write boundaries
		d.Write([]byte(in[i:min(i+7, len(in))]))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if how := d.awaitExit(ctx, 31662); how != "signal: SIGKILL" {
		t.Errorf("pid 31662 ended %q, want signal: SIGKILL", how)
	}
	if how := d.awaitExit(ctx, 40000); how != "exit status 1" {
		t.Errorf("pid 40000 ended %q, want exit status 1", how)
	}
	ended, stop := context.WithCancel(ctx)
	stop()
	if how := d.awaitExit(ended, 1); how != "" {
		t.Errorf("pid 1 ended %q, want nothing", how)
	}
	if got := out.String(); got != "driver says hello\n" {
		t.Errorf("passed on %q, want only the driver's own line", got)
	}

	// A user whose DEBUG asked for pw:browser still gets those lines.
	out.Reset()
	d = newDriverLog(&out, true)
	d.Write([]byte(in))
	if strings.Count(out.String(), "\n") != 4 {
		t.Errorf("with the user's DEBUG, passed on %q, want every line", out.String())
	}
}

func TestProcState(t *testing.T) {
	for stat, want := range map[string]string{
		"1234 (firefox-esr) S 1 1234": "S",
		"1234 (a (b) c) Z 1 1234":     "Z",
	} {
		if got, ok := procState(stat); !ok || got != want {
			t.Errorf("procState(%q) = %q, %v; want %q", stat, got, ok, want)
		}
	}
	if !processGone(1 << 30) {
		t.Error("a pid that cannot exist is not gone")
	}
}
