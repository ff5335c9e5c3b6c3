package testlog

import (
	"testing"
)

// A log call after the test that made the function has finished is dropped, not a panic.
func TestLogfAfterTheTestIsDropped(t *testing.T) {
	var logf func(string, ...any)
	t.Run("inner", func(t *testing.T) {
		logf = Logf(t)
		logf("logged while the test runs")
	})
	logf("dropped: the inner test has completed")
}
