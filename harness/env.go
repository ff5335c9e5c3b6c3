// Package harness is the driving side of pushspec: the environment (Env) that starts the
// in-process push service, the fixture site and the browsers, and the flows specs are written
// with (Client: subscribe in a real browser, send, await the service worker's report).
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

// DefaultSubject is the VAPID sub claim the Env's senders use.
const DefaultSubject = "mailto:pushspec@example.com"

// EnvOptions configure StartEnv. The zero value starts no browser.
type EnvOptions struct {
	// Browsers to launch, each once. Every kind needs a registered set-up (KindsAvailable).
	Browsers []browser.Kind
	// ExecPaths overrides a browser's binary per kind.
	ExecPaths map[browser.Kind]string
	// Remotes connects to a running browser per kind instead of starting one.
	Remotes map[browser.Kind]string
	// StartRemote, when set, has each kind without a Remotes entry started by someone else (a
	// browser grid, a script): once the push service and the kind's link are up it gets the
	// launch options the Env would start the browser with (the URLs on the advertised host, the
	// FCM certificate hash; browser.ChromiumArgs and browser.FirefoxLaunchPrefs turn them into
	// switches and prefs) and returns the endpoint to connect to, as in Remotes. A browser that
	// goes away is reconnected to the same endpoint.
	StartRemote func(ctx context.Context, kind browser.Kind, o browser.LaunchOptions) (endpoint string, err error)
	// Profile is the push service's response profile; "" means "rfc".
	Profile string
	// VAPIDPrivate is the application server's private key (32 bytes); nil means a fresh key.
	VAPIDPrivate []byte
	// Logf receives the push service's, the links' and the site's log lines. nil keeps the last
	// lines in memory only (Env.RecentLog), so passing specs stay quiet.
	Logf func(format string, args ...any)
	// BrowserLog receives the browsers' (or their drivers') output; nil discards it.
	BrowserLog io.Writer
	// FirefoxPrefs are extra prefs for the Firefox the Env starts (browser.LaunchOptions).
	FirefoxPrefs map[string]any
	// AdvertiseHost is the host name in every URL the Env hands a browser: the fixture site's
	// origins, the push service's endpoints, Firefox's autopush URL, Chromium's GCM URLs. The
	// push service, its links and the site then listen on ListenIP alone, and browsers the Env
	// starts are told the name leads there (browser.LaunchOptions.AdvertiseHost). "" means
	// localhost and 127.0.0.1 (env_advertise.go).
	AdvertiseHost string
	// ListenIP is where the Env listens when AdvertiseHost is set; "" means the first address
	// AdvertiseHost resolves to (an IPv4 one when there is one).
	ListenIP string
	// RealPushServices starts the browsers against their vendors' push services with their
	// normal network (env_real.go). StartEnv first checks the services can be reached and
	// returns an ErrRealUnavailable otherwise. Never set in pushspec's tests.
	RealPushServices bool
	// RealDial replaces the reachability check's dialer (tests); nil is a net.Dialer.
	RealDial Dialer
}

// Startup is how long a browser took to become usable.
type Startup struct {
	Launch time.Duration // Launch call: process start and driver session
	Ready  time.Duration // from launch start until its push client had connected to the service
}

// Env is one running environment: push service, fixture site, browsers. Its fields are set by
// StartEnv and must not be changed.
type Env struct {
	Push  *fakepushservice.Server
	Site  *sitefixture.Site
	VAPID *webpush.VAPIDKeys
	// Subject is the VAPID sub claim used by Send.
	Subject string

	opts   EnvOptions
	logs   *ring
	kinds  []browser.Kind
	states map[browser.Kind]*kindState
	// listenIP is where the push service, its links and the site listen ("" for 127.0.0.1),
	// advertiseHost the name in the URLs browsers get ("" for the listeners' own).
	listenIP      string
	advertiseHost string

	// mu guards each kindState's browser, restart and losses, and listeners: a browser that
	// goes away mid-run is replaced (restart.go).
	mu        sync.Mutex
	listeners []func(BrowserEvent)
	done      chan struct{} // closed when Close starts: no more restarts
	closing   bool
	watchers  sync.WaitGroup
	cleanups  sync.WaitGroup // browsers that went away, being closed
	used      []clientUse    // clients opened, newest last (HealthCheck)

	closeOnce sync.Once
	closeErr  error
}

