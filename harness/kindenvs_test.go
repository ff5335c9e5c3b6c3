package harness

import (
	"context"
	"testing"
	"time"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
)

// KindEnvs starts nothing on its own: before any Env, the health check and Close have nothing to
// do, and a kind it was not given has no Env.
func TestKindEnvsNothingStarted(t *testing.T) {
	k := NewKindEnvs([]browser.Kind{browser.Firefox, browser.Chromium})
	if err := k.HealthCheck(conformance.Target{ID: "sender:x"}, time.Now()); err != nil {
		t.Errorf("HealthCheck before any Env: %v", err)
	}
	if err := k.Close(); err != nil {
		t.Errorf("Close before any Env: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if e, err := NewKindEnvs(nil).Env(ctx, browser.Firefox); err == nil || e != nil {
		t.Errorf("Env of a kind KindEnvs was not given: %v, %v; want an error", e, err)
	}
}
