package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/fakepushservice"
)

func init() {
	register("serve", "run the push service (web-push-testing compatible control API)", runServe)
}

const serveHelp = `Usage: pushspec serve [flags]

Runs pushspec's push service until interrupted (SIGINT/SIGTERM):

  - the control API of web-push-testing at the root of --addr, so that libraries testing against
    web-push-testing switch by changing a port:
      POST /status, POST /subscribe, POST /expire-subscription/<clientHash>, POST /get-notifications
    subscriptions made there are held by an in-process user agent that decrypts what it receives;
  - the push resource (RFC 8030 §5) at /push/<id>, /wp/<id>, /fcm/send/<id> and /notify/<clientHash>,
    over HTTP on --addr and over HTTPS on --tls-addr (a CA made at start; its PEM is written to
    --ca-file and printed: NODE_EXTRA_CA_CERTS=<file>, curl --cacert <file>);
  - pushspec's own routes under /_pushspec/: every request with its per-rule verdicts, events,
    stored messages, deliveries, acks, fault injection (GET /_pushspec/ lists them).

--profile chooses how push requests are answered: rfc (RFC status codes, the default), autopush,
fcm, apple, wns (those services' codes and bodies) or compat (exactly like web-push-testing: 400 for
nearly every error, 410 for expired, 201 without Location). Verdicts are graded against the RFCs in
every profile.

Listens on loopback only unless --allow-non-loopback is given.

Flags (each also from the environment variable shown):
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		if v, ok := os.LookupEnv(name); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
		return def
	}
	envBool := func(name string) bool {
		b, _ := strconv.ParseBool(os.Getenv(name))
		return b
	}
	addr := fs.String("addr", env("PUSHSPEC_ADDR", "127.0.0.1:8090"), "control API and HTTP push resource `host:port` (PUSHSPEC_ADDR)")
	tlsAddr := fs.String("tls-addr", env("PUSHSPEC_TLS_ADDR", "127.0.0.1:0"), "HTTPS push resource `host:port`; port 0 picks a free one (PUSHSPEC_TLS_ADDR)")
	profile := fs.String("profile", env("PUSHSPEC_PROFILE", "rfc"), "response profile: "+strings.Join(fakepushservice.Profiles(), ", ")+" (PUSHSPEC_PROFILE)")
	caFile := fs.String("ca-file", env("PUSHSPEC_CA_FILE", ""), "where to write the CA certificate PEM; empty means a temporary file (PUSHSPEC_CA_FILE)")
	noTLS := fs.Bool("no-tls", envBool("PUSHSPEC_NO_TLS"), "do not serve HTTPS (PUSHSPEC_NO_TLS)")
	httpsEndpoints := fs.Bool("https-endpoints", envBool("PUSHSPEC_HTTPS_ENDPOINTS"), "hand out https:// endpoints (signed by the printed CA) from the control API's POST /subscribe and for link subscriptions (PUSHSPEC_HTTPS_ENDPOINTS)")
	maxPayload := fs.Int("max-payload", envInt("PUSHSPEC_MAX_PAYLOAD", 0), "largest accepted body in octets; 0 means the profile's (4096 for rfc) (PUSHSPEC_MAX_PAYLOAD)")
	maxTTL := fs.Int("max-ttl", envInt("PUSHSPEC_MAX_TTL", 0), "cap on stored TTL in seconds; 0 means the profile's (none for rfc) (PUSHSPEC_MAX_TTL)")
	rateLimit := fs.Int("rate-limit", envInt("PUSHSPEC_RATE_LIMIT", 0), "messages one user agent may be sent at once, refilled over a minute (RFC 8030 §8.4: 429 with Retry-After beyond it); 0 means the default (1000), negative means no limit, e.g. for load tests (PUSHSPEC_RATE_LIMIT)")
	verbose := fs.Bool("verbose", envBool("PUSHSPEC_VERBOSE"), "log every push request with its status (PUSHSPEC_VERBOSE)")
	allowRemote := fs.Bool("allow-non-loopback", envBool("PUSHSPEC_ALLOW_NON_LOOPBACK"), "allow listening on non-loopback addresses (PUSHSPEC_ALLOW_NON_LOOPBACK)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveHelp)
		fs.PrintDefaults()
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout) // asked for: help goes to stdout, exit 0
		}
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pushspec serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if _, ok := fakepushservice.LookupProfile(*profile); !ok {
		fmt.Fprintf(stderr, "pushspec serve: unknown profile %q (want one of %s)\n", *profile, strings.Join(fakepushservice.Profiles(), ", "))
		return 2
	}
	for _, a := range []string{*addr, *tlsAddr} {
		if err := checkLoopback(a, *allowRemote); err != nil {
			fmt.Fprintf(stderr, "pushspec serve: %v\n", err)
			return 2
		}
	}
	s := &fakepushservice.Server{
		Profile: *profile, Addr: *addr, TLSAddr: *tlsAddr, NoTLS: *noTLS, HTTPSEndpoints: *httpsEndpoints,
		CAFilePath: *caFile, MaxPayload: *maxPayload, MaxTTL: int64(*maxTTL), RateLimit: *rateLimit,
		Logf: func(format string, a ...any) { fmt.Fprintf(stderr, "pushspec serve: "+format+"\n", a...) },
	}
	if *verbose {
		s.OnRequest = func(r *fakepushservice.Request) *fakepushservice.Fault {
			fmt.Fprintf(stderr, "pushspec serve: %s %s (%d octets)\n", r.Method, r.Path, r.BodySize)
			return nil
		}
	}
	if err := s.Start(); err != nil {
		fmt.Fprintf(stderr, "pushspec serve: %v\n", err)
		return 1
	}
	port := s.URL()[strings.LastIndex(s.URL(), ":")+1:]
	fmt.Fprintf(stdout, "pushspec serve: profile %s\n", *profile)
	fmt.Fprintf(stdout, "control API:     %s  (POST /status, /subscribe, /expire-subscription/<clientHash>, /get-notifications)\n", s.URL())
	if *httpsEndpoints && s.TLSURL() != "" {
		tlsPort := s.TLSURL()[strings.LastIndex(s.TLSURL(), ":")+1:]
		fmt.Fprintf(stdout, "endpoints:       https://localhost:%s/notify/<clientHash> (control API), %s/push/<id>\n", tlsPort, s.TLSURL())
	} else {
		fmt.Fprintf(stdout, "endpoints:       http://localhost:%s/notify/<clientHash> (control API), %s/push/<id>\n", port, s.URL())
	}
	if s.TLSURL() != "" {
		fmt.Fprintf(stdout, "https endpoints: %s/push/<id>, %s/notify/<clientHash>\n", s.TLSURL(), s.TLSURL())
		fmt.Fprintf(stdout, "CA file:         %s\n", s.CAFile())
	}
	fmt.Fprintf(stdout, "verdicts:        %s/_pushspec/\n", s.URL())
	fmt.Fprintln(stdout, "ready")
	<-ctx.Done()
	fmt.Fprintln(stdout, "pushspec serve: shutting down")
	if err := s.Close(); err != nil {
		fmt.Fprintf(stderr, "pushspec serve: close: %v\n", err)
		return 1
	}
	return 0
}

// checkLoopback refuses a listen address that is not loopback unless allowed.
func checkLoopback(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %v", addr, err)
	}
	if allow {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q is not loopback; pass --allow-non-loopback to listen there", addr)
	}
	return nil
}
