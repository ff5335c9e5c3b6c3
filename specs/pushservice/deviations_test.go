package pushservice

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/internal/modroot"
	"github.com/pushspec/pushspec/internal/suitetest"
	"github.com/pushspec/pushspec/rules"
)

// TestSuiteCatchesDeviations proves that the suite can fail: it runs it (this test binary again,
// in a child process, -test.run=TestPushServiceSuite) against targets with known deviations
// from RFC 8030/8292 and requires that exactly those rules come out broken — and that the rules
// such a target does follow still pass. Targets: the fake in vendor profiles (autopush, fcm),
// and the real web-push-testing 1.2.2 through its control API.
func TestSuiteCatchesDeviations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite three more times")
	}
	if os.Getenv("PUSHSPEC_PUSH_SERVICE") != "" || os.Getenv("PUSHSPEC_PROFILE") != "" {
		t.Skip("the configuration names a target already; this test chooses its own")
	}
	cases := []struct {
		name   string
		env    []string
		broken map[string]rules.Outcome // rule → the outcome it must get (in at least one spec)
		pass   []string                 // rules every spec of which must pass
		skip   []string                 // rules the target cannot be checked for
	}{
		{
			name: "fake in profile autopush",
			env:  []string{"PUSHSPEC_PROFILE=autopush"},
			broken: map[string]rules.Outcome{
				rules.UrgencyMultiple400.ID:     rules.Fail, // autopush ignores Urgency
				rules.ReceiptsSupported.ID:      rules.Fail, // no receipts
				rules.ExpiredSubscription404.ID: rules.Fail, // 410 errno 106
				rules.Status403Invalid.ID:       rules.Info, // 401 errno 109 for everything
				rules.SameKeys400.ID:            rules.NonStrict,
				rules.RateLimit.ID:              rules.Info, // 503 errno 201 "Please slow message send rate", not 429
				// The profile records autopush's 401 errno 109 without WWW-Authenticate.
				rules.Unauthorized401Challenge.ID: rules.Fail,
			},
			pass: []string{rules.Accepted201Location.ID, rules.TTLMissing400.ID, rules.TopicInvalid400.ID,
				rules.TopicReplaces.ID, rules.RejectBadSignature.ID, rules.RejectWrongAud.ID,
				rules.UnknownPushResource.ID}, // 404 errno 102 "Invalid token"
		},
		{
			name: "fake in profile fcm",
			env:  []string{"PUSHSPEC_PROFILE=fcm"},
			broken: map[string]rules.Outcome{
				rules.TopicInvalid400.ID:    rules.Fail, // FCM treats Topic as opaque
				rules.UrgencyMultiple400.ID: rules.Fail,
				rules.Status401Absent.ID:    rules.Info, // 400 UnauthorizedRegistration
			},
			pass: []string{rules.TTLMissing400.ID, rules.RejectAbsent.ID, rules.RejectExpOver24h.ID,
				rules.RateLimit.ID, rules.RetryAfterOn429.ID}, // 429 + Retry-After: 10
		},
	}

	// Doubles of the in-process fake (doubleEnv): broken ones the suite must catch, and
	// conformant but unusual ones it must not fail.
	cases = append(cases, []struct {
		name   string
		env    []string
		broken map[string]rules.Outcome
		pass   []string
		skip   []string
	}{
		{
			name:   "fake without a 410 receipt when it gives up on a message",
			env:    []string{doubleEnv + "=no-give-up-receipt"},
			broken: map[string]rules.Outcome{rules.Receipt410OnGiveUp.ID: rules.Fail},
			pass:   []string{rules.Receipt204OnAck.ID},
		},
		{
			// RFC 8030 §6.3 owes the 410 only for a give-up before the advertised expiry.
			name: "fake without a receipt for a message that reached its TTL",
			env:  []string{doubleEnv + "=no-expiry-receipt"},
			pass: []string{rules.Receipt410OnGiveUp.ID, rules.Receipt204OnAck.ID},
		},
		{
			name: "fake that delivers messages after their TTL",
			env:  []string{doubleEnv + "=keep-expired"},
			broken: map[string]rules.Outcome{rules.ExpiredAsNeverSent.ID: rules.Fail,
				rules.NoDeliveryAfterTTL.ID: rules.Fail},
			pass: []string{rules.WaitZeroNothing204.ID},
		},
		{
			// 200 to both wait=0 requests: §7.2's "as though no push message was ever sent" holds.
			name:   "fake answering 200 to Prefer: wait=0 with nothing to push",
			env:    []string{doubleEnv + "=wait-0-200"},
			broken: map[string]rules.Outcome{rules.WaitZeroNothing204.ID: rules.NonStrict},
			pass:   []string{rules.ExpiredAsNeverSent.ID, rules.WaitZeroPushesAll.ID},
		},
		{
			// RFC 8030 §5.1: a service MAY refuse receipt requests that omit a receipt
			// subscription with 429; receipt support then cannot be checked, which is no failure.
			name: "fake answering 429 to receipt requests without a receipt subscription",
			env:  []string{doubleEnv + "=receipt-needs-link"},
			pass: []string{rules.MissingReceiptSubscription429.ID},
		},
		{
			// The right status for the wrong fault: the answer must name the fault where the
			// profile gives a reason (autopush: errno 111 "Missing TTL value").
			name:   "fake in profile autopush refusing a push without TTL as if it lacked Content-Encoding",
			env:    []string{"PUSHSPEC_PROFILE=autopush", doubleEnv + "=ttl-missing-wrong-reason"},
			broken: map[string]rules.Outcome{rules.TTLMissing400.ID: rules.Fail},
		},
		{
			// Conformant but unusual: 120-bit tokens, TTL capped at four weeks and echoed, 404 for
			// a push resource it never issued. No fail and no non-strict (the case has no broken
			// rules, so the loop below refuses any). 120 bits meet §8.3's advice.
			name: "fake with 120-bit tokens and TTLs capped at four weeks",
			env:  []string{doubleEnv + "=tokens-120-ttl-4w"},
			pass: []string{rules.PushURIUncorrelatable.ID, rules.TTLMissing400.ID, rules.Accepted201Location.ID},
		},
		{
			// RFC 8030 §8.4 sets no rate: a limit above the flood is not a broken SHOULD.
			name: "fake with a rate limit above the suite's flood",
			env:  []string{doubleEnv + "=rate-limit-above-flood"},
			skip: []string{rules.RetryAfterOn429.ID},
		},
		{
			name:   "fake answering 410 on the receipt subscription when the user agent acknowledges",
			env:    []string{doubleEnv + "=ack-receipt-410"},
			broken: map[string]rules.Outcome{rules.Receipt204OnAck.ID: rules.Fail},
			pass:   []string{rules.Receipt410OnGiveUp.ID, rules.RedeliverUnacked.ID},
		},
		{
			name:   "fake that never delivers a message again once taken without an acknowledgement",
			env:    []string{doubleEnv + "=no-redelivery"},
			broken: map[string]rules.Outcome{rules.RedeliverUnacked.ID: rules.NonStrict},
			pass:   []string{rules.Receipt204OnAck.ID, rules.UndeliveredPushedOnReconnect.ID},
		},
		{
			// Storing for a user agent that is away is what the rule asks; every check that
			// sends before the user agent (or an RFC 8030 monitor) is there fails with it. A
			// message taken once is stored, and comes again.
			name:   "fake that drops every message for a user agent that is not connected",
			env:    []string{doubleEnv + "=drop-when-offline"},
			broken: map[string]rules.Outcome{rules.UndeliveredPushedOnReconnect.ID: rules.Fail},
			pass:   []string{rules.RedeliverUnacked.ID},
		},
		{
			// Without the Link a push on a subscription's own monitor is still its own; through
			// a set the user agent cannot tell whose message it is.
			name: "fake pushing messages without Link rel=\"urn:ietf:params:push\"",
			env:  []string{doubleEnv + "=no-push-link"},
			broken: map[string]rules.Outcome{rules.PushLinkOnDelivery.ID: rules.NonStrict,
				rules.SetDeliveryLink.ID: rules.Fail},
			pass: []string{rules.WaitZeroPushesAll.ID, rules.StoredLastModified.ID},
		},
		{
			name:   "fake pushing stored messages without Last-Modified",
			env:    []string{doubleEnv + "=no-last-modified"},
			broken: map[string]rules.Outcome{rules.StoredLastModified.ID: rules.NonStrict},
			pass:   []string{rules.PushLinkOnDelivery.ID, rules.SetDeliveryLink.ID, rules.WaitZeroPushesAll.ID},
		},
		{
			name:   "fake making one server push per Prefer: wait=0 request",
			env:    []string{doubleEnv + "=wait-0-one-push"},
			broken: map[string]rules.Outcome{rules.WaitZeroPushesAll.ID: rules.Fail},
			pass:   []string{rules.PushLinkOnDelivery.ID, rules.StoredLastModified.ID, rules.OutstandingRequests404.ID},
		},
		{
			name: "fake ending an open monitoring request of an expired subscription with 410",
			env:  []string{doubleEnv + "=expired-monitor-410"},
			broken: map[string]rules.Outcome{rules.OutstandingRequests404.ID: rules.Fail,
				rules.SetExpiryCascades.ID: rules.Fail},
			pass: []string{rules.MemberLeavesSet.ID},
		},
		{
			name:   "fake expiring a subscription set without its subscriptions",
			env:    []string{doubleEnv + "=set-expiry-keeps-members"},
			broken: map[string]rules.Outcome{rules.SetExpiryCascades.ID: rules.Fail},
			pass:   []string{rules.OutstandingRequests404.ID, rules.MemberLeavesSet.ID},
		},
		{
			name:   "fake expiring a whole subscription set with one of its subscriptions",
			env:    []string{doubleEnv + "=member-expiry-ends-set"},
			broken: map[string]rules.Outcome{rules.MemberLeavesSet.ID: rules.Fail},
			pass:   []string{rules.OutstandingRequests404.ID, rules.SetExpiryCascades.ID},
		},
		{
			// The 4096-octet twin of the 413 check is refused too: that MAY cannot be judged.
			name:   "fake refusing bodies above 3072 octets with 413",
			env:    []string{doubleEnv + "=413-above-3k"},
			broken: map[string]rules.Outcome{rules.No413UpTo4096.ID: rules.Fail},
			skip:   []string{rules.Over4096May413.ID},
		},
		{
			// Conformant: it takes larger bodies, and keeps messages for their whole TTL; both
			// MAYs of §7.2 come out info. Only info is broken, so any fail or non-strict fails
			// this case.
			name: "fake accepting bodies up to 8192 octets",
			env:  []string{doubleEnv + "=max-payload-8k"},
			broken: map[string]rules.Outcome{rules.Over4096May413.ID: rules.Info,
				rules.EarlyExpiry.ID: rules.Info},
			pass: []string{rules.No413UpTo4096.ID},
		},
		{
			// Conformant: a message kept 30 s of its 60 s TTL, the cap said in the TTL header.
			name: "fake with TTLs capped at 30 s",
			env:  []string{doubleEnv + "=ttl-cap-30s"},
			pass: []string{rules.EarlyExpiry.ID, rules.Over4096May413.ID},
		},
		{
			name:   "fake answering 429 without Retry-After",
			env:    []string{doubleEnv + "=429-without-retry-after"},
			broken: map[string]rules.Outcome{rules.RetryAfterOn429.ID: rules.NonStrict},
			pass:   []string{rules.RateLimit.ID},
		},
		{
			// The same fact in every token links no subscription to another: the URIs do not
			// correlate, but they expose the device.
			name:   "fake putting the client's address in every push resource token",
			env:    []string{doubleEnv + "=client-address-in-token"},
			broken: map[string]rules.Outcome{rules.NoUserDeviceInfo.ID: rules.Fail},
			pass:   []string{rules.PushURIUncorrelatable.ID, rules.MessageURIUncorrelatable.ID, rules.PushURIEntropy.ID},
		},
		{
			name:   "fake numbering push messages with one counter",
			env:    []string{doubleEnv + "=message-id-counter"},
			broken: map[string]rules.Outcome{rules.MessageURIUncorrelatable.ID: rules.Fail},
			pass:   []string{rules.PushURIUncorrelatable.ID, rules.NoUserDeviceInfo.ID, rules.PushURIEntropy.ID},
		},
		{
			// A hash of the user agent's id is no device information, but it links the push
			// URIs of one user agent.
			name:   "fake starting push resource tokens with a hash of the user agent",
			env:    []string{doubleEnv + "=ua-hash-in-token"},
			broken: map[string]rules.Outcome{rules.PushURIUncorrelatable.ID: rules.Fail},
			pass:   []string{rules.NoUserDeviceInfo.ID, rules.MessageURIUncorrelatable.ID, rules.PushURIEntropy.ID},
		},
		{
			// Below §8.3's 120 bits, and still uncorrelated: info only, and nothing fails.
			name:   "fake with 104-bit push resource tokens",
			env:    []string{doubleEnv + "=tokens-104"},
			broken: map[string]rules.Outcome{rules.PushURIEntropy.ID: rules.Info},
			pass:   []string{rules.PushURIUncorrelatable.ID, rules.NoUserDeviceInfo.ID},
		},
		{
			// RFC 8292 §4.2's rejections, one double each: a service that takes one kind of
			// invalid credentials fails that rule, and only that kind: it still refuses the others.
			name:   "fake accepting a push without vapid authentication",
			env:    []string{doubleEnv + "=accepts-no-vapid"},
			broken: map[string]rules.Outcome{rules.RejectAbsent.ID: rules.Fail, rules.Status401Absent.ID: rules.Info},
			pass: []string{rules.RejectBadSignature.ID, rules.RejectExpired.ID, rules.RejectKeyMismatch.ID,
				rules.RejectMissingTOrK.ID, rules.ServiceMay403.ID},
			// No 401 to check. (rfc8292-4.1-ignore-unknown-members fails too: its spec shows that
			// the vapid member restricted the subscription by the refusal of a push without VAPID.)
			skip: []string{rules.Unauthorized401Challenge.ID},
		},
		{
			name:   "fake accepting a vapid token without t or k",
			env:    []string{doubleEnv + "=accepts-missing-t-or-k"},
			broken: map[string]rules.Outcome{rules.RejectMissingTOrK.ID: rules.Fail},
			pass: []string{rules.RejectAbsent.ID, rules.Status401Absent.ID, rules.RejectBadSignature.ID,
				rules.RejectExpired.ID, rules.RejectKeyMismatch.ID, rules.InvalidTokenNotUsed.ID},
		},
		{
			// The forged signature is taken on a restricted subscription (a failed MUST, and the
			// message is used: rfc8292-2-invalid-token-not-used) and on an unrestricted one
			// (allowed: RFC 8292 §2's 403 is a MAY, graded info).
			name: "fake accepting a vapid token whose signature does not verify",
			env:  []string{doubleEnv + "=accepts-bad-signature"},
			broken: map[string]rules.Outcome{rules.RejectBadSignature.ID: rules.Fail, rules.InvalidTokenNotUsed.ID: rules.Fail,
				rules.Status403Invalid.ID: rules.Info, rules.ServiceMay403.ID: rules.Info},
			pass: []string{rules.RejectAbsent.ID, rules.Status401Absent.ID, rules.RejectExpired.ID,
				rules.RejectKeyMismatch.ID, rules.RejectMissingTOrK.ID, rules.RejectWrongAud.ID},
		},
		{
			name:   "fake accepting a vapid token whose exp has passed",
			env:    []string{doubleEnv + "=accepts-expired-token"},
			broken: map[string]rules.Outcome{rules.RejectExpired.ID: rules.Fail, rules.InvalidTokenNotUsed.ID: rules.Fail},
			pass: []string{rules.RejectAbsent.ID, rules.RejectBadSignature.ID, rules.RejectKeyMismatch.ID,
				rules.RejectMissingTOrK.ID, rules.RejectExpOver24h.ID},
		},
		{
			name:   "fake accepting a vapid token signed by another key than the subscription's",
			env:    []string{doubleEnv + "=accepts-other-key-token"},
			broken: map[string]rules.Outcome{rules.RejectKeyMismatch.ID: rules.Fail, rules.InvalidTokenNotUsed.ID: rules.Fail},
			pass: []string{rules.RejectAbsent.ID, rules.RejectBadSignature.ID, rules.RejectExpired.ID,
				rules.RejectMissingTOrK.ID},
		},
		{
			name:   "fake accepting a push naming an unknown receipt subscription",
			env:    []string{doubleEnv + "=accepts-invalid-receipt-subscription"},
			broken: map[string]rules.Outcome{rules.InvalidReceiptSubscription400.ID: rules.Fail},
			pass:   []string{rules.ReceiptsSupported.ID, rules.Receipt202LocationLink.ID},
		},
		{
			// Only the token that repeats a verified one's header and claims gets through.
			name:   "fake caching vapid tokens by their header and claims",
			env:    []string{doubleEnv + "=caches-tokens-by-claims"},
			broken: map[string]rules.Outcome{rules.InvalidTokenNotUsed.ID: rules.Fail},
			pass:   []string{rules.RejectAbsent.ID, rules.RejectExpired.ID, rules.RejectKeyMismatch.ID},
		},
		{
			name:   "fake refusing a vapid Authorization with unknown parameters",
			env:    []string{doubleEnv + "=refuses-unknown-auth-params"},
			broken: map[string]rules.Outcome{rules.IgnoreUnknownParams.ID: rules.Fail},
			pass: []string{rules.RejectAbsent.ID, rules.Status401Absent.ID, rules.RejectBadSignature.ID,
				rules.SameKeys400.ID},
		},
		{
			// RFC 8030 §5.4's replacement, one double per rule. Keeping the replaced message also
			// delivers it after the replacing one's TTL, and sends its receipt.
			name:   "fake keeping the message a Topic replaces",
			env:    []string{doubleEnv + "=topic-keeps-replaced"},
			broken: map[string]rules.Outcome{rules.TopicReplaces.ID: rules.Fail},
			pass:   []string{rules.DistinctTopicsKept.ID, rules.TopicNewLocation.ID},
		},
		{
			name:   "fake replacing messages of any Topic",
			env:    []string{doubleEnv + "=topic-replaces-any"},
			broken: map[string]rules.Outcome{rules.DistinctTopicsKept.ID: rules.Fail},
			pass: []string{rules.TopicReplaces.ID, rules.TopicNewLocation.ID, rules.TopicReplacesTTLUrgencyReceipt.ID,
				rules.ReplacedReceiptSuppressed.ID},
		},
		{
			name:   "fake giving a replacing message the replaced one's expiry",
			env:    []string{doubleEnv + "=topic-keeps-expiry"},
			broken: map[string]rules.Outcome{rules.TopicReplacesTTLUrgencyReceipt.ID: rules.Fail},
			pass: []string{rules.TopicReplaces.ID, rules.DistinctTopicsKept.ID, rules.TopicNewLocation.ID,
				rules.ReplacedReceiptSuppressed.ID},
		},
		{
			// The receipt asked for the replaced message's resource then names the replacing one's.
			name:   "fake giving a replacing message the replaced one's Location",
			env:    []string{doubleEnv + "=topic-keeps-location"},
			broken: map[string]rules.Outcome{rules.TopicNewLocation.ID: rules.Fail},
			pass:   []string{rules.TopicReplaces.ID, rules.DistinctTopicsKept.ID, rules.TopicReplacesTTLUrgencyReceipt.ID},
		},
		{
			name:   "fake sending a 410 receipt for a replaced message",
			env:    []string{doubleEnv + "=replaced-receipt-410"},
			broken: map[string]rules.Outcome{rules.ReplacedReceiptSuppressed.ID: rules.NonStrict},
			pass:   []string{rules.TopicReplaces.ID, rules.Receipt202LocationLink.ID},
		},
		{
			name:   "fake keeping a TTL-0 message for an offline user agent",
			env:    []string{doubleEnv + "=keep-ttl-0"},
			broken: map[string]rules.Outcome{rules.TTLZeroOfflineDropped.ID: rules.Fail},
			pass:   []string{rules.TTLZeroConnected.ID, rules.NoDeliveryAfterTTL.ID},
		},
		{
			name:   "fake dropping a TTL-0 message for a connected user agent",
			env:    []string{doubleEnv + "=drop-ttl-0"},
			broken: map[string]rules.Outcome{rules.TTLZeroConnected.ID: rules.Fail},
			pass:   []string{rules.TTLZeroOfflineDropped.ID, rules.NoDeliveryAfterTTL.ID},
		},
		{
			// Keeping a TTL-2 message two minutes also delivers it after its TTL.
			name:   "fake keeping every message at least two minutes and echoing that TTL",
			env:    []string{doubleEnv + "=min-ttl-120"},
			broken: map[string]rules.Outcome{rules.TTLResponseNotAboveRequest.ID: rules.Fail},
			pass:   []string{rules.TTL31Bit.ID, rules.TTLOverflowAs2Pow31.ID},
		},
		{
			name:   "fake refusing a TTL too large to represent",
			env:    []string{doubleEnv + "=refuses-ttl-overflow"},
			broken: map[string]rules.Outcome{rules.TTLOverflowAs2Pow31.ID: rules.Fail},
			pass:   []string{rules.TTL31Bit.ID, rules.TTLResponseNotAboveRequest.ID, rules.TTLMissing400.ID},
		},
		{
			// A TTL above 16 bits refused: the overflow and the echo checks fail with it.
			name:   "fake parsing TTL with 16 bits",
			env:    []string{doubleEnv + "=ttl-16-bit"},
			broken: map[string]rules.Outcome{rules.TTL31Bit.ID: rules.NonStrict},
			pass:   []string{rules.TTLMissing400.ID, rules.TTLZeroConnected.ID},
		},
		{
			name:   "fake taking a message without Urgency as high",
			env:    []string{doubleEnv + "=no-urgency-as-high"},
			broken: map[string]rules.Outcome{rules.UrgencyDefaultNormal.ID: rules.Fail},
			pass:   []string{rules.RespectUAThreshold.ID, rules.UrgencyNotForwarded.ID},
		},
		{
			// Ignoring the threshold also delivers the message without Urgency to a user agent
			// that asked for high.
			name:   "fake ignoring the user agent's urgency threshold",
			env:    []string{doubleEnv + "=ignores-urgency-threshold"},
			broken: map[string]rules.Outcome{rules.RespectUAThreshold.ID: rules.Fail},
			pass:   []string{rules.UrgencyNotForwarded.ID},
		},
		{
			name:   "fake forwarding the vapid key to the user agent in Crypto-Key",
			env:    []string{doubleEnv + "=forwards-vapid-key"},
			broken: map[string]rules.Outcome{rules.NoJWTToUA.ID: rules.Fail},
			pass:   []string{rules.UrgencyNotForwarded.ID, rules.TopicNotForwarded.ID},
		},
		{
			name:   "fake answering a receipt request without the receipt subscription's Link",
			env:    []string{doubleEnv + "=receipt-no-link"},
			broken: map[string]rules.Outcome{rules.Receipt202LocationLink.ID: rules.Fail},
			pass:   []string{rules.ReceiptsSupported.ID, rules.InvalidReceiptSubscription400.ID},
		},
		{
			name:   "fake making a new receipt subscription for every receipt request",
			env:    []string{doubleEnv + "=receipt-always-new"},
			broken: map[string]rules.Outcome{rules.ServiceReusesReceiptSubscription.ID: rules.NonStrict},
			pass: []string{rules.ReceiptsSupported.ID, rules.Receipt202LocationLink.ID,
				rules.InvalidReceiptSubscription400.ID},
		},
		{
			// The specs that need the subscription resource fail with it.
			name:   "fake answering a subscribe request without Location",
			env:    []string{doubleEnv + "=subscribe-no-location"},
			broken: map[string]rules.Outcome{rules.Subscribe201Location.ID: rules.Fail},
			pass:   []string{rules.SubscribeLinkPush.ID, rules.SubscriptionSetLink.ID},
		},
		{
			name:   "fake answering a subscribe request without the push resource's Link",
			env:    []string{doubleEnv + "=subscribe-no-push-link"},
			broken: map[string]rules.Outcome{rules.SubscribeLinkPush.ID: rules.Fail},
			pass:   []string{rules.Subscribe201Location.ID, rules.SubscriptionSetLink.ID},
		},
		{
			// Sets are a MAY: without one, the set rules cannot be checked.
			name:   "fake giving no subscription set",
			env:    []string{doubleEnv + "=subscribe-no-set"},
			broken: map[string]rules.Outcome{rules.SubscriptionSetLink.ID: rules.Info},
			pass:   []string{rules.Subscribe201Location.ID, rules.SubscribeLinkPush.ID, rules.InvalidSet400.ID},
			skip:   []string{rules.ServiceReusesSet.ID, rules.MissingSet429.ID},
		},
		{
			name:   "fake giving a new subscription set to a request naming one",
			env:    []string{doubleEnv + "=subscribe-new-set"},
			broken: map[string]rules.Outcome{rules.ServiceReusesSet.ID: rules.NonStrict},
			pass:   []string{rules.Subscribe201Location.ID, rules.SubscriptionSetLink.ID, rules.InvalidSet400.ID},
		},
		{
			name:   "fake taking an unknown subscription set as none",
			env:    []string{doubleEnv + "=subscribe-ignores-invalid-set"},
			broken: map[string]rules.Outcome{rules.InvalidSet400.ID: rules.Fail},
			pass:   []string{rules.SubscriptionSetLink.ID, rules.ServiceReusesSet.ID},
		},
		{
			name:   "fake reading a subscribe body of any media type as webpush options",
			env:    []string{doubleEnv + "=subscribe-options-any-type"},
			broken: map[string]rules.Outcome{rules.IgnoreOtherMediaType.ID: rules.Fail},
			pass:   []string{rules.IgnoreUnknownMembers.ID, rules.Subscribe201Location.ID},
		},
		{
			name:   "fake refusing unknown members of the webpush options",
			env:    []string{doubleEnv + "=subscribe-options-strict-members"},
			broken: map[string]rules.Outcome{rules.IgnoreUnknownMembers.ID: rules.Fail},
			pass:   []string{rules.IgnoreOtherMediaType.ID, rules.Subscribe201Location.ID},
		},
		{
			name:   "fake forwarding Urgency to the user agent",
			env:    []string{doubleEnv + "=forwards-urgency"},
			broken: map[string]rules.Outcome{rules.UrgencyNotForwarded.ID: rules.Fail},
			pass:   []string{rules.TopicNotForwarded.ID, rules.NoJWTToUA.ID},
		},
		{
			name:   "fake forwarding Topic to the user agent",
			env:    []string{doubleEnv + "=forwards-topic"},
			broken: map[string]rules.Outcome{rules.TopicNotForwarded.ID: rules.Fail},
			pass:   []string{rules.UrgencyNotForwarded.ID, rules.NoJWTToUA.ID},
		},
		{
			// pushspec's fake as it is (profile rfc): the MAY behaviours it does not take are
			// graded info, never fail.
			name: "fake in profile rfc",
			env:  []string{"PUSHSPEC_PROFILE=rfc"},
			broken: map[string]rules.Outcome{rules.MissingSet429.ID: rules.Info,
				rules.MissingReceiptSubscription429.ID: rules.Info, rules.TTLShorterRetention.ID: rules.Info},
			pass: []string{rules.SubscriptionSetLink.ID, rules.ServiceReusesSet.ID, rules.ServiceReusesReceiptSubscription.ID,
				rules.ServiceMay403.ID, rules.Status401Absent.ID},
		},
		{
			// Conformant: RFC 8030 §4.1 lets a service refuse, with 429, a subscribe request
			// without the set it gave; pushspec's user agent includes its set, so nothing else
			// breaks.
			name: "fake answering 429 to a subscribe request without its set",
			env:  []string{doubleEnv + "=subscribe-needs-set"},
			pass: []string{rules.MissingSet429.ID, rules.ExpiredAsNeverSent.ID},
		},
	}...)

	// pushspec's own fake (profile rfc) reached from outside, as an external autopush service:
	// the suite must find nothing broken, through the WebSocket client and real-time waits.
	if ws, ca, err := startAutopushTarget(t); err != nil {
		t.Fatal(err)
	} else {
		cases = append(cases, struct {
			name   string
			env    []string
			broken map[string]rules.Outcome
			pass   []string
			skip   []string
		}{
			name: "fake in profile rfc behind its autopush link",
			// The autopush target posts with Go's default client: SSL_CERT_FILE makes it trust
			// the fake's CA, as a user would for a local service with its own certificate.
			env: []string{"PUSHSPEC_PUSH_SERVICE=autopush=" + ws, "SSL_CERT_FILE=" + ca},
			pass: []string{rules.Accepted201Location.ID, rules.TopicReplaces.ID, rules.NoDeliveryAfterTTL.ID,
				rules.TopicReplacesTTLUrgencyReceipt.ID, rules.UrgencyNotForwarded.ID, rules.TopicNotForwarded.ID,
				rules.NoJWTToUA.ID, rules.RedeliverUnacked.ID, rules.UndeliveredPushedOnReconnect.ID,
				rules.PushServiceHTTPS.ID, rules.PushURIUncorrelatable.ID, rules.MessageURIUncorrelatable.ID,
				rules.NoUserDeviceInfo.ID, rules.RateLimit.ID, rules.InvalidTokenNotUsed.ID},
			skip: []string{rules.RespectUAThreshold.ID, rules.Receipt204OnAck.ID},
		})
	}

	if srv, err := startWebPushTesting(t); err != nil {
		t.Logf("web-push-testing not checked: %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
	} else {
		cases = append(cases, struct {
			name   string
			env    []string
			broken map[string]rules.Outcome
			pass   []string
			skip   []string
		}{
			name: "web-push-testing 1.2.2 (control API)",
			env:  []string{"PUSHSPEC_PUSH_SERVICE=control=" + srv},
			broken: map[string]rules.Outcome{
				rules.Accepted201Location.ID:    rules.Fail, // 201 without Location
				rules.ExpiredSubscription404.ID: rules.Fail, // 410 when expired
				rules.UnknownPushResource.ID:    rules.Info, // 400 "Client not subscribed" (not §7.3)
				rules.UrgencyMultiple400.ID:     rules.Fail, // Urgency ignored
				rules.TopicInvalid400.ID:        rules.Fail, // Topic ignored
				rules.ReceiptsSupported.ID:      rules.Fail, // receipts ignored
				rules.RejectWrongAud.ID:         rules.Fail, // aud not checked
				rules.RejectExpOver24h.ID:       rules.Fail, // 24 h cap not checked
				rules.PushServiceHTTPS.ID:       rules.Fail, // plain http:// endpoints only
				rules.RateLimit.ID:              rules.Info, // takes every message of a flood
			},
			pass: []string{rules.TTLMissing400.ID, rules.RejectBadSignature.ID, rules.RejectKeyMismatch.ID,
				rules.RejectExpired.ID},
			// No UA link to take offline or watch.
			skip: []string{rules.UndeliveredPushedOnReconnect.ID, rules.TopicReplaces.ID, rules.UrgencyNotForwarded.ID,
				rules.NoJWTToUA.ID, rules.RetryAfterOn429.ID},
		})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each case is its own child process and its own service: cases run side by side
			// (up to -parallel at once), which hides the doubles' bounded waits behind each other.
			t.Parallel()
			got := runSuite(t, c.env)
			for rule, want := range c.broken {
				if !suitetest.Has(got[rule], want) {
					t.Errorf("%s: want %s in some spec, got %v", rule, want, got[rule])
				}
			}
			for _, rule := range c.pass {
				if len(got[rule]) == 0 || !suitetest.All(got[rule], rules.Pass) {
					t.Errorf("%s: want pass, got %v", rule, got[rule])
				}
			}
			for _, rule := range c.skip {
				if len(got[rule]) == 0 || !suitetest.All(got[rule], rules.Skip) {
					t.Errorf("%s: want skip, got %v", rule, got[rule])
				}
			}
			// A case whose broken rules are all info (a MAY not taken) is a conformant target.
			conformant := true
			for _, o := range c.broken {
				if o == rules.Fail || o == rules.NonStrict {
					conformant = false
				}
			}
			for rule, outs := range got {
				if _, isBroken := c.broken[rule]; !isBroken && conformant && (suitetest.Has(outs, rules.Fail) || suitetest.Has(outs, rules.NonStrict)) {
					t.Errorf("%s: a conformant target broke it: %v", rule, outs)
				}
				if suitetest.Has(outs, rules.Error) {
					t.Errorf("%s: the harness broke: %v", rule, outs)
				}
			}
		})
	}
}

