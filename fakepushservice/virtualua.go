package fakepushservice

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// VirtualUA is an in-process user agent (LinkVirtual). Each subscription gets its own P-256 key
// pair and 16-octet auth secret; deliveries are decrypted (aes128gcm and the draft aesgcm),
// recorded and acknowledged (100 when decrypted, 101 when not). It can go offline and come back
// to exercise store-and-forward. Make one with Server.NewVirtualUA; safe for concurrent use.
type VirtualUA struct {
	s    *Server
	id   string
	opts VirtualUAOptions

	mu         sync.Mutex
	changed    chan struct{}
	subs       map[string]*VirtualSubscription
	received   []Received
	seen       map[string]int // message ID → times received
	cursor     map[string]int
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

// VirtualSubscription is a subscription held by a VirtualUA, with the browser-shaped fields.
type VirtualSubscription struct {
	ID           string
	Endpoint     string
	P256dh       string // base64url, unpadded, 65-octet uncompressed point
	Auth         string // base64url, unpadded, 16 octets — secret: do not log
	AppServerKey []byte
	Keys         *webpush.UAKeys // private: never log
}

// JSON returns the subscription as PushSubscription.toJSON() gives it:
// {"endpoint":…,"expirationTime":null,"keys":{"p256dh":…,"auth":…}}.
func (v *VirtualSubscription) JSON() []byte {
	b, _ := json.Marshal(map[string]any{
		"endpoint": v.Endpoint, "expirationTime": nil,
		"keys": map[string]string{"p256dh": v.P256dh, "auth": v.Auth},
	})
	return b
}

// WebPush returns the subscription in the codec's form, for webpush.Encrypt.
func (v *VirtualSubscription) WebPush() webpush.Subscription {
	return v.Keys.Subscription(v.Endpoint)
}

// Received is one delivery as the virtual UA took it.
type Received struct {
	SubscriptionID string    `json:"subscription"`
	MessageID      string    `json:"message"`
	Payload        []byte    `json:"payload"` // decrypted; nil without a body or on error
	HasBody        bool      `json:"has_body"`
	Err            string    `json:"error,omitempty"` // decryption error
	Encoding       string    `json:"encoding,omitempty"`
	Attempt        int       `json:"attempt"`
	At             time.Time `json:"at"`
	Acked          AckCode   `json:"acked,omitempty"` // 0 when not acknowledged (NoAck)
}

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
	v := &VirtualUA{s: s, id: "virtual:" + name, opts: opts, changed: make(chan struct{}),
		subs: map[string]*VirtualSubscription{}, seen: map[string]int{}, cursor: map[string]int{}}
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
	keys, err := webpush.NewUAKeys()
	if err != nil {
		return nil, err
	}
	sub, err := v.s.createSubscription(SubscriptionSpec{UA: v.id, Link: LinkVirtual, AppServerKey: appServerKey}, prefix, v, keys)
	if err != nil {
		return nil, err
	}
	vs := &VirtualSubscription{ID: sub.ID, Endpoint: sub.Endpoint, P256dh: webpush.Base64URL(keys.P256dh()),
		Auth: webpush.Base64URL(keys.Auth), AppServerKey: sub.AppServerKey, Keys: keys}
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
	old := v.disconnect
	v.mu.Unlock()
	d := v.s.Connect(v.id, v, ConnectOptions{MinUrgency: v.opts.MinUrgency})
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
	case d.ContentEncoding == "aesgcm":
		pt, err := webpush.DecryptAESGCM(vs.Keys, d.Body, d.Encryption, d.CryptoKey)
		rec.Payload, code = pt, ackFor(err, &rec)
	default:
		pt, err := webpush.Decrypt(vs.Keys, d.Body)
		rec.Payload, code = pt, ackFor(err, &rec)
	}
	if !noAck {
		rec.Acked = code
	}
	v.mu.Lock()
	v.received = append(v.received, rec)
	v.seen[d.MessageID]++
	close(v.changed)
	v.changed = make(chan struct{})
	v.mu.Unlock()
	if !noAck {
		v.s.ack(v.id, d.MessageID, code, map[string]string{"link": "virtual", "error": rec.Err})
	}
	return nil
}

func ackFor(err error, rec *Received) AckCode {
	if err != nil {
		rec.Err = err.Error()
		return AckDecryptError
	}
	return AckDelivered
}

// Received returns every delivery taken so far, in arrival order (redeliveries included).
func (v *VirtualUA) Received() []Received {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]Received(nil), v.received...)
}

// ReceivedFor returns the deliveries of one subscription, in arrival order.
func (v *VirtualUA) ReceivedFor(subID string) []Received {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []Received
	for _, r := range v.received {
		if r.SubscriptionID == subID {
			out = append(out, r)
		}
	}
	return out
}

// Duplicates reports message IDs received more than once, with their counts (redeliveries after
// a reconnect of unacknowledged messages are expected to appear here; nothing else should).
func (v *VirtualUA) Duplicates() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]int{}
	for id, n := range v.seen {
		if n > 1 {
			out[id] = n
		}
	}
	return out
}

// AwaitMessage returns the next delivery for subID: each call returns the one after what the
// previous call for subID returned. It errs only when ctx ends.
func (v *VirtualUA) AwaitMessage(ctx context.Context, subID string) (Received, error) {
	for {
		v.mu.Lock()
		for i := v.cursor[subID]; i < len(v.received); i++ {
			if v.received[i].SubscriptionID == subID {
				v.cursor[subID] = i + 1
				r := v.received[i]
				v.mu.Unlock()
				return r, nil
			}
		}
		ch := v.changed
		v.mu.Unlock()
		select {
		case <-ctx.Done():
			return Received{}, ctx.Err()
		case <-ch:
		}
	}
}

// AwaitCount waits until n deliveries in all have been received; it errs only when ctx ends.
func (v *VirtualUA) AwaitCount(ctx context.Context, n int) error {
	for {
		v.mu.Lock()
		got := len(v.received)
		ch := v.changed
		v.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
