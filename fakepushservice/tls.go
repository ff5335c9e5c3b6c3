package fakepushservice

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

type tlsState struct {
	caPEM  []byte
	caPath string
	tmpDir string
	pool   *x509.CertPool
	leaf   tls.Certificate
	caCert *x509.Certificate
	leafX  *x509.Certificate
}

func (t *tlsState) cleanup() {
	if t.tmpDir != "" {
		os.RemoveAll(t.tmpDir)
	}
}

// newTLSState makes a CA and a leaf certificate for localhost, 127.0.0.1, ::1 and the extra host
// names or addresses, ECDSA P-256, valid from an hour ago for 30 days.
func newTLSState(extra ...string) (*tlsState, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		return n
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "pushspec fakepushservice test CA", Organization: []string{"pushspec"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range extra {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(leafTmpl.IPAddresses, ip.Equal) {
				leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
			}
		} else if h != "" && !slices.Contains(leafTmpl.DNSNames, h) {
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	leafX, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, err
	}
	t := &tlsState{
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pool:   x509.NewCertPool(),
		leaf:   tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey, Leaf: leafX},
		caCert: caCert,
		leafX:  leafX,
	}
	t.pool.AddCert(caCert)
	return t, nil
}

func (s *Server) startTLS() error {
	// The certificate also names the TLS listener's own host and EndpointHost, so that clients
	// reach a Server listening elsewhere than 127.0.0.1 by the name its endpoints carry.
	var extra []string
	if h, _, err := net.SplitHostPort(s.TLSAddr); err == nil {
		extra = append(extra, h)
	}
	t, err := newTLSState(append(extra, s.EndpointHost)...)
	if err != nil {
		return fmt.Errorf("fakepushservice: make certificates: %w", err)
	}
	path := s.CAFilePath
	if path == "" {
		dir, err := os.MkdirTemp("", "pushspec-ca-")
		if err != nil {
			return fmt.Errorf("fakepushservice: %w", err)
		}
		t.tmpDir = dir
		path = filepath.Join(dir, "ca.pem")
	}
	if err := os.WriteFile(path, t.caPEM, 0o644); err != nil {
		t.cleanup()
		return fmt.Errorf("fakepushservice: write CA file: %w", err)
	}
	t.caPath = path
	addr := s.TLSAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.cleanup()
		return fmt.Errorf("fakepushservice: listen %s: %w", addr, err)
	}
	hs := s.newHTTPServer()
	hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{t.leaf}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	s.netMu.Lock()
	s.tls = t
	s.tlsURL = "https://" + ln.Addr().String()
	s.listeners = append(s.listeners, hs)
	s.netMu.Unlock()
	go hs.ServeTLS(ln, "", "")
	return nil
}

// TLSURL is the base URL of the HTTPS listener, https://127.0.0.1:port with no trailing slash;
// "" before Start or with NoTLS.
func (s *Server) TLSURL() string {
	s.init()
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return s.tlsURL
}

// CAFile is the path of the PEM file holding the CA certificate that signed the HTTPS listener's
// certificate (for NODE_EXTRA_CA_CERTS, curl --cacert, browsers); "" before Start or with NoTLS.
func (s *Server) CAFile() string {
	s.init()
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.tls == nil {
		return ""
	}
	return s.tls.caPath
}

// CACertPEM returns the CA certificate in PEM form; nil before Start or with NoTLS.
func (s *Server) CACertPEM() []byte {
	s.init()
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.tls == nil {
		return nil
	}
	return append([]byte(nil), s.tls.caPEM...)
}

// Client returns an http.Client that trusts the HTTPS listener's CA (and speaks HTTP/2 to it),
// for Go senders. Its transport is its own: close idle connections when done.
func (s *Server) Client() *http.Client {
	s.init()
	s.netMu.Lock()
	t := s.tls
	s.netMu.Unlock()
	tr := &http.Transport{ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64}
	if t != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: t.pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
