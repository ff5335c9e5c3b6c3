// Package rules is pushspec's rule catalogue: every testable requirement of RFC 8030, 8188, 8291,
// 8292, the W3C Push API, the WHATWG Notifications API and Declarative Web Push, as Go values with
// stable IDs, plus the outcome and verdict types that every other package reports in.
//
// It is a leaf: it imports nothing of pushspec's. The catalogue itself lives in one file per
// document (rfc8030.go, rfc8188.go, ...); golden_test.go keeps testdata/catalogue.txt in step, so
// adding, removing or rewording a rule is a visible diff.
package rules

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Doc is the document a rule comes from.
type Doc string

const (
	RFC8030       Doc = "RFC 8030"
	RFC8188       Doc = "RFC 8188"
	RFC8291       Doc = "RFC 8291"
	RFC8292       Doc = "RFC 8292"
	PushAPI       Doc = "Push API"
	Notifications Doc = "Notifications"
	DWP           Doc = "Push API (DWP)"
)

// Level is the BCP 14 keyword of the requirement.
type Level string

const (
	Must      Level = "MUST"
	MustNot   Level = "MUST NOT"
	Should    Level = "SHOULD"
	ShouldNot Level = "SHOULD NOT"
	May       Level = "MAY"
)

// Strict reports whether breaking the level is a failure (MUST, MUST NOT) rather than a
// non-strict finding (SHOULD, SHOULD NOT) or a mere observation (MAY).
func (l Level) Strict() bool { return l == Must || l == MustNot }

// Actor is who must do what the rule says. Codec rules bind more than one actor.
type Actor uint8

const (
	AppServer Actor = 1 << iota
	PushService
	UserAgent
)

// String renders the actor set as in rules.md ("application-server", "push-service", "user-agent"),
// joined with "+".
func (a Actor) String() string {
	var parts []string
	if a&AppServer != 0 {
		parts = append(parts, "application-server")
	}
	if a&PushService != 0 {
		parts = append(parts, "push-service")
	}
	if a&UserAgent != 0 {
		parts = append(parts, "user-agent")
	}
	return strings.Join(parts, "+")
}

// Seen says where a rule's behaviour can be observed at all (rules.md, "Seen by").
type Seen uint8

const (
	Sender    Seen = 1 << iota // by grading an application server's request
	Service                    // from outside a push service, pushspec as the sender
	ServiceUA                  // a push-service rule whose effect shows on the UA link
	Browser                    // needs a real browser
	RFC8030UA                  // needs a UA speaking RFC 8030's own HTTP/2 interface
	Codec                      // decidable offline from bytes
	Review                     // not mechanically decidable
)

func (s Seen) String() string {
	names := []string{"sender", "service", "service+ua", "browser", "rfc8030-ua", "codec", "review"}
	var parts []string
	for i, n := range names {
		if s&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ",")
}

// Rule is one testable requirement.
type Rule struct {
	ID      string // stable, "<doc>-<section>-<slug>", e.g. "rfc8030-5.2-ttl-missing-400"
	Doc     Doc
	Section string // "5.2"; W3C/WHATWG: heading name, e.g. "subscribe()"
	Level   Level
	Implied bool // † in rules.md: stated without a BCP 14 keyword; the level is our reading
	Actor   Actor
	Seen    Seen
	Summary string // one-line paraphrase
}

// URL is the link to the rule's section in its document.
func (r Rule) URL() string {
	switch r.Doc {
	case RFC8030, RFC8188, RFC8291, RFC8292:
		n := strings.ToLower(strings.ReplaceAll(string(r.Doc), " ", ""))
		sec := strings.SplitN(r.Section, ",", 2)[0]
		sec = strings.TrimSpace(sec)
		if sec == "" {
			return "https://www.rfc-editor.org/rfc/" + n
		}
		if strings.HasPrefix(sec, "A") || strings.HasPrefix(sec, "Appendix") {
			return "https://www.rfc-editor.org/rfc/" + n + "#appendix-" + strings.TrimPrefix(strings.TrimPrefix(sec, "Appendix "), "Appendix")
		}
		return "https://www.rfc-editor.org/rfc/" + n + "#section-" + sec
	case PushAPI, DWP:
		return "https://w3c.github.io/push-api/"
	case Notifications:
		return "https://notifications.spec.whatwg.org/"
	}
	return ""
}

var (
	mu     sync.RWMutex
	byID   = map[string]Rule{}
	order  []string
	frozen bool
)

// Register adds a rule to the catalogue and returns it. A duplicate ID, an empty ID or a
// registration after Freeze panics: the catalogue is fixed at init time.
func Register(r Rule) Rule {
	mu.Lock()
	defer mu.Unlock()
	if frozen {
		panic(fmt.Sprintf("rules: Register(%q) after Freeze", r.ID))
	}
	if r.ID == "" {
		panic("rules: Register with empty ID")
	}
	if _, dup := byID[r.ID]; dup {
		panic(fmt.Sprintf("rules: duplicate rule ID %q", r.ID))
	}
	byID[r.ID] = r
	order = append(order, r.ID)
	return r
}

// Freeze forbids further registrations. The harness calls it before specs run.
func Freeze() { mu.Lock(); frozen = true; mu.Unlock() }

// ByID returns the rule with that ID.
func ByID(id string) (Rule, bool) {
	mu.RLock()
	defer mu.RUnlock()
	r, ok := byID[id]
	return r, ok
}

// MustByID returns the rule with that ID or panics; for IDs written in code.
func MustByID(id string) Rule {
	r, ok := ByID(id)
	if !ok {
		panic(fmt.Sprintf("rules: unknown rule ID %q", id))
	}
	return r
}

// All returns every rule, sorted by ID.
func All() []Rule {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Rule, 0, len(byID))
	for _, id := range order {
		out = append(out, byID[id])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
