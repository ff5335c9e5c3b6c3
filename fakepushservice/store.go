package fakepushservice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// Subscription is one push subscription as the core knows it. The fields are fixed at creation;
// State reports what happened to it since.
type Subscription struct {
	ID           string   // 64 hex characters (256 random bits); also web-push-testing's clientHash
	Endpoint     string   // <URL()>/push/<ID> (or /notify/<ID> for control-API subscriptions)
	UA           string   // owning user agent, see SubscriptionSpec.UA
	Link         LinkKind // how that UA is connected
	AppServerKey []byte   // 65-byte applicationServerKey; nil for an unrestricted subscription
	LinkRef      string   // the link's own name for it (autopush channelID, FCM app id)
	Meta         map[string]string
	Created      time.Time
}

// SubState is what became of a subscription.
type SubState string

const (
	SubActive       SubState = "active"
	SubExpired      SubState = "expired"      // expired by the service (control API, ExpireSubscription)
	SubUnsubscribed SubState = "unsubscribed" // the UA dropped it (Unsubscribe)
)

type subState struct {
	sub    Subscription
	state  SubState
	reason string
	vua    *VirtualUA      // the owning virtual UA, or nil
	keys   *webpush.UAKeys // its keys when the service holds them (virtual UA), else nil
}

type message struct {
	id       string
	seq      uint64
	sub      *subState
	ua       string
	body     []byte
	encoding string
	encr     string
	cryptKey string
	ttl      int64
	received time.Time
	expires  time.Time
	urgency  string // "" means normal
	topic    string
	receipt  *receiptSub
	attempts int
	onlyConn *connState        // TTL 0: only this connection may get it
	headers  map[string]string // Server.ForwardHeaders: request headers handed to the UA
	reqID    string
	// plaintext is the body as the core decrypted it for its verdicts (decrypted says it did:
	// the service holds the keys of virtual-UA subscriptions only).
	plaintext []byte
	decrypted bool
}

type connState struct {
	ua      string
	conn    UAConn
	opts    ConnectOptions
	ctx     context.Context
	cancel  context.CancelFunc
	sent    map[string]bool // message IDs handed to this connection
	lastSeq uint64          // store sequence up to which this connection has looked
	kick    chan struct{}
	id      int
}

// DeliveryRecord is one hand-off of a message to a UA connection, as the core recorded it.
type DeliveryRecord struct {
	Delivery
	UA      string    `json:"ua"`
	At      time.Time `json:"at"`
	Err     string    `json:"error,omitempty"` // Deliver's error; the message stays stored
	Urgency string    `json:"urgency"`         // the stored urgency (never forwarded)
	Conn    int       `json:"conn"`            // connection number (unique per Server)
}

// AckRecord is one acknowledgement from a user agent.
type AckRecord struct {
	UA        string            `json:"ua"`
	MessageID string            `json:"message"`
	Code      AckCode           `json:"code"`
	Evidence  map[string]string `json:"evidence,omitempty"`
	At        time.Time         `json:"at"`
	Known     bool              `json:"known"` // the message was stored when the ack came
}

// CreateSubscription mints a subscription with an unguessable ID for spec.UA.
func (s *Server) CreateSubscription(spec SubscriptionSpec) (*Subscription, error) {
	return s.createSubscription(spec, "", nil, nil)
}

