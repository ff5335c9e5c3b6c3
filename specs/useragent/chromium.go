package useragent

// Chromium-only specs: what Chromium's own DevTools recorder (BackgroundService pushMessaging and
// notifications) says about each message, the FCM link's registration fault knob, and the
// service-worker-only path (ServiceWorker.deliverPushMessage), which is labelled sw-only and never
// counts as end to end.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("Chromium, seen through DevTools", Label("needs:browser"), func() {
	if !slices.Contains(kinds, browser.Chromium) {
		return
	}
	k := browser.Chromium
	tg := target(k)

	// devtoolsEvent waits (bounded) for Chromium's recorder to log name for the message. A record
	// that never arrives leaves the check undecided: a harness error, neither pass nor fail.
	devtoolsEvent := func(ctx SpecContext, r *conformance.Recorder, c *harness.Client, name, messageID string) browser.Event {
		aw, ok := c.Session.(browser.EventAwaiter)
		if !ok {
			conformance.HarnessError(errors.New("the Chromium session records no DevTools events"))
		}
		wctx, cancel := bounded(ctx)
		defer cancel()
		e, err := aw.AwaitPushEvent(wctx, func(e browser.Event) bool { return e.Name == name && e.Instance == messageID })
		if err != nil {
			r.Evidence("devtools."+name, "none within "+waitFor.String())
			conformance.HarnessError(fmt.Errorf("DevTools recorded no %q for message %s within %v; the check needs Chromium's own record", name, messageID, waitFor))
		}
		r.Evidence("devtools."+name, fmt.Sprintf("%s %v", e.Instance, e.Metadata))
		return e
	}

	// mcsEvidence records the MCS frames that carried messageID and the client frame after each
	// (Chromium's stream ack), from the FCM link's frame log.
	mcsEvidence := func(r *conformance.Recorder, messageID string) {
		var lines []string
		for _, ua := range env.FCM().UAs() {
			log := env.FCM().FrameLog(ua)
			for i, f := range log {
				if !strings.Contains(f.Detail, messageID) {
					continue
				}
				lines = append(lines, fmt.Sprintf("conn %d %s %s stream %d: %s", f.Conn, f.Dir, f.Kind, f.Stream, f.Detail))
				for _, g := range log[i+1:] {
					if g.Conn == f.Conn && g.Dir == "in" {
						lines = append(lines, fmt.Sprintf("conn %d %s %s stream %d: %s", g.Conn, g.Dir, g.Kind, g.Stream, g.Detail))
						break
					}
				}
			}
		}
		r.Evidence("mcs."+messageID, strings.Join(lines, "\n"))
	}

	conformance.It("records a corrupted message as received but not decrypted, and fires no push event", tg, rules.UndecryptableNoEvent,
		func(ctx SpecContext, r *conformance.Recorder) {
			c := newClient(ctx, r, k)
			bad := send(ctx, r, c, harness.Payload("corrupt", nil, nil), harness.SendOptions{Codec: &webpush.Options{FlipTag: true}})
			received := devtoolsEvent(ctx, r, c, "Push message received", bad.MessageID)
			mcsEvidence(r, bad.MessageID)
			Expect(received.Metadata).To(HaveKeyWithValue("Success", "No"), "DevTools recorded the corrupted message with Success %q, not \"No\"; the Push API requires a message that does not decrypt to be dropped", received.Metadata["Success"])
			Expect(received.Metadata["Error Reason"]).To(ContainSubstring("decryption failed"), "DevTools gave the corrupted message the error reason %q, not a decryption failure; the Push API drops a message that fails to decrypt", received.Metadata["Error Reason"])
			// Sentinel: once its push event is in, a push event for the corrupted message would
			// have come first (one MCS connection, delivered in order).
			sendSentinel(ctx, r, c, "sentinel")
			for _, e := range c.Session.(browser.Events).PushEvents() {
				Expect(e.Name == "Push event dispatched" && e.Instance == bad.MessageID).To(BeFalse(),
					"DevTools shows a push event dispatched for the corrupted message: %+v", e)
			}
			var ids []string
			for _, rep := range c.Reports() {
				ids = append(ids, rep.ID)
			}
			Expect(ids).To(Equal([]string{"sentinel"}), "the service worker reported the pushes %q, not only the sentinel; the Push API fires no push event for a message that does not decrypt", ids)
		}, specTimeout)

	conformance.It("decrypts \"hello\" itself and displays the notification (DevTools evidence)", tg, rules.PushEventFired,
		func(ctx SpecContext, r *conformance.Recorder) {
			c := newClient(ctx, r, k)
			res := send(ctx, r, c, []byte("hello"), harness.SendOptions{})
			received := devtoolsEvent(ctx, r, c, "Push message received", res.MessageID)
			Expect(received.Metadata).To(HaveKeyWithValue("Success", "Yes"), "DevTools recorded \"hello\" with Success %q, not \"Yes\"; the Push API requires a conformant message to be accepted", received.Metadata["Success"])
			Expect(received.Metadata).To(HaveKeyWithValue("Was Encrypted", "Yes"), "DevTools recorded \"hello\" with Was Encrypted %q, not \"Yes\"; the message was sent encrypted (RFC 8291)", received.Metadata["Was Encrypted"])
			Expect(received.Metadata).To(HaveKeyWithValue("Payload", "hello"), "DevTools recorded the payload %q, not \"hello\"; the Push API hands the decrypted bytes to the push event", received.Metadata["Payload"])
			devtoolsEvent(ctx, r, c, "Push event dispatched", res.MessageID)
			rep := awaitPush(ctx, r, c, "hello", func(rep sitefixture.Report) bool { return rep.Data.TextValue() == "hello" })
			Expect(rep.NotificationTitles()).To(ContainElement("hello"), "the service worker showed the notifications %q, not one titled \"hello\"; the push event must run the handler that shows it", rep.NotificationTitles())
			wctx, cancel := bounded(ctx)
			defer cancel()
			shown, err := c.Session.(browser.EventAwaiter).AwaitPushEvent(wctx, func(e browser.Event) bool {
				return e.Name == "Notification displayed" && e.Metadata["Title"] == "hello"
			})
			if err != nil {
				conformance.HarnessError(fmt.Errorf("DevTools recorded no \"Notification displayed\" titled hello within %v; the check needs Chromium's own record", waitFor))
			}
			r.Evidence("devtools.Notification displayed", fmt.Sprint(shown.Metadata))
			// The FCM link saw Chromium's stream ack for it.
			ack, err := c.AwaitAck(wctx, res.MessageID)
			mcsEvidence(r, res.MessageID)
			Expect(err).NotTo(HaveOccurred(), "no MCS stream ack for %s", res.MessageID)
			r.Evidence("ack", fmt.Sprint(ack))
		}, specTimeout)

	// Push API, create a push subscription: "Request a new push subscription. … Rethrow any
	// exceptions." The spec names no exception for a push service that refuses, so the
	// rejection is required and its name is recorded, not graded.
	conformance.It("rejects subscribe() when the push service refuses the registration", tg, rules.SubscribePushServiceError,
		func(ctx SpecContext, r *conformance.Recorder) {
			c, err := env.OpenClient(ctx, k, harness.ClientOptions{NoSubscribe: true})
			if err != nil {
				conformance.HarnessError(err)
			}
			DeferCleanup(c.Close)
			link := env.FCM()
			// The Env's one FCM link serves every Chromium client of this process; specs of a
			// process run one at a time, and the knob is reset before the next one.
			// INVALID_SENDER is final for Chromium's GCM client; codes it does not know (or
			// SERVICE_NOT_AVAILABLE) are retried with back-off and subscribe() stays pending.
			link.SetRegisterError("INVALID_SENDER")
			DeferCleanup(func() { link.SetRegisterError("") })
			wctx, cancel := bounded(ctx)
			defer cancel()
			_, err = c.Subscribe(wctx, webpush.Base64URL(env.VAPID.Public()), nil)
			r.Evidence("register3", "Error=INVALID_SENDER")
			Expect(err).To(HaveOccurred(), "subscribe() resolved although register3 failed")
			var jsErr *sitefixture.JSError
			Expect(errors.As(err, &jsErr)).To(BeTrue(), "not a JavaScript rejection: %v", err)
			r.Evidence("rejection", jsErr.Error())
			r.Evidence("rejection.name", jsErr.Name)
		}, specTimeout)

	It("[sw-only] fires push in the service worker through DevTools deliverPushMessage", Label("sw-only", "target:"+string(k)),
		func(ctx SpecContext) {
			// Not end to end: no subscription, push service, encryption, VAPID or decryption is
			// involved. It checks the fixture's push handler in Chromium, nothing else.
			c, err := env.OpenClient(ctx, k, harness.ClientOptions{NoSubscribe: true})
			Expect(err).NotTo(HaveOccurred(), "opening a Chromium client without a subscription failed: %v", err)
			DeferCleanup(c.Close)
			p, ok := c.Session.(browser.SWOnlyPusher)
			Expect(ok).To(BeTrue(), "the Chromium session cannot deliver SW-only pushes")
			wctx, cancel := bounded(ctx)
			defer cancel()
			rid, err := p.ServiceWorkerRegistrationID(wctx, c.Origin.URL()+"/")
			Expect(err).NotTo(HaveOccurred(), "DevTools gave no service-worker registration id: %v", err)
			d, err := p.DeliverPushMessage(wctx, c.Origin.URL(), rid, string(harness.Payload("via-devtools", nil, nil)))
			Expect(err).NotTo(HaveOccurred(), "DevTools deliverPushMessage failed: %v", err)
			AddReportEntry("path", d.Path)
			AddReportEntry("sw-only delivery", fmt.Sprintf("%+v", d))
			Expect(d.Path).To(Equal(browser.PathSWOnly), "DevTools delivered on the path %q, not the service-worker-only one", d.Path)
			rep, err := c.Origin.AwaitReport(wctx, func(rep sitefixture.Report) bool { return rep.ID == "via-devtools" })
			Expect(err).NotTo(HaveOccurred(), "no report of the DevTools push from the service worker: %v", err)
			Expect(strings.Contains(rep.Data.TextValue(), "via-devtools")).To(BeTrue(), "the service worker reported %q, not the DevTools payload via-devtools", rep.Data.TextValue())
		}, specTimeout)
})
