package browser

// Chromium through chromedp v0.23.0 (CDP over a pipe). Push in Chromium goes through its GCM
// client (checkin, register3, MCS), which pushspec points at fakepushservice/fcm with the
// --gcm-* switches; see docs/chromium-fcm.md for the flags and what they do.

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/backgroundservice"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/pushspec/pushspec/internal/await"
)

func init() { registerLauncher(Chromium, LaunchChromium) }

// ChromiumExecPaths are tried in order when LaunchOptions.ExecPath is "". Debian's /usr/bin/chromium
// is a shell wrapper that adds flags (extensions, API keys, --disable-pings, …); the binary behind
// it behaves the same for push (docs/chromium-fcm.md §2) and takes exactly our flags.
var ChromiumExecPaths = []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium"}

// hostResolverRules makes every host name but loopback fail at once (NAME_NOT_RESOLVED): nothing
// leaves the machine, whatever Chromium's background services try. InsecureTestHost alone maps
// to 127.0.0.1 (the first matching rule wins).
const hostResolverRules = "MAP " + InsecureTestHost + " 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"

// deadGCM is where the --gcm-* switches point when no FCM emulation is given: a loopback port with
// nothing listening, so that GCM fails fast and locally instead of trying Google's hosts.
const deadGCM = "127.0.0.1:9"

// chromiumSwitch is one command-line switch; Value true means a bare --name.
type chromiumSwitch struct {
	Name  string
	Value any
}

// chromiumSwitches returns the binary and the switches of a local Chromium start (without
// --user-data-dir, which LaunchChromium adds, and chromedp's own --remote-debugging-pipe).
func chromiumSwitches(opts LaunchOptions) (execPath string, switches []chromiumSwitch, err error) {
	if opts.RealPushServices {
		return chromiumRealSwitches(opts)
	}
	checkin, register, mcs := opts.GCMCheckinURL, opts.GCMRegistrationURL, opts.MCSEndpoint
	if checkin == "" {
		checkin = "http://" + deadGCM + "/checkin"
	}
	if register == "" {
		register = "http://" + deadGCM + "/c2dm/register3"
	}
	if mcs == "" {
		mcs = "https://" + deadGCM
	}
	if err := checkAdvertise(opts); err != nil {
		return "", nil, err
	}
	for _, u := range []string{checkin, register, mcs} {
		if err := requireLoopback(u, opts.AdvertiseHost); err != nil {
			return "", nil, err
		}
	}
	secure := ""
	if opts.AdvertiseHost != "" {
		if secure, err = ChromiumSecureOriginSwitch(opts.AdvertiseHost); err != nil {
			return "", nil, err
		}
	}
	if execPath, err = chromiumExecPath(opts); err != nil {
		return "", nil, err
	}
	switches = []chromiumSwitch{
		{"disable-background-networking", true},
		{"disable-component-update", true},
		{"disable-sync", true},
		{"host-resolver-rules", chromiumHostResolverRules(opts)},
	}
	if secure != "" {
		switches = append(switches, chromiumSwitch{"unsafely-treat-insecure-origin-as-secure", secure})
	}
	switches = append(switches, chromiumCommonSwitches...)
	switches = append(switches, []chromiumSwitch{
		{"gcm-checkin-url", checkin},
		{"gcm-registration-url", register},
		{"gcm-mcs-endpoint", mcs},
	}...)
	if opts.MCSCertSPKI != "" {
		// Trusts exactly the MCS server's key, never all certificates. Honoured only together
		// with --user-data-dir, which LaunchChromium always sets.
		switches = append(switches, chromiumSwitch{"ignore-certificate-errors-spki-list", opts.MCSCertSPKI})
	}
	return execPath, switches, nil
}

// chromiumCommonSwitches are in every local start, offline or real: headless, a fresh quiet
// profile, and nothing that touches push (no crash uploads, extensions, default apps, phishing
// model downloads or keychain prompts).
var chromiumCommonSwitches = []chromiumSwitch{
	{"headless", "new"},
	{"no-sandbox", true},
	{"disable-gpu", true},
	{"disable-dev-shm-usage", true},
	{"no-first-run", true},
	{"no-default-browser-check", true},
	{"disable-breakpad", true},
	{"disable-extensions", true},
	{"disable-default-apps", true},
	{"disable-client-side-phishing-detection", true},
	{"safebrowsing-disable-auto-update", true},
	{"metrics-recording-only", true},
	{"password-store", "basic"},
	{"use-mock-keychain", true},
	{"hide-scrollbars", true},
	{"mute-audio", true},
}

