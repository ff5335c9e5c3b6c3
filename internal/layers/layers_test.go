package layers

import (
	"go/build"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/internal/modroot"
)

const module = "github.com/pushspec/pushspec"

// rule: every package under Root (Root itself included), and everything it imports of
// pushspec's transitively, lies under one of Allowed (each a package and those below it).
type rule struct {
	root    string
	allowed []string
}

var rules = []rule{
	{"rules", nil},
	{"webpush", []string{"rules"}},
	{"graders", []string{"rules", "webpush"}},
	{"sitefixture", []string{"internal/await"}},
	{"internal/await", nil},
	{"internal/history", nil},
	{"useragent", []string{"rules", "webpush", "internal/await", "internal/history"}},
	{"fakepushservice", []string{"rules", "webpush", "graders", "internal/await", "internal/history", "useragent"}},
}

// repoRoot is the directory holding go.mod, above the test's working directory.
func repoRoot(t *testing.T) string {
	dir, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// graph reads the non-test imports of pushspec's packages, keyed by repo-relative path.
type graph struct {
	t     *testing.T
	root  string
	cache map[string][]string
}

func (g *graph) imports(rel string) []string {
	if out, ok := g.cache[rel]; ok {
		return out
	}
	bp, err := build.Default.ImportDir(filepath.Join(g.root, filepath.FromSlash(rel)), 0)
	if err != nil {
		g.t.Fatalf("reading package %s: %v", rel, err)
	}
	var out []string
	for _, imp := range bp.Imports {
		if imp == module || strings.HasPrefix(imp, module+"/") {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(imp, module), "/"))
		}
	}
	sort.Strings(out)
	g.cache[rel] = out
	return out
}

// packagesUnder lists the directories under rel (rel included) that hold a non-test Go file.
func packagesUnder(t *testing.T, root, rel string) []string {
	var out []string
	err := filepath.WalkDir(filepath.Join(root, filepath.FromSlash(rel)), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			r, _ := filepath.Rel(root, filepath.Dir(p))
			r = filepath.ToSlash(r)
			if len(out) == 0 || out[len(out)-1] != r {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return slicesCompact(out)
}

func slicesCompact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

func TestLayers(t *testing.T) {
	root := repoRoot(t)
	g := &graph{t: t, root: root, cache: map[string][]string{}}
	for _, r := range rules {
		pkgs := packagesUnder(t, root, r.root)
		if len(pkgs) == 0 {
			t.Errorf("%s: no package found; the rule names a folder that is gone", r.root)
			continue
		}
		ok := func(p string) bool {
			if under(p, r.root) {
				return true
			}
			for _, a := range r.allowed {
				if under(p, a) {
					return true
				}
			}
			return false
		}
		for _, start := range pkgs {
			// Breadth-first over the import graph, keeping the chain that reached each package.
			via := map[string]string{start: ""}
			queue := []string{start}
			for len(queue) > 0 {
				p := queue[0]
				queue = queue[1:]
				for _, imp := range g.imports(p) {
					if _, seen := via[imp]; seen {
						continue
					}
					via[imp] = p
					if !ok(imp) {
						chain := []string{imp}
						for q := p; q != ""; q = via[q] {
							chain = append([]string{q}, chain...)
						}
						t.Errorf("%s may import only %v of pushspec's, but reaches %s: %s", r.root, append([]string{r.root}, r.allowed...), imp, strings.Join(chain, " → "))
						continue
					}
					queue = append(queue, imp)
				}
			}
		}
	}
}

// TestImportsAreRead checks the reading itself: harness/target imports packages under harness/,
// so a walk that saw none would pass every rule without looking.
func TestImportsAreRead(t *testing.T) {
	root := repoRoot(t)
	g := &graph{t: t, root: root, cache: map[string][]string{}}
	var found bool
	for _, imp := range g.imports("harness/target") {
		if path.Dir(imp) == "harness" || imp == "harness" {
			found = true
		}
	}
	if !found {
		t.Fatal("harness/target imports nothing under harness/: the import reading is broken")
	}
}
