// Package testlog gives servers started by a test a log function that writes to the test's log
// while the test runs and drops what comes after: a connection handler still running when the
// test ends (a WebSocket or HTTP/2 stream the server is tearing down) must not panic the test
// binary with "Log in goroutine after Test… has completed".
package testlog

import (
	"sync"
	"testing"
)

// Logf returns t.Logf guarded so that calls after t's cleanup are dropped.
func Logf(t testing.TB) func(format string, args ...any) {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() {
		mu.Lock()
		done = true
		mu.Unlock()
	})
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf(format, args...)
		}
	}
}
