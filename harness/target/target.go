package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/useragent"
	"github.com/pushspec/pushspec/webpush"
)

// PushService is a push service under test with a user agent attached that pushspec controls.
type PushService interface {
	// Target names the service in results ("fake:rfc", "control=http://…", "autopush=ws://…").
	Target() conformance.Target
	// Subscribe makes a subscription for a fresh user agent. appServerKey is the 65-octet
	// applicationServerKey (nil: unrestricted).
	Subscribe(ctx context.Context, appServerKey []byte) (*Subscription, error)
	// AwaitMessage returns the next message delivered for sub (each call returns the one after
	// the previous call's). It errs only when ctx ends or the UA link broke.
	AwaitMessage(ctx context.Context, sub *Subscription) (*Received, error)
	// Client posts to endpoints (it trusts the service's TLS certificate where there is one).
	Client() *http.Client
	// Close ends every UA connection and stops what the target started.
	Close() error
}

// Subscription is one subscription held by pushspec's user agent.
type Subscription struct {
	ID           string // the service's or link's id (fake subscription ID, clientHash, channelID)
	Endpoint     string
	P256dh       string // base64url, unpadded
	Auth         string // base64url, unpadded — secret: never log
	AppServerKey []byte
	// Keys are the UA's private keys when pushspec holds them (fake, autopush); nil when the
	// service holds them (control API), which then decrypts itself.
	Keys *webpush.UAKeys
}

// fromUA is a subscription of one of pushspec's virtual user agents (useragent package).
func fromUA(us *useragent.Subscription) *Subscription {
	return &Subscription{ID: us.ID, Endpoint: us.Endpoint, P256dh: us.P256dh, Auth: us.Auth,
		AppServerKey: us.AppServerKey, Keys: us.Keys}
}

// Sender returns the subscription in the form senders take.
func (s *Subscription) Sender() sender.Subscription {
	return sender.Subscription{Endpoint: s.Endpoint, Keys: sender.Keys{P256dh: s.P256dh, Auth: s.Auth}}
}

// Received is one delivery as pushspec's user agent took it: the shared user agent's record
// (useragent.Received). SubscriptionID, At and Acked are filled where the link says; the
// control API gives only Payload and HasBody.
type Received = useragent.Received

// ErrUnavailable marks a target that cannot be used here (real services without internet): specs
// skip with its message.
var ErrUnavailable = errors.New("push service unavailable")

// Unavailable wraps reason as an ErrUnavailable.
func Unavailable(reason string) error { return fmt.Errorf("%w: %s", ErrUnavailable, reason) }

// StoreAndForward takes a subscription's user agent offline and back (RFC 8030 §6, §7.2).
type StoreAndForward interface {
	Offline(ctx context.Context, sub *Subscription) error
	Online(ctx context.Context, sub *Subscription) error
}

// Expirer makes the service expire a subscription (RFC 8030 §7.3).
type Expirer interface {
	Expire(ctx context.Context, sub *Subscription) error
}

// Unsubscriber drops a subscription from the user agent's side.
type Unsubscriber interface {
	Unsubscribe(ctx context.Context, sub *Subscription) error
}

// Acker switches acknowledgements off (true) or on for later deliveries to sub's user agent.
type Acker interface {
	SetNoAck(sub *Subscription, noAck bool)
}

// Clock moves the service's clock forward (in-process targets only), so TTL expiry needs no wait.
type Clock interface {
	Advance(d time.Duration)
}

// UrgencyThreshold makes sub's user agent monitor with a lowest urgency ("" for all), as an
// RFC 8030 UA may; it reconnects to apply it.
type UrgencyThreshold interface {
	SetMinUrgency(ctx context.Context, sub *Subscription, urgency string) error
}

// ReceiptReader waits for the receipt of the message at messageURL on the receipt subscription
// receiptURL (RFC 8030 §5.1, §6.2) and returns its status (204 acknowledged, 410 given up).
type ReceiptReader interface {
	AwaitReceipt(ctx context.Context, receiptURL, messageURL string) (int, error)
}

// Verdicts gives the graded request the service recorded for a subscription (in-process fake).
type Verdicts interface {
	// AwaitRequest returns the n-th (from 1) push request recorded for the subscription.
	AwaitRequest(ctx context.Context, sub *Subscription, n int) (*fakepushservice.Request, error)
}

// Describe returns the target a configuration names, without starting or dialling anything: specs
// need it while the ginkgo tree is built.
func Describe(cfg config.Config) conformance.Target {
	kind, arg := cfg.PushServiceTarget()
	switch kind {
	case "control":
		return conformance.Target{ID: "control=" + arg, Kind: conformance.KindPushService, Name: "control API at " + arg}
	case "autopush":
		return conformance.Target{ID: "autopush=" + arg, Kind: conformance.KindPushService, Name: "autopush service at " + arg}
	case "real":
		return conformance.Target{ID: "real:autopush", Kind: conformance.KindPushService, Name: "Mozilla autopush (" + RealAutopushURL + ")"}
	}
	p := cfg.Profile
	if p == "" {
		p = "rfc"
	}
	return FakeTarget(p)
}

// FakeTarget is the target of the in-process fake in a profile.
func FakeTarget(profile string) conformance.Target {
	return conformance.Target{ID: "fake:" + profile, Kind: conformance.KindPushService,
		Name: "pushspec fakepushservice", Version: fakeVersion(profile)}
}

// FromConfig starts (fake) or connects to (control, autopush, real) the push service that cfg
// names. For real it first checks that the service can be reached and returns an
// ErrUnavailable otherwise.
func FromConfig(ctx context.Context, cfg config.Config) (PushService, error) {
	kind, arg := cfg.PushServiceTarget()
	switch kind {
	case "", "fake":
		// https:// endpoints, as every real push service hands out (RFC 8030 §3,
		// rfc8030-3-https); the target's Client trusts the service's CA.
		return NewFake(FakeOptions{Profile: cfg.Profile, HTTPSEndpoints: true})
	case "control":
		return NewControl(arg, nil), nil
	case "autopush":
		return NewAutopush(arg, Describe(cfg)), nil
	case "real":
		return NewReal(ctx, nil)
	}
	return nil, fmt.Errorf("target: unknown push service %q", cfg.PushService)
}

func b64(b []byte) string { return webpush.Base64URL(b) }

// ShowsLink reports whether the target shows what its UA link carries (Received.LinkVisible):
// false for the control API, whose service decrypts and keeps only the plaintext.
func ShowsLink(p PushService) bool {
	_, control := p.(*Control)
	return !control
}
