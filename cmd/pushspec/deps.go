package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pushspec/pushspec/harness/config"
)

// The npm packages a run uses, at the versions pushspec is tested with.
const (
	// playwrightCoreVersion is the npm package the Playwright driver is built from (playwright-go
	// drives Firefox through it); it must match the playwright-go version in go.mod.
	playwrightCoreVersion = "1.64.1"
	// webPushVersion is the npm web-push library: the sender `--sender web-push` runs, and a
	// sender of the interop matrix.
	webPushVersion = "3.6.7"
)

func init() {
	register("deps", "install or check what a run needs: browsers, the Playwright driver, npm web-push", depsCmd)
}

const depsHelp = `Usage: pushspec deps [--check] [flags]

Installs what ` + "`pushspec run`" + ` needs with the same configuration, or says precisely what is missing
and how to get it:

  chromium, firefox-esr   Debian packages, installed with apt-get when run as root
  node, npm               to build the Playwright driver and run the npm web-push library
  Playwright driver       built from the npm package playwright-core@` + playwrightCoreVersion + ` with the system node
                          (no browser download) into $PLAYWRIGHT_DRIVER_PATH, else <cache>/playwright-driver
  npm web-push            web-push@` + webPushVersion + `, into the prefix above $PUSHSPEC_NPM_BIN, else <cache>/npm

<cache> is the user's cache directory (` + "`$XDG_CACHE_HOME`" + ` or ~/.cache on Linux) + /pushspec; pushspec run
finds the tools there when PLAYWRIGHT_DRIVER_PATH and PUSHSPEC_NPM_BIN are unset.
Exit status: 0 when everything is there, 1 when something is missing, 2 on bad usage.

Flags (the run flags select what is needed, e.g. --browsers chromium needs no driver):
`

func depsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var check *bool
	cfg, _, code, ok := parseConfig("deps", depsHelp, args, stderr, func(fs *flag.FlagSet) {
		check = fs.Bool("check", false, "only check, install nothing")
	})
	if !ok {
		return code
	}
	d := depsFor(cfg)
	if !*check {
		d.install(ctx, stdout)
	}
	missing := 0
	for _, it := range d.check() {
		fmt.Fprintln(stdout, it)
		if !it.ok && !it.optional {
			missing++
		}
	}
	if missing > 0 {
		fmt.Fprintf(stdout, "pushspec deps: %d missing\n", missing)
		return 1
	}
	fmt.Fprintln(stdout, "pushspec deps: ready")
	return 0
}

// deps is what one configuration needs.
type deps struct {
	chromium, firefox string // browser binaries to start; "" when not needed
	driver            bool   // the Playwright driver (Firefox, local or remote)
	webPushRequired   bool   // the sender under test is the npm web-push library
	driverDir         string
	npmPrefix         string
}

func depsFor(cfg config.Config) deps {
	d := deps{driverDir: driverDir(), npmPrefix: npmPrefix(), webPushRequired: cfg.Sender == "web-push"}
	for _, b := range cfg.BrowserList() {
		switch b {
		case "chromium":
			if cfg.ChromiumRemote == "" {
				d.chromium = cfg.ChromiumPath
			}
		case "firefox":
			d.driver = true
			if cfg.FirefoxRemote == "" {
				d.firefox = cfg.FirefoxPath
			}
		}
	}
	return d
}

// userCache is pushspec's directory in the user's cache directory.
func userCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pushspec"), nil
}

// driverDir is where the Playwright driver is (or goes): $PLAYWRIGHT_DRIVER_PATH, else
// <cache>/playwright-driver.
func driverDir() string {
	if d := os.Getenv("PLAYWRIGHT_DRIVER_PATH"); d != "" {
		return d
	}
	if c, err := userCache(); err == nil {
		return filepath.Join(c, "playwright-driver")
	}
	return ""
}

// npmPrefix is the npm prefix holding node_modules/web-push: the one above $PUSHSPEC_NPM_BIN
// (…/node_modules/.bin), else <cache>/npm.
func npmPrefix() string {
	if bin := os.Getenv("PUSHSPEC_NPM_BIN"); bin != "" {
		return filepath.Dir(filepath.Dir(bin))
	}
	if c, err := userCache(); err == nil {
		return filepath.Join(c, "npm")
	}
	return ""
}

