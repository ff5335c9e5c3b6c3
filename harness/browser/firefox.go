package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mxschmitt/playwright-go"

	"github.com/pushspec/pushspec/internal/modroot"
)

// Firefox ESR is driven through playwright-go over WebDriver BiDi (the "moz-firefox" channel),
// never Juggler: the system firefox-esr is used as is. Facts: docs/firefox-autopush.md §1.

// DefaultFirefoxPath is the Firefox binary used when LaunchOptions.ExecPath is "".
const DefaultFirefoxPath = "/usr/bin/firefox-esr"

func init() { registerLauncher(Firefox, launchFirefox) }

// FirefoxNoNetworkPrefs keep Firefox off the network (docs/firefox-autopush.md §2.3). They need
// MOZ_REMOTE_SETTINGS_DEVTOOLS=1 in the environment, or ESR ignores services.settings.server.
//
// Checked with strace -f over a whole user-agent suite run: every AF_INET/AF_INET6 connect() was
// to 127.0.0.1 or ::1 ("localhost" is tried on ::1 first, refused, then 127.0.0.1), no DNS
// query, no UDP. What remains is NetlinkService's RTM_GETROUTE for 23.219.91.27 and an Akamai
// IPv6 address: a kernel route lookup hard-coded in libxul (no pref), which sends no packet.
var FirefoxNoNetworkPrefs = map[string]any{
	"services.settings.server": "data:,#remote-settings-dummy/v1",
	// InsecureTestHost resolves to localhost without DNS (an insecure origin on loopback).
	"network.dns.localDomains":                        InsecureTestHost,
	"network.proxy.type":                              0,
	"network.captive-portal-service.enabled":          false,
	"network.connectivity-service.enabled":            false,
	"network.prefetch-next":                           false,
	"network.predictor.enabled":                       false,
	"network.dns.disablePrefetch":                     true,
	"network.http.speculative-parallel-limit":         0,
	"app.update.auto":                                 false,
	"app.update.disabledForTesting":                   true,
	"app.normandy.enabled":                            false,
	"app.normandy.api_url":                            "",
	"browser.safebrowsing.malware.enabled":            false,
	"browser.safebrowsing.phishing.enabled":           false,
	"browser.safebrowsing.downloads.enabled":          false,
	"browser.safebrowsing.blockedURIs.enabled":        false,
	"browser.safebrowsing.update.enabled":             false,
	"browser.safebrowsing.provider.mozilla.updateURL": "",
	"toolkit.telemetry.enabled":                       false,
	"toolkit.telemetry.server":                        "",
	"datareporting.policy.dataSubmissionEnabled":      false,
	"datareporting.healthreport.uploadEnabled":        false,
	"browser.ping-centre.telemetry":                   false,
	"extensions.update.enabled":                       false,
	"extensions.getAddons.cache.enabled":              false,
	"extensions.systemAddon.update.enabled":           false,
	"browser.search.update":                           false,
	"browser.region.network.url":                      "",
	"identity.fxaccounts.enabled":                     false,
	"browser.shell.checkDefaultBrowser":               false,
	"browser.newtabpage.enabled":                      false,
	"browser.aboutwelcome.enabled":                    false,
	"browser.startup.page":                            0,
	"browser.startup.homepage_override.mstone":        "ignore",
}

// FirefoxPushPrefs returns the prefs that make Firefox's push client talk to autopushURL
// (docs/firefox-autopush.md §2.1, §2.2).
func FirefoxPushPrefs(autopushURL string) map[string]any {
	return map[string]any{
		"dom.push.enabled":   true,
		"dom.push.serverURL": autopushURL,
		// Without it a ws:// server URL selects no backend: subscribe() rejects with AbortError.
		"dom.push.testing.allowInsecureServerURL": true,
		// The remote agent turns push off unless this has a user value.
		"dom.push.connection.enabled": true,
		// Headless without a D-Bus notification daemon, system alerts fail every
		// showNotification(); Firefox's own alerts work headless.
		"alerts.useSystemBackend": false,
		// Firefox's "Block new requests asking to allow notifications": an origin pushspec did
		// not grant is denied (Notification.permission "denied") rather than left at a prompt
		// headless mode never answers, which is the denied profile pushapi-subscribe-permission-
		// denied needs. Origins pushspec grants (BiDi permissions.setPermission) are unaffected.
		"permissions.default.desktop-notification": 2,
		// Reconnect 500 ms after a drop instead of 5 s.
		"dom.push.retryBaseInterval": 500,
		"dom.serviceWorkers.enabled": true,
		// Not dom.serviceWorkers.testing.enabled: the fixture's origins (http://localhost,
		// http://127.0.0.1) are secure contexts already, and the flag would open service workers
		// (and so pushManager) to insecure origins too, which pushapi-secure-context-only checks.
		// PushService decisions and every frame on stdout (evidence when a spec fails).
		"dom.push.loglevel":               "All",
		"devtools.console.stdout.chrome":  true,
		"devtools.console.stdout.content": true,
		"browser.dom.window.dump.enabled": true,
	}
}

