package harness

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// An advertised host (EnvOptions.AdvertiseHost, PUSHSPEC_ADVERTISE_HOST) is for browsers that
// reach pushspec by a name rather than by 127.0.0.1/localhost, typically a browser on another
// host. Every URL the Env hands a browser carries the name; the Env listens where the name
// leads (EnvOptions.ListenIP, else where it resolves) and nowhere else; and the Env's own HTTP
// clients post to that address (MapEndpoint), so the name need not resolve on pushspec's side
// when ListenIP is given.

// resolveAdvertise sets e.advertiseHost and e.listenIP from the options: nothing without an
// advertised host; the listen address is ListenIP, or the host itself when it is an address, or
// the first address it resolves to, an IPv4 one first.
func (e *Env) resolveAdvertise(ctx context.Context) error {
	host, listen := e.opts.AdvertiseHost, e.opts.ListenIP
	if host == "" {
		if listen != "" {
			return fmt.Errorf("harness: ListenIP %s needs an AdvertiseHost (the name browsers use for it)", listen)
		}
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Is6() {
			return fmt.Errorf("harness: advertise host %s: give a host name or an IPv4 address", host)
		}
		if listen == "" {
			listen = host
		}
	} else if strings.ContainsAny(host, ":/@[] ") || strings.Trim(host, ".") == "" {
		return fmt.Errorf("harness: advertise host %q is not a host name (no scheme, port or path)", host)
	}
	if listen == "" {
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("harness: advertise host %s does not resolve here, so there is no address to listen on: %v", host, err)
		}
		pick := addrs[0]
		for _, a := range addrs {
			if a.Unmap().Is4() {
				pick = a.Unmap()
				break
			}
		}
		listen = pick.String()
	}
	a, err := netip.ParseAddr(listen)
	if err != nil {
		return fmt.Errorf("harness: listen address %q: %w", listen, err)
	}
	e.advertiseHost, e.listenIP = host, a.Unmap().String()
	e.logf("harness: advertising %s to browsers, listening on %s", e.advertiseHost, e.listenIP)
	return nil
}

// AdvertiseHost is the host name in the URLs the Env hands browsers, and ListenIP where the Env
// listens; both "" when the Env uses localhost and 127.0.0.1.
func (e *Env) AdvertiseHost() string { return e.advertiseHost }

// ListenIP is the address the push service, its links and the site listen on when an advertise
// host is set; "" otherwise (127.0.0.1).
func (e *Env) ListenIP() string { return e.listenIP }

// advertiseURL returns raw, a URL of one of the Env's listeners, with the advertised host in
// place of its host (the port kept); raw itself when no host is advertised.
func (e *Env) advertiseURL(raw string) string {
	if e.advertiseHost == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	if p := u.Port(); p != "" {
		u.Host = net.JoinHostPort(e.advertiseHost, p)
	} else {
		u.Host = e.advertiseHost
	}
	return u.String()
}

// mapAdvertised returns u (an endpoint) on the listen address when its host is the advertised
// one: where the Env's clients post, whether or not the name resolves here.
func (e *Env) mapAdvertised(u *url.URL) bool {
	if e.advertiseHost == "" || !strings.EqualFold(u.Hostname(), e.advertiseHost) {
		return false
	}
	if p := u.Port(); p != "" {
		u.Host = net.JoinHostPort(e.listenIP, p)
	} else {
		u.Host = e.listenIP
	}
	return true
}
