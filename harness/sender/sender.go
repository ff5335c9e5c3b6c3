// Package sender sends Web Push messages the way application servers do, so that pushspec can both
// grade senders and drive browsers. Implementations:
//
//   - WebpushGo: the reference Go library github.com/SherClockHolmes/webpush-go;
//   - Node: the npm library web-push (Node.js), a real sender from another language;
//   - Command: any program, given the message in PUSHSPEC_SEND_* variables (any language's library);
//   - Raw (raw.go): pushspec's own codec with knobs that break any rule on purpose.
//
// A Sender only sends; verdicts come from the push service that receives the request.
package sender

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Subscription is a PushSubscription as the browser's toJSON() gives it (base64url keys).
type Subscription struct {
	Endpoint string `json:"endpoint"`
	Keys     Keys   `json:"keys"`
}

// Keys are the subscription's p256dh point and auth secret, base64url.
type Keys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// VAPID is the application server's key pair (base64url: 65-byte public point, 32-byte private
// scalar) and the JWT subject (mailto: or https: URI).
type VAPID struct {
	Public  string
	Private string
	Subject string
}

// Message is one push to send.
type Message struct {
	Subscription Subscription
	Payload      []byte // nil: no payload (not every sender can do that; see Capabilities)
	TTL          int    // seconds
	Urgency      string // "" omits the header
	Topic        string // "" omits the header
	// Encoding is "aes128gcm" (RFC 8291, the default when empty) or "aesgcm" (the legacy draft).
	Encoding string
	VAPID    *VAPID // nil: no Authorization (unrestricted subscriptions only)
	// RecordSize pads the message to one record of that size where the sender supports it
	// (webpush-go pads to 4096 by default — the cause of Mozilla's 3070-byte bridge limit).
	RecordSize int
	// VAPIDExpiry is the JWT exp; zero leaves it to the sender's default.
	VAPIDExpiry time.Time
	// Receipt asks for a delivery receipt (RFC 8030 §5.1: Prefer: respond-async). A sender that
	// was given a receipt subscription (202 with Link rel="urn:ietf:params:push:receipt") should
	// pass it back on its later receipt requests; it keeps it itself. Only senders with
	// Capabilities.Receipts take it; the others refuse with ErrUnsupported.
	Receipt bool
}

// Result is what the push service answered. Request is set by senders that see their own request
// (webpush-go, raw); the push service records it in every case.
type Result struct {
	Status  int
	Header  http.Header
	Body    []byte
	Request *RecordedRequest
	Elapsed time.Duration
	// Output is what an external sender printed (Node, Command): evidence when it fails.
	Output string
}

// RecordedRequest is a request as it went on the wire.
type RecordedRequest struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Capabilities say what a sender can express; specs skip as unsupported where a sender lacks one.
type Capabilities struct {
	NoPayload bool // can send a push without a body
	AESGCM    bool // can send the legacy aesgcm encoding
	Urgency   bool
	Topic     bool
	Status    bool // reports the push service's status code
	Receipts  bool // can ask for delivery receipts (Message.Receipt)
}

// Sender sends one message.
type Sender interface {
	Name() string
	Capabilities() Capabilities
	Send(ctx context.Context, m Message) (*Result, error)
}

// HTTPClient returns a client that trusts the PEM CA certificate in caFile (pushspec's push service
// serves HTTPS with a CA made at start), or the system pool when caFile is "".
func HTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("sender: reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("sender: no certificate in %s", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

// recordingClient keeps a copy of the last request it sent, for evidence.
type recordingClient struct {
	client *http.Client
	last   *RecordedRequest
}

func (c *recordingClient) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.last = &RecordedRequest{Method: req.Method, URL: req.URL.String(), Header: req.Header.Clone(), Body: body}
	return c.client.Do(req)
}

// readResult drains resp into a Result (bodies are small: push services answer with JSON errors).
func readResult(resp *http.Response, start time.Time) (*Result, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Result{Status: resp.StatusCode, Header: resp.Header, Body: body, Elapsed: time.Since(start)}, nil
}
