package modroot

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDir(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("%s holds no go.mod", dir)
	}
	// Outside any module: no go.mod up to the file system's root.
	t.Chdir(t.TempDir())
	if dir, err := Dir(); !errors.Is(err, ErrNone) {
		t.Fatalf("outside a module: %q, %v", dir, err)
	}
}
