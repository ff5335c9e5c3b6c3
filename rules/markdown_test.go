package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/internal/golden"
)

// TestRulesDoc: docs/rules.md is the rendering of the catalogue. With -update it is rewritten.
func TestRulesDoc(t *testing.T) {
	path := filepath.Join("..", filepath.FromSlash(DocPath))
	if golden.Check(t, path, DocPath, Markdown(All()), *update, "make rules-doc\n(that is: go test ./rules -update)") {
		t.Logf("wrote %s (%d rules)", DocPath, len(All()))
	}
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
