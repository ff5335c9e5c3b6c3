// Package buildinfo says which versions a pushspec process was built from: pushspec's own, and
// that of a Go module it links (a sender library). Reports show them beside every target.
package buildinfo

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/pushspec/pushspec/internal/modroot"
)

// Unknown is the version of something that did not say.
const Unknown = "unknown"

// Pushspec is pushspec's version: the module version of a tagged build; else the VCS revision
// the build stamped (12 hex digits, "+dirty" when the tree had changes); else, for binaries
// built without VCS stamping (test binaries, -buildvcs=false), the same read from the git
// checkout the process runs in; else "devel". Computed once per process.
func Pushspec() string { return pushspecOnce() }

var pushspecOnce = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if v := fromBuildInfo(bi); v != "" {
			return v
		}
	}
	if v := fromCheckout(); v != "" {
		return v
	}
	return "devel"
})

// fromBuildInfo is the module version of a tagged build, else the stamped revision; "" when
// the build carries neither.
func fromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	return revision(rev, modified == "true")
}

func revision(rev string, dirty bool) string {
	if rev == "" {
		return ""
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

// fromCheckout asks git for the revision of the checkout around the working directory (the
// module root, found by go.mod), as `go build` would have stamped it; "" when there is none.
func fromCheckout() string {
	dir, _ := modroot.Dir()
	if dir == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	git := func(args ...string) (string, bool) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		var out bytes.Buffer
		cmd.Stdout = &out
		if cmd.Run() != nil {
			return "", false
		}
		return strings.TrimSpace(out.String()), true
	}
	rev, ok := git("rev-parse", "HEAD")
	if !ok {
		return ""
	}
	status, ok := git("status", "--porcelain")
	return revision(rev, ok && status != "")
}

// Module is the version of the Go module at path that this binary links ("v1.4.0"), read from
// its build information; a replaced module gives its replacement's version, or "(replaced by
// <path>)" for a local one. Test binaries carry no dependency list, so for them the version is
// the one the checkout's go.mod requires (which `go mod tidy` keeps at the selected version).
// "" when neither names the module.
func Module(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := moduleIn(bi, path); v != "" {
			return v
		}
	}
	root, _ := modroot.Dir()
	if root == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return ""
	}
	return requiredIn(b, path)
}

func moduleIn(bi *debug.BuildInfo, path string) string {
	for _, d := range bi.Deps {
		if d.Path != path {
			continue
		}
		if r := d.Replace; r != nil {
			if r.Version != "" {
				return r.Version
			}
			return "(replaced by " + r.Path + ")"
		}
		return d.Version
	}
	return ""
}

// requiredIn finds path's version among a go.mod's require directives, one-line or in a block.
func requiredIn(gomod []byte, path string) string {
	inBlock := false
	for _, line := range strings.Split(string(gomod), "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case inBlock && f[0] == ")":
			inBlock = false
			continue
		case f[0] == "require" && len(f) == 2 && f[1] == "(":
			inBlock = true
			continue
		case f[0] == "require":
			f = f[1:]
		case !inBlock:
			continue
		}
		if len(f) >= 2 && f[0] == path {
			return f[1]
		}
	}
	return ""
}
