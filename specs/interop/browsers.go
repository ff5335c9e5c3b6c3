package interop

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// Browser columns: the browsers (PUSHSPEC_BROWSERS; empty: none), each in an Env of its own
// (harness.KindEnvs) behind that Env's push service (profile PUSHSPEC_PROFILE), so that one
// browser's cells need not wait for the other browser's start. A browser's Env starts on its
// first cell, or from BeforeSuite (startEnvEarly).
var (
	kinds, kindsErr = harness.ConfiguredBrowsers()
	envs            = harness.NewKindEnvs(kinds)
	envProfile      = func() string {
		c, err := config.FromEnv()
		if err != nil || c.Profile == "" {
			return "rfc"
		}
		return c.Profile
	}()
)

// startEnvEarly is called from BeforeSuite. Process 1 runs the Serial browser specs after the
// parallel ones; it starts each browser's Env (seconds of browser start-up) in the background,
// so that the starts overlap the browserless specs. A browser's first spec waits for its Env and
// reports its error. Not under a label filter: it may leave the browser specs out.
func startEnvEarly() {
	if len(kinds) > 0 && kindsErr == nil && GinkgoParallelProcess() == 1 && GinkgoLabelFilter() == "" {
		envs.Start(3 * time.Minute)
	}
}

var _ = afterSuite(func() { envs.Close() })

// The browser specs are Serial: ginkgo runs them on process 1 after the parallel ones, so one
// process starts the browsers instead of every process (a Firefox and a Chromium cost seconds of
// CPU each, and these specs take about a second once they run).
var _ = describe("Interop: real browsers", func() {
	for _, k := range kinds {
		for _, s := range senders {
			t := harness.InteropTarget(k, s, envProfile)
			// RFC 8291 §3.3, §3.4 end to end, with a real browser: what the sender encrypts for
			// the browser's subscription reaches its service worker with the exact bytes.
			// Sends: a JSON payload with a correlation id (HTTPS, the Env's VAPID key).
			// Expects: the service worker reports that exact text.
			conformance.It("decrypts a message from "+s+" in "+string(k), t, rules.KeyDerivation,
				func(ctx SpecContext, r *conformance.Recorder) {
					if kindsErr != nil {
						conformance.HarnessError(kindsErr)
					}
					env, err := envs.Env(ctx, k)
					if errors.Is(err, harness.ErrRealUnavailable) {
						conformance.SkipBecause(err.Error())
					}
					if err != nil {
						conformance.HarnessError(fmt.Errorf("starting the browser Env: %w", err))
					}
					c, err := env.NewClient(ctx, k)
					if err != nil {
						conformance.HarnessError(fmt.Errorf("opening a %s client: %w", k, err))
					}
					DeferCleanup(c.Close)
					r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
					ep, err := url.Parse(c.Subscription.WebPush.Endpoint)
					conformance.HarnessError(err)
					// Offline, the senders post over HTTPS to the in-process service (its test
					// CA); with PUSHSPEC_PUSH_SERVICE=real, to the vendor's endpoint as it is.
					client, caFile := env.Push.Client(), env.Push.CAFile()
					if env.Real() {
						client, caFile = nil, ""
					} else {
						tls, err := url.Parse(env.Push.TLSURL())
						conformance.HarnessError(err)
						ep.Scheme, ep.Host = tls.Scheme, tls.Host
					}
					id := fmt.Sprintf("interop-%s-%s-%d", k, s, time.Now().UnixNano())
					payload := harness.Payload(id, map[string]any{"show": false}, nil)
					var snd sender.Sender
					switch s {
					case "web-push":
						snd = sender.Node{CAFile: caFile}
					case "raw":
						snd = sender.Raw{Client: client}
					default:
						snd = sender.WebpushGo{Client: client}
					}
					sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					res, err := snd.Send(sctx, sender.Message{
						Subscription: sender.Subscription{Endpoint: ep.String(), Keys: sender.Keys{
							P256dh: webpush.Base64URL(c.Subscription.WebPush.P256dh), Auth: webpush.Base64URL(c.Subscription.WebPush.Auth)}},
						Payload: payload, TTL: 60,
						VAPID: &sender.VAPID{Public: webpush.Base64URL(env.VAPID.Public()), Private: webpush.Base64URL(env.VAPID.PrivateBytes()), Subject: env.Subject},
					})
					cancel()
					if err != nil && strings.Contains(err.Error(), "not installed") {
						conformance.SkipBecause("unsupported here: " + err.Error())
					}
					Expect(err).NotTo(HaveOccurred(), "the sender failed: %v", err)
					r.Evidence("response", fmt.Sprintf("%d %s", res.Status, cut(string(res.Body), 200)))
					if res.Status != 0 {
						Expect(res.Status/100).To(Equal(2), "the push service answered the sender %d; a conformant push must be accepted (RFC 8030 §5: 201 Created)", res.Status)
					}
					wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
					defer cancel()
					rep, err := c.AwaitReport(wctx, id)
					Expect(err).NotTo(HaveOccurred(), "no service-worker report from %s within 15 s", k)
					r.Evidence("report", cut(string(rep.Raw), 1500))
					Expect(rep.Data.TextValue()).To(Equal(string(payload)), "%s's service worker got %q, not the %q %s sent; RFC 8291 §3.3, §3.4 require the exact bytes after decryption", k, rep.Data.TextValue(), string(payload), s)
				}, Label("needs:browser"), Serial, SpecTimeout(2*time.Minute))
		}
	}
})

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
