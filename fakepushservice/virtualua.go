package fakepushservice

import (
	"context"
	"fmt"
	"sync"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/useragent"
)

// VirtualUA is an in-process user agent (LinkVirtual): the core hands it deliveries directly.
// What it does with them is the shared user agent's (package useragent): each subscription gets
// its own P-256 key pair and 16-octet auth secret; deliveries are decrypted (aes128gcm and the
// draft aesgcm), recorded in a useragent.Inbox and acknowledged (100 when decrypted, 101 when
// not). It can go offline and come back to exercise store-and-forward. Make one with
// Server.NewVirtualUA; safe for concurrent use.
type VirtualUA struct {
	s     *Server
	id    string
	inbox useragent.Inbox

	mu         sync.Mutex
	opts       VirtualUAOptions
	subs       map[string]*VirtualSubscription
	disconnect func()
	online     bool
}

// VirtualUAOptions configure a VirtualUA. The zero value is an online UA that accepts every
// urgency and acknowledges every delivery.
type VirtualUAOptions struct {
	// MinUrgency is the lowest urgency accepted ("" accepts all), see ConnectOptions.
	MinUrgency string
	// Offline starts the UA disconnected; call Reconnect to connect it.
	Offline bool
	// NoAck makes the UA take deliveries without acknowledging them, so the service keeps them
	// and redelivers them on the next connection (rfc8030-6.2-redeliver-unacked).
	NoAck bool
	// Name is the UA id suffix: the UA is "virtual:<Name>". "" means a counter.
	Name string
}

// VirtualSubscription is a subscription held by a VirtualUA, with the browser-shaped fields
// (JSON, WebPush) of the shared user agent.
type VirtualSubscription = useragent.Subscription

// Received is one delivery as the virtual UA took it (the shared user agent's record).
type Received = useragent.Received

// NewVirtualUA makes a virtual user agent, connected unless opts.Offline.
func (s *Server) NewVirtualUA(opts VirtualUAOptions) *VirtualUA {
	s.init()
	s.store.mu.Lock()
	s.store.counter++
	n := s.store.counter
	s.store.mu.Unlock()
	name := opts.Name
	if name == "" {
		name = fmt.Sprint(n)
	}
	v := &VirtualUA{s: s, id: "virtual:" + name, opts: opts, subs: map[string]*VirtualSubscription{}}
	if !opts.Offline {
		v.Reconnect()
	}
	return v
}

// ID is the UA's id in the core ("virtual:<n>").
func (v *VirtualUA) ID() string { return v.id }

// Subscribe makes a subscription with fresh keys. appServerKey is the 65-octet
// applicationServerKey, nil for an unrestricted subscription.
func (v *VirtualUA) Subscribe(ctx context.Context, appServerKey []byte) (*VirtualSubscription, error) {
	return v.subscribe(ctx, appServerKey, "")
}

func (v *VirtualUA) subscribe(ctx context.Context, appServerKey []byte, prefix string) (*VirtualSubscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keys, err := useragent.NewKeys()
	if err != nil {
		return nil, err
	}
	sub, err := v.s.createSubscription(SubscriptionSpec{UA: v.id, Link: LinkVirtual, AppServerKey: appServerKey}, prefix, v, keys)
	if err != nil {
		return nil, err
	}
	vs := useragent.NewSubscription(sub.ID, sub.Endpoint, sub.AppServerKey, keys)
	v.mu.Lock()
	v.subs[sub.ID] = vs
	v.mu.Unlock()
	return vs, nil
}

// Unsubscribe drops a subscription (later pushes get 404 in rfc, 410 in vendor profiles).
func (v *VirtualUA) Unsubscribe(subID string) error {
	return v.s.Unsubscribe(subID, "virtual UA unsubscribed")
}

// Disconnect takes the UA offline: messages are stored until Reconnect.
func (v *VirtualUA) Disconnect() {
	v.mu.Lock()
	d := v.disconnect
	v.disconnect, v.online = nil, false
	v.mu.Unlock()
	if d != nil {
		d()
	}
}

// Reconnect connects the UA (again); the service sends what it stored, oldest first, and
// redelivers what was not acknowledged.
func (v *VirtualUA) Reconnect() {
	v.mu.Lock()
	old, minUrgency := v.disconnect, v.opts.MinUrgency
	v.mu.Unlock()
	d := v.s.Connect(v.id, v, ConnectOptions{MinUrgency: minUrgency})
	if old != nil {
		old()
	}
	v.mu.Lock()
	v.disconnect, v.online = d, true
	v.mu.Unlock()
}

// SetMinUrgency changes the urgency threshold; it applies from the next Reconnect.
func (v *VirtualUA) SetMinUrgency(u string) {
	v.mu.Lock()
	v.opts.MinUrgency = u
	v.mu.Unlock()
}

// SetNoAck switches acknowledging off (true) or on (false) for later deliveries.
func (v *VirtualUA) SetNoAck(noAck bool) {
	v.mu.Lock()
	v.opts.NoAck = noAck
	v.mu.Unlock()
}

// Close disconnects the UA.
func (v *VirtualUA) Close() { v.Disconnect() }

// Deliver implements UAConn: decrypt, record, acknowledge.
func (v *VirtualUA) Deliver(ctx context.Context, d Delivery) error {
	v.mu.Lock()
	vs := v.subs[d.SubscriptionID]
	noAck := v.opts.NoAck
	v.mu.Unlock()
	rec := Received{SubscriptionID: d.SubscriptionID, MessageID: d.MessageID, HasBody: len(d.Body) > 0,
		Encoding: d.ContentEncoding, Attempt: d.Attempt, At: v.s.now()}
	code := AckDelivered
	switch {
	case vs == nil:
		rec.Err = "unknown subscription"
		code = AckNotDelivered
	case len(d.Body) == 0:
	case d.decrypted:
		// The core decrypted this very body with this subscription's keys (same codec).
		rec.Payload = d.plaintext
	default:
		// The core stores a body in a Web Push coding or in none (""); the latter is tried
		// as aes128gcm, the coding of RFC 8291.
		coding := d.ContentEncoding
		if coding != "aesgcm" {
			coding = "aes128gcm"
		}
		code = useragent.Open(&rec, vs.Keys, coding, d.Body, d.Encryption, d.CryptoKey)
	}
	if !noAck {
		rec.Acked = code
	}
	v.inbox.Record(rec)
	if !noAck {
		v.s.ack(v.id, d.MessageID, code, rules.Evidence2("link", "virtual", "error", rec.Err))
	}
	return nil
}

// Received returns every delivery taken so far, in arrival order (redeliveries included).
func (v *VirtualUA) Received() []Received { return v.inbox.All() }

// ReceivedFor returns the deliveries of one subscription, in arrival order.
func (v *VirtualUA) ReceivedFor(subID string) []Received { return v.inbox.For(subID) }

// Duplicates reports message IDs received more than once, with their counts (redeliveries after
// a reconnect of unacknowledged messages are expected to appear here; nothing else should).
func (v *VirtualUA) Duplicates() map[string]int { return v.inbox.Duplicates() }

// AwaitMessage returns the next delivery for subID: each call returns the one after what the
// previous call for subID returned. It errs only when ctx ends.
func (v *VirtualUA) AwaitMessage(ctx context.Context, subID string) (Received, error) {
	return v.inbox.Next(ctx, subID)
}

// AwaitCount waits until n deliveries in all have been received; it errs only when ctx ends.
func (v *VirtualUA) AwaitCount(ctx context.Context, n int) error { return v.inbox.AwaitCount(ctx, n) }