type kindState struct {
	browser browser.Browser
	setup   kindSetup
	state   any
	startup Startup
	// launch is what the browser was started with; a restart uses it again, so a restarted
	// browser keeps the same loopback-only flags and prefs.
	launch browser.LaunchOptions
	// premark, when premarked, is the mark of the first launch, taken before StartRemote.
	premark   any
	premarked bool
	// restarting is non-nil while the browser is being replaced, closed when that ends.
	restarting chan struct{}
	restartErr error
	losses     []BrowserEvent
}

// kindSetup is how the Env brings up one browser kind: the link its push client speaks, the
// launch options pointing the browser at it, and a readiness wait. Each kind registers one from its
// own file (env_firefox.go, env_chromium.go), so env.go names no browser.
type kindSetup struct {
	// prepare runs before any browser starts: attach the kind's link to env.Push and fill in o.
	// It returns the kind's state (the link), kept for ready, close and accessors.
	prepare func(ctx context.Context, env *Env, o *browser.LaunchOptions) (state any, err error)
	// mark, if set, is taken just before a launch and handed to ready: what the link had seen
	// before this browser (a restarted browser must not be taken for ready on its predecessor's
	// connection).
	mark func(env *Env, state any) any
	// ready, if set, waits until the launched browser's push client has connected.
	ready func(ctx context.Context, env *Env, b browser.Browser, state, mark any) error
	// close, if set, releases the state; it runs after the browser closed and before the push
	// service does.
	close func(state any) error
	// loseSubscriptions, if set, makes the browser lose every subscription it holds with the
	// push service, the way a service reset does (Firefox: a new uaid on reconnect), so that it
	// fires pushsubscriptionchange.
	loseSubscriptions func(ctx context.Context, env *Env, state any) error
	// acksDecryption says the kind's link reports decryption failures in its acks (autopush ack
	// 101); links that only ack receipt (FCM's stream acks) leave it false.
	acksDecryption bool
}

var (
	setupsMu sync.Mutex
	setups   = map[browser.Kind]kindSetup{}
)

// registerKindSetup is called from the init of each env_<kind>.go.
func registerKindSetup(kind browser.Kind, s kindSetup) {
	setupsMu.Lock()
	defer setupsMu.Unlock()
	if _, dup := setups[kind]; dup {
		panic(fmt.Sprintf("harness: set-up for %q registered twice", kind))
	}
	setups[kind] = s
}

