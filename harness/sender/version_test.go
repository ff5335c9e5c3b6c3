package sender

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestVersion(t *testing.T) {
	// This test binary links webpush-go (webpushgo.go), so its build information names it.
	if v := Version("webpush-go", ""); !regexp.MustCompile(`^v\d+\.\d+\.\d+`).MatchString(v) {
		t.Errorf("webpush-go version %q, want the module version from go.mod", v)
	}
	if v := Version("cmd", ""); v != "unknown" {
		t.Errorf("command without a declared version: %q, want unknown", v)
	}
	if v := Version("cmd", "2.0.5"); v != "2.0.5" {
		t.Errorf("declared version: %q", v)
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "web-push"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web-push", "package.json"), []byte(`{"name":"web-push","version":"3.6.7"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if v := (Node{ModulesDir: dir}).Version(); v != "3.6.7" {
		t.Errorf("web-push version %q, want 3.6.7 from its package.json", v)
	}
}
