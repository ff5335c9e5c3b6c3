// Package modroot finds the pushspec checkout a process runs in: the directory holding go.mod,
// above the working directory. Tests use it to read the repo; a run from a checkout uses it to
// find what make deps installed under .cache.
package modroot

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrNone is Dir's error when no directory above the working directory holds a go.mod.
var ErrNone = errors.New("no go.mod above the working directory")

// Dir walks up from the working directory to the directory holding go.mod.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNone
		}
		dir = parent
	}
}
