// Package browserloss_test kills a browser in the middle of a conformance run: a browser that
// dies is not a conformance failure. The check it was in must be an error that names how the
// browser went (its pid, the signal or exit, when), the Env must restart the browser with the
// same loopback-only flags and prefs, and the next check must run on the restarted browser.
//
// The conformance specs run in an inner ginkgo suite (this test binary re-executed with
// innerEnv naming the browser), whose JSON report the outer test reads, as the conformance
// package's own wrapper tests do.
package browserloss_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

// innerEnv names the browser kind the inner suite runs on; unset in the outer test.
const innerEnv = "PUSHSPEC_BROWSERLOSS_INNER"

const (
	killedSpec    = "browser loss a check whose browser is killed while it waits"
	restartedSpec = "browser loss a later check runs on the restarted browser"
)

func installed(k browser.Kind) bool {
	paths := map[browser.Kind][]string{browser.Firefox: {browser.DefaultFirefoxPath}, browser.Chromium: browser.ChromiumExecPaths}[k]
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func TestBrowserKilledMidRun(t *testing.T) {
	if os.Getenv(innerEnv) != "" {
		t.Skip("inside the inner suite")
	}
	if testing.Short() {
		t.Skip("starts each browser twice")
	}
	for _, k := range []browser.Kind{browser.Chromium, browser.Firefox} {
		t.Run(string(k), func(t *testing.T) {
			if !installed(k) {
				t.Skipf("%s is not installed", k)
			}
			if k == browser.Firefox {
				if dir, err := browser.DriverDirectory(); err != nil || !exists(filepath.Join(dir, "package", "cli.js")) {
					t.Skip("the Playwright driver is not installed (make deps)")
				}
			}
			report, out := runInner(t, k)

			killed := spec(t, report, killedSpec)
			res := onlyResult(t, killed)
			if res.Outcome != rules.Error {
				t.Errorf("the check whose browser was killed: outcome %q, want error (message %q)", res.Outcome, res.Message)
			}
			pid := res.Evidence["killed.pid"]
			for _, want := range []string{"harness error: ", "the " + string(k) + " browser (pid " + pid + ") went away at ", "its process ended"} {
				if !strings.Contains(res.Message, want) {
					t.Errorf("the check whose browser was killed: message %q does not name %q", res.Message, want)
				}
			}
			// Chromium's exit status comes from os/exec, Firefox's from the Playwright driver.
			signal := map[browser.Kind]string{browser.Chromium: "signal: killed", browser.Firefox: "signal: SIGKILL"}[k]
			if !strings.Contains(res.Message, signal) {
				t.Errorf("the check whose browser was killed: message %q does not name the signal (%q)", res.Message, signal)
			}
			// The wait ended because the browser went away, not at its 15 s bound: the failed
			// assertion carries the loss.
			if !strings.Contains(killed.Failure.Message, "went away") {
				t.Errorf("the wait did not end with the loss: %q", killed.Failure.Message)
			}

			restarted := spec(t, report, restartedSpec)
			res2 := onlyResult(t, restarted)
			if res2.Outcome != rules.Pass || restarted.State != types.SpecStatePassed {
				t.Errorf("the check after the restart: outcome %q, state %s, want pass (message %q, failure %q)", res2.Outcome, restarted.State, res2.Message, restarted.Failure.Message)
			}
			if ev := res2.Evidence["browser.restarted"]; !strings.Contains(ev, "restarted 1 time(s)") || !strings.Contains(ev, "pid "+pid) {
				t.Errorf("the check after the restart: evidence browser.restarted = %q, want the restart and the killed pid %s", ev, pid)
			}
			if p := res2.Evidence["browser.pid"]; p == "" || p == pid {
				t.Errorf("the check after the restart ran on pid %q, the killed browser was %s", p, pid)
			}

			if strings.Contains(out, "WARNING: DATA RACE") {
				t.Errorf("the inner suite raced:\n%s", tail(out, 8000))
			}

			// The console says so.
			for _, want := range []string{"the checks it was running are errors, not failures; restarting " + string(k), string(k) + " ", "restarted (pid"} {
				if !strings.Contains(out, want) {
					t.Errorf("the inner suite's output does not say %q:\n%s", want, tail(out, 4000))
				}
			}
		})
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// runInner re-executes this test binary on the inner suite for kind and returns its ginkgo
// report and output. The sub-process fails (the killed check is an error, which fails its
// spec); only a missing report is this test's error.
func runInner(t *testing.T, k browser.Kind) (types.Report, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBrowserLossInner$", "-test.v",
		"-ginkgo.json-report="+path, "-ginkgo.no-color", "-ginkgo.v")
	cmd.Env = append(os.Environ(), innerEnv+"="+string(k))
	out, err := cmd.CombinedOutput()
	data, rerr := os.ReadFile(path)
	if rerr != nil {
		t.Fatalf("the inner suite wrote no report (exit: %v): %v\n%s", err, rerr, tail(string(out), 8000))
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("decoding %s: %v (%d reports)", path, err, len(reports))
	}
	t.Logf("inner suite on %s: %s", k, tail(string(out), 3000))
	return reports[0], string(out)
}

func spec(t *testing.T, report types.Report, fullText string) types.SpecReport {
	t.Helper()
	for _, s := range report.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt && s.FullText() == fullText {
			return s
		}
	}
	t.Fatalf("no spec %q in the inner report", fullText)
	return types.SpecReport{}
}

func onlyResult(t *testing.T, s types.SpecReport) conformance.Result {
	t.Helper()
	results, _, ok, err := conformance.Results(s)
	if err != nil || !ok || len(results) != 1 {
		t.Fatalf("%q: results %+v ok=%v err=%v, want one", s.FullText(), results, ok, err)
	}
	return results[0]
}

// The inner suite.

var (
	kind      = browser.Kind(os.Getenv(innerEnv))
	env       *harness.Env
	killedPID int
)

func TestBrowserLossInner(t *testing.T) {
	if kind == "" {
		t.Skip("the inner suite runs in the sub-process TestBrowserKilledMidRun starts")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "browser loss inner suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	if kind == "" {
		return
	}
	var err error
	env, err = harness.StartEnv(ctx, harness.EnvOptions{Browsers: []browser.Kind{kind}})
	Expect(err).NotTo(HaveOccurred(), "starting the Env with %s", kind)
	DeferCleanup(env.Close)
	// What the user-agent suite registers (specs/useragent/suite.go).
	DeferCleanup(conformance.RegisterHealthCheck(env.HealthCheck))
	DeferCleanup(env.OnBrowserEvent(func(ev harness.BrowserEvent) { fmt.Fprintln(GinkgoWriter, ev) }))
}, NodeTimeout(3*time.Minute))

