package sender

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/pushspec/pushspec/internal/buildinfo"
)

// WebpushGoModule is the Go module of the webpush-go sender.
const WebpushGoModule = "github.com/SherClockHolmes/webpush-go"

// Version is the version of the sender of kind ("webpush-go", "web-push", "raw", "cmd") that
// reports show beside it: declared when it is set (PUSHSPEC_SENDER_VERSION); else webpush-go's
// module version from this binary's build information, the npm web-push package's version from
// its package.json, pushspec's own version for its raw sender; else "unknown" (a command says
// nothing about itself).
func Version(kind, declared string) string {
	if declared != "" {
		return declared
	}
	var v string
	switch kind {
	case "webpush-go", "":
		v = buildinfo.Module(WebpushGoModule)
	case "web-push":
		v = Node{}.Version()
	case "raw":
		v = buildinfo.Pushspec()
	}
	if v == "" {
		return buildinfo.Unknown
	}
	return v
}

// Version is the version in the installed web-push package's package.json; "" when it is not
// installed or does not say.
func (s Node) Version() string {
	dir, err := s.modulesDir()
	if err != nil {
		return ""
	}
	return packageVersion(filepath.Join(dir, "web-push", "package.json"))
}

// packageVersion reads the "version" of an npm package.json; "" when it cannot.
func packageVersion(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &pkg) != nil {
		return ""
	}
	return pkg.Version
}
