package target

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/conformance"
)

// FakeOptions configure the in-process target.
type FakeOptions struct {
	Profile string // "" means rfc
	// HTTPSEndpoints hands out https:// endpoints (the npm web-push sender speaks only HTTPS);
	// Client then trusts the service's CA.
	HTTPSEndpoints bool
	// ClockSkew sets the service's own clock this far from the real one (negative: behind): it
	// decides on VAPID exp by that clock, while senders are graded against the real time of the
	// request (fakepushservice.Server.ClockSkew).
	ClockSkew time.Duration
	// AcceptedStatus answers accepted messages with this status instead of the profile's (202
	// checks that senders take any 2xx as success). 0: the profile's.
	AcceptedStatus int
	// Logf logs the service's lines; nil drops them (specs keep evidence instead).
	Logf func(format string, args ...any)
	// Configure, if set, adjusts the service before it starts (pushspec's own tests: a rate
	// limit above the suite's flood, a broken double).
	Configure func(*fakepushservice.Server)
}

// Fake is the in-process fakepushservice.Server with one VirtualUA per subscription, so that
// taking one subscription offline never touches another spec's. It has every capability.
type Fake struct {
	Server *fakepushservice.Server
	opts   FakeOptions
	target conformance.Target

	client *http.Client // made once: one transport, so connections (and TLS sessions) are reused

	mu     sync.Mutex
	offset time.Duration // added to time.Now by the service's clock
	uas    map[string]*fakepushservice.VirtualUA
}

// NewFake starts an in-process push service on loopback.
func NewFake(o FakeOptions) (*Fake, error) {
	if o.Profile == "" {
		o.Profile = "rfc"
	}
	if _, ok := fakepushservice.LookupProfile(o.Profile); !ok {
		return nil, fmt.Errorf("target: unknown profile %q (%s)", o.Profile, strings.Join(fakepushservice.Profiles(), ", "))
	}
	f := &Fake{opts: o, target: FakeTarget(o.Profile), uas: map[string]*fakepushservice.VirtualUA{}}
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s := &fakepushservice.Server{Profile: o.Profile, HTTPSEndpoints: o.HTTPSEndpoints, Logf: logf, Clock: f.now, ClockSkew: o.ClockSkew, AcceptedStatus: o.AcceptedStatus}
	if o.Configure != nil {
		o.Configure(s)
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	f.Server = s
	f.client = &http.Client{Timeout: 30 * time.Second}
	if o.HTTPSEndpoints {
		f.client = s.Client()
	}
	return f, nil
}

func (f *Fake) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.offset)
}

// Target is "fake:<profile>".
func (f *Fake) Target() conformance.Target { return f.target }

// Client trusts the service's CA (for https:// endpoints) and speaks plain HTTP too.
func (f *Fake) Client() *http.Client { return f.client }

// CAFile is the PEM file of the service's CA (for senders that need it: npm web-push, cmd).
func (f *Fake) CAFile() string { return f.Server.CAFile() }

// Subscribe makes a subscription on a fresh, connected VirtualUA.
func (f *Fake) Subscribe(ctx context.Context, appServerKey []byte) (*Subscription, error) {
	ua := f.Server.NewVirtualUA(fakepushservice.VirtualUAOptions{})
	vs, err := ua.Subscribe(ctx, appServerKey)
	if err != nil {
		ua.Close()
		return nil, err
	}
	f.mu.Lock()
	f.uas[vs.ID] = ua
	f.mu.Unlock()
	return fromUA(vs), nil
}

func (f *Fake) ua(sub *Subscription) (*fakepushservice.VirtualUA, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ua := f.uas[sub.ID]
	if ua == nil {
		return nil, fmt.Errorf("target: subscription %.12s… is not one of this target's", sub.ID)
	}
	return ua, nil
}