// KindsAvailable lists the browser kinds an Env can start, sorted.
func KindsAvailable() []browser.Kind {
	setupsMu.Lock()
	defer setupsMu.Unlock()
	out := make([]browser.Kind, 0, len(setups))
	for k := range setups {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// StartEnv starts the push service, the site and every browser in o.Browsers. The push service
// and each kind's link are up before that kind's browser launches (Firefox bakes the server URL
// into its profile). ctx bounds the start only; call Close when done.
func StartEnv(ctx context.Context, o EnvOptions) (_ *Env, err error) {
	env := &Env{opts: o, Subject: DefaultSubject, logs: newRing(4000), states: map[browser.Kind]*kindState{}, done: make(chan struct{})}
	seen := map[browser.Kind]bool{}
	for _, k := range o.Browsers {
		setupsMu.Lock()
		s, ok := setups[k]
		setupsMu.Unlock()
		if !ok {
			return nil, fmt.Errorf("harness: no Env set-up for browser %q (available: %v)", k, KindsAvailable())
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if o.RealPushServices {
			s = realSetup
		}
		env.kinds = append(env.kinds, k)
		env.states[k] = &kindState{setup: s}
	}
	if o.RealPushServices {
		if err := CheckRealServices(ctx, env.kinds, o.RealDial); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			env.Close()
		}
	}()

	if o.VAPIDPrivate != nil {
		env.VAPID, err = webpush.VAPIDKeysFromBytes(o.VAPIDPrivate)
	} else {
		env.VAPID, err = webpush.NewVAPIDKeys()
	}
	if err != nil {
		return nil, fmt.Errorf("harness: VAPID keys: %w", err)
	}
	if err := env.resolveAdvertise(ctx); err != nil {
		return nil, err
	}
	ps := &fakepushservice.Server{Profile: o.Profile, Logf: env.logf}
	if env.listenIP != "" {
		ps.Addr, ps.TLSAddr = net.JoinHostPort(env.listenIP, "0"), net.JoinHostPort(env.listenIP, "0")
		ps.EndpointHost = env.advertiseHost
	}
	env.Push, err = fakepushservice.NewServer(ps)
	if err != nil {
		return nil, fmt.Errorf("harness: push service: %w", err)
	}
	site := sitefixture.New()
	site.Logf = env.logf
	site.Host, site.ListenIP = env.advertiseHost, env.listenIP
	if err := site.Start(); err != nil {
		return nil, fmt.Errorf("harness: fixture site: %w", err)
	}
	env.Site = site

	launch := map[browser.Kind]browser.LaunchOptions{}
	for _, k := range env.kinds {
		st := env.states[k]
		lo := browser.LaunchOptions{ExecPath: o.ExecPaths[k], Remote: o.Remotes[k], Log: o.BrowserLog, FirefoxPrefs: o.FirefoxPrefs,
			AdvertiseHost: env.advertiseHost, AdvertiseIP: env.listenIP}
		st.state, err = st.setup.prepare(ctx, env, &lo)
		if err != nil {
			return nil, fmt.Errorf("harness: preparing %s: %w", k, err)
		}
		if lo.Remote == "" && o.StartRemote != nil {
			// The browser may reach the link as soon as it starts: what the link had seen
			// before is taken now.
			if st.setup.mark != nil {
				st.premark, st.premarked = st.setup.mark(env, st.state), true
			}
			if lo.Remote, err = o.StartRemote(ctx, k, lo); err != nil {
				return nil, fmt.Errorf("harness: starting a remote %s: %w", k, err)
			}
		}
		launch[k] = lo
		st.launch = lo
	}

	// Browsers start in parallel: each takes seconds, mostly waiting.
	var wg sync.WaitGroup
	errs := make([]error, len(env.kinds))
	for i, k := range env.kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := env.states[k]
			b, startup, err := env.launchKind(ctx, k, st)
			env.mu.Lock()
			st.browser = b
			env.mu.Unlock()
			if err != nil {
				errs[i] = err
				return
			}
			st.startup = startup
			env.logf("harness: %s %s launched in %v, push client connected after %v", k, b.Version(), st.startup.Launch, st.startup.Ready)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, k := range env.kinds {
		env.watch(k, env.states[k].browser)
	}
	return env, nil
}

// launchKind starts kind's browser with st.launch and waits until its push client is ready. A
// browser that started but did not get ready is returned with the error, for Close.
func (e *Env) launchKind(ctx context.Context, k browser.Kind, st *kindState) (browser.Browser, Startup, error) {
	var mark any
	if st.premarked {
		mark, st.premarked = st.premark, false
	} else if st.setup.mark != nil {
		mark = st.setup.mark(e, st.state)
	}
	t0 := time.Now()
	b, err := browser.Launch(ctx, k, st.launch)
	if err != nil {
		return nil, Startup{}, fmt.Errorf("harness: launching %s: %w", k, err)
	}
	su := Startup{Launch: time.Since(t0)}
	if st.setup.ready != nil {
		if err := st.setup.ready(ctx, e, b, st.state, mark); err != nil {
			return b, su, fmt.Errorf("harness: %s started but its push client did not connect: %w", k, err)
		}
	}
	su.Ready = time.Since(t0)
	identifyBrowser(b)
	return b, su, nil
}

// Kinds lists the Env's browsers in the order they were asked for.
func (e *Env) Kinds() []browser.Kind { return append([]browser.Kind(nil), e.kinds...) }

// Browser returns the Env's browser of kind, or nil when it has none. After a browser went
// away it is the restarted one: Browser waits for a restart under way (RestartTimeout bounds
// it). When the restart failed it is the browser that went away, whose calls fail.
func (e *Env) Browser(kind browser.Kind) browser.Browser {
	e.mu.Lock()
	st := e.states[kind]
	if st == nil {
		e.mu.Unlock()
		return nil
	}
	wait := st.restarting
	e.mu.Unlock()
	if wait != nil {
		<-wait // the restart ends within RestartTimeout, or at Close
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return st.browser
}

// Startup reports how long kind took to start.
func (e *Env) Startup(kind browser.Kind) Startup {
	if st := e.states[kind]; st != nil {
		return st.startup
	}
	return Startup{}
}

// AcksDecryption reports whether kind's link tells the push service about messages the browser
// could not decrypt (Firefox: ack 101). Specs on pushapi-undecryptable-acknowledged skip otherwise.
func (e *Env) AcksDecryption(kind browser.Kind) bool {
	if st := e.states[kind]; st != nil {
		return st.setup.acksDecryption
	}
	return false
}

// ErrUnsupported says the Env cannot do something for a browser kind.
var ErrUnsupported = errors.New("harness: not supported for this browser")

// LoseSubscriptions makes kind's browser lose all its push subscriptions on the service side, as
// after a push service reset, and returns once the browser has been told; the service worker's
// pushsubscriptionchange report follows. ErrUnsupported when the kind's link cannot.
func (e *Env) LoseSubscriptions(ctx context.Context, kind browser.Kind) error {
	st := e.states[kind]
	if st == nil || st.setup.loseSubscriptions == nil {
		return fmt.Errorf("%w: losing subscriptions on %s", ErrUnsupported, kind)
	}
	return st.setup.loseSubscriptions(ctx, e, st.state)
}

// state returns the set-up state of kind (its link), or nil.
func (e *Env) state(kind browser.Kind) any {
	if st := e.states[kind]; st != nil {
		return st.state
	}
	return nil
}

// RecentLog returns up to the last n log lines (push service, links, site), oldest first.
func (e *Env) RecentLog(n int) []string { return e.logs.last(n) }

func (e *Env) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	e.logs.add(time.Now().Format("15:04:05.000 ") + line)
	if e.opts.Logf != nil {
		e.opts.Logf("%s", line)
	}
}

// Close closes the browsers, the links, the site and the push service, in that order.
func (e *Env) Close() error {
	e.closeOnce.Do(func() {
		// No more restarts: a restart under way gives up, and the watchers end.
		e.mu.Lock()
		e.closing = true
		e.mu.Unlock()
		if e.done != nil {
			close(e.done)
		}
		e.watchers.Wait()
		// Browsers close in parallel: each takes about a second (Firefox closes gracefully).
		errs := make([]error, len(e.kinds))
		var wg sync.WaitGroup
		for i, k := range e.kinds {
			e.mu.Lock()
			b := e.states[k].browser
			e.mu.Unlock()
			if b != nil {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := b.Close(); err != nil {
						errs[i] = fmt.Errorf("closing %s: %w", k, err)
					}
				}()
			}
		}
		wg.Wait()
		e.cleanups.Wait()
		for _, k := range e.kinds {
			if st := e.states[k]; st.state != nil && st.setup.close != nil {
				if err := st.setup.close(st.state); err != nil {
					errs = append(errs, fmt.Errorf("closing the %s link: %w", k, err))
				}
			}
		}
		if e.Site != nil {
			errs = append(errs, e.Site.Close())
		}
		if e.Push != nil {
			errs = append(errs, e.Push.Close())
		}
		e.closeErr = errors.Join(errs...)
	})
	return e.closeErr
}

var (
	sharedOnce sync.Once
	sharedEnv  *Env
	sharedErr  error
	sharedMu   sync.Mutex
)

// SharedEnv returns the test process's one Env, starting it on first use: browsers from
// PUSHSPEC_BROWSERS (default "chromium,firefox"), keeping only kinds with a registered set-up;
// paths and remote endpoints from PUSHSPEC_{CHROMIUM,FIREFOX}_{PATH,REMOTE}; VAPID key from
// PUSHSPEC_VAPID_PRIVATE_KEY. Suites call it in BeforeSuite and CloseShared in DeferCleanup.
func SharedEnv(ctx context.Context) (*Env, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	sharedOnce.Do(func() {
		o, err := EnvOptionsFromConfig()
		if err != nil {
			sharedErr = err
			return
		}
		sharedEnv, sharedErr = StartEnv(ctx, o)
	})
	return sharedEnv, sharedErr
}

// SharedHealthCheck is Env.HealthCheck of the shared Env, for suites that start it lazily: a
// check whose browser went away while it ran is an error, not the target's failure. Before the
// Env exists (or while it starts, when no check can have used a browser) it reports nothing.
func SharedHealthCheck(t conformance.Target, start time.Time) error {
	if !sharedMu.TryLock() {
		return nil
	}
	e := sharedEnv
	sharedMu.Unlock()
	if e == nil {
		return nil
	}
	return e.HealthCheck(t, start)
}

// CloseShared closes the Env SharedEnv started, if any.
func CloseShared() error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedEnv == nil {
		return nil
	}
	return sharedEnv.Close()
}

