package target

import (
	"context"
	"crypto/x509"
)

// RFC8030Interface is a push service that offers RFC 8030's own user-agent interface: subscribe
// (§4, §4.1), receive over HTTP/2 server push (§6), acknowledge by DELETE (§6.2). pushspec's
// client for it is useragent/rfc8030. Only the in-process fake in profile rfc offers it:
// the vendors' services (and so the fake's vendor profiles), web-push-testing and autopush do not.
type RFC8030Interface interface {
	// RFC8030 returns how to reach the interface; ok is false when the target does not offer it.
	RFC8030() (access RFC8030Access, ok bool)
}

// RFC8030Access is where RFC 8030's user-agent interface is and what to trust there.
type RFC8030Access struct {
	SubscribeURL string         // the subscribe resource, https://…
	Roots        *x509.CertPool // trusts the service's certificate (nil: the system's roots)
}

// RFC8030Expirer makes the service expire, as the service may at any time (RFC 8030 §7.3,
// §7.3.1), the subscription set, subscription resource or push resource that url names.
type RFC8030Expirer interface {
	ExpireRFC8030(ctx context.Context, url string) error
}

// RFC8030 offers the fake's interface in profile rfc.
func (f *Fake) RFC8030() (RFC8030Access, bool) {
	u := f.Server.RFC8030SubscribeURL()
	if u == "" {
		return RFC8030Access{}, false
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(f.Server.CACertPEM())
	return RFC8030Access{SubscribeURL: u, Roots: roots}, true
}

// ExpireRFC8030 expires a set (with its subscriptions), a subscription resource or a push resource.
func (f *Fake) ExpireRFC8030(ctx context.Context, url string) error {
	return f.Server.ExpireRFC8030Resource(url)
}
