package conformance

import "sync"

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
var KnownDeviations = []Deviation{}

// EvidenceKnownDeviation is the evidence key that marks a result as a known deviation (its value
// is the reason) or a stale entry (value prefixed "stale: ").
const EvidenceKnownDeviation = "known_deviation"

var (
	deviationsMu sync.RWMutex
	extra        []Deviation
)

// AddKnownDeviation registers a deviation at run time (for tests of the mechanism, or suites that
// compute their list); the static list above is the reviewed one.
func AddKnownDeviation(d Deviation) {
	deviationsMu.Lock()
	extra = append(extra, d)
	deviationsMu.Unlock()
}

// KnownDeviation returns the reviewed deviation for (target, rule), if any.
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