// chromiumRealSwitches start Chromium against Google's FCM with its normal network: no
// host-resolver rules, no --gcm-* switches, and background networking left on (the GCM client
// is one of the background services).
func chromiumRealSwitches(opts LaunchOptions) (string, []chromiumSwitch, error) {
	execPath, err := chromiumExecPath(opts)
	if err != nil {
		return "", nil, err
	}
	return execPath, append([]chromiumSwitch(nil), chromiumCommonSwitches...), nil
}

func chromiumExecPath(opts LaunchOptions) (string, error) {
	if opts.ExecPath != "" {
		return opts.ExecPath, nil
	}
	for _, p := range ChromiumExecPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium: none of %v exists (install it with `pushspec deps` or `make deps`)", ChromiumExecPaths)
}

// ChromiumArgs returns the binary and the command-line switches ("--name" or "--name=value")
// pushspec starts Chromium with for o, without --user-data-dir and the DevTools transport: for
// starting, on this machine, a Chromium that pushspec then drives as a remote (LaunchOptions.Remote)
// with the same loopback-only switches. The SPKI switch needs a --user-data-dir beside it.
func ChromiumArgs(o LaunchOptions) (execPath string, args []string, err error) {
	execPath, switches, err := chromiumSwitches(o)
	if err != nil {
		return "", nil, err
	}
	for _, sw := range switches {
		if sw.Value == true {
			args = append(args, "--"+sw.Name)
		} else {
			args = append(args, fmt.Sprintf("--%s=%v", sw.Name, sw.Value))
		}
	}
	return execPath, args, nil
}

// chromiumFlags turns chromiumSwitches into chromedp allocator options.
func chromiumFlags(opts LaunchOptions) ([]chromedp.ExecAllocatorOption, error) {
	execPath, switches, err := chromiumSwitches(opts)
	if err != nil {
		return nil, err
	}
	o := []chromedp.ExecAllocatorOption{chromedp.ExecPath(execPath)}
	for _, sw := range switches {
		o = append(o, chromedp.Flag(sw.Name, sw.Value))
	}
	if opts.Log != nil {
		o = append(o, chromedp.CombinedOutput(opts.Log))
	}
	return o, nil
}

// requireLoopback refuses a GCM URL whose host is not loopback: 127.0.0.1, localhost, ::1, or the
// advertised host (which checkAdvertise holds to a loopback address).
func requireLoopback(raw, advertised string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("chromium: GCM URL %q: %w", raw, err)
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	if advertised != "" && strings.EqualFold(u.Hostname(), advertised) {
		return nil
	}
	return fmt.Errorf("chromium: GCM URL %q is not loopback; pushspec browsers stay offline", raw)
}

// chromiumPreferences seed the fresh profile. Network prediction off (2 = never): otherwise
// Chromium preconnects a spare socket to each origin it loads and leaves it unused, which holds up
// a graceful http.Server.Shutdown of the fixture origin for 5 s (Go treats a new, silent connection
// as idle only after that), and it is traffic nobody asked for.
const chromiumPreferences = `{"net":{"network_prediction_options":2}}`

func writeChromiumPreferences(userDataDir string) error {
	dir := filepath.Join(userDataDir, "Default")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("chromium: profile: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Preferences"), []byte(chromiumPreferences), 0o600); err != nil {
		return fmt.Errorf("chromium: profile preferences: %w", err)
	}
	return nil
}

// chromiumBrowser is one Chromium process (or a remote one) and the chromedp contexts around it.
type chromiumBrowser struct {
	opts        LaunchOptions
	cancelAlloc context.CancelFunc
	ctx         context.Context // the browser's chromedp context; tabs are its children
	cancel      context.CancelFunc
	userDataDir string // "" for a remote browser
	version     string

	mu       sync.Mutex
	sessions map[*chromiumSession]struct{}
	closed   bool

	loss *lossWatch
}

