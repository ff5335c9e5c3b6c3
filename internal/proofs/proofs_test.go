package proofs

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pushspec/pushspec/internal/golden"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

// urlPattern is a link (spec texts may name a scheme alone, "an insecure http:// origin").
var urlPattern = regexp.MustCompile(`[a-z]+://[A-Za-z0-9]`)

var update = flag.Bool("update", false, "rewrite docs/proofs.md from the table")

// root is the module root, seen from this package's directory.
var root = filepath.Join("..", "..")

const docPath = "docs/proofs.md"

// TestEveryRuleHasOneEntry: a registered rule without an entry, an entry that names a rule twice,
// or an entry for a rule value that is not the registered one fails.
func TestEveryRuleHasOneEntry(t *testing.T) { report(t, coverage(Table)) }

// TestEntriesHaveProofsOrReasons: each side without a proof is explained, a reason starts with a
// known class, and a fully proven entry carries no reason.
func TestEntriesHaveProofsOrReasons(t *testing.T) { report(t, reasons(Table)) }

// TestReferencesExist: every referenced test function exists in the named package's Go files,
// every case or spec text occurs in one of that package's sources (specs or tests), kinds sit on the
// side they can prove, and every deviation named is in conformance.KnownDeviations.
func TestReferencesExist(t *testing.T) { report(t, references(Table)) }

// TestEveryKnownDeviationIsAFailingProof: a browser's reviewed violation is the failing side of
// its rule's entry, so the table cannot miss one.
func TestEveryKnownDeviationIsAFailingProof(t *testing.T) { report(t, deviationsCovered(Table)) }

func report(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

func coverage(entries []Entry) []string {
	var out []string
	seen := map[string]int{}
	for _, e := range entries {
		seen[e.Rule.ID]++
		reg, ok := rules.ByID(e.Rule.ID)
		switch {
		case e.Rule.ID == "":
			out = append(out, "an entry has no rule (zero rules.Rule)")
		case !ok:
			out = append(out, fmt.Sprintf("%s: not a registered rule", e.Rule.ID))
		case reg != e.Rule:
			out = append(out, fmt.Sprintf("%s: the entry's rule value differs from the registered one", e.Rule.ID))
		}
	}
	for i := 1; i < len(entries); i++ {
		if entries[i-1].Rule.ID >= entries[i].Rule.ID {
			out = append(out, fmt.Sprintf("%s comes after %s: keep the table sorted by rule ID, one entry per rule",
				entries[i].Rule.ID, entries[i-1].Rule.ID))
			break
		}
	}
	for _, r := range rules.All() {
		if n := seen[r.ID]; n > 1 {
			out = append(out, fmt.Sprintf("%s: %d entries; one per rule", r.ID, n))
		}
	}
	for _, r := range rules.All() {
		if seen[r.ID] == 0 {
			out = append(out, fmt.Sprintf("%s (%s, %s): no entry in the proof table; add one to internal/proofs/table.go "+
				"with the test that passes it and the one that fails it, or the reason there is none", r.ID, r.Level, r.Actor))
		}
	}
	return out
}

func reasons(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		switch {
		case e.Proven() < 2 && strings.TrimSpace(e.Reason) == "":
			out = append(out, fmt.Sprintf("%s: %s without a reason", e.Rule.ID, missing(e)))
		case e.Proven() == 2 && e.Reason != "":
			out = append(out, fmt.Sprintf("%s: proven both ways but has a reason %q; drop it", e.Rule.ID, e.Reason))
		case e.Reason != "" && ClassOf(e.Reason) == "":
			out = append(out, fmt.Sprintf("%s: reason %q starts with no class (%v)", e.Rule.ID, e.Reason, Classes))
		case e.Reason != "" && strings.TrimSpace(strings.TrimPrefix(e.Reason, string(ClassOf(e.Reason))+":")) == "":
			out = append(out, fmt.Sprintf("%s: reason %q says only its class", e.Rule.ID, e.Reason))
		}
		if ClassOf(e.Reason) == CannotFail && len(e.Fail) > 0 {
			out = append(out, fmt.Sprintf("%s: %q but the table names a failing proof", e.Rule.ID, CannotFail))
		}
		if ClassOf(e.Reason) == CatalogueOnly && e.Rule.Seen != rules.Review {
			out = append(out, fmt.Sprintf("%s: %q but the rule is seen by %s, not by review only", e.Rule.ID, CatalogueOnly, e.Rule.Seen))
		}
		if e.Rule.Seen == rules.Review && e.Proven() > 0 {
			out = append(out, fmt.Sprintf("%s: seen by review only, yet the table claims a proof", e.Rule.ID))
		}
	}
	return out
}

