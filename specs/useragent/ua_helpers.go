package useragent

// Helpers shared by the Push API, RFC 8291 (receiving side), Notifications, unsubscribe,
// pushsubscriptionchange and Declarative Web Push specs: JavaScript run in the fixture page,
// byte-matched reports, the browser's own verdict on a message (Firefox's ack code, Chromium's
// DevTools record) and the sentinel pattern for messages that must not reach the service worker.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

// jsPrelude is in scope for every evalJS body: the page's service worker registration and
// base64url helpers.
const jsPrelude = `
const b64u = (buf) => { if (buf === null || buf === undefined) return null; const b = new Uint8Array(buf); let s = ""; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]); return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""); };
const fromB64u = (s) => { const std = s.replace(/-/g, "+").replace(/_/g, "/"); const bin = atob(std + "===".slice((std.length + 3) % 4)); const out = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i); return out; };
const errv = (e) => ({ name: String((e && e.name) || "Error"), message: String((e && e.message) || e) });
const reg = await navigator.serviceWorker.getRegistration("/");
`

// authSecrets holds the auth secrets (base64url and standard base64) of every browser
// subscription these specs have put their hands on; redact masks them in evidence, which ends up
// in results.json and index.html (the user agent's secret, RFC 8291 §3.2).
var authSecrets sync.Map

// noteSecrets remembers the auth secrets of subs.
func noteSecrets(subs ...harness.Subscription) {
	for _, s := range subs {
		if len(s.WebPush.Auth) == 0 {
			continue
		}
		for _, f := range []string{webpush.Base64URL(s.WebPush.Auth), base64.StdEncoding.EncodeToString(s.WebPush.Auth),
			base64.URLEncoding.EncodeToString(s.WebPush.Auth), base64.RawStdEncoding.EncodeToString(s.WebPush.Auth)} {
			authSecrets.Store(f, true)
		}
	}
}

// redact masks every noted auth secret in v.
func redact(v string) string {
	authSecrets.Range(func(k, _ any) bool {
		v = strings.ReplaceAll(v, k.(string), "(auth secret redacted)")
		return true
	})
	return v
}

// ev records evidence with the auth secrets of c's subscription (and of subs) masked.
func ev(r *conformance.Recorder, c *harness.Client, key, value string, subs ...harness.Subscription) {
	if c != nil {
		noteSecrets(c.Subscription)
	}
	noteSecrets(subs...)
	r.Evidence(key, redact(value))
}

// evalJS runs body (the inside of an async function, with jsPrelude in scope) in the client's
// page and returns its value as JSON. A throw resolves to {"error": {name, message}}; a failing
// Eval is the harness's problem.
func evalJS(ctx context.Context, c *harness.Client, body string) json.RawMessage {
	expr := "(async () => { try { " + jsPrelude + body + "\n} catch (e) { return {error: {name: String((e && e.name) || 'Error'), message: String((e && e.message) || e)}}; } })()"
	wctx, cancel := bounded(ctx)
	defer cancel()
	raw, err := c.Session.Eval(wctx, expr)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("evaluating in the %s page: %w", c.Kind, err))
	}
	return raw
}