// createSubscription makes a subscription whose endpoint is prefix+ID (prefix "" means
// <endpoint base>/push/), owned by vua (nil for links) with its keys.
func (s *Server) createSubscription(spec SubscriptionSpec, prefix string, vua *VirtualUA, keys *webpush.UAKeys) (*Subscription, error) {
	s.init()
	if spec.UA == "" {
		return nil, errors.New("fakepushservice: SubscriptionSpec.UA is empty")
	}
	if spec.AppServerKey != nil && (len(spec.AppServerKey) != 65 || spec.AppServerKey[0] != 4) {
		return nil, fmt.Errorf("fakepushservice: applicationServerKey is %d bytes, want a 65-byte uncompressed P-256 point", len(spec.AppServerKey))
	}
	if prefix == "" {
		base := s.endpointBase()
		if base == "" {
			return nil, errors.New("fakepushservice: server not started (no URL for the endpoint)")
		}
		prefix = base + "/push/"
	}
	n := s.TokenBytes
	if n <= 0 {
		n = 32
	}
	id := s.TokenPrefix + newID(n) // TokenPrefix: a double's deviation
	if s.UATokenPrefix {
		h := sha256.Sum256([]byte(spec.UA))
		id = hex.EncodeToString(h[:8]) + id // a double's deviation
	}
	sub := Subscription{
		ID: id, Endpoint: prefix + id, UA: spec.UA, Link: spec.Link,
		AppServerKey: append([]byte(nil), spec.AppServerKey...), LinkRef: spec.LinkRef,
		Meta: copyMap(spec.Meta), Created: s.now(),
	}
	if spec.AppServerKey == nil {
		sub.AppServerKey = nil
	}
	s.subs.mu.Lock()
	s.subs.byID[id] = &subState{sub: sub, state: SubActive, vua: vua, keys: keys}
	s.subs.mu.Unlock()
	s.event(Event{Kind: "subscribe", UA: spec.UA, Sub: id, Detail: string(spec.Link)})
	s.notify()
	out := sub
	return &out, nil
}

