package conformance

import (
	"strings"
	"sync"

	"github.com/pushspec/pushspec/rules"
)

// Deviation is a reviewed, documented case of a real implementation breaking a rule: the result
// stays `fail` (the report tells the truth, with the evidence), but the ginkgo spec does not fail
// and `pushspec run` does not turn red for it, so that CI guards against new failures only.
//
// Add an entry only after reading the evidence of a real run, with the reason and where it was
// seen. An entry whose check passes is reported as stale, so the list cannot rot silently.
type Deviation struct {
	Target string // target ID: "chromium", "firefox", "fake:autopush", …
	Rule   string // rule ID
	Reason string // what the implementation does instead, and where that was seen
}

// KnownDeviations is the reviewed list. Keep it sorted by target, then rule.
var KnownDeviations = []Deviation{
	// Chromium 156 (Debian chromium 156.0.8078.108), seen in specs/useragent, 2026-11-27.
	{"chromium", rules.PMDArrayBuffer.ID, "a payload that is not valid UTF-8 (the 256 octet values) reaches the service worker with event.data null: Chromium drops non-UTF-8 payloads before the push event"},
	{"chromium", rules.PMDTextUTF8.ID, "event.data is null for a payload that is not valid UTF-8 (no U+FFFD replacement), and text() keeps a leading UTF-8 BOM"},
	{"chromium", rules.PushDataEmptyPayload.ID, "a 103-octet aes128gcm body with an empty plaintext fires no push event; Chromium logs \"smaller than smallest valid message (104 bytes)\""},
	{"chromium", rules.SecureContextOnly.ID, "the PushManager and PushSubscription interface objects are exposed on an insecure http:// origin (Blink's push_manager.idl has no [SecureContext]); navigator.serviceWorker and ServiceWorkerRegistration are not, so no subscription can be reached there"},
	{"chromium", rules.SubscribeKeyNotP256.ID, "65 × 0x04 passes Blink's key check (length and 0x04 prefix only) and is refused later by the push service: AbortError \"push service error\" instead of InvalidAccessError"},
	{"chromium", rules.SubscribeKeyRequired.ID, "subscribe() without applicationServerKey rejects with AbortError \"missing applicationServerKey, and manifest empty or missing\", not NotSupportedError"},
	{"chromium", rules.SubscribeNoActiveWorker.ID, "subscribe() from the install handler (no active worker) rejects with AbortError \"Subscription failed - no active Service Worker\", not InvalidStateError"},
	{"chromium", rules.SubscriptionGetKeyFreshBuffer.ID, "getKey() returns the same ArrayBuffer on every call, so a caller that detaches or changes it affects later calls"},

	// Firefox ESR 153 (Debian firefox-esr 153.7.0), seen in specs/useragent, 2026-11-27.
	{"firefox", rules.NotificationActionsCapped.ID, "Notification.actions is not a frozen array of frozen objects"},
	{"firefox", rules.NotificationCloseRemoves.ID, "getNotifications() right after close() still lists the closed notification (close is asynchronous in Firefox's notification DB)"},
	{"firefox", rules.NotificationGetCreationOrder.ID, "getNotifications() does not list notifications in creation order (seen: o2 o1 o4 o3 o5, stable over rounds)"},
	{"firefox", rules.NotificationRenotifyNeedsTag.ID, "showNotification({renotify: true}) without a tag resolves instead of rejecting with TypeError"},
	{"firefox", rules.NotificationSilentWithVibrate.ID, "showNotification({silent: true, vibrate: [100]}) resolves instead of rejecting with TypeError"},
	{"firefox", rules.NotificationTimestampDefault.ID, "Notification.timestamp is not exposed (undefined)"},
	{"firefox", rules.AckAfterWaitUntil.ID, "the autopush ack is sent right after the push event is dispatched (about 12 ms), before the waitUntil promise (held 1 s) settles"},
	{"firefox", rules.SubscribeNoActiveWorker.ID, "subscribe() from the install handler, while the registration has no active worker, resolves with a working endpoint instead of rejecting with InvalidStateError"},
}

// SpecDeviation is a reviewed deviation that holds for some of a rule's specs only: those whose
// full text (containers and text) contains Spec. The rule's other specs are graded as usual, and
// are not reported as stale entries when they pass.
type SpecDeviation struct {
	Deviation
	Spec string
}

// KnownSpecDeviations is the reviewed list of deviations narrowed to specs. Keep it sorted by
// target, then rule.
var KnownSpecDeviations = []SpecDeviation{
	// Chromium 156 (Debian chromium 156.0.8078.108), seen in specs/useragent, 2026-11-27.
	{Deviation{"chromium", rules.UndecryptableNoEvent.ID, "a payload delivered without a content coding (MCS raw_data, no content-encoding app data) fires a push event with event.data null: DevTools records \"Push message received\" Success=Yes, Was Encrypted=No. The bytes never reach the worker, but a message that cannot be decrypted fires a push event"},
		"fires no push event for a payload delivered without a content coding"},
}

// EvidenceKnownDeviation is the evidence key that marks a result as a known deviation (its value
// is the reason) or a stale entry (value prefixed "stale: ").
const EvidenceKnownDeviation = "known_deviation"

var (
	deviationsMu sync.RWMutex
	extra        []Deviation
	extraSpec    []SpecDeviation
)

// AddKnownDeviation registers a deviation at run time (for tests of the mechanism, or suites that
// compute their list); the static list above is the reviewed one.
func AddKnownDeviation(d Deviation) {
	deviationsMu.Lock()
	extra = append(extra, d)
	deviationsMu.Unlock()
}

// AddKnownSpecDeviation registers a spec-narrowed deviation at run time, as AddKnownDeviation.
func AddKnownSpecDeviation(d SpecDeviation) {
	deviationsMu.Lock()
	extraSpec = append(extraSpec, d)
	deviationsMu.Unlock()
}

// KnownDeviation returns the reviewed deviation for (target, rule) that covers every spec of the
// rule, if any.
func KnownDeviation(target, rule string) (Deviation, bool) {
	deviationsMu.RLock()
	defer deviationsMu.RUnlock()
	for _, list := range [][]Deviation{KnownDeviations, extra} {
		for _, d := range list {
			if d.Target == target && d.Rule == rule {
				return d, true
			}
		}
	}
	return Deviation{}, false
}

// KnownDeviationIn returns the reviewed deviation for (target, rule) that covers the spec with
// full text spec: a whole-rule entry, or a SpecDeviation whose Spec the text contains.
func KnownDeviationIn(target, rule, spec string) (Deviation, bool) {
	if d, ok := KnownDeviation(target, rule); ok {
		return d, true
	}
	deviationsMu.RLock()
	defer deviationsMu.RUnlock()
	for _, list := range [][]SpecDeviation{KnownSpecDeviations, extraSpec} {
		for _, d := range list {
			if d.Target == target && d.Rule == rule && d.Spec != "" && strings.Contains(spec, d.Spec) {
				return d.Deviation, true
			}
		}
	}
	return Deviation{}, false
}