// evalInto is evalJS decoded into v; a thrown error is returned as *sitefixture.JSError.
func evalInto(ctx context.Context, r *conformance.Recorder, c *harness.Client, what, body string, v any) *sitefixture.JSError {
	raw := evalJS(ctx, c, body)
	if r != nil {
		ev(r, c, "js."+what, string(raw))
	}
	var e struct {
		Error *sitefixture.JSError `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Error != nil {
		return e.Error
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			conformance.HarnessError(fmt.Errorf("decoding %s %s: %w", what, raw, err))
		}
	}
	return nil
}

// sendRaw posts payload with the codec knobs of o and returns the push service's answer
// whatever its status.
func sendRaw(ctx context.Context, r *conformance.Recorder, c *harness.Client, key string, payload []byte, o harness.SendOptions) *harness.SendResult {
	res, err := c.Send(ctx, payload, o)
	if err != nil {
		conformance.HarnessError(err)
	}
	if r != nil {
		body := ""
		if res.Request != nil {
			body = fmt.Sprintf(", body %d octets", len(res.Request.Body))
		}
		r.Evidence("send."+key, fmt.Sprintf("%s → %d %s (message %s%s)", res.Sender, res.Status, strings.TrimSpace(string(res.Body)), res.MessageID, body))
	}
	return res
}

// reportData decodes the views of event.data a report carries beyond sitefixture.PushData:
// blob() and bytes() (sw.js blobAndBytes).
type reportData struct {
	Data *struct {
		BlobIsBlob        bool                 `json:"blobIsBlob"`
		BlobType          *string              `json:"blobType"`
		BlobSize          *int                 `json:"blobSize"`
		BlobBase64        *string              `json:"blobBase64"`
		BlobError         *sitefixture.JSError `json:"blobError"`
		BytesIsUint8Array bool                 `json:"bytesIsUint8Array"`
		BytesBase64       *string              `json:"bytesBase64"`
		BytesError        *sitefixture.JSError `json:"bytesError"`
	} `json:"data"`
}

func extraViews(rep sitefixture.Report) reportData {
	var d reportData
	_ = json.Unmarshal(rep.Raw, &d)
	return d
}

// verdict is what the browser itself said about one message: Firefox's ack code, Chromium's
// DevTools "Push message received" record.
type verdict struct {
	Ack       fakepushservice.AckCode // Firefox; 0 when not observed
	HasAck    bool
	DevTools  *browser.Event // Chromium
	Delivered bool           // the browser says it fired (or will fire) a push event for it
	// Observed says the browser gave its verdict. One not observed decides nothing: Delivered is
	// false then only because nothing was seen. Missing says why.
	Observed bool
	Missing  string
}

// browserVerdict waits (bounded) for the browser's own account of messageID and records it.
// It does not assert: the caller decides what the verdict must be, and calls requireVerdict
// before it relies on one.
func browserVerdict(ctx context.Context, r *conformance.Recorder, c *harness.Client, key, messageID string) verdict {
	var v verdict
	wctx, cancel := bounded(ctx)
	defer cancel()
	switch {
	case env.AcksDecryption(c.Kind):
		code, err := c.AwaitAck(wctx, messageID)
		if err != nil {
			v.Missing = fmt.Sprintf("%s sent no ack for the %s message %s within %v", c.Kind, key, messageID, waitFor)
			r.Evidence("ack."+key, "no ack within "+waitFor.String())
			return v
		}
		v.Ack, v.HasAck, v.Delivered, v.Observed = code, true, code == fakepushservice.AckDelivered, true
		r.Evidence("ack."+key, fmt.Sprint(int(code)))
	default:
		aw, ok := c.Session.(browser.EventAwaiter)
		if !ok {
			v.Missing = fmt.Sprintf("the %s session records no DevTools events, so its verdict on the %s message %s cannot be read", c.Kind, key, messageID)
			return v
		}
		e, err := aw.AwaitPushEvent(wctx, func(e browser.Event) bool {
			return e.Name == "Push message received" && e.Instance == messageID
		})
		if err != nil {
			v.Missing = fmt.Sprintf("DevTools recorded no \"Push message received\" for the %s message %s within %v", key, messageID, waitFor)
			r.Evidence("devtools."+key, "no 'Push message received' within "+waitFor.String())
			return v
		}
		v.DevTools, v.Observed = &e, true
		v.Delivered = e.Metadata["Success"] == "Yes"
		r.Evidence("devtools."+key, fmt.Sprintf("%s %v", e.Name, e.Metadata))
	}
	return v
}

// requireVerdict ends the check as a harness error when the browser's own verdict was not
// observed: a check that reads it must not pass on its absence.
func requireVerdict(v verdict) {
	if err := verdictMissing(v); err != nil {
		conformance.HarnessError(err)
	}
}

// verdictMissing is requireVerdict's decision: an error naming what was not seen, or nil.
func verdictMissing(v verdict) error {
	if v.Observed {
		return nil
	}
	why := v.Missing
	if why == "" {
		why = "the browser's verdict was never read"
	}
	return fmt.Errorf("%s; the check needs the browser's own verdict", why)
}

// expectDiscarded is the sentinel pattern for a message the browser must discard: bad is posted
// (the push service must accept it: it cannot read the body), then a good sentinel that reports
// after every earlier handler (sw.js afterPending); once the sentinel's report is in, the
// reports since `since` must be exactly the sentinel's. The browser's own verdict on bad must be
// seen too (a missing one is a harness error, never a pass): Chromium's DevTools record must not
// say it was delivered; on a link that acknowledges each message (Firefox) bad must be
// acknowledged (pushapi-undecryptable-acknowledged, declared with r.Also by the caller), whatever
// the code: the Push API says to "Acknowledge the receipt of the push message according to
// [RFC8030]", and autopush's 101 is recorded, not required.
func expectDiscarded(ctx SpecContext, r *conformance.Recorder, c *harness.Client, name string, plaintext []byte, o harness.SendOptions) {
	since := len(c.Reports())
	bad := sendRaw(ctx, r, c, "bad", plaintext, o)
	if bad.Request != nil {
		r.Evidence("bad.body", fmt.Sprintf("%d octets: %x", len(bad.Request.Body), truncateBytes(bad.Request.Body, 200)))
	}
	if bad.Status/100 != 2 {
		conformance.HarnessError(fmt.Errorf("the push service refused the %s message: %d %s", name, bad.Status, bad.Body))
	}
	sentinelID := "sentinel-" + name
	sendSentinel(ctx, r, c, sentinelID)
	v := browserVerdict(ctx, r, c, "bad", bad.MessageID)
	if v.Delivered {
		// The browser says it dispatched the bad message: wait for that report too, as evidence.
		wctx, cancel := bounded(ctx)
		rep, err := c.AwaitPush(wctx, func(rep sitefixture.Report) bool {
			return rep.ID != sentinelID && rep.ReceivedAt.After(bad.Started)
		})
		cancel()
		if err == nil {
			r.Evidence("report.bad", string(rep.Raw))
		}
	}
	var seen []string
	for _, rep := range c.Reports()[since:] {
		if rep.ID == sentinelID {
			seen = append(seen, rep.ID)
		} else {
			seen = append(seen, fmt.Sprintf("push event (id %q, data %q)", rep.ID, rep.Data.TextValue()))
		}
	}
	Expect(seen).To(Equal([]string{sentinelID}), "push events after the %s message (%s) and its sentinel", name, bad.MessageID)
	if env.AcksDecryption(c.Kind) {
		Expect(v.HasAck).To(BeTrue(), "%s did not acknowledge the %s message %s within %v", c.Kind, name, bad.MessageID, waitFor)
		return
	}
	requireVerdict(v)
	Expect(v.Delivered).To(BeFalse(), "DevTools records the %s message as delivered (%v)", name, v.DevTools.Metadata)
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// ackAlso declares pushapi-undecryptable-acknowledged for kinds whose link reports decryption
// results (Firefox's ack 101); Chromium's MCS stream ack says nothing about decryption.
func ackAlso(r *conformance.Recorder, k browser.Kind) {
	r.Also(rules.UndecryptableNoEvent)
	if env.AcksDecryption(k) {
		r.Also(rules.UndecryptableAcknowledged)
	}
}

// coreSubscription finds the push service's record of a browser subscription from the endpoint
// the harness posts to (its last path segment is the subscription ID).
func coreSubscription(s harness.Subscription) (*fakepushservice.Subscription, bool) {
	if u, err := url.Parse(s.SendEndpoint); err == nil {
		if sub, _, ok := env.Push.Subscription(path.Base(u.Path)); ok {
			return sub, true
		}
	}
	for _, sub := range env.Push.Subscriptions() {
		if sub.Endpoint == s.SendEndpoint || sub.Endpoint == s.Endpoint {
			return &sub, true
		}
	}
	return nil, false
}

// anotherKey is a fresh P-256 public key (65 octets), different from the Env's VAPID key.
func anotherKey() []byte {
	k, err := webpush.NewVAPIDKeys()
	if err != nil {
		conformance.HarnessError(err)
	}
	return k.Public()
}

// noClient opens a client that registered the service worker but did not subscribe.
func noClient(ctx context.Context, k browser.Kind, o harness.ClientOptions) *harness.Client {
	o.NoSubscribe = true
	c, err := env.OpenClient(ctx, k, o)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("opening a %s client: %w", k, err))
	}
	DeferCleanup(c.Close)
	return c
}

var mcsAuthToken = regexp.MustCompile(`(^|[{ ])5:"[0-9]*"`)

// observeUrgencyThreshold records (info, rfc8030-5.3-ua-urgency-threshold) whether the frame
// the browser opens its push link with states a lowest urgency it accepts: Firefox's autopush
// hello, Chromium's MCS LoginRequest (fields by number, settings by name), as the link logged
// them. Nothing is recorded without pushspec's own links (real mode).
func observeUrgencyThreshold(r *conformance.Recorder, k browser.Kind) {
	var what, frame string
	switch k {
	case browser.Firefox:
		link := env.Autopush()
		if link == nil {
			return
		}
		hs := link.Hellos()
		if len(hs) == 0 {
			return
		}
		for _, f := range link.Frames(hs[len(hs)-1].UAID) {
			if f.In && f.Type == "hello" {
				what, frame = "Firefox's autopush hello", string(f.JSON)
				break
			}
		}
	case browser.Chromium:
		link := env.FCM()
		if link == nil {
			return
		}
		for _, ua := range link.UAs() {
			for _, f := range link.FrameLog(ua) {
				if f.Dir == "in" && f.Kind == "LoginRequest" {
					// Field 5 is the device's security token (its credential): masked.
					what, frame = "Chromium's MCS LoginRequest", mcsAuthToken.ReplaceAllString(f.Detail, `${1}5:"(security token redacted)"`)
					break
				}
			}
		}
	}
	if frame == "" {
		return
	}
	lower := strings.ToLower(frame)
	if strings.Contains(lower, "urgen") || strings.Contains(lower, "priorit") {
		r.Observe(rules.UAUrgencyThreshold, what+" may state an urgency threshold: "+frame)
		return
	}
	r.Observe(rules.UAUrgencyThreshold, what+" states no urgency threshold (the service delivers every urgency): "+frame)
}