func (s *Server) endpointBase() string {
	if s.EndpointBase != "" {
		return strings.TrimSuffix(s.EndpointBase, "/")
	}
	s.netMu.Lock()
	base := s.httpURL
	if s.HTTPSEndpoints && s.tlsURL != "" {
		base = s.tlsURL
	}
	s.netMu.Unlock()
	if base == "" || s.EndpointHost == "" {
		return base
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Host = s.EndpointHost + ":" + u.Port()
	return u.String()
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Subscription returns the subscription with that ID and its state.
func (s *Server) Subscription(id string) (*Subscription, SubState, bool) {
	s.init()
	st, state, _ := s.subs.lookup(id)
	if st == nil {
		return nil, "", false
	}
	out := st.sub
	return &out, state, true
}

// AwaitSubscription waits until the subscription with that ID is in state want (SubActive,
// SubExpired or SubUnsubscribed); it errs only when ctx ends, and then returns the state it saw
// last.
func (s *Server) AwaitSubscription(ctx context.Context, id string, want SubState) (SubState, error) {
	var state SubState
	err := s.await(ctx, func() bool {
		_, state, _ = s.subs.lookup(id)
		return state == want
	})
	return state, err
}

// Subscriptions returns every subscription ever created, oldest first.
func (s *Server) Subscriptions() []Subscription {
	s.init()
	s.subs.mu.RLock()
	defer s.subs.mu.RUnlock()
	out := make([]Subscription, 0, len(s.subs.byID))
	for _, st := range s.subs.byID {
		out = append(out, st.sub)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// Unsubscribe records that the UA dropped the subscription: its stored messages are discarded
// and later pushes get 404 (rfc) / 410 (vendor profiles).
func (s *Server) Unsubscribe(id, reason string) error {
	return s.endSubscription(id, SubUnsubscribed, reason)
}

// ExpireSubscription expires the subscription as the service: later pushes get 404 (rfc,
// rfc8030-7.3-expired-subscription-404) / 410 (vendor profiles, compat).
func (s *Server) ExpireSubscription(id string) error {
	return s.endSubscription(id, SubExpired, "expired by the service")
}

func (s *Server) endSubscription(id string, state SubState, reason string) error {
	s.init()
	// The store's lock first: a push that found the subscription active stores its message
	// before the messages are dropped here, or sees the new state (accept).
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.subs.mu.Lock()
	st, ok := s.subs.byID[id]
	if !ok {
		s.subs.mu.Unlock()
		return fmt.Errorf("fakepushservice: no subscription %q", id)
	}
	if st.state != SubActive {
		s.subs.mu.Unlock()
		return nil
	}
	st.state, st.reason = state, reason
	s.subs.mu.Unlock()
	for _, m := range s.store.msgs {
		if m.sub == st {
			if s.NoGiveUpReceipt {
				m.receipt = nil // the deviation: no 410 for this give-up
			}
			s.dropLocked(m, "subscription "+string(state))
		}
	}
	s.event(Event{Kind: string(state), UA: st.sub.UA, Sub: id, Detail: reason})
	s.notify()
	return nil
}

// dropExpiredLocked drops m, whose TTL has run out: a receipt subscription gets 410 unless
// NoExpiryReceipt is set (RFC 8030 owes the 410 only for a give-up before the expiry).
func (s *Server) dropExpiredLocked(m *message) {
	if s.NoExpiryReceipt {
		m.receipt = nil
	}
	s.dropLocked(m, "TTL elapsed")
}

// dropLocked removes a stored message without delivery; a receipt subscription gets 410.
func (s *Server) dropLocked(m *message, why string) {
	if _, ok := s.store.msgs[m.id]; !ok {
		return
	}
	s.removeLocked(m)
	if m.receipt != nil {
		s.addReceipt(m.receipt, m.id, 410)
	}
	s.event(Event{Kind: "drop", UA: m.ua, Sub: m.sub.sub.ID, Message: m.id, Detail: why})
}

// removeLocked takes m out of the store (its UA queue is compacted lazily).
func (s *Server) removeLocked(m *message) {
	if s.store.msgs[m.id] != m {
		return
	}
	delete(s.store.msgs, m.id)
	s.store.live[m.ua]--
	if q := s.store.queues[m.ua]; len(q) > 64 && len(q) > 4*s.store.live[m.ua] {
		kept := make([]*message, 0, s.store.live[m.ua]+16)
		for _, x := range q {
			if s.store.msgs[x.id] == x {
				kept = append(kept, x)
			}
		}
		s.store.queues[m.ua] = kept
	}
	if s.store.live[m.ua] == 0 {
		delete(s.store.live, m.ua)
		delete(s.store.queues, m.ua)
	}
}

// nextLocked returns the oldest message c may be handed now, or nil. Every message it passes
// over is one c will never take (sent on c, expired, bound to another connection, below c's
// urgency threshold), so c's cursor moves past it: each message is looked at once per
// connection. Expired messages met on the way are dropped.
func (s *Server) nextLocked(c *connState, now time.Time) *message {
	q := s.store.queues[c.ua]
	i := sort.Search(len(q), func(i int) bool { return q[i].seq > c.lastSeq })
	for ; i < len(q); i++ {
		m := q[i]
		c.lastSeq = m.seq
		if s.store.msgs[m.id] != m {
			continue
		}
		if m.onlyConn == nil && !now.Before(m.expires) {
			s.dropExpiredLocked(m)
			q = s.store.queues[c.ua] // may have been compacted
			i = sort.Search(len(q), func(i int) bool { return q[i].seq > c.lastSeq }) - 1
			continue
		}
		if s.NoRedelivery && m.attempts > 0 {
			continue // a double's deviation: never retried
		}
		if eligibleLocked(m, c, now) {
			return m
		}
	}
	return nil
}

// expireLocked drops every message whose TTL has run out.
func (s *Server) expireLocked(now time.Time) {
	for _, m := range s.store.msgs {
		if m.onlyConn == nil && !now.Before(m.expires) {
			s.dropExpiredLocked(m)
		}
	}
}

// storeLocked adds an accepted message, replacing a stored one with the same Topic, and wakes
// the UA's connection. A TTL-0 message is kept only for a connected UA.
func (s *Server) storeLocked(m *message) (stored bool) {
	if m.topic != "" && !s.TopicKeepsReplaced {
		for _, old := range s.store.queues[m.ua] {
			if s.store.msgs[old.id] == old && old.sub == m.sub && (old.topic == m.topic || (s.TopicReplacesAny && old.topic != "")) {
				// rfc8030-5.4-topic-replaces; the replaced receipt is suppressed
				// (rfc8030-5.4-replaced-receipt-suppressed).
				s.removeLocked(old)
				s.event(Event{Kind: "replace", UA: old.ua, Sub: m.sub.sub.ID, Message: old.id, Detail: "replaced by " + m.id})
				if s.ReplacedReceipt && old.receipt != nil {
					s.addReceipt(old.receipt, old.id, 410)
				}
				if s.TopicKeepsExpiry {
					m.expires = old.expires
				}
				if s.TopicKeepsLocation {
					m.id = old.id
				}
			}
		}
	}
	c := s.store.conns[m.ua]
	if m.ttl == 0 && s.KeepTTLZero && c == nil { // KeepTTLZero: a double's deviation
		m.expires = m.received.Add(time.Minute)
	} else if m.ttl == 0 || (s.DropWhenOffline && c == nil) { // DropWhenOffline: a double's deviation
		if c == nil || s.DropTTLZero { // DropTTLZero: a double's deviation
			why := "TTL 0 and the UA is not connected"
			switch {
			case m.ttl != 0:
				why = "the UA is not connected (DropWhenOffline)"
			case c != nil:
				why = "TTL 0 dropped although the UA is connected (DropTTLZero)"
			}
			s.event(Event{Kind: "drop", UA: m.ua, Sub: m.sub.sub.ID, Message: m.id, Detail: why})
			if m.receipt != nil {
				s.addReceipt(m.receipt, m.id, 410)
			}
			s.notify()
			return false
		}
		m.onlyConn = c
	}
	s.store.seq++
	m.seq = s.store.seq
	s.store.msgs[m.id] = m
	s.store.queues[m.ua] = append(s.store.queues[m.ua], m)
	s.store.live[m.ua]++
	s.event(Event{Kind: "store", UA: m.ua, Sub: m.sub.sub.ID, Message: m.id})
	if c != nil {
		c.wake()
	}
	s.notify()
	return true
}

func (c *connState) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Connect makes conn the UA's current connection (the newest wins; an older one gets no further
// deliveries) and starts handing it every stored, unexpired, unacknowledged message of the UA's
// subscriptions, oldest first, one at a time, on a goroutine owned by the core. disconnect ends
// the connection; it does not wait for a Deliver in progress and may be called from Deliver.
func (s *Server) Connect(ua string, conn UAConn, opts ConnectOptions) (disconnect func()) {
	s.init()
	ctx, cancel := context.WithCancel(context.Background())
	c := &connState{ua: ua, conn: conn, opts: opts, ctx: ctx, cancel: cancel, sent: map[string]bool{}, kick: make(chan struct{}, 1)}
	s.store.mu.Lock()
	if s.store.closed {
		s.store.mu.Unlock()
		cancel()
		return func() {}
	}
	if old := s.store.conns[ua]; old != nil {
		s.closeConnLocked(old, "replaced by a newer connection")
	}
	if s.IgnoreUrgencyThreshold {
		c.opts.MinUrgency = ""
	}
	s.store.counter++
	c.id = s.store.counter
	s.store.conns[ua] = c
	s.event(Event{Kind: "connect", UA: ua, Detail: fmt.Sprintf("connection %d, min urgency %q", c.id, opts.MinUrgency)})
	s.notify()
	s.wg.Add(1)
	s.store.mu.Unlock()
	go s.connLoop(c)
	return func() {
		s.store.mu.Lock()
		s.closeConnLocked(c, "disconnected")
		s.store.mu.Unlock()
	}
}

// closeConnLocked ends c; TTL-0 messages bound to it are dropped.
func (s *Server) closeConnLocked(c *connState, why string) {
	if c.ctx.Err() != nil {
		return
	}
	c.cancel()
	if s.store.conns[c.ua] == c {
		delete(s.store.conns, c.ua)
	}
	for _, m := range s.store.msgs {
		if m.onlyConn == c {
			s.dropLocked(m, "TTL 0 and the connection ended")
		}
	}
	s.event(Event{Kind: "disconnect", UA: c.ua, Detail: fmt.Sprintf("connection %d: %s", c.id, why)})
	s.notify()
}

// Connected reports whether the UA has a live connection.
func (s *Server) Connected(ua string) bool {
	s.init()
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	return s.store.conns[ua] != nil
}

// AwaitConnected waits until the UA has a live connection; it errs only when ctx ends.
func (s *Server) AwaitConnected(ctx context.Context, ua string) error {
	return s.await(ctx, func() bool { return s.Connected(ua) })
}

var urgencyRank = map[string]int{"very-low": 0, "low": 1, "normal": 2, "high": 3}

// eligibleLocked reports whether m may be handed to c now.
func eligibleLocked(m *message, c *connState, now time.Time) bool {
	if m.ua != c.ua || c.sent[m.id] {
		return false
	}
	if m.onlyConn != nil {
		if m.onlyConn != c {
			return false
		}
	} else if !now.Before(m.expires) {
		return false
	}
	if c.opts.MinUrgency != "" {
		u := m.urgency
		if u == "" {
			u = "normal" // rfc8030-5.3-urgency-default-normal
		}
		if urgencyRank[u] < urgencyRank[c.opts.MinUrgency] {
			return false // rfc8030-5.3-respect-ua-threshold
		}
	}
	return true
}

// DeliverTimeout bounds one UAConn.Deliver call.
const DeliverTimeout = 30 * time.Second

func (s *Server) connLoop(c *connState) {
	defer s.wg.Done()
	for {
		s.store.mu.Lock()
		if c.ctx.Err() != nil {
			s.store.mu.Unlock()
			return
		}
		now := s.now()
		next := s.nextLocked(c, now)
		if next == nil {
			s.store.mu.Unlock()
			select {
			case <-c.ctx.Done():
				return
			case <-c.kick:
			}
			continue
		}
		c.sent[next.id] = true
		next.attempts++
		d := Delivery{
			MessageID: next.id, SubscriptionID: next.sub.sub.ID, LinkRef: next.sub.sub.LinkRef,
			Body: next.body, ContentEncoding: next.encoding, Encryption: next.encr, CryptoKey: next.cryptKey,
			Attempt: next.attempts, plaintext: next.plaintext, decrypted: next.decrypted, Headers: next.headers,
		}
		rec := DeliveryRecord{Delivery: d, UA: c.ua, At: now, Urgency: next.urgency, Conn: c.id}
		s.store.mu.Unlock()

		var err error
		if _, virtual := c.conn.(*VirtualUA); virtual {
			// A virtual UA takes a delivery in the call, without waiting on anything: no
			// timeout (and no timer per message) to bound it.
			err = c.conn.Deliver(c.ctx, d)
		} else {
			dctx, cancel := context.WithTimeout(c.ctx, DeliverTimeout)
			err = c.conn.Deliver(dctx, d)
			cancel()
		}

		if err != nil {
			rec.Err = err.Error()
			s.recordDelivery(rec)
			s.event(Event{Kind: "deliver-error", UA: c.ua, Sub: d.SubscriptionID, Message: d.MessageID, Detail: err.Error()})
			s.store.mu.Lock()
			s.closeConnLocked(c, "Deliver failed: "+err.Error())
			s.store.mu.Unlock()
			return
		}
		// The delivery log and the events have locks of their own: the store's is not needed.
		s.recordDelivery(rec)
		s.event(Event{Kind: "deliver", UA: c.ua, Sub: d.SubscriptionID, Message: d.MessageID, Detail: "attempt " + strconv.Itoa(d.Attempt)})
		s.notify()
		if s.OnDelivery != nil {
			s.OnDelivery(rec)
		}
	}
}

func (s *Server) recordDelivery(rec DeliveryRecord) {
	l := &s.deliveries
	l.mu.Lock()
	defer l.mu.Unlock()
	l.delivered.Add(rec, s.maxRecorded())
}

// Ack records what the UA said about a delivery and removes the message from the store (for
// every code: 101 and 102 mean the UA will never take it). A receipt, if one was asked for,
// gets 204 for AckDelivered (rfc8030-6.2-receipt-204-on-ack) and 410 otherwise.
func (s *Server) Ack(ua, messageID string, code AckCode, evidence map[string]string) {
	s.init()
	s.ack(ua, messageID, code, copyMap(evidence))
}

// ack is Ack with evidence that is the service's from now on (not copied).
func (s *Server) ack(ua, messageID string, code AckCode, evidence map[string]string) {
	// The message leaves the store first, under the store's lock alone; the ack is recorded and
	// the receipt sent after, so an Await that sees the ack sees the message gone.
	s.store.mu.Lock()
	m, known := s.store.msgs[messageID]
	if known && m.ua != ua {
		known = false // a UA cannot ack another UA's message
	}
	if known {
		s.removeLocked(m)
	}
	s.store.mu.Unlock()
	rec := AckRecord{UA: ua, MessageID: messageID, Code: code, Evidence: evidence, At: s.now(), Known: known}
	l := &s.deliveries
	l.mu.Lock()
	l.acks.Add(rec, s.maxRecorded())
	if _, dup := l.ackByMsg[messageID]; !dup {
		l.ackByMsg[messageID] = rec
	}
	l.mu.Unlock()
	detail := "code " + strconv.Itoa(int(code))
	if !known {
		detail += " (no such stored message)"
	}
	s.event(Event{Kind: "ack", UA: ua, Message: messageID, Detail: detail})
	if known {
		if m.receipt != nil {
			st := 204
			if s.AckReceiptStatus != 0 {
				st = s.AckReceiptStatus // a double's deviation
			}
			if code != AckDelivered {
				st = 410
			}
			s.addReceipt(m.receipt, messageID, st)
		}
	}
	s.notify()
}

// AwaitAck waits for the first ack of messageID and returns its code; it errs only when ctx ends.
func (s *Server) AwaitAck(ctx context.Context, messageID string) (AckCode, error) {
	var code AckCode
	err := s.await(ctx, func() bool {
		s.deliveries.mu.Lock()
		defer s.deliveries.mu.Unlock()
		rec, ok := s.deliveries.ackByMsg[messageID]
		code = rec.Code
		return ok
	})
	return code, err
}

// Acks returns every ack received, oldest first.
func (s *Server) Acks() []AckRecord {
	s.init()
	s.deliveries.mu.Lock()
	defer s.deliveries.mu.Unlock()
	return s.deliveries.acks.All()
}

// Deliveries returns every hand-off to a UA connection (successful or not), oldest first.
func (s *Server) Deliveries() []DeliveryRecord {
	s.init()
	s.deliveries.mu.Lock()
	defer s.deliveries.mu.Unlock()
	return s.deliveries.delivered.All()
}

// AwaitDelivery waits for the next successful delivery of a message of subscription subID:
// each call returns the delivery after the one the previous call for subID returned (the first
// call, the first ever). It errs only when ctx ends. See AwaitDeliveryOf for one message.
func (s *Server) AwaitDelivery(ctx context.Context, subID string) (DeliveryRecord, error) {
	var out DeliveryRecord
	err := s.await(ctx, func() bool {
		l := &s.deliveries
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.cursor == nil {
			l.cursor = map[string]int{}
		}
		for i, d := range l.delivered.Since(l.cursor[subID]) {
			if d.SubscriptionID == subID && d.Err == "" {
				out = *d
				l.cursor[subID] = i + 1
				return true
			}
		}
		return false
	})
	return out, err
}

// AwaitDeliveryOf waits for the first successful delivery of message messageID; it errs only
// when ctx ends.
func (s *Server) AwaitDeliveryOf(ctx context.Context, messageID string) (DeliveryRecord, error) {
	var out DeliveryRecord
	err := s.await(ctx, func() bool {
		s.deliveries.mu.Lock()
		defer s.deliveries.mu.Unlock()
		for _, d := range s.deliveries.delivered.Since(0) {
			if d.MessageID == messageID && d.Err == "" {
				out = *d
				return true
			}
		}
		return false
	})
	return out, err
}

// StoredMessage describes a message waiting in the store.
type StoredMessage struct {
	ID             string    `json:"id"`
	SubscriptionID string    `json:"subscription"`
	UA             string    `json:"ua"`
	TTL            int64     `json:"ttl"`
	Expires        time.Time `json:"expires"`
	Urgency        string    `json:"urgency,omitempty"`
	Topic          string    `json:"topic,omitempty"`
	Attempts       int       `json:"attempts"`
	Size           int       `json:"size"`
}

// Stored returns the messages still stored (not acked, not expired), oldest first.
func (s *Server) Stored() []StoredMessage {
	s.init()
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.expireLocked(s.now())
	ms := make([]*message, 0, len(s.store.msgs))
	for _, m := range s.store.msgs {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].seq < ms[j].seq })
	out := make([]StoredMessage, len(ms))
	for i, m := range ms {
		out[i] = StoredMessage{ID: m.id, SubscriptionID: m.sub.sub.ID, UA: m.ua, TTL: m.ttl, Expires: m.expires,
			Urgency: m.urgency, Topic: m.topic, Attempts: m.attempts, Size: len(m.body)}
	}
	return out
}

// Kick makes every connection look at the store again, e.g. after a test moved its Clock
// forward (expired messages are dropped on that look).
func (s *Server) Kick() {
	s.init()
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.expireLocked(s.now())
	for _, c := range s.store.conns {
		c.wake()
	}
	s.notify()
}
