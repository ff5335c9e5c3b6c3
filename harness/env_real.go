package harness

import (
	"context"
	"fmt"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/target"
)

// Real push services (PUSHSPEC_PUSH_SERVICE=real): the browsers use their vendors' services with
// their normal network — Chromium Google's FCM, Firefox Mozilla's autopush — and the harness posts
// to the endpoints they hand out. The in-process push service still runs (specs that need its
// records skip in this mode, see RequiresOwnService) but no browser connects to it. For users
// with internet: pushspec's tests and CI never start it.

// ErrRealUnavailable marks a real-mode Env that cannot start because the vendors' push services
// cannot be reached; suites skip their specs with its message. It is target.ErrUnavailable, the
// push-service suite's skip for the same reason.
var ErrRealUnavailable = target.ErrUnavailable

// realServiceHosts are what each browser's push client connects to first.
var realServiceHosts = map[browser.Kind][]string{
	browser.Chromium: {"android.clients.google.com:443", "mtalk.google.com:5228"},
	browser.Firefox:  {"push.services.mozilla.com:443"},
}

// Dialer reaches host:port; tests pass one that fails instead of touching the network.
type Dialer = target.Dialer

// CheckRealServices dials, within 5 s each, the hosts the kinds' push clients need, and returns
// an ErrRealUnavailable naming the first that cannot be reached. dial nil is a net.Dialer.
func CheckRealServices(ctx context.Context, kinds []browser.Kind, dial Dialer) error {
	for _, k := range kinds {
		if err := target.Reachable(ctx, dial, realServiceHosts[k]...); err != nil {
			return fmt.Errorf("%s's push service needs the internet: %w", k, err)
		}
	}
	return nil
}

// realSetup is the set-up of every kind in real mode: the browser's own push service, nothing
// to attach and nothing of its link to wait for (the vendor's service is not observable).
var realSetup = kindSetup{
	prepare: func(ctx context.Context, env *Env, o *browser.LaunchOptions) (any, error) {
		o.RealPushServices = true
		return nil, nil
	},
}

// Real reports whether the Env's browsers use the vendors' real push services.
func (e *Env) Real() bool { return e.opts.RealPushServices }

// RequiresOwnService is the skip reason of a spec that observes pushspec's own push service (its
// request records, acks, links), which a real-mode Env's browsers do not use; "" when e is not
// in real mode.
func (e *Env) RequiresOwnService() string {
	if e == nil || !e.Real() {
		return ""
	}
	return "needs pushspec's own push service to observe the browser (acks, links, request records); " +
		"PUSHSPEC_PUSH_SERVICE=real uses the vendors' services, which show none of that"
}
