package rules

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogueSize(t *testing.T) {
	// rules.md has 204 rows and push-services.md 9 interop rules; 60 is the floor the brief set,
	// well below what is registered, so that a lost file (say pushapi.go) cannot go unnoticed.
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

// amendedSinceNotes lists the rules whose level, summary or check was corrected against the
// specification text after rules.md was written, with the reason; TestMatchesRulesMD leaves their
// fields to the golden catalogue (testdata/catalogue.txt) and the rule's own comment.
var amendedSinceNotes = map[string]string{
	"rfc8292-2-aud-origin":             "RFC 8292 §2 says aud MUST include the origin, and RFC 7519 §4.1.3 allows an array",
	"rfc8292-4.2-reject-wrong-aud":     "RFC 8292 §4.2: invalid if the origin is not included in aud",
	"rfc8292-2-exp-max-24h":            "judged against the time of the request with a leeway for clock skew; a passed exp is the sender's fault",
	"rfc8292-4.2-restricted-needs-jwt": "one fault, one rule: graded on k alone",
	"rfc8292-4.2-status-401-absent":    "RFC 8292 §4.2 says 401 \"might be used\": no BCP 14 keyword",
	"rfc8292-4.2-status-403-invalid":   "RFC 8292 §4.2 says 403 \"might be used\": no BCP 14 keyword",
}

// interopSinceNotes lists interop rules added after push-services.md was written.
var interopSinceNotes = map[string]bool{
	"interop-exp-skew-margin":        true,
	"interop-exp-independent-of-ttl": true,
}

// TestMatchesRulesMD checks the transcription against notes/rules.md when the shared notes are
// present (they are outside the module, so the test skips elsewhere): every row is registered
// with the same doc, section, level, dagger, actor, seen tags, summary and check text, and
// nothing but the interop rules is registered that the notes lack.
func TestMatchesRulesMD(t *testing.T) {
	data, err := readNote("rules.md")
	if err != nil {
		t.Skipf("notes not available: %v", err)
	}
	docs := map[string]Doc{"RFC 8030": RFC8030, "RFC 8188": RFC8188, "RFC 8291": RFC8291, "RFC 8292": RFC8292,
		"Push API": PushAPI, "Notifications": Notifications, "Notifications / Push API": Notifications, "Push API (DWP)": DWP}
	actorNames := map[string]Actor{"application-server": AppServer, "push-service": PushService, "user-agent": UserAgent}
	seenNames := map[string]Seen{"sender": Sender, "service": Service, "service+ua": ServiceUA, "browser": Browser,
		"rfc8030-ua": RFC8030UA, "codec": Codec, "review": Review}
	idCell := regexp.MustCompile(`^(rfc|pushapi|notifications)[a-z0-9.-]+$`)
	inNotes := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) != 8 || !idCell.MatchString(cells[0]) {
			continue
		}
		id := cells[0]
		inNotes[id] = true
		r, ok := ByID(id)
		if !ok {
			t.Errorf("rules.md row %s is not registered", id)
			continue
		}
		level, implied := strings.CutSuffix(cells[3], "†")
		var actor Actor
		for _, a := range strings.Split(cells[4], ",") {
			actor |= actorNames[strings.TrimSpace(a)]
		}
		var seen Seen
		for _, s := range strings.Split(cells[7], ",") {
			seen |= seenNames[strings.TrimSpace(s)]
		}
		want := Rule{ID: id, Doc: docs[cells[1]], Section: cells[2], Level: Level(level), Implied: implied,
			Actor: actor, Seen: seen, Summary: cells[5], Check: cells[6]}
		if why, ok := amendedSinceNotes[id]; ok {
			if why == "" {
				t.Errorf("%s: amendment without a reason", id)
			}
			if r == want {
				t.Errorf("%s is listed as amended but matches rules.md again; drop it from amendedSinceNotes", id)
			}
			continue
		}
		if r != want {
			t.Errorf("%s differs from rules.md:\n got %+v\nwant %+v", id, r, want)
		}
	}
	for _, r := range All() {
		if r.Doc != Interop && !inNotes[r.ID] {
			t.Errorf("%s is registered but not in rules.md", r.ID)
		}
	}
	if len(inNotes) < 200 {
		t.Errorf("parsed only %d rows from rules.md; the parser is out of date", len(inNotes))
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

func TestSeverityOrder(t *testing.T) {
	order := []Outcome{Skip, Info, Pass, NonStrict, Fail, Error}
	for i := 1; i < len(order); i++ {
		if order[i-1].Severity() >= order[i].Severity() {
			t.Errorf("%s should be less severe than %s", order[i-1], order[i])
		}
	}
}

// TestInteropMatchesPushServicesMD checks that every `interop-…` ID named in
// notes/push-services.md is registered, and no other interop rule is.
func TestInteropMatchesPushServicesMD(t *testing.T) {
	data, err := readNote("push-services.md")
	if err != nil {
		t.Skipf("notes not available: %v", err)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`(interop-[a-z0-9-]+)`").FindAllStringSubmatch(string(data), -1) {
		named[m[1]] = true
		if r, ok := ByID(m[1]); !ok || r.Doc != Interop {
			t.Errorf("%s is named in push-services.md but not registered as an Interop rule", m[1])
		}
	}
	for _, r := range All() {
		if r.Doc == Interop && !named[r.ID] && !interopSinceNotes[r.ID] {
			t.Errorf("%s is registered but push-services.md does not name it", r.ID)
		}
	}
	if len(named) == 0 {
		t.Error("found no interop IDs in push-services.md")
	}
}

// readNote reads a shared note: CI lays shared/ beside the checkout (../shared from the module
// root, which is two levels up from this package).
func readNote(name string) ([]byte, error) {
	data, err := os.ReadFile("../../../shared/notes/" + name)
	if err != nil {
		return os.ReadFile("/work/shared/notes/" + name)
	}
	return data, nil
}
