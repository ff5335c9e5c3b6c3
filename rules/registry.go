package rules

import (
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// idPattern is the shape of every rule ID: lower-case words joined by "-", where words after
// the first may carry dots (RFC section numbers such as "5.2" or "7.3.1").
var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9.]+)+$`)

// registry holds a catalogue. The package uses one instance; tests build their own so that
// they can exercise duplicates and Freeze without touching the real catalogue.
type registry struct {
	mu     sync.RWMutex
	byID   map[string]Rule
	frozen bool
	// snapshot is a copy of byID that lookups read without the lock: graders look a rule up for
	// every verdict, dozens per push request, from every request's goroutine. A registration
	// (at init time) clears it; the first lookup after takes a new copy.
	snapshot atomic.Pointer[map[string]Rule]
}

func newRegistry() *registry { return &registry{byID: map[string]Rule{}} }

// catalogue is the package's registry, filled by the var declarations of rfc8030.go etc.
var catalogue = newRegistry()

// validate returns why r cannot be registered, or nil. It checks what every report relies on:
// a well-formed ID that starts with its document's prefix, a level, an actor, a Seen tag, a
// summary, a check, and a Quote only where a document is quoted. A missing Quote is not refused
// here: rules_test.go holds the list of rules still without one, which may only shrink.
func validate(r Rule) error {
	switch {
	case r.ID == "":
		return fmt.Errorf("empty ID")
	case !idPattern.MatchString(r.ID):
		return fmt.Errorf("ID %q does not match %s", r.ID, idPattern)
	case r.Doc.Prefix() == "":
		return fmt.Errorf("%s: unknown doc %q", r.ID, r.Doc)
	case !strings.HasPrefix(r.ID, r.Doc.Prefix()+"-"):
		return fmt.Errorf("%s: ID does not start with %q (doc %s)", r.ID, r.Doc.Prefix()+"-", r.Doc)
	case r.Doc == PushAPI && strings.HasPrefix(r.ID, DWP.Prefix()+"-"):
		return fmt.Errorf("%s: a pushapi-dwp- ID belongs to doc %s", r.ID, DWP)
	case r.Section == "":
		return fmt.Errorf("%s: empty Section", r.ID)
	case !r.Level.Valid():
		return fmt.Errorf("%s: unknown level %q", r.ID, r.Level)
	case r.Actor == 0 || r.Actor&^(AppServer|PushService|UserAgent) != 0:
		return fmt.Errorf("%s: bad actor %d", r.ID, r.Actor)
	case r.Seen == 0 || r.Seen&^(Sender|Service|ServiceUA|Browser|RFC8030UA|Codec|Review) != 0:
		return fmt.Errorf("%s: bad seen %d", r.ID, r.Seen)
	case strings.TrimSpace(r.Summary) == "":
		return fmt.Errorf("%s: empty Summary", r.ID)
	case strings.TrimSpace(r.Check) == "":
		return fmt.Errorf("%s: empty Check", r.ID)
	case r.Quote != strings.TrimSpace(r.Quote) || strings.ContainsAny(r.Quote, "\n\t"):
		return fmt.Errorf("%s: Quote has surrounding space or a line break", r.ID)
	case r.Doc == Interop && r.Quote != "":
		return fmt.Errorf("%s: an interop rule quotes no document; it cites Ref", r.ID)
	}
	return nil
}

func (g *registry) register(r Rule) Rule {
	if err := validate(r); err != nil {
		panic("rules: Register: " + err.Error())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.frozen {
		panic(fmt.Sprintf("rules: Register(%q) after Freeze", r.ID))
	}
	if _, dup := g.byID[r.ID]; dup {
		panic(fmt.Sprintf("rules: duplicate rule ID %q", r.ID))
	}
	g.byID[r.ID] = r
	g.snapshot.Store(nil)
	return r
}

func (g *registry) freeze() { g.mu.Lock(); g.frozen = true; g.mu.Unlock() }

func (g *registry) isFrozen() bool { g.mu.RLock(); defer g.mu.RUnlock(); return g.frozen }

func (g *registry) byIDLookup(id string) (Rule, bool) {
	snap := g.snapshot.Load()
	if snap == nil {
		g.mu.RLock()
		m := maps.Clone(g.byID)
		snap = &m
		g.snapshot.Store(snap) // under the read lock: no registration can clear it meanwhile
		g.mu.RUnlock()
	}
	r, ok := (*snap)[id]
	return r, ok
}

func (g *registry) all() []Rule {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]Rule, 0, len(g.byID))
	for _, r := range g.byID {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Register adds a rule to the catalogue and returns it, so that a rule is declared as
//
//	var TTLMissing400 = rules.Register(rules.Rule{ID: "rfc8030-5.2-ttl-missing-400", ...})
//
// It panics on a malformed rule (see the ID pattern and required fields above), on a duplicate
// ID, and after Freeze: the catalogue is fixed at init time, and a bad entry should stop the
// binary before any spec runs rather than show up as a wrong report.
func Register(r Rule) Rule { return catalogue.register(r) }

// Freeze forbids further registrations. The spec wrapper calls it before the first spec runs;
// calling it again is harmless.
func Freeze() { catalogue.freeze() }

// Frozen reports whether Freeze has been called.
func Frozen() bool { return catalogue.isFrozen() }

// ByID returns the rule with that ID.
func ByID(id string) (Rule, bool) { return catalogue.byIDLookup(id) }

// MustByID returns the rule with that ID or panics; for IDs written in code.
func MustByID(id string) Rule {
	r, ok := ByID(id)
	if !ok {
		panic(fmt.Sprintf("rules: unknown rule ID %q", id))
	}
	return r
}

// MustBeCatalogued panics unless r is the rule registered under r.ID, field for field. Code that
// grades rules calls it so that an unknown rule fails loudly instead of being graded at whatever
// level the caller made up.
func MustBeCatalogued(r Rule) {
	reg, ok := ByID(r.ID)
	if !ok {
		panic(fmt.Sprintf("rules: rule %q is not in the catalogue", r.ID))
	}
	if reg != r {
		panic(fmt.Sprintf("rules: rule %q differs from its declaration in the catalogue", r.ID))
	}
}

// All returns every rule, sorted by ID.
func All() []Rule { return catalogue.all() }

// Testable returns the rules that something can decide mechanically, sorted by ID: every rule
// whose Seen is more than Review alone. Review-only rules stay in the catalogue for coverage
// and show as "not covered" (or info) in reports.
func Testable() []Rule {
	var out []Rule
	for _, r := range All() {
		if r.Seen&^Review != 0 {
			out = append(out, r)
		}
	}
	return out
}