// ConfiguredBrowsers is the browser list SharedEnv will start (PUSHSPEC_BROWSERS filtered to kinds
// with a set-up). Suites loop over it while building their spec tree, before the Env exists.
func ConfiguredBrowsers() ([]browser.Kind, error) {
	o, err := EnvOptionsFromConfig()
	return o.Browsers, err
}

// EnvOptionsFromConfig builds EnvOptions from the PUSHSPEC_* environment (harness/config).
func EnvOptionsFromConfig() (EnvOptions, error) {
	c, err := config.FromEnv()
	if err != nil {
		return EnvOptions{}, err
	}
	kind, _ := c.PushServiceTarget()
	o := EnvOptions{
		RealPushServices: kind == "real",
		Profile:          c.Profile,
		AdvertiseHost:    c.AdvertiseHost,
		ExecPaths: map[browser.Kind]string{
			browser.Chromium: c.ChromiumPath,
			browser.Firefox:  c.FirefoxPath,
		},
		Remotes: map[browser.Kind]string{
			browser.Chromium: c.ChromiumRemote,
			browser.Firefox:  c.FirefoxRemote,
		},
	}
	available := map[browser.Kind]bool{}
	for _, k := range KindsAvailable() {
		available[k] = true
	}
	for _, name := range c.BrowserList() {
		k := browser.Kind(strings.ToLower(name))
		switch {
		case available[k]:
			o.Browsers = append(o.Browsers, k)
		case k != browser.Chromium && k != browser.Firefox:
			// A typo must not silently run no browser at all.
			return EnvOptions{}, fmt.Errorf("harness: PUSHSPEC_BROWSERS names %q, not a browser (chromium, firefox)", name)
		}
	}
	if c.VAPIDPrivate != "" {
		o.VAPIDPrivate, err = webpush.DecodeBase64(c.VAPIDPrivate)
		if err != nil {
			return EnvOptions{}, fmt.Errorf("harness: PUSHSPEC_VAPID_PRIVATE_KEY: %w", err)
		}
	}
	return o, nil
}

// ring keeps the last n lines.
type ring struct {
	mu    sync.Mutex
	lines []string
	next  int
	full  bool
}

func newRing(n int) *ring { return &ring{lines: make([]string, n)} }

func (r *ring) add(s string) {
	r.mu.Lock()
	r.lines[r.next] = s
	r.next = (r.next + 1) % len(r.lines)
	if r.next == 0 {
		r.full = true
	}
	r.mu.Unlock()
}

func (r *ring) last(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []string
	if r.full {
		all = append(all, r.lines[r.next:]...)
	}
	all = append(all, r.lines[:r.next]...)
	if n > 0 && len(all) > n {
		all = all[len(all)-n:]
	}
	return all
}
