package await

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestUntilSeesAChangeMadeBeforeOrAfterItStarts(t *testing.T) {
	var (
		mu  sync.Mutex
		n   int
		chg Changed
	)
	set := func(v int) { mu.Lock(); n = v; mu.Unlock(); chg.Notify() }
	set(1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := chg.Until(ctx, &mu, func() bool { return n == 1 }, nil); err != nil {
		t.Fatalf("a condition already true: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- chg.Until(ctx, &mu, func() bool { return n == 3 }, nil) }()
	for i := 2; i <= 3; i++ {
		set(i)
	}
	if err := <-done; err != nil {
		t.Fatalf("waiting for n == 3: %v", err)
	}
}

func TestUntilEndsWithItsContextOrAbort(t *testing.T) {
	var chg Changed
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := chg.Until(ctx, nil, func() bool { return false }, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: got %v, want context.Canceled", err)
	}
	abort := make(chan struct{})
	close(abort)
	if err := chg.Until(context.Background(), nil, func() bool { return false }, abort); !errors.Is(err, ErrAborted) {
		t.Fatalf("closed abort: got %v, want ErrAborted", err)
	}
}

func TestNotifyWithoutWaitersIsHarmless(t *testing.T) {
	var chg Changed
	chg.Notify()
	chg.Notify()
}

// Next's channel closes at the next Notify, not before; a later Next gives a fresh one.
func TestNextClosesAtNotify(t *testing.T) {
	var c Changed
	ch := c.Next()
	select {
	case <-ch:
		t.Fatal("closed before any Notify")
	default:
	}
	c.Notify()
	select {
	case <-ch:
	default:
		t.Fatal("still open after Notify")
	}
	select {
	case <-c.Next():
		t.Fatal("the next channel is closed already")
	default:
	}
}
