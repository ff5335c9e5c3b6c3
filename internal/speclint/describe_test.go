package speclint

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// root is the module root, seen from this package's directory.
var root = filepath.Join("..", "..")

// assertionRoots start an assertion chain: Expect(x), Eventually(f), Consistently(f), Ω(x), and
// the same through a Gomega value (g.Expect(x)).
var assertionRoots = map[string]bool{
	"Expect": true, "ExpectWithOffset": true, "Eventually": true, "EventuallyWithOffset": true,
	"Consistently": true, "ConsistentlyWithOffset": true, "Ω": true,
}

// matcherCalls end an assertion chain; the arguments after the matcher are its description.
var matcherCalls = map[string]bool{
	"To": true, "NotTo": true, "ToNot": true, "Should": true, "ShouldNot": true,
}

// skipped are the spec sources that are not conformance bodies: the deviation proofs run
// deliberately broken doubles and assert on pushspec's own verdicts, and testdata is not Go
// under test.
func skipped(rel string) bool {
	base := filepath.Base(rel)
	return base == "deviations_test.go" || strings.Contains(filepath.ToSlash(rel), "/testdata/")
}

// bareAllowed lists, by file and a snippet of the assertion's source, the assertions that stay
// without a description, each with its reason. Each entry excuses one assertion; nothing else
// may be bare.
var bareAllowed = []struct{ file, snippet, reason string }{}

// bare is one assertion without a description.
type bare struct {
	pos   token.Position
	code  string
	verbs string // set when the description is there but its verbs and arguments disagree
}

// verbs counts the formatting verbs of a description (%% is none); ok is false when a verb
// uses an explicit argument index, which this count cannot follow.
func verbs(format string) (n int, ok bool) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.*", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] == '[' {
			return 0, false
		}
		if i < len(format) && format[i] != '%' {
			n++
		}
	}
	return n, true
}

// TestAssertionsHaveDescriptions: every Expect/Eventually/Consistently/Ω chain in specs/ ends in
// a To/NotTo/ToNot/Should/ShouldNot call that passes a description after its matcher, so the
// result's message is a sentence about the target, not "Expected <bool>: false to be true".
func TestAssertionsHaveDescriptions(t *testing.T) {
	found, err := bareAssertions(filepath.Join(root, "specs"))
	if err != nil {
		t.Fatal(err)
	}
	used := make([]bool, len(bareAllowed))
	var msgs []string
	for _, b := range found {
		ok := false
		for i, a := range bareAllowed {
			if !used[i] && b.verbs == "" && filepath.ToSlash(b.pos.Filename) == filepath.ToSlash(filepath.Join(root, a.file)) && strings.Contains(b.code, a.snippet) {
				ok, used[i] = true, true
				break
			}
		}
		if !ok {
			rel, _ := filepath.Rel(root, b.pos.Filename)
			line := fmt.Sprintf("%s:%d: %s", filepath.ToSlash(rel), b.pos.Line, b.code)
			if b.verbs != "" {
				line += " (" + b.verbs + ")"
			}
			msgs = append(msgs, line)
		}
	}
	if len(msgs) > 0 {
		t.Errorf("%d assertions have no description, or one whose verbs and arguments disagree (give each a sentence of what was observed against what the rule requires, with the observed value as a format argument):\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
	for i, a := range bareAllowed {
		if !used[i] {
			t.Errorf("bareAllowed entry %s %q matches no bare assertion any more; remove it", a.file, a.snippet)
		}
	}
}

// TestFindsBareAssertions: the checker itself finds bare chains of each shape and accepts
// described ones.
func TestFindsBareAssertions(t *testing.T) {
	src := `package x
func f() {
	Expect(a).To(Equal(1))
	Expect(a).To(Equal(1), "a is %d; want 1", a)
	Expect(err).NotTo(HaveOccurred())
	Eventually(f).WithTimeout(d).Should(BeTrue())
	Eventually(f).WithTimeout(d).Should(BeTrue(), "never true")
	g.Expect(b).ToNot(BeNil())
	Consistently(ch).ShouldNot(Receive())
	Ω(x).Should(BeEmpty())
	other.To(Equal(1))
	Expect(a).To(Equal(1), "a is %d, not %d; want 1", a)
	Expect(a).To(Equal(1), "a is %d (100%%)", a)
	Expect(a).To(Equal(1), "a is %d", a, b)
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x_test.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, b := range bareIn(fset, f, []byte(src)) {
		lines = append(lines, b.pos.Line)
	}
	want := []int{3, 5, 6, 8, 9, 10, 12, 14}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("bare assertions found on lines %v; want %v", lines, want)
	}
}

func bareAssertions(dir string) ([]bare, error) {
	var out []bare
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || skipped(rel) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, bareIn(fset, f, src)...)
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].pos.Filename != out[j].pos.Filename {
			return out[i].pos.Filename < out[j].pos.Filename
		}
		return out[i].pos.Line < out[j].pos.Line
	})
	return out, err
}

// bareIn finds the matcher calls of assertion chains in f that pass nothing after the matcher.
func bareIn(fset *token.FileSet, f *ast.File, src []byte) []bare {
	var out []bare
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || !matcherCalls[sel.Sel.Name] || !rootedInAssertion(sel.X) {
			return true
		}
		code := func() string {
			c := string(src[fset.Position(call.Pos()).Offset:fset.Position(call.End()).Offset])
			return strings.Join(strings.Fields(c), " ")
		}
		if len(call.Args) < 2 {
			out = append(out, bare{pos: fset.Position(call.Pos()), code: code()})
			return true
		}
		if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if format, err := strconv.Unquote(lit.Value); err == nil {
				if n, ok := verbs(format); ok && n != len(call.Args)-2 {
					out = append(out, bare{pos: fset.Position(call.Pos()), code: code(),
						verbs: fmt.Sprintf("the description has %d verbs for %d arguments", n, len(call.Args)-2)})
				}
			}
		}
		return true
	})
	return out
}

// rootedInAssertion: e is a call chain that starts with an assertion root (Expect(x),
// g.Expect(x), Eventually(f).WithTimeout(d), …).
func rootedInAssertion(e ast.Expr) bool {
	for {
		call, ok := e.(*ast.CallExpr)
		if !ok {
			return false
		}
		switch fn := call.Fun.(type) {
		case *ast.Ident:
			return assertionRoots[fn.Name]
		case *ast.SelectorExpr:
			if assertionRoots[fn.Sel.Name] {
				return true
			}
			e = fn.X
		default:
			return false
		}
	}
}
