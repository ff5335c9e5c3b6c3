package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeT records what Check reports instead of failing the real test.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Helper()                   {}
func (f *fakeT) Errorf(s string, a ...any) { f.errors = append(f.errors, s) }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	if !Check(t, path, "doc.md", "a\nb\n", true, "make doc") {
		t.Fatal("update did not write")
	}
	ft := &fakeT{TB: t}
	Check(ft, path, "doc.md", "a\nb\n", false, "make doc")
	if len(ft.errors) != 0 {
		t.Fatalf("a current file was reported stale: %v", ft.errors)
	}
	Check(ft, path, "doc.md", "a\nc\n", false, "make doc")
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "is stale") {
		t.Fatalf("a stale file was not reported: %v", ft.errors)
	}
	if b, _ := os.ReadFile(path); string(b) != "a\nb\n" {
		t.Fatalf("a check without update changed the file: %q", b)
	}
	if d := Diff("a\nb\n", "a\nc\n", 10); len(d) != 1 || !strings.Contains(d[0], "line 2:\n- b\n+ c") {
		t.Fatalf("Diff = %q", d)
	}
}
