package sender

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
)

// WebpushGo sends with github.com/SherClockHolmes/webpush-go, the reference Go sender. It always
// encrypts with aes128gcm (so it cannot send the legacy encoding or an empty push), pads every
// message to RecordSize (its default 4096), and has no way to ask for delivery receipts.
type WebpushGo struct {
	// Client sends the request; nil means a plain http.Client (use HTTPClient(caFile) for HTTPS).
	Client *http.Client
}

func (WebpushGo) Name() string { return "webpush-go" }

func (WebpushGo) Capabilities() Capabilities {
	return Capabilities{Urgency: true, Topic: true, Status: true}
}

// ErrUnsupported says a sender cannot express what the message asks for. Senders return it
// directly or as an *UnsupportedError that says why; test with errors.Is.
var ErrUnsupported = errors.New("sender: not supported by this sender")

// UnsupportedError is ErrUnsupported with the sender's reason.
type UnsupportedError struct{ Reason string }

func (e *UnsupportedError) Error() string { return "sender: unsupported: " + e.Reason }

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

func (s WebpushGo) Send(ctx context.Context, m Message) (*Result, error) {
	switch {
	case m.Payload == nil:
		return nil, &UnsupportedError{Reason: "webpush-go always encrypts a payload; it cannot send a push without one"}
	case m.Encoding != "" && m.Encoding != "aes128gcm":
		return nil, &UnsupportedError{Reason: "webpush-go encrypts with aes128gcm only, not " + m.Encoding}
	case m.Receipt:
		return nil, &UnsupportedError{Reason: "webpush-go has no delivery receipts (Prefer: respond-async)"}
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	rec := &recordingClient{client: client}
	opts := &webpushgo.Options{
		HTTPClient:      rec,
		TTL:             m.TTL,
		Urgency:         webpushgo.Urgency(m.Urgency),
		Topic:           m.Topic,
		RecordSize:      uint32(m.RecordSize),
		VapidExpiration: m.VAPIDExpiry,
	}
	if m.VAPID != nil {
		// webpush-go's Subscriber is documented as an e-mail address or an https: URL, and the
		// library writes "mailto:" before anything that is not https: (vapid.go). Handing it a
		// mailto: URI would make it sign "mailto:mailto:…", a fault of this adapter, not of the
		// library: give it the bare address.
		opts.VAPIDPublicKey, opts.VAPIDPrivateKey = m.VAPID.Public, m.VAPID.Private
		opts.Subscriber = strings.TrimPrefix(m.VAPID.Subject, "mailto:")
	}
	sub := &webpushgo.Subscription{Endpoint: m.Subscription.Endpoint,
		Keys: webpushgo.Keys{P256dh: m.Subscription.Keys.P256dh, Auth: m.Subscription.Keys.Auth}}
	start := time.Now()
	resp, err := webpushgo.SendNotificationWithContext(ctx, m.Payload, sub, opts)
	if err != nil {
		return nil, err
	}
	res, err := readResult(resp, start)
	if err != nil {
		return nil, err
	}
	res.Request = rec.last
	return res, nil
}