func missing(e Entry) string {
	switch {
	case len(e.Pass) == 0 && len(e.Fail) == 0:
		return "no proof"
	case len(e.Pass) == 0:
		return "no passing proof"
	}
	return "no failing proof"
}

func references(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		for _, side := range []struct {
			name string
			list []Ref
		}{{"passing", e.Pass}, {"failing", e.Fail}} {
			for _, r := range side.list {
				if err := checkRef(e.Rule, side.name, r); err != nil {
					out = append(out, fmt.Sprintf("%s, %s proof %s: %v", e.Rule.ID, side.name, describe(r), err))
				}
			}
		}
	}
	return out
}

func deviationsCovered(entries []Entry) []string {
	var out []string
	byRule := map[string]Entry{}
	for _, e := range entries {
		byRule[e.Rule.ID] = e
	}
	for _, d := range conformance.KnownDeviations {
		found := false
		for _, r := range byRule[d.Rule].Fail {
			found = found || (r.Kind == Deviation && r.Target == d.Target)
		}
		if !found {
			out = append(out, fmt.Sprintf("%s: the known deviation of %s is not a failing proof in its entry", d.Rule, d.Target))
		}
	}
	for _, d := range conformance.KnownSpecDeviations {
		found := false
		for _, r := range byRule[d.Rule].Fail {
			found = found || (r.Kind == Deviation && r.Target == d.Target && r.Case == d.Spec)
		}
		if !found {
			out = append(out, fmt.Sprintf("%s: the known deviation of %s in spec %q is not a failing proof in its entry", d.Rule, d.Target, d.Spec))
		}
	}
	return out
}

