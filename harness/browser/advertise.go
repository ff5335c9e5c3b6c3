package browser

import (
	"fmt"
	"net"
	"strings"
)

// An advertised host (LaunchOptions.AdvertiseHost) is the name in every URL pushspec hands a
// browser. A browser pushspec starts is told where the name leads (AdvertiseIP, a loopback
// address) without any DNS, and that its http:// origins are secure contexts, which the Push API
// and service workers need. A remote browser (LaunchOptions.Remote) gets neither from pushspec:
// whoever starts it passes the same switches or prefs, or has a resolver that knows the name.

// checkAdvertise checks the advertised host and address of a browser pushspec starts: both or
// neither, the address a loopback IP (a browser pushspec starts stays on loopback), and the name
// not InsecureTestHost, which must stay an insecure origin.
func checkAdvertise(o LaunchOptions) error {
	if o.AdvertiseHost == "" && o.AdvertiseIP == "" {
		return nil
	}
	if o.AdvertiseHost == "" || o.AdvertiseIP == "" {
		return fmt.Errorf("browser: AdvertiseHost %q and AdvertiseIP %q go together", o.AdvertiseHost, o.AdvertiseIP)
	}
	ip := net.ParseIP(o.AdvertiseIP)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("browser: the advertised host %s leads to %s, not a loopback address; a browser pushspec starts stays on loopback (use a remote browser to reach pushspec from another host)", o.AdvertiseHost, o.AdvertiseIP)
	}
	if strings.EqualFold(o.AdvertiseHost, "localhost") && o.AdvertiseIP != "127.0.0.1" {
		return fmt.Errorf("browser: localhost leads to 127.0.0.1 in Firefox whatever its prefs; advertise another name for %s", o.AdvertiseIP)
	}
	if strings.EqualFold(o.AdvertiseHost, InsecureTestHost) {
		return fmt.Errorf("browser: %s is the insecure test host and cannot be advertised", InsecureTestHost)
	}
	return nil
}

// isLocalhost reports whether host is one browsers treat as loopback by name: localhost or a
// name under .localhost.
func isLocalhost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// chromiumHostResolverRules is hostResolverRules with the advertised host let through: a name is
// mapped to AdvertiseIP (the first matching rule wins, so it precedes MAP *), an address is
// excluded from the ~NOTFOUND rule. InsecureTestHost then leads to AdvertiseIP too, where the
// fixture site listens.
func chromiumHostResolverRules(o LaunchOptions) string {
	if o.AdvertiseHost == "" {
		return hostResolverRules
	}
	ip := o.AdvertiseIP
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	rules := "MAP " + InsecureTestHost + " " + ip + ", MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
	if net.ParseIP(o.AdvertiseHost) != nil {
		return rules + ", EXCLUDE " + o.AdvertiseHost
	}
	return "MAP " + o.AdvertiseHost + " " + ip + ", " + rules
}

// ChromiumSecureOriginSwitch returns the value of --unsafely-treat-insecure-origin-as-secure that
// makes http://host on any port a secure context, or "" when Chromium treats it as one already
// (localhost, a .localhost name, a loopback address). The switch takes exact origins (scheme,
// host, port) or host patterns with a wildcard; the fixture site opens a new port per origin, so
// only a pattern fits: *.<host without its first label>, which must keep two labels
// (Chromium rejects a pattern whose wildcard stands right before the last label). A two-label
// name such as pushspec.test cannot be made secure this way: an error says so.
func ChromiumSecureOriginSwitch(host string) (string, error) {
	if isLocalhost(host) {
		return "", nil
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return "", nil
		}
		return "", fmt.Errorf("browser: Chromium cannot treat http://%s on every port as a secure context: give a host name of three labels or more", host)
	}
	_, parent, ok := strings.Cut(strings.TrimSuffix(host, "."), ".")
	if !ok || !strings.Contains(parent, ".") {
		return "", fmt.Errorf("browser: Chromium treats http://%s as a secure context only through a pattern *.<parent> with a parent of two labels or more: give a host name of three labels or more, e.g. push.%s", host, host)
	}
	return "*." + parent, nil
}

// FirefoxAdvertisePrefs are the prefs that lead a Firefox to ip for host and make host's
// http:// origins secure contexts. network.dns.forceResolve answers every lookup of a name but
// localhost (and 127.0.0.1) with ip, before any DNS: nothing but loopback when ip is loopback. It
// also takes InsecureTestHost there, where the fixture site listens, once
// network.dns.localDomains (which would answer it as localhost) is emptied.
// dom.securecontext.allowlist takes host names, any port; localhost is a secure context already.
func FirefoxAdvertisePrefs(host, ip string) map[string]any {
	out := map[string]any{}
	if host == "" || strings.EqualFold(host, "localhost") {
		return out
	}
	out["network.dns.forceResolve"] = ip
	out["network.dns.localDomains"] = ""
	if !isLocalhost(host) {
		out["dom.securecontext.allowlist"] = host
	}
	return out
}
