package harness

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/pushspec/pushspec/fakepushservice/fcm"
	"github.com/pushspec/pushspec/harness/browser"
)

// Chromium: the FCM emulation (checkin, register3, MCS over TLS) on the push service, and the
// --gcm-* switches plus the MCS certificate's SPKI hash pointing Chromium at it.

// chromiumState is the Chromium set-up's state.
type chromiumState struct {
	link *fcm.Link
	warm browser.WarmUp
}

func init() {
	registerKindSetup(browser.Chromium, kindSetup{
		prepare: func(ctx context.Context, env *Env, o *browser.LaunchOptions) (any, error) {
			fo := fcm.Options{Logf: env.logf}
			if env.listenIP != "" {
				fo.MCSAddr = net.JoinHostPort(env.listenIP, "0")
			}
			link, err := fcm.Attach(env.Push, fo)
			if err != nil {
				return nil, err
			}
			o.GCMCheckinURL = env.advertiseURL(link.CheckinURL())
			o.GCMRegistrationURL = env.advertiseURL(link.RegistrationURL())
			o.MCSEndpoint = env.advertiseURL(link.Endpoint())
			o.MCSCertSPKI = link.SPKIHash()
			return &chromiumState{link: link}, nil
		},
		// Chromium's GCM client starts lazily: the first subscribe() checks in (~2 s), registers
		// and opens MCS. A throwaway subscribe pays that once per process, then we wait for the
		// lasting MCS login, so that specs see warm subscribe times and a connected client.
		// The devices the link had seen before this browser: a restarted Chromium checks in as a
		// new one (a fresh profile).
		mark: func(env *Env, state any) any {
			seen := map[string]bool{}
			for _, ua := range state.(*chromiumState).link.UAs() {
				seen[ua] = true
			}
			return seen
		},
		ready: func(ctx context.Context, env *Env, b browser.Browser, state, mark any) error {
			st := state.(*chromiumState)
			if env.opts.Remotes[browser.Chromium] != "" {
				// A remote Chromium was started by someone else, with GCM switches of its own;
				// there is nothing to warm here.
				return nil
			}
			w, ok := b.(browser.PushWarmer)
			if !ok {
				return nil
			}
			warm, err := w.WarmUpPush(ctx)
			if err != nil {
				return err
			}
			st.warm = warm
			seen, _ := mark.(map[string]bool)
			var uas []string
			for _, ua := range st.link.UAs() {
				if !seen[ua] {
					uas = append(uas, ua)
				}
			}
			if len(uas) != 1 {
				return fmt.Errorf("after the warm-up subscribe the FCM link saw %d new devices check in (%v), want 1", len(uas), uas)
			}
			if err := env.Push.AwaitConnected(ctx, uas[0]); err != nil {
				return errors.Join(errors.New("no MCS login after the warm-up subscribe"), err)
			}
			env.logf("harness: chromium GCM warm: cold subscribe %v, MCS connected as %s", warm.Subscribe, uas[0])
			return nil
		},
		close: func(state any) error { return state.(*chromiumState).link.Close() },
	})
}

// FCM returns the FCM emulation Chromium is connected to, or nil when the Env has no Chromium.
func (e *Env) FCM() *fcm.Link {
	if st, ok := e.state(browser.Chromium).(*chromiumState); ok {
		return st.link
	}
	return nil
}

// ChromiumWarmUp reports the warm-up subscribe (the cold subscribe() time, the endpoint Chromium
// built); zero when the Env has no local Chromium.
func (e *Env) ChromiumWarmUp() browser.WarmUp {
	if st, ok := e.state(browser.Chromium).(*chromiumState); ok {
		return st.warm
	}
	return browser.WarmUp{}
}
