package webpush

import (
	"io"
	"net/http"
	"testing"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
)

var benchSizes = []struct {
	name string
	n    int
}{{"100B", 100}, {"1KiB", 1024}, {"3993B", 3993}}

func BenchmarkEncrypt(b *testing.B) {
	sub := freshKeys(b).Subscription("https://push.example.net/p/x")
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			plain := payload(s.n)
			b.SetBytes(int64(s.n))
			for b.Loop() {
				if _, err := Encrypt(sub, plain, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecrypt(b *testing.B) {
	ua := freshKeys(b)
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			body, err := Encrypt(ua.Subscription(""), payload(s.n), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(s.n))
			for b.Loop() {
				if _, err := Decrypt(ua, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// discardClient is webpush-go's HTTPClient seam: it reads and drops the request.
type discardClient struct{}

func (discardClient) Do(req *http.Request) (*http.Response, error) {
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: http.StatusCreated, Body: http.NoBody, Header: http.Header{}}, nil
}

// BenchmarkWebpushGoEncrypt measures webpush-go's SendNotification into a client that discards
// the request. It always pads to 4096 octets and signs a fresh VAPID token per message, so compare
// it with BenchmarkEncryptPaddedAndSign rather than with BenchmarkEncrypt.
func BenchmarkWebpushGoEncrypt(b *testing.B) {
	ua := freshKeys(b)
	vapid := freshVAPID(b)
	sub := webpushGoSubscription("https://push.example.net/p/x", ua)
	opts := &webpushgo.Options{
		HTTPClient:      discardClient{},
		Subscriber:      "ops@example.com",
		TTL:             60,
		VAPIDPublicKey:  Base64URL(vapid.Public()),
		VAPIDPrivateKey: Base64URL(vapid.PrivateBytes()),
	}
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			plain := payload(s.n)
			b.SetBytes(int64(s.n))
			for b.Loop() {
				resp, err := webpushgo.SendNotification(plain, sub, opts)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}

// BenchmarkEncryptPaddedAndSign does what webpush-go does per message: encrypt padded to a
// 4096-octet body and sign a fresh VAPID token.
func BenchmarkEncryptPaddedAndSign(b *testing.B) {
	sub := freshKeys(b).Subscription("https://push.example.net/p/x")
	vapid := freshVAPID(b)
	exp := time.Now().Add(12 * time.Hour)
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			plain := payload(s.n)
			o := &Options{Pad: 4096 - 86 - 16 - 1 - s.n}
			b.SetBytes(int64(s.n))
			for b.Loop() {
				if _, err := Encrypt(sub, plain, o); err != nil {
					b.Fatal(err)
				}
				if _, err := vapid.Authorization("https://push.example.net", "mailto:ops@example.com", exp, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVAPIDSign(b *testing.B) {
	k := freshVAPID(b)
	exp := time.Now().Add(12 * time.Hour)
	for b.Loop() {
		if _, err := k.Authorization("https://push.example.net", "mailto:ops@example.com", exp, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchToken(b *testing.B) (string, VerifyOptions) {
	k := freshVAPID(b)
	auth, err := k.Authorization("https://push.example.net", "mailto:ops@example.com", time.Now().Add(12*time.Hour), nil)
	if err != nil {
		b.Fatal(err)
	}
	return auth, VerifyOptions{Audience: "https://push.example.net", SubscriptionKey: k.Public()}
}

// BenchmarkVAPIDVerify parses and verifies the Authorization header of every request afresh.
func BenchmarkVAPIDVerify(b *testing.B) {
	auth, o := benchToken(b)
	for b.Loop() {
		v, err := ParseVAPID(auth, "")
		if err != nil {
			b.Fatal(err)
		}
		if p := v.Verify(o); len(p) != 0 {
			b.Fatal(p)
		}
	}
}

// BenchmarkVAPIDVerifyCached parses the header and asks a VerifyCache that has seen the token.
func BenchmarkVAPIDVerifyCached(b *testing.B) {
	auth, o := benchToken(b)
	c := NewVerifyCache(128)
	for b.Loop() {
		v, err := ParseVAPID(auth, "")
		if err != nil {
			b.Fatal(err)
		}
		if p := c.Verify(v, o); len(p) != 0 {
			b.Fatal(p)
		}
	}
}

// BenchmarkVAPIDVerifyCachedHeader asks a VerifyCache keyed on the header text: a hit skips the
// parse as well.
func BenchmarkVAPIDVerifyCachedHeader(b *testing.B) {
	auth, o := benchToken(b)
	c := NewVerifyCache(128)
	for b.Loop() {
		if _, p, err := c.VerifyHeader(auth, "", o); err != nil || len(p) != 0 {
			b.Fatal(p, err)
		}
	}
}
