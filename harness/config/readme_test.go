package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's configuration table is the user's reference: every knob must be in it, with its flag.
func TestREADMEListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Fields() {
		row := "| `" + f.Env + "` | `" + f.Flag + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md lacks the configuration row starting %q (default %q: %s)", row, f.Default, f.Help)
		}
	}
}
