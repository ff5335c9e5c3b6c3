package fakepushservice

import "testing"

// The HTTPS certificate also names the TLS listener's host and EndpointHost, so that a Server
// listening on another loopback address is reached over HTTPS by either.
func TestCertificateNamesListenHostAndEndpointHost(t *testing.T) {
	s, err := NewServer(&Server{Addr: "127.0.0.2:0", TLSAddr: "127.0.0.2:0", EndpointHost: "push.pushspec.test", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	leaf := s.tls.leafX
	if err := leaf.VerifyHostname("push.pushspec.test"); err != nil {
		t.Error(err)
	}
	for _, h := range []string{"127.0.0.2", "127.0.0.1", "localhost"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Error(err)
		}
	}
	resp, err := s.Client().Get(s.TLSURL() + "/")
	if err != nil {
		t.Fatalf("GET %s: %v", s.TLSURL(), err)
	}
	resp.Body.Close()
}
