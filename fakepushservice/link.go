package fakepushservice

// This file is the contract between the push service core and its user-agent links (the autopush
// WebSocket link for Firefox in fakepushservice/autopush, the FCM emulation for Chromium in
// fakepushservice/fcm, and the in-process VirtualUA). The core owns subscriptions, the message
// store (TTL, Topic, Urgency, store-and-forward, redelivery) and the verdicts; a link only
// translates between its wire protocol and these calls.

import (
	"context"
	"net/http"

	"github.com/pushspec/pushspec/useragent"
)

// LinkKind names how a user agent is connected to the service.
type LinkKind string

const (
	LinkVirtual  LinkKind = "virtual"  // VirtualUA, in process
	LinkAutopush LinkKind = "autopush" // Firefox and the virtual autopush client, WebSocket
	LinkFCM      LinkKind = "fcm"      // Chromium, checkin + register3 + MCS over TLS
)

// SubscriptionSpec is what a link asks the core to create when its user agent subscribes.
type SubscriptionSpec struct {
	// UA identifies the owning user agent, unique across links: "autopush:<uaid>",
	// "fcm:<android id>", "virtual:<n>". Messages are stored per UA and handed to the UA's
	// newest connection.
	UA   string
	Link LinkKind
	// AppServerKey is the 65-byte uncompressed P-256 applicationServerKey; nil for an
	// unrestricted subscription (no VAPID required).
	AppServerKey []byte
	// LinkRef is the link's own name for the subscription: the autopush channelID, the FCM
	// X-subtype app id. It is copied into every Delivery.
	LinkRef string
	// Meta is link-specific evidence kept with the subscription (FCM sender/app, register frames).
	Meta map[string]string
}

// AckCode is what a user agent said about one delivery (the shared user agent's codes). The
// values are autopush's; the FCM link maps MCS stream acks to AckDelivered (MCS carries no
// decryption result; Chromium's decryption failures are seen through DevTools instead).
type AckCode = useragent.AckCode

const (
	AckDelivered    = useragent.AckDelivered    // handed to the service worker
	AckDecryptError = useragent.AckDecryptError // could not decrypt
	AckNotDelivered = useragent.AckNotDelivered // e.g. unknown channel, duplicate version, quota
)

// Delivery is one push message as the user agent sees it. Topic and Urgency are never forwarded
// (rfc8030-5.3-urgency-not-forwarded, and Topic likewise).
type Delivery struct {
	MessageID      string // unique per message, ≥128 bits; the same on every redelivery
	SubscriptionID string
	LinkRef        string
	Body           []byte // nil when the request had no payload
	// Content-Encoding, and for legacy aesgcm the Encryption and Crypto-Key header values,
	// verbatim as the sender sent them.
	ContentEncoding string
	Encryption      string
	CryptoKey       string
	Attempt         int // 1 for the first send, 2+ for redeliveries
	// Headers are further request header fields handed to the user agent, by lower-case name:
	// none, unless Server.ForwardHeaders (a broken double) names some.
	Headers map[string]string `json:",omitempty"`

	// plaintext is the payload the core already decrypted with the subscription's keys for its
	// verdicts (virtual-UA subscriptions only; decrypted says it did). The virtual UA takes it
	// instead of paying a second P-256 ECDH for the same bytes and keys: that second
	// decryption would be half of the service's CPU per message (docs/benchmarks.md, §2).
	plaintext []byte
	decrypted bool
}

// UAConn is one live connection of a user agent, implemented by a link. The core calls Deliver
// from its own goroutines, one delivery at a time per connection, in store order; Deliver should
// only write to the wire (an ack comes back later through Server.Ack). An error means the
// connection is gone: the message stays stored and is sent again on the next Connect.
type UAConn interface {
	Deliver(ctx context.Context, d Delivery) error
}

// ConnectOptions are the user agent's preferences for one connection.
type ConnectOptions struct {
	// MinUrgency is the lowest urgency the UA accepts ("very-low" … "high"); "" accepts all
	// (RFC 8030 §5.3). Only the virtual UA sets it; browsers' links carry no urgency.
	MinUrgency string
}

// The methods a link calls on *Server (implemented in the core):
//
//	CreateSubscription(spec SubscriptionSpec) (*Subscription, error)
//	    mints a subscription with an unguessable ID; its endpoint is <URL()>/push/<ID>.
//	Unsubscribe(subscriptionID string, reason string) error
//	    the UA dropped it; later pushes to it get 404 (rfc) / 410 (vendor profiles).
//	Connect(ua string, conn UAConn, opts ConnectOptions) (disconnect func())
//	    makes conn the UA's current connection (the newest wins) and sends every stored,
//	    unexpired, unacknowledged message for the UA's subscriptions, oldest first.
//	Ack(ua string, messageID string, code AckCode, evidence map[string]string)
//	    records the ack, removes the message from the store, fires a receipt if one was asked.
//	Handle(pattern string, h http.Handler)
//	    mounts a link's HTTP routes on the service's listeners (e.g. "GET /autopush/",
//	    "POST /checkin", "POST /c2dm/register3").
//
// Push resource routes the core serves for every link (so that any endpoint shape maps here):
// POST /push/{id}, POST /wp/{id}, POST /fcm/send/{id} (Chromium builds fcm.googleapis.com or
// jmt17.google.com URLs around the register3 token, and the harness swaps only scheme and host),
// POST /notify/{id} (web-push-testing's shape). DELETE /m/{messageID} deletes a stored message.
var _ = http.MethodPost
