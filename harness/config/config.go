// Package config is pushspec's one configuration: a typed struct filled from defaults, then
// PUSHSPEC_* environment variables, then command-line flags, parsed once. The suites read it from
// the environment (pushspec run passes its flags down as PUSHSPEC_* variables), the CLI from both.
//
// Every field's zero value works; Redacted() is what reports print.
package config

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/fakepushservice"
)

// Config is every knob a user can turn. Tags: env is the variable name after PUSHSPEC_, flag the
// flag name, def the default, help the one-line explanation shown by --help and in the README.
type Config struct {
	Browsers       string `env:"BROWSERS" flag:"browsers" def:"chromium,firefox" help:"browsers to run, comma-separated: chromium, firefox (empty: none, browserless suites only)"`
	ChromiumPath   string `env:"CHROMIUM_PATH" flag:"chromium-path" def:"/usr/bin/chromium" help:"Chromium binary"`
	FirefoxPath    string `env:"FIREFOX_PATH" flag:"firefox-path" def:"/usr/bin/firefox-esr" help:"Firefox binary"`
	ChromiumRemote string `env:"CHROMIUM_REMOTE" flag:"chromium-remote" help:"CDP endpoint of a running Chromium (ws://host:port/devtools/browser/…) instead of starting one"`
	FirefoxRemote  string `env:"FIREFOX_REMOTE" flag:"firefox-remote" help:"Playwright server endpoint (ws://…) to reach Firefox instead of starting one"`
	AdvertiseHost  string `env:"ADVERTISE_HOST" flag:"advertise-host" help:"host name (or IPv4 address) in every URL pushspec hands browsers — site origins, push endpoints, autopush and GCM URLs; pushspec listens where it resolves, on that address only (default: localhost and 127.0.0.1; see Browsers on another host)"`
	PushService    string `env:"PUSH_SERVICE" flag:"push-service" def:"fake" help:"push service under test: fake | autopush=<ws URL> | control=<URL> | real (internet only)"`
	Profile        string `env:"PROFILE" flag:"profile" def:"rfc" help:"response profile of the in-process push service: rfc, autopush, fcm, apple, wns, compat"`
	Sender         string `env:"SENDER" flag:"sender" def:"webpush-go" help:"sender under test: webpush-go, web-push (the npm library, run with node), cmd (PUSHSPEC_SENDER_CMD)"`
	SenderCmd      string `env:"SENDER_CMD" flag:"sender-cmd" help:"command that sends one push (see README: the PUSHSPEC_SEND_* variables it is given)"`
	SenderName     string `env:"SENDER_NAME" flag:"sender-name" help:"name of the sender under test in reports: target id sender:<name>, so that reports of several libraries merge (default: the sender kind)"`
	SenderVersion  string `env:"SENDER_VERSION" flag:"sender-version" help:"version of the sender under test, shown beside its name in reports (default: webpush-go's module version, web-push's package.json version, unknown for a command)"`
	ReportDir      string `env:"REPORT_DIR" flag:"report-dir" def:"reports/out" help:"where results.json, junit.xml and index.html are written"`
	Strict         bool   `env:"STRICT" flag:"strict" help:"treat broken SHOULD rules (non-strict) as failures"`
	LabelFilter    string `env:"LABEL_FILTER" flag:"label-filter" help:"ginkgo label filter selecting specs, e.g. 'MUST && actor:push-service'"`
	Procs          int    `env:"PROCS" flag:"procs" help:"suite processes at a time; the user agent suite shares its specs among this many (0: one per core, at most 2)"`
	VAPIDPrivate   string `env:"VAPID_PRIVATE_KEY" flag:"vapid-private-key" secret:"true" help:"VAPID private key (base64url) the senders sign with (default: a fresh key per run)"`
	Timeout        string `env:"TIMEOUT" flag:"timeout" def:"30m" help:"time limit for the whole run"`
}

// Prefix is the environment variable prefix.
const Prefix = "PUSHSPEC_"

// Variables that belong to the toolchain around pushspec or to `pushspec serve` (whose flags are
// its own, see serve --help), not to Config, and so are allowed.
var knownOther = map[string]bool{
	"PUSHSPEC_NPM_BIN": true,
	"PUSHSPEC_ADDR":    true, "PUSHSPEC_TLS_ADDR": true, "PUSHSPEC_CA_FILE": true, "PUSHSPEC_NO_TLS": true,
	"PUSHSPEC_HTTPS_ENDPOINTS": true, "PUSHSPEC_MAX_PAYLOAD": true, "PUSHSPEC_MAX_TTL": true,
	"PUSHSPEC_VERBOSE": true, "PUSHSPEC_ALLOW_NON_LOOPBACK": true, "PUSHSPEC_RATE_LIMIT": true,
}

// Default returns the configuration with every default applied.
func Default() Config {
	var c Config
	each(&c, func(f field) { _ = f.set(f.def) })
	return c
}

// FromEnv returns Default() overridden by PUSHSPEC_* variables. An unknown PUSHSPEC_ variable is an
// error (a typo must not silently fall back to a default).
func FromEnv() (Config, error) {
	c := Default()
	return c, c.applyEnv(os.Environ())
}

func (c *Config) applyEnv(environ []string) error {
	known := map[string]field{}
	each(c, func(f field) { known[Prefix+f.env] = f })
	var unknown []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, Prefix) || knownOther[k] || strings.HasPrefix(k, Prefix+"SEND_") {
			continue
		}
		f, ok := known[k]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		if err := f.set(v); err != nil {
			return fmt.Errorf("%s=%q: %w", k, v, err)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown environment variable(s) %s (see pushspec run --help for the known ones)", strings.Join(unknown, ", "))
	}
	return c.Validate()
}

