package fakepushservice

import (
	"github.com/pushspec/pushspec/internal/history"

	"sync"
	"sync/atomic"
)

// The Server's state is split into parts with one job each, each guarding its own state with its
// own lock, so that unrelated work does not wait on one lock:
//
//	subs        subscriptions: every subscription and what became of it
//	store       the message store: stored messages, per-UA queues, the UA connections they are
//	            delivered on and RFC 8030's own UA interface (store.go, rfc8030ua.go)
//	log         the request log: every push-resource request with its verdicts, and the
//	            requests that reached no route
//	deliveries  hand-offs to UA connections and the user agents' acks
//	receipts    receipt subscriptions and their receipts (receipts.go)
//	events      what happened, in order (/_pushspec/events)
//	faults      queued fault rules
//	changed     wakes every Await helper on any change
//
// Where two locks are held at once, they are taken in this order: store, then subs, receipts,
// deliveries, log, events, changed (the last ones are leaves: nothing is locked while they are
// held).

// subscriptions holds every subscription ever created.
type subscriptions struct {
	mu   sync.RWMutex
	byID map[string]*subState // subState.state and .reason are guarded by mu
}

// lookup returns the subscription with that ID and its state, nil when there is none.
func (t *subscriptions) lookup(id string) (st *subState, state SubState, reason string) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	st = t.byID[id]
	if st == nil {
		return nil, "", ""
	}
	return st, st.state, st.reason
}

// messageStore holds the messages waiting for their user agents and the connections they are
// handed to. Its lock is the Server's busiest: keep critical sections short.
type messageStore struct {
	mu      sync.Mutex
	msgs    map[string]*message   // by message ID, every stored (unacked, unexpired) message
	queues  map[string][]*message // by UA, in store order; may hold removed messages (skipped)
	live    map[string]int        // by UA, messages in msgs
	seq     uint64
	conns   map[string]*connState // by UA: the current (newest) connection
	counter int                   // connection (and virtual UA) numbers
	rfc8030 rfc8030State          // RFC 8030's own UA interface (rfc8030ua.go)
	closed  bool
}

// len is the number of stored messages.
func (m *messageStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.msgs)
}

// requestLog records the push-resource requests, with their verdicts, and unhandled routes.
type requestLog struct {
	mu        sync.Mutex
	requests  []*Request
	byID      map[string]*Request
	unhandled []string
}

// deliveryLog records the hand-offs to UA connections and the acks.
type deliveryLog struct {
	mu        sync.Mutex
	delivered history.History[DeliveryRecord]
	cursor    map[string]int // AwaitDelivery's position (an absolute index), by subscription
	acks      history.History[AckRecord]
	ackByMsg  map[string]AckRecord
}

// receiptBook holds the receipt subscriptions (RFC 8030 §5.1).
type receiptBook struct {
	mu    sync.Mutex
	byID  map[string]*receiptSub
	given map[string]string // VAPID key → the receipt subscription last given to that sender
}

// eventLog records what happened, in order.
type eventLog struct {
	mu     sync.Mutex
	events history.History[Event]
	seq    int
}

// faultQueue holds the queued fault rules.
type faultQueue struct {
	mu    sync.Mutex
	rules []FaultRule
	n     atomic.Int32 // len(rules), read without the lock
}
