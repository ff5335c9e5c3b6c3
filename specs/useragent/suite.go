// Package useragent is the user agent suite: real browsers (headless Chromium and Firefox
// ESR) subscribe on the fixture site against pushspec's in-process push service, and the specs
// check what the browser does with what it is sent (Push API, Notifications API, RFC 8291 on the
// receiving side).
//
// The suite runs once per browser in the Env (PUSHSPEC_BROWSERS, default "chromium,firefox",
// limited to the kinds with an Env set-up): every spec is declared inside a loop over
// harness.ConfiguredBrowsers(), so a browser joins by being in the Env. One Env (one process per
// browser) serves the whole suite; every spec opens its own client — a fresh browser session on a
// fresh origin — so push state never leaks between specs.
package useragent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
)

var (
	kinds, kindsErr = harness.ConfiguredBrowsers()
	env             *harness.Env
)

// suite names the suite for RunSpecs, or says why it cannot run.
func suite() (string, error) { return fmt.Sprintf("user agent suite %v", kinds), kindsErr }

var _ = beforeSuite(func(ctx SpecContext) {
	if len(kinds) == 0 {
		return
	}
	var err error
	env, err = harness.SharedEnv(ctx)
	if errors.Is(err, harness.ErrRealUnavailable) {
		realSkip = err.Error() // every spec skips with it (real_mode.go)
		return
	}
	Expect(err).NotTo(HaveOccurred(), "starting the Env (push service, site, browsers %v)", kinds)
	DeferCleanup(harness.CloseShared)
	// A browser that goes away mid-run: the checks it was in are errors naming how it went,
	// the Env restarts it for the rest of the run, and the console says so.
	DeferCleanup(conformance.RegisterHealthCheck(env.HealthCheck))
	DeferCleanup(env.OnBrowserEvent(func(ev harness.BrowserEvent) { fmt.Fprintln(GinkgoWriter, ev) }))
	for _, k := range env.Kinds() {
		st := env.Startup(k)
		AddReportEntry("startup "+string(k), fmt.Sprintf("%s %s: launched in %v, push client connected after %v",
			k, env.Browser(k).Version(), st.Launch.Round(time.Millisecond), st.Ready.Round(time.Millisecond)))
	}
}, NodeTimeout(3*time.Minute))

// A check skipped because its ordered container's set-up lost the browser is an error too.
var _ = node(conformance.ReportNotRunAfterHarnessError)

// waitFor bounds every wait on the browser inside a spec, well inside the spec's timeout, so a
// browser that never reports fails its check instead of timing the spec out (graded error).
const waitFor = 15 * time.Second

// specTimeout bounds each spec.
var specTimeout = SpecTimeout(time.Minute)

// target describes a browser kind for the conformance wrapper. Its product and version are known
// only once the Env has started the browser, after the spec tree is built: the Env identifies it
// then (harness.BrowserTarget), and each spec reports its target with them.
func target(k browser.Kind) conformance.Target {
	return conformance.Target{ID: string(k), Kind: conformance.KindUserAgent, Name: string(k)}
}

// newClient opens a fresh session and origin on kind, subscribed with the Env's VAPID key, and
// closes it when the spec ends. A failure is the harness's (graded error), not the browser's.
func newClient(ctx context.Context, r *conformance.Recorder, k browser.Kind) *harness.Client {
	c, err := env.NewClient(ctx, k)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("opening a %s client: %w", k, err))
	}
	DeferCleanup(c.Close)
	if r != nil {
		clientEvidence(r, c)
	}
	return c
}

// clientEvidence records the browser and its subscription.
func clientEvidence(r *conformance.Recorder, c *harness.Client) {
	r.Evidence("browser", string(c.Kind)+" "+c.Browser.Version())
	if restarts := env.Restarts(c.Kind); restarts != "" {
		r.Evidence("browser.restarted", restarts)
	}
	// The auth secret is the user agent's secret (RFC 8291 §3.2); evidence goes into results.json
	// and the report, so it is masked (hardening/TestSecretsStayOut, docs/reliability.md).
	value := string(c.Subscription.Value)
	if auth := c.Subscription.JSON.Keys["auth"]; auth != "" {
		value = strings.ReplaceAll(value, auth, "(auth secret redacted)")
	}
	r.Evidence("subscription", value)
	if c.Subscription.Mapped {
		r.Evidence("endpoint.original", c.Subscription.OriginalEndpoint)
	}
}

// bounded returns a context for one wait: waitFor, or less if ctx ends first.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, waitFor)
}