// LaunchChromium starts Chromium (or connects to opts.Remote) and waits until it answers CDP.
// ctx bounds only the start; the browser lives until Close.
func LaunchChromium(ctx context.Context, opts LaunchOptions) (Browser, error) {
	b := &chromiumBrowser{opts: opts, sessions: map[*chromiumSession]struct{}{}}
	// The browser must outlive ctx (chromedp ties the process to the context of its first Run),
	// so it hangs off a context of its own and ctx only bounds the wait below.
	base := context.WithoutCancel(ctx)
	var allocCtx context.Context
	if opts.Remote != "" {
		allocCtx, b.cancelAlloc = remote.NewAllocator(base, opts.Remote)
	} else {
		flags, err := chromiumFlags(opts)
		if err != nil {
			return nil, err
		}
		// A fresh profile per process: a fresh GCM identity (checkin every run), and the SPKI
		// flag needs an explicit --user-data-dir.
		dir, err := os.MkdirTemp("", "pushspec-chromium-")
		if err != nil {
			return nil, fmt.Errorf("chromium: profile dir: %w", err)
		}
		b.userDataDir = dir
		if err := writeChromiumPreferences(dir); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		allocCtx, b.cancelAlloc = chromedp.NewExecAllocator(base, append(flags, chromedp.UserDataDir(dir))...)
	}
	b.ctx, b.cancel = chromedp.NewContext(allocCtx)

	type result struct {
		v   cdpbrowser.GetVersionResult
		err error
	}
	started := make(chan result, 1)
	go func() {
		v, err := chromedp.CallBrowser(b.ctx, cdpbrowser.GetVersion, cdp.Empty{})
		started <- result{v, err}
	}()
	select {
	case r := <-started:
		if r.err != nil {
			b.Close()
			return nil, fmt.Errorf("chromium: start: %w", r.err)
		}
		// "HeadlessChrome/156.0.8078.108" → "156.0.8078.108"
		_, b.version, _ = strings.Cut(r.v.Product, "/")
	case <-ctx.Done():
		b.Close()
		return nil, fmt.Errorf("chromium: start: %w", ctx.Err())
	}
	cb := chromedp.FromContext(b.ctx).Browser
	pid := 0
	if p := cb.Process(); p != nil {
		pid = p.Pid
	}
	b.loss = newLossWatch(Chromium, pid)
	go b.watch(cb)
	return b, nil
}

// watch waits for the connection to the browser to drop and, unless Close dropped it, records
// how: chromedp kills and reaps the process, and a call on the lost browser then carries the
// process's exit error (an *exec.ExitError: "signal: killed", "exit status 1").
func (b *chromiumBrowser) watch(cb *chromedp.Browser) {
	<-cb.LostConnection
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return
	}
	_, err := chromedp.CallBrowser(b.ctx, cdpbrowser.GetVersion, cdp.Empty{})
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		b.loss.lose("its process ended: " + exit.ProcessState.String())
	case b.loss.pid > 0 && processGone(b.loss.pid):
		b.loss.lose("its process ended")
	case err != nil:
		b.loss.lose("the connection to it dropped: " + err.Error())
	default:
		b.loss.lose("the connection to it dropped")
	}
}

func (b *chromiumBrowser) Lost() <-chan struct{} { return b.loss.Lost() }
func (b *chromiumBrowser) PID() int              { return b.loss.PID() }

// LostErr: chromedp reaps a dead process at once, and watch waits at most a second more for
// the exit status, so two seconds of settling are plenty.
func (b *chromiumBrowser) LostErr() error {
	if err := b.loss.noticed(); err != nil {
		return err
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil
	}
	return b.loss.lostErr(2 * time.Second)
}

func (b *chromiumBrowser) Kind() Kind      { return Chromium }
func (b *chromiumBrowser) Version() string { return b.version }

// NewSession opens a new tab in the default browser context: push does not work in Chromium's
// incognito-like contexts, so sessions share one profile; use a fresh origin per session.
func (b *chromiumBrowser) NewSession(ctx context.Context) (Session, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errors.New("chromium: browser closed")
	}
	b.mu.Unlock()
	tabCtx, cancel := chromedp.NewContext(b.ctx)
	s := &chromiumSession{b: b, ctx: tabCtx, cancel: cancel, origins: map[string]bool{},
		regs: map[serviceworker.RegistrationID]*serviceworker.Registration{}}
	// Listen opens the tab. Its context is the tab's (the listener lives as long as the tab), so
	// ctx bounds the wait from outside.
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Listen(tabCtx, s.onEvent) }()
	select {
	case err := <-opened:
		if err != nil {
			cancel()
			return nil, fmt.Errorf("chromium: new tab: %w", err)
		}
	case <-ctx.Done():
		cancel()
		return nil, fmt.Errorf("chromium: new tab: %w", ctx.Err())
	}
	cctx, done := s.within(ctx)
	defer done()
	// Evidence: the DevTools Background Services recorder (docs/chromium-fcm.md §10) and service
	// worker registrations (for the SW-only path).
	var errs []error
	for _, svc := range []backgroundservice.ServiceName{backgroundservice.ServiceNamePushMessaging, backgroundservice.ServiceNameNotifications} {
		_, err := chromedp.Call(cctx, backgroundservice.SetRecording, backgroundservice.SetRecordingParams{ShouldRecord: true, Service: svc})
		errs = append(errs, err)
		_, err = chromedp.Call(cctx, backgroundservice.StartObserving, backgroundservice.StartObservingParams{Service: svc})
		errs = append(errs, err)
	}
	_, err := chromedp.Call(cctx, serviceworker.Enable, cdp.Empty{})
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		cancel()
		return nil, fmt.Errorf("chromium: session set-up: %w", err)
	}
	b.mu.Lock()
	b.sessions[s] = struct{}{}
	b.mu.Unlock()
	return s, nil
}