// runSuite runs TestPushServiceSuite in a child process with env added and returns every
// result's outcome per rule.
func runSuite(t *testing.T, env []string) map[string][]rules.Outcome {
	t.Helper()
	// A double that stores nothing runs some 40 s: each check that waits for a stored message
	// waits its 5 s out.
	return suitetest.Run(t, "TestPushServiceSuite", env, 90*time.Second).Outcomes
}

// startAutopushTarget starts an in-process fake (profile rfc, https:// endpoints) with its
// autopush link and returns the link's WebSocket URL and the fake's CA file; the child suite
// reaches it as an external autopush service.
func startAutopushTarget(t *testing.T) (ws, caFile string, err error) {
	f, err := target.NewFake(target.FakeOptions{Profile: "rfc", HTTPSEndpoints: true})
	if err != nil {
		return "", "", err
	}
	t.Cleanup(func() { f.Close() })
	l, err := autopush.Attach(f.Server, autopush.Options{Logf: func(string, ...any) {}})
	if err != nil {
		return "", "", err
	}
	return l.URL(), f.CAFile(), nil
}

// loopbackJS makes Node's net.Server listen on 127.0.0.1 when a program gives only a port
// (web-push-testing listens on every interface otherwise).
const loopbackJS = `const net = require('net'); const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  if (typeof a[0] === 'number' && (a.length === 1 || typeof a[1] === 'function')) a.splice(1, 0, '127.0.0.1');
  return listen.apply(this, a);
};`

