package selfcontained

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/internal/modroot"
)

// outside matches a reference to something outside the repository. The pattern is spelled in
// pieces so that this file does not match it itself.
var outside = regexp.MustCompile(strings.Join([]string{
	`\.\./` + `shared`, // the shared directory beside the checkout
	`/` + `work/`,      // machine paths
	`/` + `root/`,
	`\bnotes/` + `[A-Za-z0-9_-]+\.md`, // notes outside the repository
	`DESIGN` + `\.md`,
}, "|"))

// bareNote matches the bare name of one of the notes the project was started from, which is a
// reference to that note unless a path of the repository precedes it (docs/push-services.md).
var bareNote = regexp.MustCompile(`(?:^|[^A-Za-z0-9_/.-])((?:rules|vectors|push-services|firefox-autopush|chrome-fcm|style-by-example|verdict-review)` + `\.md)`)

// allowMarker exempts one line that mentions such a string as test data.
const allowMarker = "selfcontained:" + "allow"

func TestNoReferenceOutsideTheRepo(t *testing.T) {
	root := repoRoot(t)
	files := trackedFiles(t, root)
	if len(files) < 50 {
		t.Fatalf("found only %d files under %s; the listing is broken", len(files), root)
	}
	var hits int
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, still in the index
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
			continue // binary
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			m := outside.FindString(line)
			if m == "" {
				if sm := bareNote.FindStringSubmatch(line); sm != nil {
					m = sm[1]
				}
			}
			if m == "" || strings.Contains(line, allowMarker) {
				continue
			}
			hits++
			t.Errorf("%s:%d: refers to %q outside the repository; point to docs/ instead: %s",
				rel, n, m, strings.TrimSpace(line))
		}
		if err := sc.Err(); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
	}
	if hits > 0 {
		t.Logf("%d references outside the repository; the facts belong under docs/", hits)
	}
}

// TestPatternCatchesEachForm: the pattern finds every form of reference it exists for, and
// leaves paths of the repository alone.
func TestPatternCatchesEachForm(t *testing.T) {
	for _, s := range []string{
		"schema in ../" + "shared/DESIGN" + ".md",
		"see " + strings.Join([]string{"", "work", "shared", "notes", "chrome-fcm" + ".md"}, "/"),
		"/" + "root/go/bin/tool",
		"(notes/push-services" + ".md §4)",
		"(DESIGN" + ".md, \"Contracts\")",
		"(push-services" + ".md §1 row 25)",
		"pushspec's reading; rules" + ".md",
	} {
		if !outside.MatchString(s) && !bareNote.MatchString(s) {
			t.Errorf("%q is not caught", s)
		}
	}
	for _, s := range []string{
		"docs/push-services.md §4",
		"docs/results-json.md",
		"webpush/testdata/README.md",
		"reports/out/results.json",
		"release notes/changes",
		"see testdata/vectors.json",
		"rules/testdata/catalogue.txt",
	} {
		if outside.MatchString(s) || bareNote.MatchString(s) {
			t.Errorf("%q is caught, but it is inside the repository", s)
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

// trackedFiles lists the files git tracks, slash-separated and relative to root; without git (a
// source archive) it walks the tree, skipping .git, .cache, node_modules and report output.
func trackedFiles(t *testing.T, root string) []string {
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".cache", "node_modules", "out":
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