// TestCheckerCatchesBrokenTables: each check fails on a table that breaks it, so a rule without
// proof, a renamed test or a wrong claim cannot pass unnoticed.
func TestCheckerCatchesBrokenTables(t *testing.T) {
	byID := map[string]Entry{}
	for _, e := range Table {
		byID[e.Rule.ID] = e
	}
	without := func(id string) []Entry {
		var out []Entry
		for _, e := range Table {
			if e.Rule.ID != id {
				out = append(out, e)
			}
		}
		return out
	}
	one := func(e Entry) []Entry { return []Entry{e} }
	ttl := rules.TTLMissing400
	cases := []struct {
		name  string
		check func([]Entry) []string
		table []Entry
		want  string
	}{
		{"a rule without entry", coverage, without(ttl.ID), ttl.ID + " (MUST, push-service): no entry"},
		{"a rule twice", coverage, append(append([]Entry{}, Table...), byID[ttl.ID]), "keep the table sorted"},
		{"a stale rule value", coverage, one(Entry{Rule: rules.Rule{ID: ttl.ID, Level: rules.May}}), "differs from the registered one"},
		{"no reason for a missing side", reasons, one(Entry{Rule: ttl, Pass: psSpec("x")}), "no failing proof without a reason"},
		{"a reason without class", reasons, one(Entry{Rule: ttl, Reason: "nobody wrote one"}), "starts with no class"},
		{"a reason on a proven entry", reasons, one(Entry{Rule: ttl, Pass: psSpec("x"), Fail: psDev("y"), Reason: notYet("z")}), "drop it"},
		{"catalogue only for a testable rule", reasons, one(Entry{Rule: ttl, Reason: review("x")}), "not by review only"},
		{"a missing test function", references, one(Entry{Rule: ttl, Fail: test("specs/pushservice", "TestNoSuchThing")}), "no func TestNoSuchThing"},
		{"a missing case", references, one(Entry{Rule: ttl, Fail: psDev("a case nobody wrote")}), "occurs in no string"},
		{"a missing package", references, one(Entry{Rule: ttl, Fail: test("specs/nowhere", "TestX")}), "no Go files"},
		{"a spec as failing proof", references, one(Entry{Rule: ttl, Fail: psSpec("rejects a push without TTL with 400")}), "proves only the passing side"},
		{"a spec for a SHOULD rule", references, one(Entry{Rule: rules.RateLimit, Pass: psSpec("rejects a push without TTL with 400")}), "no passing proof"},
		{"a spec of another party's suite", references, one(Entry{Rule: ttl, Pass: uaSpec("getKey('auth') is 16 octets")}), "not the user-agent that suite grades"},
		{"a deviation as passing proof", references, one(Entry{Rule: ttl, Pass: dev("chromium")}), "only the failing side"},
		{"a deviation not in the list", references, one(Entry{Rule: ttl, Fail: dev("chromium")}), "no entry for target"},
		{"a spec deviation not in the list", references, one(Entry{Rule: ttl, Fail: devIn("a spec nobody wrote", "chromium")}), "conformance.KnownSpecDeviations"},
		{"cannot fail, with a failing proof", reasons, one(Entry{Rule: ttl, Fail: psDev("y"), Reason: cannotFail("z")}), "names a failing proof"},
	}
	if len(conformance.KnownDeviations) > 0 {
		d := conformance.KnownDeviations[0]
		cases = append(cases, struct {
			name  string
			check func([]Entry) []string
			table []Entry
			want  string
		}{"a known deviation left out", deviationsCovered, without(d.Rule), d.Rule + ": the known deviation of " + d.Target})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.check(c.table)
			if !strings.Contains(strings.Join(got, "\n"), c.want) {
				t.Errorf("want a problem containing %q, got %q", c.want, got)
			}
		})
	}
}

func describe(r Ref) string {
	if r.Kind == Deviation {
		if r.Case != "" {
			return fmt.Sprintf("(%s %s in %q)", r.Kind, r.Target, r.Case)
		}
		return fmt.Sprintf("(%s %s)", r.Kind, r.Target)
	}
	return fmt.Sprintf("(%s %s %s %q)", r.Kind, r.Dir, r.Func, r.Case)
}

func checkRef(rule rules.Rule, side string, r Ref) error {
	switch r.Kind {
	case Deviation:
		if side != "failing" {
			return fmt.Errorf("a known deviation proves only the failing side")
		}
		if r.Case != "" {
			if !knownSpecDeviation(r.Target, rule.ID, r.Case) {
				return fmt.Errorf("no entry for target %q, this rule and spec %q in conformance.KnownSpecDeviations", r.Target, r.Case)
			}
			return nil
		}
		if _, ok := knownDeviation(r.Target, rule.ID); !ok {
			return fmt.Errorf("no entry for target %q and this rule in conformance.KnownDeviations", r.Target)
		}
		return nil
	case Spec:
		if side != "passing" {
			return fmt.Errorf("a spec run against a conforming target proves only the passing side")
		}
		if !rule.Level.Strict() {
			return fmt.Errorf("the rule is %s: its failure never fails the suite, so the spec running is no passing proof", rule.Level)
		}
		if a, ok := suiteActor[r.Dir]; !ok {
			return fmt.Errorf("%s is not a conformance suite (%v)", r.Dir, suiteDirs())
		} else if rule.Actor&a == 0 {
			return fmt.Errorf("the rule binds the %s, not the %s that suite grades", rule.Actor, a)
		}
	case Test, Unit:
	default:
		return fmt.Errorf("unknown kind %d", r.Kind)
	}
	src, err := sources(r.Dir)
	if err != nil {
		return err
	}
	if !src.funcs[r.Func] {
		return fmt.Errorf("no func %s in %s/*.go", r.Func, r.Dir)
	}
	// A spec text built at run time ("accepts a "+size+"-octet body") is written with "…" for
	// the computed part; each literal part must occur.
	for _, part := range strings.Split(r.Case, "…") {
		if part = strings.TrimSpace(part); part != "" && !src.has(part) {
			return fmt.Errorf("%q occurs in no string of %s/*.go", part, r.Dir)
		}
	}
	return nil
}

