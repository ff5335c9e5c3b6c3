package rules

import (
	"strings"
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
	// Interop is not a specification: its rules record what real push services do that the
	// specifications allow or do not foresee (docs/push-services.md §4). They are graded info.
	Interop Doc = "Interop"
)

// Prefix is the lower-case stem every rule ID of the document starts with ("rfc8030",
// "pushapi", "pushapi-dwp", "notifications", "interop"); it is also the doc label of a spec.
func (d Doc) Prefix() string {
	switch d {
	case RFC8030, RFC8188, RFC8291, RFC8292:
		return strings.ToLower(strings.ReplaceAll(string(d), " ", ""))
	case PushAPI:
		return "pushapi"
	case DWP:
		return "pushapi-dwp"
	case Notifications:
		return "notifications"
	case Interop:
		return "interop"
	}
	return ""
}

// Docs lists every document of the catalogue in report order.
var Docs = []Doc{RFC8030, RFC8188, RFC8291, RFC8292, PushAPI, Notifications, DWP, Interop}

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

// Valid reports whether l is one of the five levels above.
func (l Level) Valid() bool {
	switch l {
	case Must, MustNot, Should, ShouldNot, May:
		return true
	}
	return false
}

// Actor is who must do what the rule says. Codec rules bind more than one actor.
type Actor uint8

const (
	AppServer Actor = 1 << iota
	PushService
	UserAgent
)

// String renders the actor set as results.json does ("application-server", "push-service",
// "user-agent"), joined with "+".
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

// Seen says where a rule's behaviour can be observed at all (results.json's "seen", docs/results-json.md).
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
	Implied bool // † in reports: stated without a BCP 14 keyword; the level is our reading
	Actor   Actor
	Seen    Seen
	Summary string // one-line paraphrase, for tables
	// Quote is the sentence of the document that carries the requirement, word for word: the
	// one with the BCP 14 keyword, or for an Implied rule the one its reading rests on. When
	// another document states the requirement (HTTP's status codes, the Notifications standard's
	// activation), the sentence is that document's and the Summary names it. Interop rules,
	// which no document states, leave it empty and cite Ref.
	Quote string
	// Check is what pushspec does and expects to decide the rule (results.json's "check");
	// reports show it next to the outcome.
	Check string
	// Ref links to the source of a rule that no specification states (Interop rules: the
	// public issue where the failure was reported). URL returns it for such rules.
	Ref string
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
	return r.Ref
}
