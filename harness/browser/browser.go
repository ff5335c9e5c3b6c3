// Package browser drives real browsers for pushspec behind one small interface: Chromium through
// chromedp (CDP) in chromium.go, Firefox ESR through playwright-go (WebDriver BiDi) in firefox.go.
// Every browser it starts is loopback-only (the switches of docs/chromium-fcm.md §2, the prefs of
// docs/firefox-autopush.md §2).
package browser

import (
	"context"
	"encoding/json"
	"io"
	"time"
)

// Kind names a browser family.
type Kind string

const (
	Chromium Kind = "chromium"
	Firefox  Kind = "firefox"
)

// Browser is one running browser process (or a remote one). One per test process: starting a
// browser costs seconds, so specs share it and isolate themselves with a fresh Session.
type Browser interface {
	Kind() Kind
	// Version is the product version, e.g. "156.0.8078.73" or "153.7.0esr".
	Version() string
	// NewSession opens a browsing session with one page: for Firefox a page of one user context
	// all sessions share (a page a closed session left idle, or a new one), for Chromium (whose
	// push does not work in incognito contexts) a new tab in the default profile. Give each
	// session a fresh site origin: that is what isolates it (permissions, service workers, push
	// subscriptions and notifications are per origin).
	NewSession(ctx context.Context) (Session, error)
	Close() error
}

// Session is an isolated browsing context with one page.
type Session interface {
	// GrantNotifications grants the notifications permission to origin ("http://localhost:1234",
	// no trailing slash). Needed before subscribe() and showNotification().
	GrantNotifications(ctx context.Context, origin string) error
	// Navigate loads url and waits for the load event.
	Navigate(ctx context.Context, url string) error
	// Eval evaluates a JavaScript expression in the page, awaits it if it is a promise, and
	// returns its value as JSON. Return plain data (JSON.stringify-able) from expressions.
	Eval(ctx context.Context, expr string) (json.RawMessage, error)
	Close() error
}

// Events are optional evidence sources a browser may offer, found by type assertion on Session.
// Chromium implements it with DevTools BackgroundService recording (pushMessaging, notifications).
type Events interface {
	// PushEvents returns the push and notification events recorded so far in this session.
	PushEvents() []Event
}

// Event is one browser-reported event (for evidence in reports).
type Event struct {
	Time     time.Time         `json:"time"`
	Service  string            `json:"service"` // "pushMessaging", "notifications"
	Name     string            `json:"name"`    // "Push message received", "Notification displayed", ...
	Instance string            `json:"instance,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// LaunchOptions configure a browser start. Zero values work for the fields a kind does not use.
type LaunchOptions struct {
	// ExecPath is the browser binary; "" means /usr/bin/chromium or /usr/bin/firefox-esr.
	ExecPath string
	// AutopushURL is Firefox's dom.push.serverURL, e.g. "ws://127.0.0.1:PORT/autopush/".
	AutopushURL string
	// The FCM emulation Chromium is pointed at with --gcm-checkin-url, --gcm-registration-url,
	// --gcm-mcs-endpoint; MCSCertSPKI is base64(SHA-256(SubjectPublicKeyInfo DER)) of the MCS
	// server's certificate, for --ignore-certificate-errors-spki-list.
	GCMCheckinURL      string
	GCMRegistrationURL string
	MCSEndpoint        string
	MCSCertSPKI        string
	// Remote, when set, connects to a running browser instead of starting one: a CDP endpoint
	// (ws://…/devtools/browser/…) for Chromium, a Playwright server ws endpoint for Firefox.
	Remote string
	// Log receives the browser's stdout and stderr (evidence); nil discards them.
	Log io.Writer
	// RealPushServices starts the browser with its normal network and its vendor's push
	// service (PUSHSPEC_PUSH_SERVICE=real): Chromium without --host-resolver-rules and the
	// --gcm-* switches (Google's FCM), Firefox without the no-network prefs and with
	// dom.push.serverURL at Mozilla's autopush (MozillaPushServerURL). The GCM and autopush
	// fields above are then ignored. For users with internet; never used in tests or CI here.
	RealPushServices bool
	// AdvertiseHost, when set, is the host name in every URL pushspec hands the browser (the
	// fixture site's origins, the --gcm-* URLs, dom.push.serverURL), and AdvertiseIP the
	// address pushspec listens on, where that name must lead. A browser pushspec starts resolves
	// the name to AdvertiseIP itself (Chromium's host-resolver rules, Firefox's
	// network.dns.forceResolve) and treats its origins as secure contexts (AdvertiseSwitches,
	// FirefoxAdvertisePrefs); AdvertiseIP must then be a loopback address. A remote browser
	// needs the same from whoever started it. Empty: localhost and 127.0.0.1.
	AdvertiseHost string
	AdvertiseIP   string
	// FirefoxPrefs are extra prefs for a Firefox pushspec starts, set over its own (ignored with
	// Remote). A test that is about pushspec rather than Firefox's policies can lift one, e.g.
	// dom.push.maxQuotaPerSubscription for a long burst. The no-network prefs, network.* and
	// dom.push.serverURL cannot be changed: launching fails instead.
	FirefoxPrefs map[string]any
}

// InsecureTestHost is a host name both browsers resolve to 127.0.0.1 (Chromium's host-resolver
// rules, Firefox's network.dns.localDomains). A page loaded from http://InsecureTestHost:port/
// reaches the fixture site on loopback yet is not a secure context — neither localhost nor a
// loopback address — which is what pushapi-secure-context-only needs.
const InsecureTestHost = "pushspec-insecure.test"

// PermissionRevoker is a Session that can take the notifications permission back from an
// origin, as a user does in the browser's settings (pushapi-permission-revoke-deactivates).
type PermissionRevoker interface {
	RevokeNotifications(ctx context.Context, origin string) error
}

// MozillaPushServerURL is Firefox's default dom.push.serverURL: Mozilla's autopush.
const MozillaPushServerURL = "wss://push.services.mozilla.com/"
