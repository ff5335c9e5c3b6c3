package useragent

import (
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("Push API: subscribe, receive, decrypt, show", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			// The subscription specs only read one subscription: they share a client.
			Describe("the subscription", Ordered, func() {
				var c *harness.Client
				BeforeAll(func(ctx SpecContext) {
					c = newClient(ctx, nil, k)
				}, NodeTimeout(time.Minute))
				conformance.It("getKey('p256dh') is a 65-octet point on P-256", tg, rules.SubscriptionP256DH65Octets,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						p := c.Subscription.WebPush.P256dh
						Expect(p).To(HaveLen(65), "p256dh is %d octets; the Push API's getKey('p256dh') gives the 65-octet uncompressed P-256 point", len(p))
						Expect(p[0]).To(Equal(byte(4)), "p256dh is not uncompressed (0x04 …)")
						_, err := ecdh.P256().NewPublicKey(p)
						Expect(err).NotTo(HaveOccurred(), "p256dh is not a point on P-256")
					}, specTimeout, realOK)

				conformance.It("getKey('auth') is 16 octets", tg, rules.SubscriptionAuth16Octets,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Also(rules.AuthSecret16)
						clientEvidence(r, c)
						Expect(c.Subscription.WebPush.Auth).To(HaveLen(16), "getKey('auth') is %d octets; RFC 8291 §3.2 requires an authentication secret of 16 octets", len(c.Subscription.WebPush.Auth))
					}, specTimeout, realOK)

				conformance.It("expirationTime is null", tg, rules.SubscriptionExpirationTime,
					func(ctx SpecContext, r *conformance.Recorder) {
						// pushspec's service gives no expiry, so the only allowed value is null.
						clientEvidence(r, c)
						Expect(c.Subscription.ExpirationTimeNull).To(BeTrue(), "expirationTime is not null in %s; the Push API gives null when the push service gave no expiry", c.Subscription.Value)
						Expect(c.Subscription.JSON.ExpirationTime).To(BeNil(), "toJSON().expirationTime is a number, not null (see the subscription evidence); the Push API gives null when the push service gave no expiry")
					}, specTimeout)

				conformance.It("toJSON() has endpoint, expirationTime and unpadded base64url keys", tg, rules.SubscriptionToJSONShape,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						var j map[string]json.RawMessage
						var v struct {
							JSON json.RawMessage `json:"json"`
						}
						conformance.HarnessError(json.Unmarshal(c.Subscription.Value, &v))
						Expect(json.Unmarshal(v.JSON, &j)).To(Succeed(), "toJSON() serialized as %s, not a JSON object; the Push API's toJSON() returns a PushSubscriptionJSON dictionary", string(v.JSON))
						Expect(j).To(HaveKey("endpoint"), "toJSON() is %s, without endpoint; the Push API's PushSubscriptionJSON has endpoint", string(v.JSON))
						Expect(j).To(HaveKey("expirationTime"), "toJSON() is %s, without expirationTime; the Push API's PushSubscriptionJSON has expirationTime", string(v.JSON))
						Expect(j).To(HaveKey("keys"), "toJSON() is %s, without keys; the Push API's PushSubscriptionJSON has keys", string(v.JSON))
						Expect(j).NotTo(HaveKey("options"), "toJSON() is %s, with options; the Push API's PushSubscriptionJSON has no options member", string(v.JSON))
						for _, name := range []string{"p256dh", "auth"} {
							s := c.Subscription.JSON.Keys[name]
							Expect(s).NotTo(BeEmpty(), "toJSON().keys.%s is empty; the Push API serializes each key as base64url", name)
							Expect(s).To(MatchRegexp(`^[A-Za-z0-9_-]+$`), "keys.%s is not unpadded base64url", name)
						}
					}, specTimeout, realOK)

				conformance.It("endpoint is an absolute URL on the push service", tg, rules.SubscriptionEndpointAbsolute,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						Expect(c.Subscription.Endpoint).To(MatchRegexp(`^https?://[^/]+/.+`), "the endpoint %q is not an absolute URL with a path; the Push API requires the push resource's absolute URL", c.Subscription.Endpoint)
						// The harness posts to SendEndpoint: the browser's endpoint, or (Chromium)
						// its path on the push service. Either way it must reach pushspec's service.
						Expect(c.Subscription.SendEndpoint).To(HavePrefix(env.Push.URL()+"/"), "the endpoint %q does not reach pushspec's push service at %s; the browser must use the push service it was configured with", c.Subscription.SendEndpoint, env.Push.URL())
					}, specTimeout)
			})

			conformance.It(`delivers "hello" sent with webpush-go as the push event's text`, tg, rules.PushEventFired,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					res := send(ctx, r, c, []byte("hello"), harness.SendOptions{})
					rep := awaitPush(ctx, r, c, "hello", func(rep sitefixture.Report) bool { return rep.Data.TextValue() == "hello" })
					Expect(rep.HasData).To(BeTrue(), "the push event's data is null for a message with payload \"hello\"; the Push API gives the decrypted payload as event.data")
					Expect(rep.Data.Size).To(Equal(5), "the push event's data is %d octets, not the 5 of \"hello\"; the Push API gives the decrypted payload as event.data", rep.Data.Size)
					r.Evidence("message", res.MessageID)
					observeUrgencyThreshold(r, k)
				}, specTimeout, realOK)

			It("shows the push handler's notification and lists it in getNotifications()", Label("target:"+string(k)), realOK,
				func(ctx SpecContext) {
					c := newClient(ctx, nil, k)
					send(ctx, nil, c, []byte("hello"), harness.SendOptions{})
					rep := awaitPush(ctx, nil, c, "hello", func(rep sitefixture.Report) bool { return rep.Data.TextValue() == "hello" })
					Expect(rep.Show.Error).To(BeNil(), "showNotification() in the push handler rejected with %v", rep.Show.Error)
					Expect(rep.Show.OK).To(BeTrue(), "showNotification() neither resolved nor rejected in the push handler: %s", rep.Raw)
					Expect(rep.NotificationTitles()).To(ContainElement("hello"), "service worker's getNotifications()")
					// And from the page, through the same registration.
					raw, err := c.Call(ctx, "getNotifications")
					Expect(err).NotTo(HaveOccurred(), "the page's getNotifications() failed: %v", err)
					var page struct{ Notifications []sitefixture.Notification }
					Expect(json.Unmarshal(raw, &page)).To(Succeed(), "the page's getNotifications() answered %s, not its list of notifications", string(raw))
					var titles []string
					for _, n := range page.Notifications {
						titles = append(titles, n.Title)
					}
					Expect(titles).To(ContainElement("hello"), "the page's getNotifications() listed %q, without the notification titled hello that the push handler showed", titles)
				}, specTimeout)

			conformance.It("fires push with data === null for a message without payload", tg, rules.PushDataNullWithoutPayload,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					send(ctx, r, c, nil, harness.SendOptions{})
					rep := awaitPush(ctx, r, c, "the push without payload", func(sitefixture.Report) bool { return true })
					Expect(rep.HasData).To(BeFalse(), "event.data is not null for a message without payload (%s); the Push API requires null", rep.Raw)
					Expect(rep.Data).To(BeNil(), "event.data is %+v for a message without payload; the Push API requires null", rep.Data)
				}, specTimeout, realOK)

			conformance.It("fires no push event for a message whose tag is corrupted", tg, rules.UndecryptableNoEvent,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					bad := send(ctx, r, c, harness.Payload("corrupt", nil, nil), harness.SendOptions{Codec: &webpush.Options{FlipTag: true}})
					// Sentinel: sent after the bad message on the same subscription, so once its
					// report is in, a report of the bad one would have come first.
					sendSentinel(ctx, r, c, "sentinel")
					var ids []string
					for _, rep := range c.Reports() {
						ids = append(ids, rep.ID)
					}
					Expect(ids).To(Equal([]string{"sentinel"}), "push events seen (message %s was corrupted)", bad.MessageID)
					raw, err := c.Call(ctx, "getNotifications")
					Expect(err).NotTo(HaveOccurred(), "the page's getNotifications() failed: %v", err)
					Expect(string(raw)).NotTo(ContainSubstring("corrupt"), "a notification for the corrupted message")
				}, specTimeout)

			// Push API, Receiving a Push Message: "Though the message was not successfully
			// received and processed, this prevents the push service from attempting to retransmit
			// the message; a badly encrypted message is not recoverable." Any acknowledgement does;
			// autopush's code (101, decryption failed) is recorded, not required.
			conformance.It("acknowledges a message it cannot decrypt, so the push service stops retrying it", tg, rules.UndecryptableAcknowledged,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					bad := send(ctx, r, c, harness.Payload("corrupt", nil, nil), harness.SendOptions{Codec: &webpush.Options{FlipTag: true}})
					wctx, cancel := bounded(ctx)
					defer cancel()
					code, err := c.AwaitAck(wctx, bad.MessageID)
					Expect(err).NotTo(HaveOccurred(), "%s did not acknowledge the corrupted message %s within %v", k, bad.MessageID, waitFor)
					for _, a := range env.Push.Acks() {
						if a.MessageID == bad.MessageID {
							r.Evidence("ack.link", fmt.Sprint(a.Evidence))
						}
					}
					if env.AcksDecryption(k) {
						r.Evidence("ack", fmt.Sprintf("%d (autopush codes: 100 delivered, 101 decryption failed, 102 not delivered)", int(code)))
					} else {
						// An MCS stream ack carries no code (the link records it as 100): the
						// browser's own record must show the message was not decrypted.
						r.Evidence("ack", fmt.Sprintf("%d (MCS stream ack, no code)", int(code)))
						v := browserVerdict(ctx, r, c, "corrupt", bad.MessageID)
						requireVerdict(v)
						Expect(v.Delivered).To(BeFalse(), "DevTools records the corrupted message as delivered (%v)", v.DevTools.Metadata)
					}
					// The ack must have taken the message out of the push service's store, which is
					// what stops the retries.
					for _, m := range env.Push.Stored() {
						Expect(m.ID).NotTo(Equal(bad.MessageID), "the acknowledged message is still stored for redelivery (%d attempts)", m.Attempts)
					}
				}, specTimeout)

			conformance.It("fires pushsubscriptionchange with the old subscription and a null new one when the service loses it", tg, rules.PushSubscriptionChangeOnLoss,
				func(ctx SpecContext, r *conformance.Recorder) {
					c := newClient(ctx, r, k)
					wctx, cancel := bounded(ctx)
					defer cancel()
					// The push service forgets the browser (Firefox: a new uaid on reconnect). Every
					// subscription of this browser goes, which is why each spec has its own client.
					err := env.LoseSubscriptions(wctx, k)
					if errors.Is(err, harness.ErrUnsupported) {
						conformance.SkipBecause(fmt.Sprintf("unsupported: pushspec cannot make %s's push service forget it", k))
					}
					if err != nil {
						conformance.HarnessError(err)
					}
					rep, err := c.Origin.AwaitReport(wctx, func(rep sitefixture.Report) bool {
						return rep.Kind == sitefixture.KindPushSubscriptionChange
					})
					Expect(err).NotTo(HaveOccurred(), "no pushsubscriptionchange report within %v", waitFor)
					// rep carries oldSubscription with its keys: the auth secret is masked.
					ev(r, c, "report", string(rep.Raw))
					Expect(rep.OldSubscription).NotTo(BeNil(), "pushsubscriptionchange came with a null oldSubscription; the Push API passes the lost subscription as oldSubscription")
					Expect(rep.OldSubscription.Endpoint).To(Equal(c.Subscription.Endpoint), "oldSubscription.endpoint is %q, not the lost subscription's %q; the Push API passes the old subscription to pushsubscriptionchange", rep.OldSubscription.Endpoint, c.Subscription.Endpoint)
					Expect(rep.NewSubscription).To(BeNil(), "pushsubscriptionchange came with a newSubscription for a lost subscription; the Push API passes null when there is no new one")
				}, specTimeout)

			It("[interop] decrypts the legacy aesgcm encoding", Label("interop", "target:"+string(k)),
				func(ctx SpecContext) {
					c := newClient(ctx, nil, k)
					payload := harness.Payload("legacy", nil, nil)
					res := send(ctx, nil, c, payload, harness.SendOptions{Encoding: "aesgcm"})
					Expect(res.Request.Header.Get("Content-Encoding")).To(Equal("aesgcm"), "pushspec sent Content-Encoding %q, not the aesgcm it meant to test (a harness fault)", res.Request.Header.Get("Content-Encoding"))
					rep := awaitPush(ctx, nil, c, "the aesgcm message", func(rep sitefixture.Report) bool { return rep.ID == "legacy" })
					Expect(rep.Data.TextValue()).To(Equal(string(payload)), "%s's service worker got %q, not the %q sent with aesgcm", k, rep.Data.TextValue(), string(payload))
				}, specTimeout)
		})
	}
})