func (b *chromiumBrowser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	sessions := make([]*chromiumSession, 0, len(b.sessions))
	for s := range b.sessions {
		sessions = append(sessions, s)
	}
	b.mu.Unlock()
	for _, s := range sessions {
		s.Close()
	}
	if b.cancel != nil {
		b.cancel()
	}
	b.cancelAlloc() // waits for the process to exit
	if b.userDataDir != "" {
		return removeProfileDir(b.userDataDir)
	}
	return nil
}

// removeProfileDir removes a browser profile directory, retrying for a few seconds: Chromium's
// helper processes can outlive the browser process by a moment and keep writing into it, and
// RemoveAll then fails with "directory not empty".
func removeProfileDir(dir string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond) // polling a directory: there is no event to wait for
	}
}

// chromiumSession is one tab.
type chromiumSession struct {
	b      *chromiumBrowser
	ctx    context.Context // the tab's chromedp context
	cancel context.CancelFunc

	mu      sync.Mutex
	origins map[string]bool // origins navigated to; events are filtered by them
	events  []originEvent
	regs    map[serviceworker.RegistrationID]*serviceworker.Registration
	changed await.Changed // notified whenever events or regs change
	closed  bool
}

type originEvent struct {
	origin string // without the trailing slash DevTools adds
	Event
}

// within derives a context of the tab that also ends with ctx (and carries its deadline), so a
// caller's timeout bounds one command without closing the tab.
func (s *chromiumSession) within(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(s.ctx)
	if d, ok := ctx.Deadline(); ok {
		var cancelD context.CancelFunc
		c, cancelD = context.WithDeadline(c, d)
		prev := cancel
		cancel = func() { cancelD(); prev() }
	}
	stop := context.AfterFunc(ctx, cancel)
	return c, func() { stop(); cancel() }
}

