package ruleids

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/internal/modroot"
	"github.com/pushspec/pushspec/rules"
)

// rfcShaped is an ID of an RFC rule, catalogued or not: "rfc8030-5.2-ttl-missing-400".
var rfcShaped = regexp.MustCompile(`^rfc(8030|8188|8291|8292)-[0-9A-Z][0-9.]*-[a-z0-9.-]+$`)

// allowMarker exempts one line that holds a made-up rule ID as test data.
const allowMarker = "ruleids:" + "allow"

// exempt says whether rel (slash-separated, relative to the repository root) may hold rule IDs
// as strings.
func exempt(rel string) bool {
	switch {
	case strings.HasPrefix(rel, "rules/"):
		return true // where the IDs are declared
	case strings.Contains("/"+rel, "/testdata/"):
		return true // generated and golden files
	}
	return false
}

// isRuleID reports whether s is a rule ID written as a string.
func isRuleID(s string) bool {
	if _, ok := rules.ByID(s); ok {
		return true
	}
	return rfcShaped.MatchString(s)
}

func TestNoRuleIDLiterals(t *testing.T) {
	root := repoRoot(t)
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".cache", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if exempt(rel) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
		if err != nil {
			return err
		}
		files++
		lines := strings.Split(string(src), "\n")
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !isRuleID(s) {
				return true
			}
			pos := fset.Position(lit.Pos())
			if strings.Contains(lines[pos.Line-1], allowMarker) {
				return true
			}
			t.Errorf("%s:%d: rule ID %q as a string literal; name the rule by its value in package rules (rules.X, or rules.X.ID for the string)", rel, pos.Line, s)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("parsed only %d Go files under %s; the walk is broken", files, root)
	}
}

// TestCatchesEachForm: the check finds catalogued IDs of every document and made-up RFC IDs, and
// leaves other strings alone.
func TestCatchesEachForm(t *testing.T) {
	for _, s := range []string{
		rules.TTLMissing400.ID, rules.PMDJSON.ID, rules.NotificationTagReplaces.ID,
		rules.InteropAppleUrgency.ID, "rfc8030-9-" + "made-up",
	} {
		if !isRuleID(s) {
			t.Errorf("%q is not caught", s)
		}
	}
	for _, s := range []string{"interop-grid.png", "rfc8030", "pushapi-dwp", "RFC 8030 §5.2", "rfc8030-ua"} {
		if isRuleID(s) {
			t.Errorf("%q is caught", s)
		}
	}
	for rel, want := range map[string]bool{
		"rules/rfc8030.go":                     true,
		"webpush/testdata/gen.go":              true,
		"fakepushservice/push.go":              false,
		"webpush/errors.go":                    false,
		"specs/pushservice/deviations_test.go": false,
	} {
		if exempt(rel) != want {
			t.Errorf("exempt(%q) = %v", rel, !want)
		}
	}
}

// repoRoot is the directory holding go.mod, above the test's working directory.
func repoRoot(t *testing.T) string {
	dir, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