// FirefoxPrefs is every pref pushspec gives Firefox: no-network plus push.
func FirefoxPrefs(autopushURL string) map[string]any {
	out := map[string]any{}
	for k, v := range FirefoxNoNetworkPrefs {
		out[k] = v
	}
	for k, v := range FirefoxPushPrefs(autopushURL) {
		out[k] = v
	}
	return out
}

// FirefoxRealPrefs are the prefs of a Firefox that uses Mozilla's autopush with its normal network
// (LaunchOptions.RealPushServices): push on and pointed at MozillaPushServerURL, the first-run
// and start-page quieting of FirefoxNoNetworkPrefs, none of its network switches.
func FirefoxRealPrefs() map[string]any {
	out := map[string]any{}
	for k, v := range FirefoxPushPrefs(MozillaPushServerURL) {
		out[k] = v
	}
	// A wss:// server needs no exception for insecure URLs.
	delete(out, "dom.push.testing.allowInsecureServerURL")
	for _, k := range []string{"browser.shell.checkDefaultBrowser", "browser.newtabpage.enabled",
		"browser.aboutwelcome.enabled", "browser.startup.page", "browser.startup.homepage_override.mstone"} {
		if v, ok := FirefoxNoNetworkPrefs[k]; ok {
			out[k] = v
		}
	}
	return out
}

// FirefoxLaunchPrefs are the prefs of a Firefox pushspec starts for o (not in real mode):
// FirefoxPrefs(o.AutopushURL), the advertised host's (FirefoxAdvertisePrefs), then o.FirefoxPrefs.
// A Playwright server that pushspec drives as a remote on this machine is launched with them
// (and FirefoxEnv()).
func FirefoxLaunchPrefs(o LaunchOptions) (map[string]any, error) {
	if err := checkExtraPrefs(o.FirefoxPrefs); err != nil {
		return nil, err
	}
	if err := checkAdvertise(o); err != nil {
		return nil, err
	}
	if o.AutopushURL == "" {
		return nil, errors.New("browser: Firefox needs LaunchOptions.AutopushURL (the push server must be up before launch)")
	}
	prefs := withExtraPrefs(FirefoxPrefs(o.AutopushURL), FirefoxAdvertisePrefs(o.AdvertiseHost, o.AdvertiseIP))
	return withExtraPrefs(prefs, o.FirefoxPrefs), nil
}

// FirefoxEnv is the browser's environment: playwright-go's Env replaces the whole environment,
// so it starts from os.Environ().
func FirefoxEnv() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	// ESR honours services.settings.server only with this set (docs/firefox-autopush.md §2.3).
	env["MOZ_REMOTE_SETTINGS_DEVTOOLS"] = "1"
	env["MOZ_CRASHREPORTER_DISABLE"] = "1"
	return env
}

// DriverDirectory is the Playwright driver directory: PLAYWRIGHT_DRIVER_PATH, else
// <module root>/.cache/playwright-driver (what `make deps` builds).
func DriverDirectory() (string, error) {
	if d := os.Getenv("PLAYWRIGHT_DRIVER_PATH"); d != "" {
		return d, nil
	}
	root, err := modroot.Dir()
	if err != nil {
		return "", fmt.Errorf("browser: %w; set PLAYWRIGHT_DRIVER_PATH", err)
	}
	return filepath.Join(root, ".cache", "playwright-driver"), nil
}

var (
	driverMu    sync.Mutex
	driverReady string // the directory prepared by prepareDriver
)

