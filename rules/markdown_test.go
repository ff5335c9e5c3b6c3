package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRulesDoc: docs/rules.md is the rendering of the catalogue. With -update it is rewritten.
func TestRulesDoc(t *testing.T) {
	got := Markdown(All())
	path := filepath.Join("..", filepath.FromSlash(DocPath))
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d rules)", DocPath, len(All()))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v\nCreate it with:\n\tmake rules-doc", DocPath, err)
	}
	if got == string(want) {
		return
	}
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
	t.Errorf("%s is stale (first differences, - file, + declarations):\n%s\n\nRegenerate it with:\n\tmake rules-doc\n(that is: go test ./rules -update)",
		DocPath, strings.Join(diff, "\n"))
}

// The rendering carries every rule with its quote and check, in section order.
func TestMarkdown(t *testing.T) {
	doc := Markdown(All())
	for _, r := range All() {
		if !strings.Contains(doc, "#### `"+r.ID+"`") {
			t.Errorf("%s is not in the rendering", r.ID)
		}
	}
	for _, want := range []string{
		"## RFC 8030", "### §5.2", "MUST · push-service · [RFC 8030 §5.2](https://www.rfc-editor.org/rfc/rfc8030#section-5.2)",
		"> " + escapeQuote(TTLMissing400.Quote), "pushspec checks: " + TTLMissing400.Check,
		"MUST† · application-server", // an implied rule keeps its dagger
		"[report](" + Interop404410BothMeanGone.Ref + ")",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the rendering lacks %q", want)
		}
	}
	if i, j := strings.Index(doc, "### §5.2"), strings.Index(doc, "### §5.10"); j >= 0 && i > j {
		t.Error("sections are not in numeric order")
	}
	if i, j := strings.Index(doc, "### §4\n"), strings.Index(doc, "### §4.1\n"); i < 0 || j < 0 || i > j {
		t.Error("§4 does not come before §4.1")
	}
	if got := escapeQuote("FrozenArray<DOMString> [RFC2818] 1*DIGIT a_b"); got != `FrozenArray&lt;DOMString&gt; \[RFC2818\] 1\*DIGIT a\_b` {
		t.Errorf("escapeQuote = %q", got)
	}
}
