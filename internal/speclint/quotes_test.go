package speclint

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/rules"
)

// Each rule's sentence lives once, in its Quote (rules/). A spec comment that quotes a document
// must quote it word for word, and it must be a sentence some rule holds, so that two copies of
// a rule's text cannot drift apart; a comment that needs another sentence either quotes it
// exactly and lists it in otherQuotes with its source, or paraphrases it without quotation marks.

// otherQuotes are the verified quotes, in spec comments, of sentences that no rule's Quote
// holds but that a check relies on. Each entry excuses that quote wherever it appears; an
// entry that matches no comment any more must go.
var otherQuotes = []struct{ doc, text, source string }{
	{"RFC 8188", "CEK = HMAC-SHA-256(PRK, cek_info || 0x01)",
		"RFC 8188 §2.2, the content-encryption key's formula"},
	{"Push API", "Request a new push subscription. Include the applicationServerKey attribute of options when it has been set. Rethrow any exceptions.",
		"Push API, create a push subscription, the step after the authentication secret"},
	{"Push API", "Though the message was not successfully received and processed, this prevents the push service from attempting to retransmit the message; a badly encrypted message is not recoverable.",
		"Push API, Receiving a Push Message, the step for a payload that could not be decrypted"},
	{"Push API", "These options are optional, and user agents MAY choose to support only a subset of them. A user agent MUST NOT expose options that it does not support.",
		"Push API, PushSubscriptionOptionsInit dictionary"},
	{"Notifications", "Let fallbackTimestamp be the number of milliseconds from the Unix epoch to settings's current wall time, rounded to the nearest integer.",
		"Notifications, create a notification with a settings object"},
}

// attributed finds a quotation attributed to a document in a comment's text: `RFC 8030 §5.2:
// "…"`, `Push API, subscribe(): "…"`, `Notifications, showNotification(): "…"`. The quoted text
// runs to the next straight or curly double quote.
var attributed = regexp.MustCompile(`((?:RFC \d+|Push API|Notifications)[^:"“\n]{0,60}): ["“]([^"”]+)["”]`)

// elision splits a quotation at the places text was left out.
var elision = regexp.MustCompile(`\s*(?:…|\.\.\.|\[(?:…|\.\.\.)\])\s*`)

// normQuote folds what differs only in typography: runs of white space, curly quotes and
// apostrophes.
func normQuote(s string) string {
	s = strings.NewReplacer("“", `"`, "”", `"`, "’", "'", "‘", "'").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// quotedIn reports whether quote is text's words in order, with gaps only where quote marks an
// elision ("…", "...", "[...]").
func quotedIn(quote, text string) bool {
	text = normQuote(text)
	parts := elision.Split(normQuote(quote), -1)
	seen := false
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		i := strings.Index(text, p)
		if i < 0 {
			return false
		}
		text, seen = text[i+len(p):], true
	}
	return seen
}

// specQuote is one attributed quotation found in a spec comment.
type specQuote struct {
	pos       token.Position
	doc, text string
}

// commentQuotes finds the attributed quotations in the comments of one parsed file; each
// comment group is read as one text, so a quotation may span lines.
func commentQuotes(fset *token.FileSet, filename, src string) ([]specQuote, error) {
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var out []specQuote
	for _, cg := range f.Comments {
		var lines []string
		for _, c := range cg.List {
			t := strings.TrimPrefix(c.Text, "//")
			t = strings.TrimSuffix(strings.TrimPrefix(t, "/*"), "*/")
			lines = append(lines, strings.TrimSpace(t))
		}
		text := strings.Join(lines, " ")
		for _, m := range attributed.FindAllStringSubmatch(text, -1) {
			out = append(out, specQuote{pos: fset.Position(cg.Pos()), doc: strings.TrimSpace(m[1]), text: m[2]})
		}
	}
	return out, nil
}

// quoteOK: the quotation is word for word in some rule's Quote, or in an otherQuotes entry of
// the same document (whose index it returns; -1 otherwise).
func quoteOK(q specQuote, catalogue []rules.Rule) (ok bool, other int) {
	for _, r := range catalogue {
		if r.Quote != "" && quotedIn(q.text, r.Quote) {
			return true, -1
		}
	}
	for i, o := range otherQuotes {
		if strings.HasPrefix(q.doc, o.doc) && quotedIn(q.text, o.text) {
			return true, i
		}
	}
	return false, -1
}