// prepareDriver checks the driver is present and lets playwright-go patch it, without ever
// downloading anything.
func prepareDriver() (string, error) {
	driverMu.Lock()
	defer driverMu.Unlock()
	if driverReady != "" {
		return driverReady, nil
	}
	dir, err := DriverDirectory()
	if err != nil {
		return "", err
	}
	// playwright.Install downloads the driver when cli.js is missing: refuse before calling it.
	if _, err := os.Stat(filepath.Join(dir, "package", "cli.js")); err != nil {
		return "", fmt.Errorf("browser: the Playwright driver is missing (%v): run pushspec deps (or make deps)", err)
	}
	// playwright-go runs PLAYWRIGHT_NODEJS_PATH, else <driver>/node; fall back to the node on
	// PATH when neither is set. Environment is the only way to tell playwright-go.
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		if _, err := os.Stat(filepath.Join(dir, "node")); err != nil {
			node, err := exec.LookPath("node")
			if err != nil {
				return "", errors.New("browser: node not found (PLAYWRIGHT_NODEJS_PATH unset, no node on PATH): run pushspec deps (or make deps)")
			}
			os.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
		}
	}
	ro := &playwright.RunOptions{
		SkipInstallBrowsers: true,
		DriverDirectory:     dir,
		Verbose:             false,
		Stdout:              io.Discard,
	}
	if driverCurrent(dir, ro) {
		driverReady = dir
		return dir, nil
	}
	if err := playwright.Install(ro); err != nil {
		return "", fmt.Errorf("browser: preparing the Playwright driver in %s: %w (run pushspec deps or make deps)", dir, err)
	}
	driverReady = dir
	return dir, nil
}

// driverUnpatched are the driver bundle's texts that playwright.Install patches (playwright-go's
// patchDriverBundle); a bundle without them is patched already.
var driverUnpatched = []string{"pageError.location.url", "pageError.location.lineNumber", "pageError.location.columnNumber"}

// driverCurrent reports whether the driver in dir is the version playwright-go wants and its
// bundle is patched, which is all playwright.Install would make sure of. Install finds the
// version out by running `node cli.js --version`, about 0.4 s of CPU per launch on the way to the
// browser, and playwright.Run runs that check once more anyway; reading package.json and the
// bundle takes milliseconds. With PLAYWRIGHT_CLI_PATH (a driver laid out differently) it is false.
func driverCurrent(dir string, ro *playwright.RunOptions) bool {
	if os.Getenv("PLAYWRIGHT_CLI_PATH") != "" {
		return false
	}
	d, err := playwright.NewDriver(ro)
	if err != nil {
		return false
	}
	pkg, err := os.ReadFile(filepath.Join(dir, "package", "package.json"))
	if err != nil {
		return false
	}
	var meta struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(pkg, &meta) != nil || meta.Version == "" || meta.Version != d.Version {
		return false
	}
	bundle, err := os.ReadFile(filepath.Join(dir, "package", "lib", "coreBundle.js"))
	if err != nil {
		return false
	}
	for _, s := range driverUnpatched {
		if strings.Contains(string(bundle), s) {
			return false
		}
	}
	return true
}

// firefoxBrowser is one Firefox process (or a remote one) and its playwright driver.
type firefoxBrowser struct {
	pw      *playwright.Playwright
	b       playwright.Browser
	version string

	mu       sync.Mutex
	sessions map[*firefoxSession]bool
	closed   bool
	// shared is the one user context every session's page lives in, and idle the pages that
	// closed sessions left on about:blank, ready for the next. Firefox opens a window for every
	// new page (Playwright's browsingContext.create), ~350 ms, and a user context with it; a
	// session is a fresh origin of the fixture site, which is what keeps specs apart (permissions,
	// service workers, push subscriptions and notifications are all per origin).
	shared playwright.BrowserContext
	idle   []playwright.Page

	loss      *lossWatch
	driverLog *driverLog
}