// toolEnv returns the variables that point the suites at the tools in the user's cache, for the
// variables that are unset and whose tools are there.
func toolEnv() []string {
	var env []string
	if os.Getenv("PLAYWRIGHT_DRIVER_PATH") == "" {
		if d := driverDir(); d != "" && fileExists(filepath.Join(d, "package", "cli.js")) {
			env = append(env, "PLAYWRIGHT_DRIVER_PATH="+d)
		}
	}
	if os.Getenv("PUSHSPEC_NPM_BIN") == "" {
		if p := npmPrefix(); p != "" && fileExists(filepath.Join(p, "node_modules", "web-push", "package.json")) {
			env = append(env, "PUSHSPEC_NPM_BIN="+filepath.Join(p, "node_modules", ".bin"))
		}
	}
	return env
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// item is one thing a run needs, checked.
type item struct {
	name     string
	ok       bool
	optional bool   // missing, the run still works (and says what it skips)
	detail   string // where it is, or what is wrong
	fix      string // how to get it
}

func (it item) String() string {
	switch {
	case it.ok:
		return fmt.Sprintf("  ok       %-18s %s", it.name, it.detail)
	case it.optional:
		return fmt.Sprintf("  absent   %-18s %s\n           %-18s %s", it.name, it.detail, "", it.fix)
	}
	return fmt.Sprintf("  MISSING  %-18s %s\n           %-18s %s", it.name, it.detail, "", it.fix)
}

// aptInstall is how to install Debian packages, for messages.
func aptInstall(pkgs ...string) string {
	cmd := "apt-get install --no-install-recommends " + strings.Join(pkgs, " ")
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "install " + strings.Join(pkgs, " ") + " with the system's package manager"
	}
	if os.Geteuid() == 0 {
		return "run `pushspec deps` (as root it runs " + cmd + ")"
	}
	return "sudo " + cmd + "  (or run pushspec deps as root)"
}

func (d deps) check() []item {
	var out []item
	for _, b := range []struct{ name, path, pkg, env string }{
		{"chromium", d.chromium, "chromium", "PUSHSPEC_CHROMIUM_PATH"},
		{"firefox", d.firefox, "firefox-esr", "PUSHSPEC_FIREFOX_PATH"},
	} {
		if b.path == "" {
			continue
		}
		it := item{name: b.name, detail: b.path}
		if fileExists(b.path) {
			it.ok = true
		} else {
			it.detail = b.path + " not found"
			it.fix = aptInstall(b.pkg) + ", or set " + b.env
		}
		out = append(out, it)
	}
	node, nodeErr := nodePath()
	nodeItem := item{name: "node", ok: nodeErr == nil, detail: node,
		optional: !d.driver && !d.webPushRequired,
		fix:      "Node.js 18 or later with npm: " + aptInstall("nodejs", "npm")}
	if nodeErr != nil {
		nodeItem.detail = nodeErr.Error()
	}
	out = append(out, nodeItem)

	if d.driver {
		it := item{name: "Playwright driver", detail: d.driverDir}
		v, err := packageVersion(filepath.Join(d.driverDir, "package"))
		switch {
		case err != nil:
			it.detail = d.driverDir + ": no driver"
		case v != playwrightCoreVersion:
			it.detail = fmt.Sprintf("%s: playwright-core %s, not %s", d.driverDir, v, playwrightCoreVersion)
		default:
			it.ok = true
			it.detail = d.driverDir + " (playwright-core " + v + ")"
		}
		it.fix = "run `pushspec deps` (needs node and npm; it builds the driver from playwright-core@" + playwrightCoreVersion + ")"
		out = append(out, it)
	}

	it := item{name: "npm web-push", optional: !d.webPushRequired}
	mod := filepath.Join(d.npmPrefix, "node_modules", "web-push")
	v, err := packageVersion(mod)
	switch {
	case err != nil:
		it.detail = mod + ": not installed"
	case v != webPushVersion:
		it.detail = fmt.Sprintf("%s: version %s, not %s", mod, v, webPushVersion)
	default:
		it.ok = true
		it.detail = mod + " (" + v + ")"
	}
	it.fix = "run `pushspec deps` (needs npm); without it the web-push sender cells are skipped"
	if d.webPushRequired {
		it.fix = "run `pushspec deps` (needs npm); --sender web-push runs it"
	}
	out = append(out, it)
	return out
}

// nodePath is the node playwright-go and the web-push sender run.
func nodePath() (string, error) {
	if p := os.Getenv("PLAYWRIGHT_NODEJS_PATH"); p != "" {
		if !fileExists(p) {
			return "", fmt.Errorf("PLAYWRIGHT_NODEJS_PATH=%s does not exist", p)
		}
		return p, nil
	}
	p, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("no node on PATH")
	}
	return p, nil
}

