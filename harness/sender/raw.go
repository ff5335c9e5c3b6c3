package sender

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// Raw is pushspec's own sender, built on the webpush codec. With zero Faults it sends a
// conformant RFC 8030/8291/8292 request; its Faults break any rule on purpose, so that push
// services (which must reject or tolerate) and browsers (which must discard) can be graded.
type Raw struct {
	// Client sends the request; nil means a plain http.Client (HTTPClient(caFile) for HTTPS).
	Client *http.Client
}

// Faults are the deliberate deviations of one raw request. The zero value breaks nothing.
type Faults struct {
	Encrypt *webpush.Options     // encryption knobs (padding, delimiter, rs, records, tag, …)
	Sign    *webpush.SignOptions // VAPID knobs (scheme, claims, DER signature, key, …)
	// Audience overrides the JWT aud (default: the endpoint's origin, RFC 8292 §2).
	Audience string
	// Method replaces POST.
	Method string
	// Body replaces the encrypted body entirely (after encryption), e.g. random bytes.
	Body []byte
	// Omit removes these headers after the request is built (e.g. "TTL", "Content-Encoding").
	Omit []string
	// Set replaces (or adds) header values after the request is built; several values become
	// repeated fields, e.g. Set["Urgency"] = {"low", "high"}.
	Set http.Header
	// RawTTL is written as the TTL header verbatim instead of Message.TTL (e.g. "-5", "1.5").
	RawTTL string
}

func (Raw) Name() string { return "pushspec raw" }

func (Raw) Capabilities() Capabilities {
	return Capabilities{NoPayload: true, AESGCM: true, Urgency: true, Topic: true, Status: true, Receipts: true}
}

// Send sends m conformantly. Message.Receipt adds Prefer: respond-async; Raw keeps no state, so
// a caller passes a receipt subscription back with Faults.Set["Link"].
func (r Raw) Send(ctx context.Context, m Message) (*Result, error) {
	return r.SendFaulty(ctx, m, Faults{})
}

// Build makes the request for m with faults applied, without sending it.
func (r Raw) Build(ctx context.Context, m Message, f Faults) (*http.Request, error) {
	sub, err := decodeSubscription(m.Subscription)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	var body []byte
	enc := m.Encoding
	if enc == "" {
		enc = "aes128gcm"
	}
	if m.Payload != nil {
		switch enc {
		case "aes128gcm":
			if body, err = webpush.Encrypt(sub, m.Payload, f.Encrypt); err != nil {
				return nil, err
			}
		case "aesgcm":
			var encryption, cryptoKey string
			if body, encryption, cryptoKey, err = webpush.EncryptAESGCM(sub, m.Payload, f.Encrypt); err != nil {
				return nil, err
			}
			h.Set("Encryption", encryption)
			h.Set("Crypto-Key", cryptoKey)
		default:
			return nil, fmt.Errorf("sender: unknown encoding %q", enc)
		}
		h.Set("Content-Encoding", enc)
		h.Set("Content-Type", "application/octet-stream")
	}
	if f.RawTTL != "" {
		h.Set("TTL", f.RawTTL)
	} else {
		h.Set("TTL", strconv.Itoa(m.TTL))
	}
	if m.Urgency != "" {
		h.Set("Urgency", m.Urgency)
	}
	if m.Topic != "" {
		h.Set("Topic", m.Topic)
	}
	if m.Receipt {
		h.Set("Prefer", "respond-async")
	}
	if m.VAPID != nil {
		if err := signInto(h, m, f); err != nil {
			return nil, err
		}
	}
	if f.Body != nil {
		body = f.Body
	}
	for _, k := range f.Omit {
		h.Del(k)
	}
	for k, vs := range f.Set {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	method := f.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, m.Subscription.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h
	return req, nil
}

// SendFaulty sends m with the faults applied.
func (r Raw) SendFaulty(ctx context.Context, m Message, f Faults) (*Result, error) {
	req, err := r.Build(ctx, m, f)
	if err != nil {
		return nil, err
	}
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	rec := &recordingClient{client: client}
	start := time.Now()
	resp, err := rec.Do(req)
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

func signInto(h http.Header, m Message, f Faults) error {
	priv, err := webpush.DecodeBase64(m.VAPID.Private)
	if err != nil {
		return fmt.Errorf("sender: VAPID private key: %w", err)
	}
	keys, err := webpush.VAPIDKeysFromBytes(priv)
	if err != nil {
		return err
	}
	aud := f.Audience
	if aud == "" {
		u, err := url.Parse(m.Subscription.Endpoint)
		if err != nil {
			return err
		}
		aud = u.Scheme + "://" + u.Host
	}
	exp := m.VAPIDExpiry
	if exp.IsZero() {
		exp = time.Now().Add(12 * time.Hour)
	}
	vh, err := keys.Headers(aud, m.VAPID.Subject, exp, f.Sign)
	if err != nil {
		return err
	}
	for k, vs := range vh {
		if k == "Crypto-Key" && h.Get("Crypto-Key") != "" {
			// aesgcm already carries dh=…; the draft joins both parameters in one header.
			h.Set("Crypto-Key", h.Get("Crypto-Key")+";"+vs[0])
			continue
		}
		h[k] = vs
	}
	return nil
}

func decodeSubscription(s Subscription) (webpush.Subscription, error) {
	p, err := webpush.DecodeBase64(s.Keys.P256dh)
	if err != nil {
		return webpush.Subscription{}, fmt.Errorf("sender: p256dh: %w", err)
	}
	a, err := webpush.DecodeBase64(s.Keys.Auth)
	if err != nil {
		return webpush.Subscription{}, fmt.Errorf("sender: auth: %w", err)
	}
	return webpush.Subscription{Endpoint: s.Endpoint, P256dh: p, Auth: a}, nil
}