func launchFirefox(ctx context.Context, o LaunchOptions) (Browser, error) {
	dir, err := prepareDriver()
	if err != nil {
		return nil, err
	}
	ro := &playwright.RunOptions{DriverDirectory: dir, Verbose: false, Stdout: io.Discard}
	type started struct {
		pw  *playwright.Playwright
		log *driverLog
	}
	st, err := call(ctx, "browser: starting the Playwright driver", func() (started, error) {
		pw, dl, err := runDriver(ro, o.Log)
		return started{pw, dl}, err
	})
	if err != nil {
		return nil, err
	}
	pw := st.pw
	// Local Firefox main processes before this launch: the one that appears is this browser's
	// (playwright-go does not tell its pid), watched for a death the driver may report late.
	before := map[int]bool{}
	if o.Remote == "" {
		before = mainProcesses(descendants("firefox"))
	}
	if o.Remote == "" {
		if err := checkExtraPrefs(o.FirefoxPrefs); err != nil {
			pw.Stop()
			return nil, err
		}
	}
	var b playwright.Browser
	if o.Remote != "" {
		// A Playwright server launched the browser with its own prefs: it must have been given
		// FirefoxLaunchPrefs and FirefoxEnv().
		b, err = call(ctx, "browser: connecting to Firefox at "+o.Remote, func() (playwright.Browser, error) {
			return pw.Firefox.Connect(o.Remote, playwright.BrowserTypeConnectOptions{Timeout: playwright.Float(timeoutMS(ctx))})
		})
	} else if o.RealPushServices {
		exe := o.ExecPath
		if exe == "" {
			exe = DefaultFirefoxPath
		}
		env := FirefoxEnv()
		delete(env, "MOZ_REMOTE_SETTINGS_DEVTOOLS")
		b, err = call(ctx, "browser: launching "+exe+" against Mozilla's push service", func() (playwright.Browser, error) {
			return pw.Firefox.Launch(playwright.BrowserTypeLaunchOptions{
				Channel:          playwright.String("moz-firefox"),
				ExecutablePath:   playwright.String(exe),
				Headless:         playwright.Bool(true),
				FirefoxUserPrefs: withExtraPrefs(FirefoxRealPrefs(), o.FirefoxPrefs),
				Env:              env,
				Timeout:          playwright.Float(timeoutMS(ctx)),
			})
		})
	} else {
		prefs, perr := FirefoxLaunchPrefs(o)
		if perr != nil {
			pw.Stop()
			return nil, perr
		}
		exe := o.ExecPath
		if exe == "" {
			exe = DefaultFirefoxPath
		}
		b, err = call(ctx, "browser: launching "+exe, func() (playwright.Browser, error) {
			return pw.Firefox.Launch(playwright.BrowserTypeLaunchOptions{
				Channel:          playwright.String("moz-firefox"),
				ExecutablePath:   playwright.String(exe),
				Headless:         playwright.Bool(true),
				FirefoxUserPrefs: prefs,
				Env:              FirefoxEnv(),
				Timeout:          playwright.Float(timeoutMS(ctx)),
			})
		})
	}
	if err != nil {
		pw.Stop()
		return nil, err
	}
	f := &firefoxBrowser{pw: pw, b: b, version: b.Version(), sessions: map[*firefoxSession]bool{}, driverLog: st.log}
	pid := 0
	if o.Remote == "" {
		pid = claimNewFirefox(before)
	}
	f.loss = newLossWatch(Firefox, pid)
	// The driver reports a browser that went away (process exit or a dropped connection) as a
	// disconnect; Close's own disconnect is not a loss.
	b.OnDisconnected(func(playwright.Browser) {
		f.mu.Lock()
		closed := f.closed
		f.mu.Unlock()
		if closed {
			return
		}
		go f.noteDisconnected()
	})
	return f, nil
}

// noteDisconnected records the loss after the driver reported a disconnect. The driver logs
// how the process ended (driverLog) a moment after the disconnect, or never when only the
// connection dropped: it waits for that line a little, then says what it knows.
func (f *firefoxBrowser) noteDisconnected() {
	pid := f.loss.pid
	if pid > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		how := f.driverLog.awaitExit(ctx, pid)
		cancel()
		if how != "" {
			f.loss.lose("its process ended: " + how)
			return
		}
		if processGone(pid) {
			f.loss.lose("its process ended (the Playwright driver, which reaps it, did not say how)")
			return
		}
	}
	f.loss.lose("the Playwright driver reported the browser disconnected")
}

func (f *firefoxBrowser) Lost() <-chan struct{} { return f.loss.Lost() }
func (f *firefoxBrowser) PID() int              { return f.loss.PID() }

// LostErr: the driver notices a dead Firefox within moments; five seconds of settling let its
// report come first.
func (f *firefoxBrowser) LostErr() error {
	if err := f.loss.noticed(); err != nil {
		return err
	}
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return nil
	}
	if err := f.loss.lostErr(5 * time.Second); err != nil {
		return err
	}
	if !f.b.IsConnected() {
		f.loss.lose("the Playwright driver reported the browser disconnected")
		return f.loss.err
	}
	return nil
}

func (f *firefoxBrowser) Kind() Kind      { return Firefox }
func (f *firefoxBrowser) Version() string { return f.version }

// NewSession hands out a page of the browser's shared user context: an idle one (left on
// about:blank by a closed session) or a new one. Callers give each session a fresh origin.
func (f *firefoxBrowser) NewSession(ctx context.Context) (Session, error) {
	bc, err := f.sharedContext(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	var page playwright.Page
	if n := len(f.idle); n > 0 {
		page, f.idle = f.idle[n-1], f.idle[:n-1]
	}
	f.mu.Unlock()
	if page == nil {
		page, err = call(ctx, "browser: new Firefox page", func() (playwright.Page, error) { return bc.NewPage() })
		if err != nil {
			return nil, err
		}
	}
	s := &firefoxSession{browser: f, bc: bc, page: page}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		page.Close()
		return nil, errors.New("browser: Firefox closed")
	}
	f.sessions[s] = true
	return s, nil
}