// RegisterFlags adds one flag per field to fs, with the current values as defaults, so that
// flags override whatever defaults and the environment set.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	each(c, func(f field) {
		name := f.flag
		usage := f.help + " (env " + Prefix + f.env + ")"
		switch p := f.ptr.(type) {
		case *string:
			fs.StringVar(p, name, *p, usage)
		case *bool:
			fs.BoolVar(p, name, *p, usage)
		case *int:
			fs.IntVar(p, name, *p, usage)
		}
	})
}

// Validate checks values that have a fixed set of forms.
func (c *Config) Validate() error {
	for _, b := range c.BrowserList() {
		if b != "chromium" && b != "firefox" {
			return fmt.Errorf("browsers: unknown browser %q (chromium, firefox)", b)
		}
	}
	if _, ok := fakepushservice.LookupProfile(c.Profile); !ok {
		return fmt.Errorf("profile: unknown profile %q (%s)", c.Profile, strings.Join(fakepushservice.Profiles(), ", "))
	}
	kind, arg := c.PushServiceTarget()
	switch kind {
	case "fake", "real":
		if arg != "" {
			return fmt.Errorf("push-service: %q takes no argument", kind)
		}
	case "autopush", "control":
		u, err := url.Parse(arg)
		if err != nil || u.Host == "" {
			return fmt.Errorf("push-service: %s=<URL> needs an absolute URL, got %q", kind, arg)
		}
	default:
		return fmt.Errorf("push-service: unknown target %q (fake, autopush=<ws URL>, control=<URL>, real)", c.PushService)
	}
	switch c.Sender {
	case "webpush-go", "web-push":
	case "cmd":
		if c.SenderCmd == "" {
			return fmt.Errorf("sender cmd needs sender-cmd (PUSHSPEC_SENDER_CMD)")
		}
	default:
		return fmt.Errorf("sender: unknown sender %q (webpush-go, web-push, cmd)", c.Sender)
	}
	if c.SenderName != "" && !senderName.MatchString(c.SenderName) {
		return fmt.Errorf("sender-name: %q is not a name of letters, digits and @ . _ / + - (at most 100)", c.SenderName)
	}
	if c.Procs < 0 {
		return fmt.Errorf("procs: must be ≥ 0")
	}
	return nil
}

// senderName is what a sender name may be: npm-, PyPI- and Go-module-like names.
var senderName = regexp.MustCompile(`^[A-Za-z0-9@._/+-]{1,100}$`)

// SenderTargetID is the target ID of the sender under test: "sender:" + SenderName, or the
// sender kind when no name is given.
func (c *Config) SenderTargetID() string {
	if c.SenderName != "" {
		return "sender:" + c.SenderName
	}
	return "sender:" + c.Sender
}

// BrowserList is Browsers split on commas, trimmed, empties dropped.
func (c *Config) BrowserList() []string {
	var out []string
	for _, b := range strings.Split(c.Browsers, ",") {
		if b = strings.TrimSpace(strings.ToLower(b)); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// PushServiceTarget splits PushService into its kind and argument: "autopush=ws://x" →
// ("autopush", "ws://x").
func (c *Config) PushServiceTarget() (kind, arg string) {
	kind, arg, _ = strings.Cut(c.PushService, "=")
	return strings.TrimSpace(kind), strings.TrimSpace(arg)
}

// Environ renders the configuration as PUSHSPEC_* variables, the way pushspec run hands it to the
// suites it starts. Secrets are included: this goes to child processes, never to reports.
func (c *Config) Environ() []string {
	var out []string
	each(c, func(f field) { out = append(out, Prefix+f.env+"="+f.String()) })
	return out
}

// Redacted returns the configuration as name → value for reports, with secrets masked.
func (c *Config) Redacted() map[string]string {
	out := map[string]string{}
	each(c, func(f field) {
		v := f.String()
		if f.secret && v != "" {
			v = "(redacted)"
		}
		out[Prefix+f.env] = v
	})
	return out
}

// Fields describes every knob (for README tables and --help).
func Fields() []FieldDoc {
	var out []FieldDoc
	c := Config{}
	each(&c, func(f field) {
		out = append(out, FieldDoc{Env: Prefix + f.env, Flag: "--" + f.flag, Default: f.def, Help: f.help})
	})
	return out
}

// FieldDoc is one row of the configuration table.
type FieldDoc struct{ Env, Flag, Default, Help string }

type field struct {
	env, flag, def, help string
	secret               bool
	ptr                  any
}

func (f field) set(s string) error {
	switch p := f.ptr.(type) {
	case *string:
		*p = s
	case *bool:
		if s == "" {
			*p = false
			return nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		*p = b
	case *int:
		if s == "" {
			*p = 0
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("not a whole number")
		}
		*p = n
	}
	return nil
}

func (f field) String() string {
	switch p := f.ptr.(type) {
	case *string:
		return *p
	case *bool:
		return strconv.FormatBool(*p)
	case *int:
		return strconv.Itoa(*p)
	}
	return ""
}

func each(c *Config, fn func(field)) {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fn(field{
			env: sf.Tag.Get("env"), flag: sf.Tag.Get("flag"), def: sf.Tag.Get("def"), help: sf.Tag.Get("help"),
			secret: sf.Tag.Get("secret") == "true", ptr: v.Field(i).Addr().Interface(),
		})
	}
}