// onEvent runs on chromedp's reader goroutine: record and return, no commands.
func (s *chromiumSession) onEvent(ev any) {
	switch e := ev.(type) {
	case *backgroundservice.EventBackgroundServiceEventReceived:
		bse := e.BackgroundServiceEvent
		if bse == nil {
			return
		}
		at := time.Now()
		if ts := bse.Timestamp.Float64(); ts > 0 { // the browser's clock, seconds since the epoch
			at = time.UnixMicro(int64(ts * 1e6))
		}
		oe := originEvent{origin: strings.TrimSuffix(bse.Origin, "/"), Event: Event{
			Time: at, Service: string(bse.Service), Name: bse.EventName, Instance: bse.InstanceID,
		}}
		if len(bse.EventMetadata) > 0 {
			oe.Metadata = map[string]string{}
			for _, m := range bse.EventMetadata {
				oe.Metadata[m.Key] = m.Value
			}
		}
		s.mu.Lock()
		s.events = append(s.events, oe)
		s.notifyLocked()
		s.mu.Unlock()
	case *serviceworker.EventWorkerRegistrationUpdated:
		s.mu.Lock()
		for _, r := range e.Registrations {
			if r.IsDeleted {
				delete(s.regs, r.RegistrationID)
			} else {
				s.regs[r.RegistrationID] = r
			}
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
}

func (s *chromiumSession) notifyLocked() { s.changed.Notify() }

// await waits until cond (called under s.mu) holds; it errs when ctx ends, or at once with
// the *LostError when the browser goes away.
func (s *chromiumSession) await(ctx context.Context, cond func() bool) error {
	var lost <-chan struct{}
	if s.b.loss != nil {
		lost = s.b.loss.Lost()
	}
	err := s.changed.Until(ctx, &s.mu, cond, lost)
	if errors.Is(err, await.ErrAborted) {
		return s.b.loss.noticed()
	}
	return err
}

// GrantNotifications grants the notifications permission to origin.
func (s *chromiumSession) GrantNotifications(ctx context.Context, origin string) error {
	return s.setNotifications(ctx, origin, cdpbrowser.PermissionSettingGranted)
}

// RevokeNotifications denies the notifications permission to origin. DevTools' setPermission is
// an override, not a user's change of the content setting: Chromium's push service does not hear
// of it at once (getSubscription() kept the subscription for 15 s after a "denied" override) but
// checks it when the next message for the origin arrives, drops that message and unsubscribes.
func (s *chromiumSession) RevokeNotifications(ctx context.Context, origin string) error {
	return s.setNotifications(ctx, origin, cdpbrowser.PermissionSettingDenied)
}

// setNotifications sets the notifications permission of origin (CDP Browser.setPermission).
func (s *chromiumSession) setNotifications(ctx context.Context, origin string, setting cdpbrowser.PermissionSetting) error {
	cctx, done := s.within(ctx)
	defer done()
	_, err := chromedp.CallBrowser(cctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"},
		Setting:    setting,
		Origin:     strings.TrimSuffix(origin, "/"),
	})
	if err != nil {
		return fmt.Errorf("chromium: set notifications to %s for %s: %w", setting, origin, err)
	}
	return nil
}

func (s *chromiumSession) Navigate(ctx context.Context, rawURL string) error {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		s.mu.Lock()
		s.origins[u.Scheme+"://"+u.Host] = true
		s.mu.Unlock()
	}
	cctx, done := s.within(ctx)
	defer done()
	if err := chromedp.Do(cctx, chromedp.Navigate(rawURL)); err != nil {
		return fmt.Errorf("chromium: navigate %s: %w", rawURL, err)
	}
	return nil
}

func (s *chromiumSession) Eval(ctx context.Context, expr string) (json.RawMessage, error) {
	cctx, done := s.within(ctx)
	defer done()
	raw, err := chromedp.Run(cctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("chromium: eval: %w", err)
	}
	if len(raw) == 0 { // undefined
		return json.RawMessage("null"), nil
	}
	return json.RawMessage(raw), nil
}

// PushEvents returns the DevTools Background Services events (pushMessaging, notifications) of
// the origins this session navigated to (all origins before the first navigation).
func (s *chromiumSession) PushEvents() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.events {
		if len(s.origins) == 0 || s.origins[e.origin] {
			out = append(out, e.Event)
		}
	}
	return out
}

// AwaitPushEvent waits for a recorded event (see PushEvents) that pred accepts and returns it; it
// errs only when ctx ends.
func (s *chromiumSession) AwaitPushEvent(ctx context.Context, pred func(Event) bool) (Event, error) {
	var found Event
	err := s.await(ctx, func() bool {
		for _, e := range s.events {
			if (len(s.origins) == 0 || s.origins[e.origin]) && pred(e.Event) {
				found = e.Event
				return true
			}
		}
		return false
	})
	return found, err
}

func (s *chromiumSession) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel() // closes the tab
	s.b.mu.Lock()
	delete(s.b.sessions, s)
	s.b.mu.Unlock()
	return nil
}

// EventAwaiter is implemented by sessions whose Events can be waited for (Chromium).
type EventAwaiter interface {
	AwaitPushEvent(ctx context.Context, pred func(Event) bool) (Event, error)
}

// PathSWOnly labels results obtained without the push service: the push event was injected into
// the service worker through DevTools. Such a result says nothing about subscription, push
// service, encryption, VAPID or decryption, and must never be reported as end to end.
const PathSWOnly = "sw-only"

// SWOnlyPusher is implemented by sessions that can fire a push event straight into a service
// worker (Chromium's ServiceWorker.deliverPushMessage, docs/chromium-fcm.md §11).
type SWOnlyPusher interface {
	// ServiceWorkerRegistrationID waits until a live service worker registration whose scope
	// starts with scopePrefix (e.g. the origin + "/") exists and returns its id.
	ServiceWorkerRegistrationID(ctx context.Context, scopePrefix string) (string, error)
	// DeliverPushMessage fires a push event with data as its text ("" gives event.data ===
	// null) in the registration's service worker.
	DeliverPushMessage(ctx context.Context, origin, registrationID, data string) (SWOnlyDelivery, error)
}

