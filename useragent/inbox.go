package useragent

import (
	"context"
	"math"
	"strings"
	"sync"

	"github.com/pushspec/pushspec/internal/await"
	"github.com/pushspec/pushspec/internal/history"
)

// Inbox keeps the deliveries a user agent took, in arrival order (redeliveries included),
// counts how often each message came, and lets callers wait for them. The zero value is ready
// to use; safe for concurrent use.
type Inbox struct {
	// FoldCase matches subscription IDs without regard to case in For and Next (autopush's
	// channelIDs are UUIDs that a service may send back in another case). Set it before use.
	FoldCase bool

	mu       sync.Mutex
	changed  await.Changed
	received history.History[Received] // all of them: a long run takes hundreds of thousands
	seen     map[string]int            // message ID → times received
	cursor   map[string]int            // subscription ID → Next's position in received
}

func (in *Inbox) same(a, b string) bool {
	if in.FoldCase {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// Record adds r as it is and wakes whoever waits.
func (in *Inbox) Record(r Received) {
	in.mu.Lock()
	in.recordLocked(r)
	in.mu.Unlock()
	in.changed.Notify()
}

// RecordCounted adds r with its Attempt counted here: 1 plus the times this inbox already took
// r.MessageID for r.SubscriptionID (both compared exactly), for transports whose wire does not
// say. It returns r as recorded.
func (in *Inbox) RecordCounted(r Received) Received {
	in.mu.Lock()
	r.Attempt = 1
	if in.seen[r.MessageID] > 0 {
		for _, x := range in.received.Since(0) {
			if x.MessageID == r.MessageID && x.SubscriptionID == r.SubscriptionID {
				r.Attempt++
			}
		}
	}
	in.recordLocked(r)
	in.mu.Unlock()
	in.changed.Notify()
	return r
}

func (in *Inbox) recordLocked(r Received) {
	if in.seen == nil {
		in.seen = map[string]int{}
	}
	in.received.Add(r, math.MaxInt)
	in.seen[r.MessageID]++
}

// All returns every delivery taken so far, in arrival order.
func (in *Inbox) All() []Received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.received.All()
}

// Len is the number of deliveries taken so far.
func (in *Inbox) Len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.received.Len()
}

// For returns the deliveries of one subscription, in arrival order.
func (in *Inbox) For(subID string) []Received {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []Received
	for _, r := range in.received.Since(0) {
		if in.same(r.SubscriptionID, subID) {
			out = append(out, *r)
		}
	}
	return out
}

// Duplicates reports message IDs received more than once, with their counts (redeliveries of
// unacknowledged messages after a reconnect are expected to appear here; nothing else should).
func (in *Inbox) Duplicates() map[string]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := map[string]int{}
	for id, n := range in.seen {
		if n > 1 {
			out[id] = n
		}
	}
	return out
}

// Next returns the next delivery for subID: each call returns the one after what the previous
// call for subID returned. It errs only when ctx ends.
func (in *Inbox) Next(ctx context.Context, subID string) (Received, error) {
	var r Received
	err := in.changed.Until(ctx, &in.mu, func() bool {
		if in.cursor == nil {
			in.cursor = map[string]int{}
		}
		for i, x := range in.received.Since(in.cursor[subID]) {
			if in.same(x.SubscriptionID, subID) {
				in.cursor[subID] = i + 1
				r = *x
				return true
			}
		}
		return false
	}, nil)
	return r, err
}

// AwaitCount waits until n deliveries in all have been taken; it errs only when ctx ends.
func (in *Inbox) AwaitCount(ctx context.Context, n int) error {
	return in.changed.Until(ctx, &in.mu, func() bool { return in.received.Len() >= n }, nil)
}