// TestSpecCommentQuotes: every quotation a spec comment attributes to a document is word for
// word in a rule's Quote or in otherQuotes.
func TestSpecCommentQuotes(t *testing.T) {
	catalogue := rules.All()
	used := make([]bool, len(otherQuotes))
	var msgs []string
	n := 0
	dir := filepath.Join(root, "specs")
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		qs, err := commentQuotes(token.NewFileSet(), path, string(src))
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, q := range qs {
			n++
			ok, i := quoteOK(q, catalogue)
			if i >= 0 {
				used[i] = true
			}
			if !ok {
				msgs = append(msgs, fmt.Sprintf("%s:%d: %s: %q", filepath.ToSlash(rel), q.pos.Line, q.doc, normQuote(q.text)))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no attributed quotation found in any spec comment; is the pattern still right?")
	}
	if len(msgs) > 0 {
		t.Errorf("%d spec comments quote a document but the text is in no rule's Quote (drop the quote when it is the graded rule's sentence, the call names the rule; otherwise quote the source word for word, marking gaps with …, and list it in otherQuotes with its source, or paraphrase it without quotation marks):\n%s",
			len(msgs), strings.Join(msgs, "\n"))
	}
	for i, o := range otherQuotes {
		if !used[i] {
			t.Errorf("otherQuotes entry %s %q matches no spec comment any more; remove it", o.doc, o.text)
		}
	}
}

// TestQuoteMatcher: the matcher accepts exact quotes (white space folded, elisions as gaps) and
// refuses a planted wrong quote, a paraphrase and words out of order.
func TestQuoteMatcher(t *testing.T) {
	const sentence = "The push service MUST use HTTP over Transport Layer Security (TLS) [RFC2818] following the recommendations in [RFC7525]."
	for _, tc := range []struct {
		quote string
		want  bool
	}{
		{sentence, true},
		{"The push service MUST use HTTP over Transport Layer\n   Security (TLS) [RFC2818]", true},
		{"The push service MUST use HTTP … following the recommendations in [RFC7525].", true},
		{"The push service MUST use HTTP [...] [RFC7525].", true},
		{"The push service MUST use HTTP ... [RFC2818]", true},
		{"This protocol MUST use HTTP over TLS [RFC2818] following the recommendations in [RFC7525]", false},
		{"The push service MUST use HTTP over TLS [RFC2818]", false},
		{"following the recommendations in [RFC7525] … The push service MUST use HTTP", false},
		{"…", false},
	} {
		if got := quotedIn(tc.quote, sentence); got != tc.want {
			t.Errorf("quotedIn(%q) = %v; want %v", tc.quote, got, tc.want)
		}
	}

	src := `package x

// RFC 8030 §3: "This protocol MUST use HTTP over TLS [RFC2818] following the
// recommendations in [RFC7525]" — planted wrong quote.
var a = 1

// RFC 8030 §3 (and §8): "The push service MUST use HTTP over Transport Layer Security (TLS)
// [RFC2818] following the recommendations in [RFC7525]." Exact.
var b = 2

// Push API, subscribe(): "If registration's active worker is null, reject promise" —
// not a sentence of any rule here.
var c = 3

// RFC 8030 §3, paraphrased: the service is reached over TLS.
var d = 4
`
	fset := token.NewFileSet()
	qs, err := commentQuotes(fset, "x.go", src)
	if err != nil {
		t.Fatal(err)
	}
	catalogue := []rules.Rule{{Quote: sentence}}
	var bad []int
	for _, q := range qs {
		if ok, _ := quoteOK(q, catalogue); !ok {
			bad = append(bad, q.pos.Line)
		}
	}
	if len(qs) != 3 || fmt.Sprint(bad) != "[3 11]" {
		t.Errorf("found %d quotations, refused those on lines %v; want 3 found, lines [3 11] refused", len(qs), bad)
	}
}
