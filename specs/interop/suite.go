// Package interop is the interop matrix, browserless part: pushspec's virtual user agent ×
// {senders: webpush-go, web-push (npm), pushspec raw} × {push service profiles: rfc, autopush,
// fcm, apple, wns}. Each cell subscribes, sends one message with the sender through the
// in-process push service in that profile, and requires that the user agent decrypts exactly
// what was sent. Each cell is one result with target id "virtual-ua/<sender>/<profile>", so the
// report renders the matrix; browser columns (chromium/…, firefox/…) join through the browser
// environment.
package interop

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// suite names the suite for RunSpecs.
func suite() (string, error) { return "interop matrix (browserless)", nil }

var (
	profiles = []string{"rfc", "autopush", "fcm", "apple", "wns"}
	senders  = []string{"webpush-go", "web-push", "raw"}

	services   = map[string]*target.Fake{}
	vapidKeys  *webpush.VAPIDKeys
	vapidCreds *sender.VAPID
)

// subject is an https: contact: every library passes it through unchanged (a mailto: subject
// is doubled by webpush-go, which the sender suite grades; here it would hide the rest).
const subject = "https://pushspec.example/contact"

var _ = beforeSuite(func() {
	startEnvEarly()
	// A browser that goes away mid-check: that check is an error naming how it went, not the
	// target's failure; the browser's Env restarts it for the rest of the run.
	DeferCleanup(conformance.RegisterHealthCheck(envs.HealthCheck))
	var err error
	vapidKeys, err = webpush.NewVAPIDKeys()
	conformance.HarnessError(err)
	vapidCreds = &sender.VAPID{Public: webpush.Base64URL(vapidKeys.Public()), Private: webpush.Base64URL(vapidKeys.PrivateBytes()), Subject: subject}
	for _, p := range profiles {
		f, err := target.NewFake(target.FakeOptions{Profile: p, HTTPSEndpoints: true})
		Expect(err).NotTo(HaveOccurred(), "starting the push service (%s)", p)
		services[p] = f
	}
	DeferCleanup(func() {
		var wg sync.WaitGroup
		for _, f := range services {
			wg.Add(1)
			go func() { defer wg.Done(); f.Close() }()
		}
		wg.Wait()
	})
})

func senderFor(name string, f *target.Fake) sender.Sender {
	switch name {
	case "web-push":
		return sender.Node{CAFile: f.CAFile()}
	case "raw":
		return sender.Raw{Client: f.Client()}
	}
	return sender.WebpushGo{Client: f.Client()}
}

func cell(s, p string) conformance.Target {
	return conformance.Target{ID: "virtual-ua/" + s + "/" + p, Kind: conformance.KindUserAgent,
		Name: fmt.Sprintf("pushspec virtual UA ← %s via the %s profile", s, p), Version: harness.VirtualUAInteropVersion(s)}
}

var _ = describe("Interop: virtual user agent", func() {
	for _, s := range senders {
		for _, p := range profiles {
			// RFC 8291 §3.3, §3.4 end to end: what the sender encrypts for a subscription, the
			// push service in profile p accepts and delivers, and the user agent decrypts to the
			// same bytes. Sends: a short payload, TTL 60, VAPID (https: subject). Expects: 2xx,
			// one delivery, the payload back.
			conformance.It("decrypts a message from "+s+" through the "+p+" profile", cell(s, p), rules.KeyDerivation,
				func(ctx SpecContext, r *conformance.Recorder) {
					f := services[p]
					sub, err := f.Subscribe(ctx, vapidKeys.Public())
					if err != nil {
						conformance.HarnessError(err)
					}
					payload := "interop " + s + " " + p
					sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					res, err := senderFor(s, f).Send(sctx, sender.Message{Subscription: sub.Sender(), Payload: []byte(payload), TTL: 60, VAPID: vapidCreds})
					cancel()
					if err != nil && strings.Contains(err.Error(), "not installed") {
						conformance.SkipBecause("unsupported here: " + err.Error())
					}
					Expect(err).NotTo(HaveOccurred(), "the sender failed: %v", err)
					wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					defer cancel()
					q, err := f.AwaitRequest(wctx, sub, 1)
					Expect(err).NotTo(HaveOccurred(), "no request reached the push service")
					r.Evidence("request", fmt.Sprintf("%s %s, %d octets, Content-Encoding %s, TTL %s", q.Method, q.Path[:min(len(q.Path), 24)]+"…",
						q.BodySize, q.Header.Get("Content-Encoding"), q.Header.Get("TTL")))
					r.Evidence("response", fmt.Sprintf("%d %s %s", q.Status, q.Answered, q.ResponseBody))
					if res != nil && res.Status != 0 {
						Expect(res.Status).To(Equal(q.Status), "the sender reports the status the service answered")
					}
					Expect(q.Status/100).To(Equal(2), "the %s profile refused it: %d (%s, %s)", p, q.Status, q.Answered, q.Rule)
					got, err := f.AwaitMessage(wctx, sub)
					Expect(err).NotTo(HaveOccurred(), "no delivery to the virtual UA")
					r.Evidence("delivered", fmt.Sprintf("%q (encoding %s, error %q)", got.Payload, got.Encoding, got.Err))
					Expect(got.Err).To(BeEmpty(), "the virtual user agent could not decrypt the message from %s: %s; RFC 8291 §3.3, §3.4 require it to decrypt", s, got.Err)
					Expect(string(got.Payload)).To(Equal(payload), "the virtual user agent got %q, not the %q %s sent; RFC 8291 §3.3, §3.4 require the exact bytes after decryption", string(got.Payload), payload, s)
				})
		}
	}
})
