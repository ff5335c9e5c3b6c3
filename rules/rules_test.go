package rules

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogueSize(t *testing.T) {
	// 60 is a floor well below what is registered, so that a lost file (say pushapi.go) cannot
	// go unnoticed; testdata/catalogue.txt holds the reviewed list itself.
	if n := len(All()); n < 60 {
		t.Fatalf("catalogue has %d rules, want at least 60", n)
	}
	perDoc := map[Doc]int{}
	for _, r := range All() {
		perDoc[r.Doc]++
	}
	for _, d := range Docs {
		if perDoc[d] == 0 {
			t.Errorf("no rule for doc %s", d)
		}
	}
}

func TestEveryRuleWellFormed(t *testing.T) {
	id := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9.]+)+$`)
	seen := map[string]bool{}
	for _, r := range All() {
		if !id.MatchString(r.ID) {
			t.Errorf("%q: ID does not match %s", r.ID, id)
		}
		if !strings.HasPrefix(r.ID, r.Doc.Prefix()+"-") {
			t.Errorf("%q: ID does not start with its doc prefix %q", r.ID, r.Doc.Prefix())
		}
		if r.Doc == PushAPI && strings.HasPrefix(r.ID, "pushapi-dwp-") {
			t.Errorf("%q: DWP rule filed under %s", r.ID, PushAPI)
		}
		if seen[r.ID] {
			t.Errorf("%q: duplicate", r.ID)
		}
		seen[r.ID] = true
		if strings.TrimSpace(r.Summary) == "" || strings.TrimSpace(r.Check) == "" {
			t.Errorf("%q: empty Summary or Check", r.ID)
		}
		if !r.Level.Valid() {
			t.Errorf("%q: level %q", r.ID, r.Level)
		}
		if r.Actor == 0 || r.Actor.String() == "" {
			t.Errorf("%q: no actor", r.ID)
		}
		if r.Seen == 0 || r.Seen.String() == "" {
			t.Errorf("%q: no seen tag", r.ID)
		}
		if r.Section == "" {
			t.Errorf("%q: no section", r.ID)
		}
		if u := r.URL(); !strings.HasPrefix(u, "https://") {
			t.Errorf("%q: URL %q", r.ID, u)
		}
		// RFC section numbers are part of the ID; they must agree with Section.
		if strings.HasPrefix(r.ID, "rfc") {
			sec := strings.SplitN(r.ID, "-", 3)[1]
			if !strings.Contains(", "+r.Section+",", " "+sec+",") {
				t.Errorf("%q: ID section %q not among Section %q", r.ID, sec, r.Section)
			}
		}
		if r.Doc == Interop && (r.Level != May || r.Ref == "") {
			t.Errorf("%q: interop rules are MAY with a Ref", r.ID)
		}
	}
}

// missingQuote lists the rules (other than interop rules, which quote nothing) whose Quote is
// still empty, and why. The list may only shrink: a new rule comes with its sentence, and a rule
// that gets one leaves the list.
var missingQuote = map[string]string{
	// An open proposal: w3c/push-api#402 waits on the Badging API (w3c/badging#111), and the
	// merged Declarative Web Push text has no app_badge.
	DWPAppBadge.ID: "an open proposal (w3c/push-api#402), no spec text",
}

func TestQuotes(t *testing.T) {
	keyword := map[Level]*regexp.Regexp{}
	for _, l := range []Level{Must, MustNot, Should, ShouldNot, May} {
		keyword[l] = regexp.MustCompile(`\b` + string(l) + `\b`)
	}
	for _, r := range All() {
		_, listed := missingQuote[r.ID]
		switch {
		case r.Doc == Interop:
			if r.Quote != "" || listed {
				t.Errorf("%s: an interop rule quotes nothing (it cites Ref)", r.ID)
			}
		case r.Quote == "" && !listed:
			t.Errorf("%s: no Quote; give the sentence of %s %s that carries the rule", r.ID, r.Doc, r.Section)
		case r.Quote != "" && listed:
			t.Errorf("%s has a Quote now: remove it from missingQuote", r.ID)
		}
		// An RFC rule without a dagger takes its level from the BCP 14 keyword of its sentence.
		if strings.HasPrefix(string(r.Doc), "RFC") && r.Quote != "" && !r.Implied && !keyword[r.Level].MatchString(r.Quote) {
			t.Errorf("%s: level %s, but its sentence has no %s; mark it Implied or quote the sentence with the keyword: %q", r.ID, r.Level, r.Level, r.Quote)
		}
	}
	for id := range missingQuote {
		if _, ok := ByID(id); !ok {
			t.Errorf("missingQuote names %q, which is not in the catalogue", id)
		}
	}
}

func TestURL(t *testing.T) {
	cases := map[string]string{
		"rfc8030-5.2-ttl-missing-400":       "https://www.rfc-editor.org/rfc/rfc8030#section-5.2",
		"rfc8030-3-https":                   "https://www.rfc-editor.org/rfc/rfc8030#section-3",
		"rfc8030-7.3.1-set-expiry-cascades": "https://www.rfc-editor.org/rfc/rfc8030#section-7.3.1",
		"rfc8292-4.2-reject-absent":         "https://www.rfc-editor.org/rfc/rfc8292#section-4.2",
		"pushapi-pmd-json":                  "https://w3c.github.io/push-api/",
		"notifications-tag-replaces":        "https://notifications.spec.whatwg.org/",
		"interop-404-410-both-mean-gone":    "https://github.com/pushpad/web-push/issues/14",
	}
	for id, want := range cases {
		if got := MustByID(id).URL(); got != want {
			t.Errorf("%s: URL() = %q, want %q", id, got, want)
		}
	}
}

func TestTestable(t *testing.T) {
	testable := Testable()
	if len(testable) == 0 || len(testable) >= len(All()) {
		t.Fatalf("Testable() = %d of %d rules; want some but not all", len(testable), len(All()))
	}
	in := map[string]bool{}
	for _, r := range testable {
		in[r.ID] = true
		if r.Seen == Review {
			t.Errorf("%s is review-only but Testable", r.ID)
		}
	}
	// A review-only rule is left out; a rule seen by "service, review" stays in.
	if in[PushURIConfidential.ID] {
		t.Errorf("%s (review) is Testable", PushURIConfidential.ID)
	}
	if !in[InvalidTokenNotUsed.ID] {
		t.Errorf("%s (service, review) is not Testable", InvalidTokenNotUsed.ID)
	}
}

func TestSeenAndActorBits(t *testing.T) {
	if got := KeyDerivation.Seen; got != Codec|Sender|Browser {
		t.Errorf("KeyDerivation.Seen = %s", got)
	}
	if got := KeyDerivation.Actor.String(); got != "application-server+user-agent" {
		t.Errorf("KeyDerivation.Actor = %s", got)
	}
	if !TTLSyntax.Implied || TTLMissing400.Implied {
		t.Error("dagger not transcribed")
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestRegistryRefuses(t *testing.T) {
	ok := Rule{ID: "rfc8030-5.2-x", Doc: RFC8030, Section: "5.2", Level: Must, Actor: PushService,
		Seen: Service, Summary: "s", Check: "c"}
	g := newRegistry()
	g.register(ok)
	mustPanic(t, "duplicate", func() { g.register(ok) })
	mustPanic(t, "duplicate in the package catalogue", func() { Register(TTLMissing400) })

	bad := map[string]func(*Rule){
		"empty ID":     func(r *Rule) { r.ID = "" },
		"upper case":   func(r *Rule) { r.ID = "rfc8030-5.2-TTL" },
		"wrong prefix": func(r *Rule) { r.ID = "rfc8291-5.2-y" },
		"dwp in push":  func(r *Rule) { r.ID, r.Doc = "pushapi-dwp-y", PushAPI },
		"no level":     func(r *Rule) { r.ID, r.Level = "rfc8030-5.2-l", "" },
		"no actor":     func(r *Rule) { r.ID, r.Actor = "rfc8030-5.2-a", 0 },
		"no seen":      func(r *Rule) { r.ID, r.Seen = "rfc8030-5.2-s", 0 },
		"no summary":   func(r *Rule) { r.ID, r.Summary = "rfc8030-5.2-u", " " },
		"no check":     func(r *Rule) { r.ID, r.Check = "rfc8030-5.2-c", "" },
		"quote spaced": func(r *Rule) { r.ID, r.Quote = "rfc8030-5.2-q", " A sentence. " },
		"quote broken": func(r *Rule) { r.ID, r.Quote = "rfc8030-5.2-b", "A\nsentence." },
		"interop quote": func(r *Rule) {
			r.ID, r.Doc, r.Level, r.Quote, r.Ref = "interop-x", Interop, May, "A sentence.", "https://example.com/"
		},
	}
	for name, mutate := range bad {
		r := ok
		mutate(&r)
		mustPanic(t, name, func() { newRegistry().register(r) })
	}

	g.freeze()
	r := ok
	r.ID = "rfc8030-5.2-after-freeze"
	mustPanic(t, "Register after Freeze", func() { g.register(r) })
	if _, found := g.byIDLookup(r.ID); found {
		t.Error("a rule registered after Freeze was stored")
	}
}

func TestBrokenAndCheck(t *testing.T) {
	for r, want := range map[Rule]Outcome{TTLMissing400: Fail, NoDeliveryAfterTTL: Fail, TTL31Bit: NonStrict, Over4096May413: Info} {
		if got := r.Broken(); got != want {
			t.Errorf("%s.Broken() = %s, want %s", r.ID, got, want)
		}
		if v := Check(r, false, "m", nil); v.Outcome != want || v.Rule != r.ID {
			t.Errorf("Check(%s, false) = %+v", r.ID, v)
		}
		if v := Check(r, true, "m", nil); v.Outcome != Pass {
			t.Errorf("Check(%s, true) = %s", r.ID, v.Outcome)
		}
	}
	// Verdict must keep its JSON shape: the reports package decodes it.
	b, _ := json.Marshal(Check(TTLMissing400, true, "ok", map[string]string{"k": "v"}))
	if string(b) != `{"rule":"rfc8030-5.2-ttl-missing-400","outcome":"pass","message":"ok","evidence":{"k":"v"}}` {
		t.Errorf("Verdict JSON = %s", b)
	}
}

// An unknown rule is refused, not graded as a MUST: by ID, and when a declared rule's copy was
// changed (its level lowered, say).
func TestCheckRefusesUnknownRules(t *testing.T) {
	mustPanic(t, "Check of an unknown ID", func() { Check(Rule{ID: "rfc8030-9-made-up", Level: Must}, false, "m", nil) })
	lowered := TTLMissing400
	lowered.Level = May
	mustPanic(t, "Check of a changed rule", func() { Check(lowered, false, "m", nil) })
	mustPanic(t, "MustBeCatalogued of the zero rule", func() { MustBeCatalogued(Rule{}) })
	MustBeCatalogued(TTLMissing400) // no panic
}

func TestSeverityOrder(t *testing.T) {
	order := []Outcome{Skip, Info, Pass, NonStrict, Fail, Error}
	for i := 1; i < len(order); i++ {
		if order[i-1].Severity() >= order[i].Severity() {
			t.Errorf("%s should be less severe than %s", order[i-1], order[i])
		}
	}
}
