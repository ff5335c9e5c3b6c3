// Package golden compares a generated text with the file the repository keeps of it, for the
// tests of generated docs (docs/rules.md, docs/proofs.md): with update the file is rewritten, else
// a stale file fails the test with its first differing lines and the command that regenerates it.
package golden

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Check compares got with the file at path (shown to readers as name). With update it writes got
// to the file instead and reports whether it did. regenerate is the command a reader runs to
// bring the file up to date.
func Check(t testing.TB, path, name, got string, update bool, regenerate string) bool {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return true
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v\nCreate it with:\n\t%s", name, err, regenerate)
	}
	if got == string(want) {
		return false
	}
	t.Errorf("%s is stale (first differences, - file, + generated):\n%s\n\nRegenerate it with:\n\t%s",
		name, strings.Join(Diff(string(want), got, 10), "\n"), regenerate)
	return false
}

// Diff lists up to max lines that differ between want and got, each as "line N:\n- want\n+ got".
func Diff(want, got string, max int) []string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
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
			if len(diff) == max {
				break
			}
		}
	}
	return diff
}
