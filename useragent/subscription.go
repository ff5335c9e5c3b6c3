package useragent

import (
	"encoding/json"

	"github.com/pushspec/pushspec/webpush"
)

// AckCode is what a user agent says about one delivery. The values are autopush's (Firefox's
// ack codes); RFC 8030's user agent acknowledges by DELETE and has no code.
type AckCode int

const (
	AckDelivered    AckCode = 100 // handed to the service worker
	AckDecryptError AckCode = 101 // could not decrypt
	AckNotDelivered AckCode = 102 // e.g. unknown channel, duplicate version, quota
)

// Subscription is one subscription as the user agent holds it: the fields a browser hands the
// application server, and the private keys that decrypt what is pushed to it.
type Subscription struct {
	ID           string          // the transport's id: fake subscription ID, autopush channelID, RFC 8030 subscription resource
	Endpoint     string          // the push resource application servers send to
	P256dh       string          // base64url, unpadded, 65-octet uncompressed point
	Auth         string          // base64url, unpadded, 16 octets — secret: do not log
	AppServerKey []byte          // the applicationServerKey it was made with; nil: unrestricted
	Keys         *webpush.UAKeys // private: never log
}

// NewKeys makes a subscription's keys: a fresh P-256 key pair and a 16-octet auth secret
// (RFC 8291 §2). Every subscription gets its own.
func NewKeys() (*webpush.UAKeys, error) { return webpush.NewUAKeys() }

// NewSubscription is the subscription id/endpoint made with keys, its public fields filled.
func NewSubscription(id, endpoint string, appServerKey []byte, keys *webpush.UAKeys) *Subscription {
	return &Subscription{ID: id, Endpoint: endpoint, P256dh: webpush.Base64URL(keys.P256dh()),
		Auth: webpush.Base64URL(keys.Auth), AppServerKey: appServerKey, Keys: keys}
}

// JSON returns the subscription as PushSubscription.toJSON() gives it:
// {"endpoint":…,"expirationTime":null,"keys":{"p256dh":…,"auth":…}}.
func (s *Subscription) JSON() []byte {
	b, _ := json.Marshal(map[string]any{
		"endpoint": s.Endpoint, "expirationTime": nil,
		"keys": map[string]string{"p256dh": s.P256dh, "auth": s.Auth},
	})
	return b
}

// WebPush returns the subscription in the codec's form, for webpush.Encrypt.
func (s *Subscription) WebPush() webpush.Subscription {
	return s.Keys.Subscription(s.Endpoint)
}