// AwaitMessage waits for the VirtualUA's next delivery for sub and shows what the link carried.
func (f *Fake) AwaitMessage(ctx context.Context, sub *Subscription) (*Received, error) {
	ua, err := f.ua(sub)
	if err != nil {
		return nil, err
	}
	r, err := ua.AwaitMessage(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	if r.Acked != 0 {
		// The VirtualUA records a delivery just before it acknowledges it: wait for the ack, so
		// that a reconnect right after cannot have the message sent again.
		if _, err := f.Server.AwaitAck(ctx, r.MessageID); err != nil {
			return nil, err
		}
	}
	out := &r
	out.LinkVisible, out.Forwarded = true, map[string]string{}
	// The Delivery the core handed to the link is everything the UA learns besides the body.
	for _, d := range f.Server.Deliveries() {
		if d.MessageID == r.MessageID && d.Attempt == r.Attempt {
			for k, v := range map[string]string{"message_id": d.MessageID, "subscription": d.SubscriptionID,
				"link_ref": d.LinkRef, "encoding": d.ContentEncoding, "encryption": d.Encryption, "crypto_key": d.CryptoKey} {
				if v != "" {
					out.Forwarded[k] = v
				}
			}
			for k, v := range d.Headers {
				out.Forwarded["header."+k] = v
			}
		}
	}
	return out, nil
}

// Offline disconnects sub's VirtualUA: the service stores what comes meanwhile.
func (f *Fake) Offline(ctx context.Context, sub *Subscription) error {
	ua, err := f.ua(sub)
	if err != nil {
		return err
	}
	ua.Disconnect()
	return nil
}

// Online reconnects sub's VirtualUA and waits until the service sees the connection.
func (f *Fake) Online(ctx context.Context, sub *Subscription) error {
	ua, err := f.ua(sub)
	if err != nil {
		return err
	}
	ua.Reconnect()
	return f.Server.AwaitConnected(ctx, ua.ID())
}

// Expire expires the subscription as the service.
func (f *Fake) Expire(ctx context.Context, sub *Subscription) error {
	return f.Server.ExpireSubscription(sub.ID)
}

// Unsubscribe drops the subscription as its user agent.
func (f *Fake) Unsubscribe(ctx context.Context, sub *Subscription) error {
	ua, err := f.ua(sub)
	if err != nil {
		return err
	}
	return ua.Unsubscribe(sub.ID)
}

// SetNoAck switches sub's VirtualUA's acknowledgements off or on.
func (f *Fake) SetNoAck(sub *Subscription, noAck bool) {
	if ua, err := f.ua(sub); err == nil {
		ua.SetNoAck(noAck)
	}
}

// Advance moves the service's clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.offset += d
	f.mu.Unlock()
	f.Server.Kick()
}

// SetMinUrgency reconnects sub's VirtualUA monitoring with the given lowest urgency.
func (f *Fake) SetMinUrgency(ctx context.Context, sub *Subscription, urgency string) error {
	ua, err := f.ua(sub)
	if err != nil {
		return err
	}
	ua.SetMinUrgency(urgency)
	ua.Reconnect()
	return f.Server.AwaitConnected(ctx, ua.ID())
}

// AwaitReceipt waits on the service's receipt subscription for the message.
func (f *Fake) AwaitReceipt(ctx context.Context, receiptURL, messageURL string) (int, error) {
	ru, err := url.Parse(receiptURL)
	if err != nil {
		return 0, err
	}
	mu, err := url.Parse(messageURL)
	if err != nil {
		return 0, err
	}
	rid, ok := strings.CutPrefix(ru.Path, "/receipts/")
	mid, ok2 := strings.CutPrefix(mu.Path, "/m/")
	if !ok || !ok2 {
		return 0, fmt.Errorf("target: %q / %q are not this service's receipt and message URLs", receiptURL, messageURL)
	}
	rc, err := f.Server.AwaitReceipt(ctx, rid, mid)
	return rc.Status, err
}

// AwaitRequest returns the n-th push request recorded for sub (n from 1).
func (f *Fake) AwaitRequest(ctx context.Context, sub *Subscription, n int) (*fakepushservice.Request, error) {
	// The predicate sees the recorded requests oldest first, again on every change: number each
	// matching request once, by ID, and stop at the n-th.
	index := map[string]int{}
	return f.Server.AwaitRequest(ctx, func(r *fakepushservice.Request) bool {
		if r.SubscriptionID != sub.ID {
			return false
		}
		i, seen := index[r.ID]
		if !seen {
			i = len(index) + 1
			index[r.ID] = i
		}
		return i == n
	})
}

// Close stops the service (and with it every VirtualUA connection).
func (f *Fake) Close() error {
	f.mu.Lock()
	uas := f.uas
	f.uas = map[string]*fakepushservice.VirtualUA{}
	f.mu.Unlock()
	for _, ua := range uas {
		ua.Close()
	}
	f.client.CloseIdleConnections()
	return f.Server.Close()
}