// suiteActor is the party each conformance suite grades: its spec proves only that party's rules.
var suiteActor = map[string]rules.Actor{
	"specs/pushservice": rules.PushService,
	"specs/sender":      rules.AppServer,
	"specs/useragent":   rules.UserAgent,
}

func suiteDirs() []string {
	var out []string
	for d := range suiteActor {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// knownDeviation looks in the reviewed static list only (not deviations added at run time).
func knownDeviation(target, rule string) (conformance.Deviation, bool) {
	for _, d := range conformance.KnownDeviations {
		if d.Target == target && d.Rule == rule {
			return d, true
		}
	}
	return conformance.Deviation{}, false
}

// knownSpecDeviation looks in the reviewed static list of deviations narrowed to specs.
func knownSpecDeviation(target, rule, spec string) bool {
	for _, d := range conformance.KnownSpecDeviations {
		if d.Target == target && d.Rule == rule && d.Spec == spec {
			return true
		}
	}
	return false
}

// testSources is what one package's Go files declare: the top-level functions, the values
// of the string literals, and the raw text.
type testSources struct {
	funcs   map[string]bool
	strings []string
	raw     []string
}

func (s *testSources) has(text string) bool {
	for _, l := range s.strings {
		if strings.Contains(l, text) {
			return true
		}
	}
	for _, l := range s.raw {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}

var (
	sourcesMu    sync.Mutex
	sourcesCache = map[string]*testSources{}
)

func sources(dir string) (*testSources, error) {
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	if s, ok := sourcesCache[dir]; ok {
		return s, nil
	}
	// The suites' specs live in the packages' .go files, their tests in _test.go files.
	files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(dir), "*.go"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	s := &testSources{funcs: map[string]bool{}}
	fset := token.NewFileSet()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		af, err := parser.ParseFile(fset, f, b, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		s.raw = append(s.raw, string(b))
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				s.funcs[fd.Name.Name] = true
			}
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if bl, ok := n.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				if v, err := strconv.Unquote(bl.Value); err == nil {
					s.strings = append(s.strings, v)
				}
			}
			return true
		})
	}
	sourcesCache[dir] = s
	return s, nil
}

// TestDocIsCurrent: docs/proofs.md is the rendering of the table. With -update it is rewritten.
func TestDocIsCurrent(t *testing.T) {
	path := filepath.Join(root, filepath.FromSlash(docPath))
	if golden.Check(t, path, docPath, Markdown(Table), *update, "go test ./internal/proofs -update") {
		c := Count(Table)
		t.Logf("wrote %s: %d rules, %d both ways, %d one way, %d not proven", docPath, c.Rules, c.Both, c.PassOnly+c.FailOnly, c.None)
	}
}

// TestDocStaysInTheRepo: the generated doc names only paths of this repository.
func TestDocStaysInTheRepo(t *testing.T) {
	doc := Markdown(Table)
	if m := urlPattern.FindString(doc); m != "" {
		t.Errorf("the doc links outside the repo: %q", m)
	}
	for _, bad := range []string{"../", "/work/", "/tmp/", "notes/"} { // selfcontained:allow (test data)
		if strings.Contains(doc, bad) {
			t.Errorf("the doc contains %q", bad)
		}
	}
	for _, e := range Table {
		for _, r := range append(append([]Ref{}, e.Pass...), e.Fail...) {
			if r.Kind == Deviation {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(r.Dir))); err != nil {
				t.Errorf("%s: %s is not a directory of the repo", e.Rule.ID, r.Dir)
			}
		}
	}
}
