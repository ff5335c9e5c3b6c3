package pushservice

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/rules"
)

// tlsConfigOf returns a copy of the TLS configuration the target's client uses (its trust roots:
// the fake's CA for the in-process target; the system roots, which SSL_CERT_FILE can replace,
// for external targets), or an empty one (system roots).
func tlsConfigOf(c *http.Client) *tls.Config {
	if tr, ok := c.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		return tr.TLSClientConfig.Clone()
	}
	return &tls.Config{}
}

var _ = describe("RFC 8030 §3 HTTP over TLS", func() {
	// The rule binds the application server's requests to the push resource as well as the
	// user agent's.
	// Sends: nothing unusual. Takes the push resource URI of a new subscription; expects it to be
	// https://, a TLS handshake with its host (the client's trust roots, SNI the URI's host) to
	// verify the certificate chain and negotiate TLS 1.2 or later, and a conformant push over it
	// to be accepted. Also recorded: whether the host still takes TLS 1.1 (RFC 7525 §3.1.1
	// says it SHOULD NOT), and the user agent link's URL where the target has one (autopush:
	// wss:// or plain ws://).
	conformance.It("hands out https:// push resources served over TLS 1.2 or later with a valid chain", tgt, rules.PushServiceHTTPS,
		func(ctx SpecContext, r *conformance.Recorder) {
			sub := subscribe(ctx, r)
			if link := target.UALink(svc); link != "" {
				r.Evidence("ua_link", link)
			}
			u, err := url.Parse(sub.Endpoint)
			if err != nil {
				conformance.HarnessError(fmt.Errorf("the endpoint %q does not parse: %w", sub.Endpoint, err))
			}
			Expect(u.Scheme).To(Equal("https"), "the push resource %s is plain %s: application servers reach the service without TLS",
				cut(sub.Endpoint, 80), u.Scheme)

			addr := u.Host
			if u.Port() == "" {
				addr = net.JoinHostPort(u.Hostname(), "443")
			}
			cfg := tlsConfigOf(svc.Client())
			cfg.ServerName = u.Hostname()
			dctx, cancel := context.WithTimeout(ctx, waitFor)
			defer cancel()
			conn, err := (&tls.Dialer{Config: cfg}).DialContext(dctx, "tcp", addr)
			Expect(err).NotTo(HaveOccurred(), "the TLS handshake with %s failed: %v; RFC 8030 §3 and §8 require HTTP over TLS", addr, err)
			st := conn.(*tls.Conn).ConnectionState()
			conn.Close()
			var chain []string
			for _, c := range st.PeerCertificates {
				chain = append(chain, "subject "+c.Subject.String()+", issuer "+c.Issuer.String())
			}
			r.Evidence("tls", fmt.Sprintf("%s, %s, ALPN %q, %d verified chain(s)\n%s", tls.VersionName(st.Version),
				tls.CipherSuiteName(st.CipherSuite), st.NegotiatedProtocol, len(st.VerifiedChains), strings.Join(chain, "\n")))

			old := tlsConfigOf(svc.Client())
			old.ServerName, old.MinVersion, old.MaxVersion = u.Hostname(), tls.VersionTLS10, tls.VersionTLS11
			octx, ocancel := context.WithTimeout(ctx, waitFor)
			defer ocancel()
			if oc, oerr := (&tls.Dialer{Config: old}).DialContext(octx, "tcp", addr); oerr == nil {
				r.Evidence("tls_1.1", "accepted ("+tls.VersionName(oc.(*tls.Conn).ConnectionState().Version)+"): RFC 7525 §3.1.1 says SHOULD NOT")
				oc.Close()
			} else {
				r.Evidence("tls_1.1", "refused: "+cut(oerr.Error(), 120))
			}

			Expect(st.Version).To(BeNumerically(">=", tls.VersionTLS12), "negotiated %s; RFC 7525 asks for TLS 1.2 or later", tls.VersionName(st.Version))
			Expect(st.VerifiedChains).NotTo(BeEmpty(), "the certificate chain was not verified")
			res := send(ctx, r, "push", message(sub, "over tls"))
			Expect(res.Status/100).To(Equal(2), "a conformant push over TLS was refused: %d", res.Status)
		})
})