// startWebPushTesting starts the npm web-push-testing server (the version the Makefile pins)
// on a free loopback port and stops it when the test ends. It returns the base URL.
func startWebPushTesting(t *testing.T) (string, error) {
	root, err := modroot.Dir()
	if err != nil {
		return "", err
	}
	modules := filepath.Join(root, ".cache", "npm", "node_modules")
	if bin := os.Getenv("PUSHSPEC_NPM_BIN"); bin != "" {
		modules = filepath.Dir(bin)
	}
	script := filepath.Join(modules, "web-push-testing", "src", "bin", "server.js")
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("web-push-testing is not installed (make npm-tools): %w", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pre := filepath.Join(t.TempDir(), "loopback.js")
	if err := os.WriteFile(pre, []byte(loopbackJS), 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command(node, "-r", pre, script, fmt.Sprint(port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return "", err
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Server running on port") {
				ready <- nil
				for sc.Scan() { // keep draining so the server never blocks on its pipe
				}
				return
			}
		}
		ready <- fmt.Errorf("web-push-testing exited before it was ready")
	}()
	select {
	case err := <-ready:
		if err != nil {
			return "", err
		}
	case <-time.After(15 * time.Second):
		return "", fmt.Errorf("web-push-testing did not start within 15 s")
	}
	return fmt.Sprintf("http://localhost:%d", port), nil
}