// sharedContext returns the user context all sessions share, creating it on first use.
func (f *firefoxBrowser) sharedContext(ctx context.Context) (playwright.BrowserContext, error) {
	f.mu.Lock()
	bc := f.shared
	f.mu.Unlock()
	if bc != nil {
		return bc, nil
	}
	bc, err := call(ctx, "browser: new Firefox context", func() (playwright.BrowserContext, error) {
		return f.b.NewContext()
	})
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shared != nil { // another session made one meanwhile
		go bc.Close()
		return f.shared, nil
	}
	f.shared = bc
	return bc, nil
}

func (f *firefoxBrowser) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.mu.Unlock()
	if f.loss != nil && f.loss.pid > 0 {
		defer releaseFirefox(f.loss.pid)
	}
	err := f.b.Close()
	if serr := f.pw.Stop(); err == nil {
		err = serr
	}
	return err
}

type firefoxSession struct {
	browser *firefoxBrowser
	bc      playwright.BrowserContext
	page    playwright.Page
	once    sync.Once
}

// GrantNotifications grants "notifications" to origin in this context (BiDi
// permissions.setPermission). The origin is always passed: without it Playwright grants only to
// the origins of frames open at that moment.
// RevokeNotifications takes the notifications permission back. Playwright can only clear every
// permission of the (shared) user context, which puts origin, and every other origin granted in
// it, back to "prompt"; sessions grant their own fresh origin when they open, so only the
// caller's origin is in use.
func (s *firefoxSession) RevokeNotifications(ctx context.Context, origin string) error {
	_, err := call(ctx, "browser: clearing the notifications permission of "+origin, func() (struct{}, error) {
		return struct{}{}, s.bc.ClearPermissions()
	})
	return err
}

func (s *firefoxSession) GrantNotifications(ctx context.Context, origin string) error {
	_, err := call(ctx, "browser: granting notifications to "+origin, func() (struct{}, error) {
		return struct{}{}, s.bc.GrantPermissions([]string{"notifications"}, playwright.BrowserContextGrantPermissionsOptions{Origin: playwright.String(origin)})
	})
	return err
}

func (s *firefoxSession) Navigate(ctx context.Context, url string) error {
	_, err := call(ctx, "browser: navigating to "+url, func() (playwright.Response, error) {
		return s.page.Goto(url, playwright.PageGotoOptions{WaitUntil: playwright.WaitUntilStateLoad, Timeout: playwright.Float(timeoutMS(ctx))})
	})
	return err
}

func (s *firefoxSession) Eval(ctx context.Context, expr string) (json.RawMessage, error) {
	v, err := call(ctx, "browser: evaluating "+shorten(expr, 80), func() (any, error) { return s.page.Evaluate(expr) })
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("browser: encoding the value of %s: %w", shorten(expr, 80), err)
	}
	return out, nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Close leaves the page on about:blank, for the next session, or closes it when that fails. The
// origin's service worker and subscriptions stay registered (nothing pushes to them again).
func (s *firefoxSession) Close() error {
	var err error
	s.once.Do(func() {
		f := s.browser
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, gerr := call(ctx, "browser: leaving the page", func() (playwright.Response, error) {
			return s.page.Goto("about:blank", playwright.PageGotoOptions{Timeout: playwright.Float(timeoutMS(ctx))})
		})
		cancel()
		f.mu.Lock()
		delete(f.sessions, s)
		reuse := gerr == nil && !f.closed
		if reuse {
			f.idle = append(f.idle, s.page)
		}
		f.mu.Unlock()
		if !reuse {
			err = s.page.Close()
		}
	})
	return err
}

// checkExtraPrefs refuses LaunchOptions.FirefoxPrefs that would change a no-network pref.
// Besides the no-network prefs it refuses dom.push.serverURL and every network.* pref, so no
// extra pref can point the browser off loopback.
func checkExtraPrefs(extra map[string]any) error {
	for k := range extra {
		_, noNetwork := FirefoxNoNetworkPrefs[k]
		if noNetwork || k == "dom.push.serverURL" || strings.HasPrefix(k, "network.") {
			return fmt.Errorf("browser: LaunchOptions.FirefoxPrefs may not change %s: it decides where Firefox connects", k)
		}
	}
	return nil
}

// withExtraPrefs returns prefs with extra set over it.
func withExtraPrefs(prefs, extra map[string]any) map[string]any {
	for k, v := range extra {
		prefs[k] = v
	}
	return prefs
}
