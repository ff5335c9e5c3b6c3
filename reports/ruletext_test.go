package reports

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/rules"
)

// results.json and the HTML report show a rule's sentence and check as the rule's declaration
// has them: both read the catalogue entry built from the rules.Rule value.
func TestRuleTextFromTheDeclaration(t *testing.T) {
	meta := fixtureMeta()
	meta.Catalogue = nil // the real catalogue
	res, err := Build(fixtureReport(), meta)
	if err != nil {
		t.Fatal(err)
	}
	matched := 0
	for _, ru := range res.Rules {
		r, ok := rules.ByID(ru.ID)
		if !ok {
			continue // a rule only a result names (the fixture has one)
		}
		matched++
		if ru.Quote != r.Quote || ru.Check != r.Check || ru.Summary != r.Summary {
			t.Errorf("%s: the report's entry differs from the declaration", ru.ID)
		}
	}
	if matched != len(rules.All()) {
		t.Errorf("%d catalogue rules in the results, %d in the catalogue", matched, len(rules.All()))
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Rules []struct{ ID, Quote, Check string } `json:"rules"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ru := range doc.Rules {
		if ru.ID == rules.TTLMissing400.ID {
			found = true
			if ru.Quote != rules.TTLMissing400.Quote || ru.Check != rules.TTLMissing400.Check {
				t.Errorf("results.json: quote %q, check %q", ru.Quote, ru.Check)
			}
		}
	}
	if !found {
		t.Fatalf("results.json has no entry for %s", rules.TTLMissing400.ID)
	}

	var page bytes.Buffer
	if err := WriteHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	// The fixture checks TTLMissing400 on fake:rfc: its cell's panel quotes the sentence.
	want := `<blockquote class="quote">` + template.HTMLEscapeString(rules.TTLMissing400.Quote) + `</blockquote>`
	if !strings.Contains(page.String(), want) {
		t.Errorf("the HTML report lacks %s", want)
	}
}