// packageVersion reads the version of the npm package in dir.
func packageVersion(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "", err
	}
	var p struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", err
	}
	return p.Version, nil
}

// install installs what is missing and can be installed here; check says what is left.
func (d deps) install(ctx context.Context, w io.Writer) {
	var pkgs []string
	for _, b := range []struct{ path, pkg, def string }{
		{d.chromium, "chromium", config.Default().ChromiumPath},
		{d.firefox, "firefox-esr", config.Default().FirefoxPath},
	} {
		// Only the Debian paths: a browser configured elsewhere is the user's to install.
		if b.path != "" && b.path == b.def && !fileExists(b.path) {
			pkgs = append(pkgs, b.pkg)
		}
	}
	if _, err := nodePath(); err != nil {
		pkgs = append(pkgs, "nodejs", "npm")
	} else if _, err := exec.LookPath("npm"); err != nil {
		pkgs = append(pkgs, "npm")
	}
	if len(pkgs) > 0 {
		if _, err := exec.LookPath("apt-get"); err == nil && os.Geteuid() == 0 {
			fmt.Fprintf(w, "installing %s (apt-get)\n", strings.Join(pkgs, " "))
			env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if err := runQuiet(ctx, env, "", "apt-get", "update", "-qq"); err != nil {
				fmt.Fprintln(w, "  apt-get update:", err)
			} else if err := runQuiet(ctx, env, "", "apt-get", append([]string{"install", "-y", "-qq", "--no-install-recommends", "fonts-dejavu-core"}, pkgs...)...); err != nil {
				fmt.Fprintln(w, "  apt-get install:", err)
			}
		}
	}
	node, err := nodePath()
	if err != nil {
		return
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return
	}
	if d.driver {
		if v, _ := packageVersion(filepath.Join(d.driverDir, "package")); v != playwrightCoreVersion {
			fmt.Fprintf(w, "building the Playwright driver from playwright-core@%s in %s\n", playwrightCoreVersion, d.driverDir)
			if err := installDriver(ctx, d.driverDir, node); err != nil {
				fmt.Fprintln(w, "  ", err)
			}
		}
	}
	if v, _ := packageVersion(filepath.Join(d.npmPrefix, "node_modules", "web-push")); v != webPushVersion {
		fmt.Fprintf(w, "installing web-push@%s in %s\n", webPushVersion, d.npmPrefix)
		if err := os.MkdirAll(d.npmPrefix, 0o755); err != nil {
			fmt.Fprintln(w, "  ", err)
		} else if err := runQuiet(ctx, nil, d.npmPrefix, "npm", "install", "--prefix", d.npmPrefix, "--no-audit", "--no-fund",
			"--loglevel=error", "web-push@"+webPushVersion); err != nil {
			fmt.Fprintln(w, "  npm install:", err)
		}
	}
}

// runQuiet runs a command, keeping its output for the error.
func runQuiet(ctx context.Context, env []string, dir, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = env, dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out.String(), 2000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// installDriver builds the driver directory playwright-go expects (<dir>/package/cli.js, <dir>/node)
// from the npm package playwright-core, with npm pack: no browser download, no CDN.
func installDriver(ctx context.Context, dir, node string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := runQuiet(ctx, nil, tmp, "npm", "pack", "--silent", "playwright-core@"+playwrightCoreVersion); err != nil {
		return err
	}
	tgz := filepath.Join(tmp, "playwright-core-"+playwrightCoreVersion+".tgz")
	if err := untar(tgz, tmp); err != nil {
		return fmt.Errorf("unpacking %s: %w", filepath.Base(tgz), err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "package")); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(tmp, "package"), filepath.Join(dir, "package")); err != nil {
		return err
	}
	link := filepath.Join(dir, "node")
	os.Remove(link)
	if err := os.Symlink(node, link); err != nil {
		return err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "package", "cli.js"), "--version")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), playwrightCoreVersion) {
		return fmt.Errorf("the driver in %s says %q (%v), want %s", dir, strings.TrimSpace(out.String()), err, playwrightCoreVersion)
	}
	return nil
}

// untar unpacks the regular files and directories of a .tgz into dir, refusing paths that leave it.
func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("unsafe path %q", h.Name)
		}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode).Perm()|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}