var _ = func() bool {
	if kind == "" {
		return false
	}
	tg := conformance.Target{ID: string(kind), Kind: conformance.KindUserAgent, Name: string(kind)}
	return Describe("browser loss", Ordered, ContinueOnFailure, func() {
		conformance.It("a check whose browser is killed while it waits", tg, rules.PushEventFired,
			func(ctx SpecContext, r *conformance.Recorder) {
				c, err := env.NewClient(ctx, kind)
				if err != nil {
					conformance.HarnessError(err)
				}
				DeferCleanup(c.Close)
				w, ok := c.Browser.(browser.Watched)
				if !ok || w.PID() <= 0 {
					conformance.HarnessError(fmt.Errorf("the %s browser does not tell its pid", kind))
				}
				killedPID = w.PID()
				r.Evidence("killed.pid", strconv.Itoa(killedPID))
				if err := syscall.Kill(killedPID, syscall.SIGKILL); err != nil {
					conformance.HarnessError(fmt.Errorf("killing pid %d: %w", killedPID, err))
				}
				if _, err := c.Send(ctx, harness.Payload("after-kill", nil, nil), harness.SendOptions{}); err != nil {
					conformance.HarnessError(err)
				}
				wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				_, err = c.AwaitReport(wctx, "after-kill")
				Expect(err).NotTo(HaveOccurred(), "no service-worker report within 15s")
			}, SpecTimeout(time.Minute))

		conformance.It("a later check runs on the restarted browser", tg, rules.PushEventFired,
			func(ctx SpecContext, r *conformance.Recorder) {
				c, err := env.NewClient(ctx, kind)
				if err != nil {
					conformance.HarnessError(err)
				}
				DeferCleanup(c.Close)
				r.Evidence("browser.restarted", env.Restarts(kind))
				pid := c.Browser.(browser.Watched).PID()
				r.Evidence("browser.pid", strconv.Itoa(pid))
				Expect(pid).NotTo(Equal(killedPID), "the restarted browser's pid")
				Expect(loopbackOnly(pid)).To(Succeed(), "the restarted browser keeps the no-network flags and prefs")
				payload := harness.Payload("after-restart", nil, nil)
				if _, err := c.Send(ctx, payload, harness.SendOptions{}); err != nil {
					conformance.HarnessError(err)
				}
				wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				rep, err := c.AwaitReport(wctx, "after-restart")
				Expect(err).NotTo(HaveOccurred(), "no service-worker report within 15s on the restarted browser")
				Expect(rep.Data.TextValue()).To(Equal(string(payload)))
			}, SpecTimeout(2*time.Minute))
	})
}()

// loopbackOnly checks that the browser process pid was started offline: Chromium with its
// host-resolver rules and without background networking, Firefox with a profile whose prefs
// point the remote settings nowhere and resolve the test host locally.
func loopbackOnly(pid int) error {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return err
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	switch kind {
	case browser.Chromium:
		for _, want := range []string{"--host-resolver-rules=MAP " + browser.InsecureTestHost + " 127.0.0.1, MAP * ~NOTFOUND", "--disable-background-networking", "--gcm-checkin-url=http://127.0.0.1:"} {
			found := false
			for _, a := range args {
				found = found || strings.HasPrefix(a, want)
			}
			if !found {
				return fmt.Errorf("chromium pid %d has no %q in %q", pid, want, args)
			}
		}
	case browser.Firefox:
		profile := ""
		for i, a := range args {
			if (a == "-profile" || a == "--profile") && i+1 < len(args) {
				profile = args[i+1]
			}
		}
		if profile == "" {
			return fmt.Errorf("firefox pid %d has no --profile in %q", pid, args)
		}
		prefs, err := os.ReadFile(filepath.Join(profile, "user.js"))
		if err != nil {
			return err
		}
		for _, want := range []string{`"services.settings.server", "data:,#remote-settings-dummy/v1"`, `"network.dns.localDomains", "` + browser.InsecureTestHost + `"`, `"dom.push.serverURL", "ws://127.0.0.1:`} {
			if !strings.Contains(string(prefs), want) {
				return fmt.Errorf("firefox pid %d: %s has no %s", pid, filepath.Join(profile, "user.js"), want)
			}
		}
	}
	return nil
}
