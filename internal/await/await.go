// Package await is pushspec's one way to wait for state that other goroutines change: the owner
// of the state calls Notify after each change, a waiter calls Until with a condition. It replaces
// the "close and replace a channel under the lock" pattern each Await helper used to write out.
package await

import (
	"context"
	"errors"
	"sync"
)

// ErrAborted is Until's error when its abort channel closed before the condition held.
var ErrAborted = errors.New("await: aborted")

// Changed broadcasts "the state changed" to every waiter. The zero value is ready to use.
type Changed struct {
	mu sync.Mutex
	ch chan struct{}
}

// Notify wakes every goroutine waiting in Until. Call it after each change of the watched state,
// with or without the state's lock held.
func (c *Changed) Notify() {
	c.mu.Lock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
	c.mu.Unlock()
}

// Next returns a channel that the next Notify closes, for a waiter that selects on more than the
// change (its own work, a connection); take it before reading the state, as Until does.
func (c *Changed) Next() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// Until returns nil once cond holds, calling it at once and again after every Notify. cond runs
// with lock held (nil: no lock). It returns ctx.Err() when ctx ends first, and ErrAborted when
// abort (nil: never) closes first.
func (c *Changed) Until(ctx context.Context, lock sync.Locker, cond func() bool, abort <-chan struct{}) error {
	for {
		// Take the channel before looking: a change between the look and the wait then
		// still wakes this waiter.
		ch := c.Next()
		if lock != nil {
			lock.Lock()
		}
		ok := cond()
		if lock != nil {
			lock.Unlock()
		}
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-abort:
			return ErrAborted
		}
	}
}
