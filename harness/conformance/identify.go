package conformance

import "sync"

// A spec's target is declared while the ginkgo tree is built, before anything has started; some
// of what the report shows about it is known only later: a browser's product and version once it
// launched, a remote push service's once it answered. Identify records it, and every conformance
// spec of the target that ends afterwards in this process reports its target with it.

var (
	identityMu sync.Mutex
	identities = map[string]func() Target{}
)

// Identify records what the target with t.ID turned out to be: its Name (when the declared one
// is empty or just the ID) and its Version (when the declared one is empty). A later call for
// the same ID replaces the earlier one (a browser restarted at another version).
func Identify(t Target) {
	IdentifyFunc(t.ID, func() Target { return t })
}

// IdentifyFunc is Identify with the details asked from fn as each spec of target id ends: for a
// target made of others (an interop cell: a browser and a sender), whose parts are identified
// at different times. fn returns the details it knows; empty fields leave the declared ones.
func IdentifyFunc(id string, fn func() Target) {
	identityMu.Lock()
	defer identityMu.Unlock()
	identities[id] = fn
}

// Identified returns t completed with what Identify recorded for its ID.
func Identified(t Target) Target {
	identityMu.Lock()
	fn := identities[t.ID]
	identityMu.Unlock()
	if fn == nil {
		return t
	}
	d := fn()
	if d.Name != "" && (t.Name == "" || t.Name == t.ID) {
		t.Name = d.Name
	}
	if t.Version == "" {
		t.Version = d.Version
	}
	if t.Kind == "" {
		t.Kind = d.Kind
	}
	return t
}
