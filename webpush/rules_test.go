package webpush_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/rules"
)

var ruleIDShape = regexp.MustCompile(`^(rfc[0-9]{4}|pushapi|notifications)-[a-z0-9.-]+$`)

// TestRuleIDsAreCatalogued keeps the codec's rule IDs (plain strings, since this package is a
// leaf) in step with rules: every string literal shaped like a rule ID in the package's
// source must be a registered rule.
func TestRuleIDsAreCatalogued(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !ruleIDShape.MatchString(s) {
				return true
			}
			seen++
			if _, ok := rules.ByID(s); !ok {
				t.Errorf("%s: rule %q is not in the rules catalogue", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	if seen < 30 {
		t.Errorf("found only %d rule IDs in the source; the scan is broken", seen)
	}
}
