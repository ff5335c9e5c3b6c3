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
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/rules"
)

// urlPattern is a link (spec texts may name a scheme alone, "an insecure http:// origin").
var urlPattern = regexp.MustCompile(`[a-z]+://[A-Za-z0-9]`)

var update = flag.Bool("update", false, "rewrite docs/proofs.md from the table")

// root is the module root, seen from this package's directory.
var root = filepath.Join("..", "..")

const docPath = "docs/proofs.md"

// TestEveryRuleHasOneEntry: a registered rule without an entry, an entry that names a rule twice,
// or an entry for a rule value that is not the registered one fails.
func TestEveryRuleHasOneEntry(t *testing.T) {
	seen := map[string]int{}
	for _, e := range Table {
		seen[e.Rule.ID]++
		reg, ok := rules.ByID(e.Rule.ID)
		switch {
		case e.Rule.ID == "":
			t.Errorf("an entry has no rule (zero rules.Rule)")
		case !ok:
			t.Errorf("%s: not a registered rule", e.Rule.ID)
		case reg != e.Rule:
			t.Errorf("%s: the entry's rule value differs from the registered one", e.Rule.ID)
		}
	}
	for i := 1; i < len(Table); i++ {
		if Table[i-1].Rule.ID >= Table[i].Rule.ID {
			t.Errorf("%s comes after %s: keep the table sorted by rule ID", Table[i].Rule.ID, Table[i-1].Rule.ID)
			break
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s: %d entries; one per rule", id, n)
		}
	}
	for _, r := range rules.All() {
		if seen[r.ID] == 0 {
			t.Errorf("%s (%s, %s): no entry in the proof table; add one to internal/proofs/table.go "+
				"with the test that passes it and the one that fails it, or the reason there is none", r.ID, r.Level, r.Actor)
		}
	}
}

// TestEntriesHaveProofsOrReasons: each side without a proof is explained, a reason starts with a
// known class, and a fully proven entry carries no reason.
func TestEntriesHaveProofsOrReasons(t *testing.T) {
	for _, e := range Table {
		switch {
		case e.Proven() < 2 && strings.TrimSpace(e.Reason) == "":
			t.Errorf("%s: %s without a reason", e.Rule.ID, missing(e))
		case e.Proven() == 2 && e.Reason != "":
			t.Errorf("%s: proven both ways but has a reason %q; drop it", e.Rule.ID, e.Reason)
		case e.Reason != "" && ClassOf(e.Reason) == "":
			t.Errorf("%s: reason %q starts with no class (%v)", e.Rule.ID, e.Reason, Classes)
		case e.Reason != "" && len(strings.TrimSpace(strings.TrimPrefix(e.Reason, string(ClassOf(e.Reason))+":"))) == 0:
			t.Errorf("%s: reason %q says only its class", e.Rule.ID, e.Reason)
		}
		if ClassOf(e.Reason) == CatalogueOnly && e.Rule.Seen != rules.Review {
			t.Errorf("%s: %q but the rule is seen by %s, not by review only", e.Rule.ID, CatalogueOnly, e.Rule.Seen)
		}
		if e.Rule.Seen == rules.Review && e.Proven() > 0 {
			t.Errorf("%s: seen by review only, yet the table claims a proof", e.Rule.ID)
		}
	}
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

// TestReferencesExist: every referenced test function exists in the named package's _test.go
// files, every case or spec text occurs in one of that package's test sources, kinds sit on the
// side they can prove, and every deviation named is in conformance.KnownDeviations.
func TestReferencesExist(t *testing.T) {
	for _, e := range Table {
		for side, list := range map[string][]Ref{"passing": e.Pass, "failing": e.Fail} {
			for _, r := range list {
				if err := checkRef(e.Rule, side, r); err != nil {
					t.Errorf("%s, %s proof %s: %v", e.Rule.ID, side, describe(r), err)
				}
			}
		}
	}
}

// TestEveryKnownDeviationIsAFailingProof: a browser's reviewed violation is the failing side of
// its rule's entry, so the table cannot miss one.
func TestEveryKnownDeviationIsAFailingProof(t *testing.T) {
	byRule := map[string]Entry{}
	for _, e := range Table {
		byRule[e.Rule.ID] = e
	}
	for _, d := range conformance.KnownDeviations {
		found := false
		for _, r := range byRule[d.Rule].Fail {
			found = found || (r.Kind == Deviation && r.Target == d.Target)
		}
		if !found {
			t.Errorf("%s: known deviation of %s is not a failing proof in its entry", d.Rule, d.Target)
		}
	}
}

func describe(r Ref) string {
	if r.Kind == Deviation {
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
	case Test, Unit:
	default:
		return fmt.Errorf("unknown kind %d", r.Kind)
	}
	src, err := sources(r.Dir)
	if err != nil {
		return err
	}
	if !src.funcs[r.Func] {
		return fmt.Errorf("no func %s in %s/*_test.go", r.Func, r.Dir)
	}
	// A spec text built at run time ("accepts a "+size+"-octet body") is written with "…" for
	// the computed part; each literal part must occur.
	for _, part := range strings.Split(r.Case, "…") {
		if part = strings.TrimSpace(part); part != "" && !src.has(part) {
			return fmt.Errorf("%q occurs in no string of %s/*_test.go", part, r.Dir)
		}
	}
	return nil
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

// testSources is what one package's _test.go files declare: the top-level functions, the values
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
	files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(dir), "*_test.go"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no _test.go files in %s", dir)
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
	got := Markdown(Table)
	path := filepath.Join(root, filepath.FromSlash(docPath))
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		c := Count(Table)
		t.Logf("wrote %s: %d rules, %d both ways, %d one way, %d not proven", docPath, c.Rules, c.Both, c.PassOnly+c.FailOnly, c.None)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v\nCreate it with: go test ./internal/proofs -update", docPath, err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		var diff []string
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				diff = append(diff, fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, w, g))
				if len(diff) == 10 {
					break
				}
			}
		}
		t.Errorf("%s is stale (first differences, - file, + table):\n%s\n\nRegenerate it with:\n\tgo test ./internal/proofs -update",
			docPath, strings.Join(diff, "\n"))
	}
}

// TestDocStaysInTheRepo: the generated doc names only paths of this repository.
func TestDocStaysInTheRepo(t *testing.T) {
	doc := Markdown(Table)
	if m := urlPattern.FindString(doc); m != "" {
		t.Errorf("the doc links outside the repo: %q", m)
	}
	for _, bad := range []string{"../", "/work/", "/tmp/", "notes/"} {
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
