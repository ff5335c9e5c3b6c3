package sender

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

// The browsers (PUSHSPEC_BROWSERS, default chromium,firefox; empty: none). Each has an Env of its
// own (harness.KindEnvs), started in the background from BeforeSuite (startEnvEarly), or on the
// browser's spec under a label filter, so a browserless run starts nothing. Chromium is ready
// seconds before Firefox, and its spec need not wait for Firefox's start.
var (
	kinds, kindsErr = harness.ConfiguredBrowsers()
	envs            = harness.NewKindEnvs(kinds)
)

// startEnvEarly is called from BeforeSuite: process 1, which runs the browser specs, starts each
// browser's Env (seconds of browser start-up) in the background, so that the starts overlap the
// browserless specs. A browser's spec waits for its Env and reports its error. Not under a label
// filter: it may leave the browser specs out.
func startEnvEarly() {
	if len(kinds) > 0 && kindsErr == nil && GinkgoParallelProcess() == 1 && GinkgoLabelFilter() == "" {
		envs.Start(3 * time.Minute)
	}
}

var _ = afterSuite(func() { envs.Close() })

// The browser specs are Serial: ginkgo runs them on process 1 after the parallel ones, so one
// process starts the browsers instead of every process (a Firefox and a Chromium cost seconds of
// CPU each, and these specs take about a second once they run).
var _ = describe("Delivery of the sender's message to real browsers", func() {
	for _, k := range kinds {
		// RFC 8291 §3.3, §3.4 on the receiving side: a message the sender encrypts for a real
		// browser's subscription is decrypted by that browser and reaches its service worker
		// with the exact bytes, which shows a notification.
		// Sends: with the sender under test, over HTTPS to pushspec's push service, a JSON
		// payload naming a notification title, to a fresh subscription of <k>. Expects: the
		// service worker reports the payload's exact text and a shown, listed notification.
		conformance.It("has its message decrypted and shown by "+string(k), tgt, rules.KeyDerivation,
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
				if env.Real() {
					// The sender suite grades the sender's requests at pushspec's push service.
					conformance.SkipBecause("the sender suite sends through pushspec's own push service, which grades each request; PUSHSPEC_PUSH_SERVICE=real has the browsers on the vendors' services")
				}
				c, err := env.NewClient(ctx, k)
				if err != nil {
					conformance.HarnessError(fmt.Errorf("opening a %s client: %w", k, err))
				}
				DeferCleanup(c.Close)
				r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
				r.Evidence(conformance.EvidenceShownBy, harness.BrowserLabel(env.Browser(k)))

				// Over HTTPS (the npm library speaks nothing else), on the same path.
				ep, err := url.Parse(c.Subscription.WebPush.Endpoint)
				conformance.HarnessError(err)
				tls, err := url.Parse(env.Push.TLSURL())
				conformance.HarnessError(err)
				ep.Scheme, ep.Host = tls.Scheme, tls.Host
				r.Evidence("endpoint", ep.String())

				id := fmt.Sprintf("sender-%s-%d", k, time.Now().UnixNano())
				title := "pushspec: " + tgt.Name
				payload := harness.Payload(id, nil, map[string]any{"notification": map[string]any{"title": title}})
				m := sender.Message{
					Subscription: sender.Subscription{Endpoint: ep.String(), Keys: sender.Keys{
						P256dh: webpush.Base64URL(c.Subscription.WebPush.P256dh), Auth: webpush.Base64URL(c.Subscription.WebPush.Auth)}},
					Payload: payload, TTL: 60,
					VAPID: &sender.VAPID{Public: webpush.Base64URL(env.VAPID.Public()), Private: webpush.Base64URL(env.VAPID.PrivateBytes()), Subject: env.Subject},
				}
				var s sender.Sender = sender.WebpushGo{Client: env.Push.Client()}
				switch cfg.Sender {
				case "web-push":
					s = sender.Node{CAFile: env.Push.CAFile()}
				case "cmd":
					s = sender.Command{Cmd: cfg.SenderCmd, CAFile: env.Push.CAFile(), Label: cfg.SenderName}
				}
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				res, err := s.Send(sctx, m)
				cancel()
				r.Evidence("sender", errText(err, res))
				if errors.Is(err, sender.ErrUnsupported) {
					conformance.SkipBecause("unsupported: sender " + tgt.Name + " says it cannot send this message: " + unsupportedReason(err))
				}
				if err != nil {
					// Nothing the browser could decrypt was sent: no verdict on the key derivation.
					conformance.HarnessError(fmt.Errorf("the sender failed to send to %s's subscription: %s", k, sender.Tail(err.Error(), 1000)))
				}

				// A request the push service refused never reached the browser: that fault is
				// graded once, by the rule the refusal names, in the request-grading specs; the
				// key derivation cannot be judged here.
				sent := time.Now()
				var last *fakepushservice.Request
				for _, q := range env.Push.Requests() {
					if q.Path == ep.Path && !q.Time.After(sent) {
						last = q
					}
				}
				if last == nil {
					conformance.HarnessError(fmt.Errorf("the sender reported success but no request for %s's subscription reached the push service", k))
				}
				if last.Status >= 300 {
					conformance.SkipBecause(fmt.Sprintf("not applicable: the push service refused the message (status %d, %s; graded by %s), so %s never received it", last.Status, last.Answered, last.Rule, k))
				}

				wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				// Matched by id, or by the id inside the data: a sender that changes the bytes
				// (JSON-quotes them) hides the id from the service worker's parse.
				rep, err := c.AwaitPush(wctx, func(r sitefixture.Report) bool {
					return r.ID == id || (r.Data != nil && strings.Contains(r.Data.TextValue(), id))
				})
				Expect(err).NotTo(HaveOccurred(), "no service-worker report from %s within 15 s", k)
				r.Evidence("report", cut(string(rep.Raw), 1500))
				if got := rep.Data.TextValue(); got != string(payload) {
					// The browser decrypted it, so the keys were derived right; other bytes than
					// the sender was given are rfc8030-5-payload-as-given's finding (graded on the
					// push service's decryption), and the notification they were to name cannot be
					// checked.
					r.Evidence("payload", fmt.Sprintf("decrypted by %s, but to %s, not the %q sent (graded by %s)", k, cut(strconv.Quote(got), 200), cut(string(payload), 200), rules.PayloadAsGiven.ID))
					return
				}
				Expect(rep.Show.OK).To(BeTrue(), "showNotification did not succeed")
				Expect(rep.NotificationTitles()).To(ContainElement(title), "%s showed the notifications %q, not one titled %q; the message the sender encrypted must reach the service worker as sent (RFC 8291 §3.3, §3.4)", k, rep.NotificationTitles(), title)
			}, Label("needs:browser"), Serial, SpecTimeout(2*time.Minute))
	}
})