// SWOnlyDelivery records one SW-only push; Path is always PathSWOnly.
type SWOnlyDelivery struct {
	Path           string    `json:"path"`
	Origin         string    `json:"origin"`
	RegistrationID string    `json:"registrationId"`
	Data           string    `json:"data"`
	At             time.Time `json:"at"`
	Note           string    `json:"note"`
}

func (s *chromiumSession) ServiceWorkerRegistrationID(ctx context.Context, scopePrefix string) (string, error) {
	var id string
	err := s.await(ctx, func() bool {
		ids := make([]string, 0, len(s.regs))
		for rid, r := range s.regs {
			if strings.HasPrefix(r.ScopeURL, scopePrefix) {
				ids = append(ids, string(rid))
			}
		}
		if len(ids) == 0 {
			return false
		}
		slices.Sort(ids)
		id = ids[0]
		return true
	})
	if err != nil {
		return "", fmt.Errorf("chromium: no service worker registration under %s: %w", scopePrefix, err)
	}
	return id, nil
}

func (s *chromiumSession) DeliverPushMessage(ctx context.Context, origin, registrationID, data string) (SWOnlyDelivery, error) {
	d := SWOnlyDelivery{Path: PathSWOnly, Origin: strings.TrimSuffix(origin, "/"), RegistrationID: registrationID,
		Data: data, At: time.Now(),
		Note: "DevTools ServiceWorker.deliverPushMessage: no subscription, push service, encryption, VAPID or decryption involved"}
	cctx, done := s.within(ctx)
	defer done()
	_, err := chromedp.Call(cctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
		Origin: d.Origin, RegistrationID: serviceworker.RegistrationID(registrationID), Data: data,
	})
	if err != nil {
		return d, fmt.Errorf("chromium: deliverPushMessage: %w", err)
	}
	return d, nil
}

// PushWarmer is implemented by browsers whose push client starts lazily (Chromium's GCM client
// checks in on the first subscribe(), ~2 s). WarmUpPush pays that once per process: it serves a
// throwaway page with a service worker on 127.0.0.1, subscribes with a throwaway VAPID key and
// unsubscribes, and returns how long subscribe() took.
type PushWarmer interface {
	WarmUpPush(ctx context.Context) (WarmUp, error)
}

// WarmUp is what WarmUpPush measured.
type WarmUp struct {
	Subscribe time.Duration `json:"subscribe"` // the cold subscribe(), page-side performance.now()
	Endpoint  string        `json:"endpoint"`  // the endpoint Chromium built (its host is compiled in)
}

const warmPage = `<!doctype html><meta charset="utf-8"><title>pushspec chromium warm-up</title>`

// The worker shows a notification for any push, as Chromium requires of user-visible pushes.
const warmWorker = `self.addEventListener('push', e => e.waitUntil(self.registration.showNotification('pushspec warm-up')));`

func (b *chromiumBrowser) WarmUpPush(ctx context.Context) (WarmUp, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return WarmUp{}, fmt.Errorf("chromium: warm-up page: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, warmPage)
	})
	mux.HandleFunc("GET /sw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, warmWorker)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	origin := "http://" + ln.Addr().String()

	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return WarmUp{}, err
	}
	appKey := base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes())

	sess, err := b.NewSession(ctx)
	if err != nil {
		return WarmUp{}, err
	}
	defer sess.Close()
	if err := sess.GrantNotifications(ctx, origin); err != nil {
		return WarmUp{}, err
	}
	if err := sess.Navigate(ctx, origin+"/"); err != nil {
		return WarmUp{}, err
	}
	raw, err := sess.Eval(ctx, `(async () => {
		const reg = await navigator.serviceWorker.register('/sw.js');
		await navigator.serviceWorker.ready;
		const t0 = performance.now();
		const sub = await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: '`+appKey+`'});
		const ms = performance.now() - t0;
		const endpoint = sub.endpoint;
		await sub.unsubscribe();
		await reg.unregister();
		return {ms, endpoint};
	})()`)
	if err != nil {
		return WarmUp{}, fmt.Errorf("chromium: warm-up subscribe: %w", err)
	}
	var res struct {
		MS       float64 `json:"ms"`
		Endpoint string  `json:"endpoint"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return WarmUp{}, fmt.Errorf("chromium: warm-up result %s: %w", raw, err)
	}
	return WarmUp{Subscribe: time.Duration(res.MS * float64(time.Millisecond)), Endpoint: res.Endpoint}, nil
}
