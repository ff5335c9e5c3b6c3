package useragent

import (
	"fmt"
	"time"

	"github.com/pushspec/pushspec/webpush"
)

// Received is one delivery as a virtual user agent took it. The JSON names are those of the
// push service's virtual user agent records.
type Received struct {
	SubscriptionID string    `json:"subscription"` // the transport's id (Subscription.ID); as the wire named it
	MessageID      string    `json:"message"`      // the link's message id (fake message ID, autopush version, RFC 8030 push message resource); "" if unknown
	Payload        []byte    `json:"payload"`      // decrypted; nil without a body or on error
	HasBody        bool      `json:"has_body"`
	Err            string    `json:"error,omitempty"`    // why it could not be decrypted (or taken)
	Encoding       string    `json:"encoding,omitempty"` // the content coding the link carried ("aes128gcm", "aesgcm", "")
	Attempt        int       `json:"attempt"`            // 1 for the first delivery, more for redeliveries; 0 if unknown
	At             time.Time `json:"at"`                 // when it was taken; zero if not kept
	Acked          AckCode   `json:"acked,omitempty"`    // the code acknowledged with; 0 when not acknowledged (or no codes)
	// LinkVisible is true when the transport shows what its link carried; Forwarded is then
	// every field of the delivery besides the body (names lower-case), and Raw the frame as it
	// was on the wire when there is one (autopush JSON).
	LinkVisible bool              `json:"link_visible,omitempty"`
	Forwarded   map[string]string `json:"forwarded,omitempty"`
	Raw         string            `json:"raw,omitempty"`
}

// Decrypt decrypts body with keys by its content coding: aes128gcm (RFC 8291) or the draft
// aesgcm with the Encryption and Crypto-Key values that came with it. Any other coding is an
// error.
func Decrypt(keys *webpush.UAKeys, coding string, body []byte, encryption, cryptoKey string) ([]byte, error) {
	switch coding {
	case "aes128gcm":
		return webpush.Decrypt(keys, body)
	case "aesgcm":
		return webpush.DecryptAESGCM(keys, body, encryption, cryptoKey)
	default:
		return nil, fmt.Errorf("unsupported or missing content coding %q", coding)
	}
}

// Open decrypts a delivery's body with keys into r (Payload, or Err and no Payload) and returns
// the code to acknowledge it with: AckDelivered, or AckDecryptError when it cannot be decrypted.
// Whether there is a body to open is the transport's to say (a delivery without one is
// AckDelivered as it is).
func Open(r *Received, keys *webpush.UAKeys, coding string, body []byte, encryption, cryptoKey string) AckCode {
	pt, err := Decrypt(keys, coding, body, encryption, cryptoKey)
	if err != nil {
		r.Payload, r.Err = nil, err.Error()
		return AckDecryptError
	}
	r.Payload = pt
	return AckDelivered
}
