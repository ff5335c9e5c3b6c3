package harness

import (
	"context"

	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/harness/browser"
)

// Firefox: the autopush WebSocket link on the push service, dom.push.serverURL pointing at it.

func init() {
	registerKindSetup(browser.Firefox, kindSetup{
		prepare: func(ctx context.Context, env *Env, o *browser.LaunchOptions) (any, error) {
			link, err := autopush.Attach(env.Push, autopush.Options{Logf: env.logf})
			if err != nil {
				return nil, err
			}
			o.AutopushURL = env.advertiseURL(link.URL())
			return link, nil
		},
		// The handshakes before this browser: a restarted Firefox's is the first after them.
		mark: func(env *Env, state any) any { return len(state.(*autopush.Link).Hellos()) },
		// Firefox opens its push connection at start-up, subscriptions or not
		// (docs/firefox-autopush.md §4.1).
		ready: func(ctx context.Context, env *Env, b browser.Browser, state, mark any) error {
			n, _ := mark.(int)
			_, err := state.(*autopush.Link).AwaitHelloAfter(ctx, "", n)
			return err
		},
		close:          func(state any) error { return state.(*autopush.Link).Close() },
		acksDecryption: true,
		// Answer Firefox's next hello with a new uaid, and make it say hello now by dropping its
		// connection (it reconnects after retryBaseInterval). Firefox then drops every record and
		// fires pushsubscriptionchange for each (docs/firefox-autopush.md §4.4).
		loseSubscriptions: func(ctx context.Context, env *Env, state any) error {
			link := state.(*autopush.Link)
			n := len(link.Hellos())
			link.ResetUAID()
			link.Drop("")
			for {
				h, err := link.AwaitHelloAfter(ctx, "", n)
				if err != nil {
					return err
				}
				if h.Reset {
					return nil
				}
				n++
			}
		},
	})
}

// Autopush returns the autopush link Firefox is connected to, or nil when the Env has no Firefox.
func (e *Env) Autopush() *autopush.Link {
	l, _ := e.state(browser.Firefox).(*autopush.Link)
	return l
}
