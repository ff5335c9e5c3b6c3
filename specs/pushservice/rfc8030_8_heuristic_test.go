package pushservice

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/graders"
)

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestDeviceInfoScan: each fact deviceNeedles looks for is found as it is, percent-encoded,
// base64url- and hex-encoded inside a segment; random tokens are not flagged.
func TestDeviceInfoScan(t *testing.T) {
	needles := deviceNeedles(map[string]string{"A": "virtual:12"})
	found := func(rest string) string {
		for _, d := range graders.Decodings(rest) {
			for what, v := range needles {
				if strings.Contains(string(d), v) {
					return what
				}
			}
		}
		return ""
	}
	for _, rest := range []string{
		"/push/virtual:12/" + randHex(16),
		"/push/virtual%3A12-" + randHex(16),
		"/push/" + base64.RawURLEncoding.EncodeToString([]byte("ua=virtual:12;"+randHex(4))),
		"/m/" + hex.EncodeToString([]byte("from 127.0.0.1")),
		"/push/" + randHex(8) + "7f000001" + randHex(8),
	} {
		if found(rest) == "" {
			t.Errorf("%s: no device information found", rest)
		}
	}
	for i := 0; i < 500; i++ {
		for _, rest := range []string{"/push/" + randHex(32), "/wpush/v2/" + randB64(140), "/m/" + randHex(16)} {
			if what := found(rest); what != "" {
				t.Fatalf("%s: flagged %s in a random token", rest, what)
			}
		}
	}
}