// send posts payload and requires the push service to accept it: a step the spec depends on,
// so a refusal is the harness's problem (graded error), not the browser's.
func send(ctx SpecContext, r *conformance.Recorder, c *harness.Client, payload []byte, o harness.SendOptions) *harness.SendResult {
	res, err := c.Send(ctx, payload, o)
	if err != nil {
		conformance.HarnessError(err)
	}
	if r != nil {
		r.Evidence("send."+res.MessageID, fmt.Sprintf("%s → %d (%s)", res.Sender, res.Status, strings.TrimSpace(string(res.Body))))
	}
	if res.Status/100 != 2 {
		conformance.HarnessError(fmt.Errorf("the push service refused the message: %d %s", res.Status, res.Body))
	}
	return res
}

// awaitPush waits (bounded) for a push report matching match; no report is the browser's
// failure.
// sendSentinel sends a push that reports only once the handlers of every earlier push event have
// reported (sw.js afterPending), and waits for its report: whatever an earlier message caused is
// in by then, also from a browser that runs push handlers side by side, as Firefox does, where a
// plain sentinel can report first (the afterPending sentinel spec proves both).
func sendSentinel(ctx SpecContext, r *conformance.Recorder, c *harness.Client, id string) {
	send(ctx, r, c, harness.Payload(id, map[string]any{"afterPending": true}, nil), harness.SendOptions{})
	awaitPush(ctx, r, c, "the sentinel "+id, func(rep sitefixture.Report) bool { return rep.ID == id })
}

func awaitPush(ctx SpecContext, r *conformance.Recorder, c *harness.Client, what string, match func(sitefixture.Report) bool) harness.Report {
	wctx, cancel := bounded(ctx)
	defer cancel()
	rep, err := c.AwaitPush(wctx, match)
	if r != nil && err == nil {
		r.Evidence("report", string(rep.Raw))
		r.Evidence("latency", rep.Latency.String())
	}
	Expect(err).NotTo(HaveOccurred(), "no service-worker report of %s within %v (%s)", what, waitFor, c.Kind)
	return rep
}
