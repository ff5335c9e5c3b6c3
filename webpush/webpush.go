package webpush

import (
	"crypto/ecdh"
	"crypto/rand"
	"fmt"

	"github.com/pushspec/pushspec/rules"
)

// AuthLen is the length of the authentication secret a user agent makes (RFC 8291 §3.2).
const AuthLen = 16

// Subscription is what an application server knows of a push subscription: the endpoint and the
// two keys of PushSubscription.getKey(), base64url-decoded.
type Subscription struct {
	Endpoint string
	P256dh   []byte // the user agent's 65-octet uncompressed P-256 public key
	Auth     []byte // the 16-octet authentication secret
}

// UAKeys are the user agent's secrets for one subscription: its ECDH private key and the
// authentication secret. pushspec holds them for its virtual user agent and for subscriptions made
// through the control API, which lets it decrypt what senders post.
type UAKeys struct {
	Private *ecdh.PrivateKey
	Auth    []byte
}

// NewUAKeys makes a fresh P-256 key pair and a 16-octet auth secret from crypto/rand.
func NewUAKeys() (*UAKeys, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	auth := make([]byte, AuthLen)
	if _, err := rand.Read(auth); err != nil {
		return nil, err
	}
	return &UAKeys{Private: priv, Auth: auth}, nil
}

// UAKeysFromBytes rebuilds user agent keys from a 32-octet P-256 private scalar and an auth secret
// (as in test vectors).
func UAKeysFromBytes(private, auth []byte) (*UAKeys, error) {
	priv, err := ecdh.P256().NewPrivateKey(private)
	if err != nil {
		return nil, fmt.Errorf("webpush: user agent private key: %w", err)
	}
	return &UAKeys{Private: priv, Auth: auth}, nil
}

// P256dh returns the 65-octet uncompressed public key, as getKey('p256dh') gives it.
func (k *UAKeys) P256dh() []byte { return k.Private.PublicKey().Bytes() }

// Subscription returns the subscription an application server would receive for these keys.
func (k *UAKeys) Subscription(endpoint string) Subscription {
	return Subscription{Endpoint: endpoint, P256dh: k.P256dh(), Auth: append([]byte(nil), k.Auth...)}
}

var webpushInfo = []byte("WebPush: info\x00")

// webpushIKM is the RFC 8291 §3.3 combination of the ECDH secret with the auth secret:
// HKDF-SHA-256(salt=auth, IKM=ecdh, info="WebPush: info"‖0x00‖ua_public‖as_public, L=32), written
// as its single extract and single expand.
func webpushIKM(auth, ecdhSecret, uaPublic, asPublic []byte) []byte {
	prkKey := hmacSHA256(auth, ecdhSecret)
	return hmacSHA256(prkKey, webpushInfo, uaPublic, asPublic, []byte{1})
}

// flipped returns b with every bit inverted (Options.WrongAuth).
func flipped(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[i] = ^b[i]
	}
	return out
}

// senderKeys validates the subscription and returns the ephemeral key, the user agent's key and
// the ECDH secret.
func senderKeys(sub Subscription, o *Options) (as *ecdh.PrivateKey, ua *ecdh.PublicKey, secret []byte, err error) {
	ua, err = ecdh.P256().NewPublicKey(sub.P256dh)
	if err != nil {
		return nil, nil, nil, fail(rules.ASValidatesKey.ID, fmt.Sprintf("subscription p256dh (%d octets) is not an uncompressed P-256 point: %v", len(sub.P256dh), err))
	}
	if len(sub.Auth) != AuthLen {
		return nil, nil, nil, fail(rules.AuthSecret16.ID, fmt.Sprintf("subscription auth secret is %d octets, not %d", len(sub.Auth), AuthLen))
	}
	as = o.ASPrivate
	if as == nil {
		if as, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
			return nil, nil, nil, err
		}
	} else if as.Curve() != ecdh.P256() {
		return nil, nil, nil, fail(rules.KeyIDIsASPublicKey.ID, "Options.ASPrivate is not a P-256 key")
	}
	secret, err = as.ECDH(ua)
	if err != nil {
		return nil, nil, nil, fail(rules.ASValidatesKey.ID, fmt.Sprintf("ECDH with the subscription key failed: %v", err))
	}
	return as, ua, secret, nil
}

// Encrypt encrypts plaintext for a subscription as an RFC 8291 aes128gcm body: the keyid is the
// sender's ephemeral public key, one record, delimiter 0x02. o may be nil (fresh salt and
// ephemeral key, rs 4096, no padding); its knobs produce deliberately broken bodies. An invalid
// subscription key is an error under rfc8291-7-as-validates-key.
func Encrypt(sub Subscription, plaintext []byte, o *Options) ([]byte, error) {
	if o == nil {
		o = &Options{}
	}
	as, _, secret, err := senderKeys(sub, o)
	if err != nil {
		return nil, err
	}
	salt, err := saltFor(o)
	if err != nil {
		return nil, err
	}
	auth := sub.Auth
	if o.WrongAuth {
		auth = flipped(auth)
	}
	asPublic := as.PublicKey().Bytes()
	ikm := webpushIKM(auth, secret, sub.P256dh, asPublic)
	_, cek, nonce := o.keys(salt, ikm)
	body := appendHeader(make([]byte, 0, FixedHeaderLen+65+len(plaintext)+1+o.Pad+TagLen), salt, asPublic, o)
	body, err = sealRecords(body, newGCM(cek), nonce, plaintext, o)
	if err != nil {
		return nil, err
	}
	return finish(body, o)
}

// Message is what DecryptMessage found in a Web Push body, for graders of sender rules.
type Message struct {
	Header    ContentHeader
	Plaintext []byte
	Records   int // number of aes128gcm records; RFC 8291 §4 wants exactly one
	Padding   int // zero octets after the delimiters, summed over all records
}

// Decrypt decrypts an RFC 8291 aes128gcm body as the user agent holding k, and returns the
// plaintext. See DecryptMessage for the checks and their rules.
func Decrypt(k *UAKeys, body []byte) ([]byte, error) {
	m, err := DecryptMessage(k, body)
	if err != nil {
		return nil, err
	}
	return m.Plaintext, nil
}

// DecryptMessage decrypts an RFC 8291 aes128gcm body as the user agent holding k. Errors name the
// rule: header layout and rs below 18 (RFC 8188 §2.1); a keyid that is not 65 octets
// (rfc8291-4-keyid-is-as-public-key) or not a P-256 point (rfc8291-7-ua-validates-key); a record
// too short; a tag that does not verify (rfc8291-3.3-key-derivation: wrong keys or altered
// content); a delimiter other than 0x02 on a single record (rfc8291-4-ua-checks-delimiter) or none
// at all; a body cut off after a full record. Several records are accepted (a UA MAY support
// them); Message.Records lets a grader flag them.
func DecryptMessage(k *UAKeys, body []byte) (*Message, error) {
	if k == nil || k.Private == nil {
		return nil, fail(rules.KeyDerivation.ID, "no user agent keys to decrypt with")
	}
	h, err := ParseContentHeader(body)
	if err != nil {
		return nil, err
	}
	if len(h.KeyID) != 65 {
		return nil, fail(rules.KeyIDIsASPublicKey.ID, fmt.Sprintf("idlen is %d; the keyid must be the sender's 65-octet uncompressed P-256 key", len(h.KeyID)))
	}
	as, err := ecdh.P256().NewPublicKey(h.KeyID)
	if err != nil {
		return nil, fail(rules.UAValidatesKey.ID, fmt.Sprintf("keyid is not an uncompressed P-256 point: %v", err))
	}
	secret, err := k.Private.ECDH(as)
	if err != nil {
		return nil, fail(rules.UAValidatesKey.ID, fmt.Sprintf("ECDH with the keyid failed: %v", err))
	}
	ikm := webpushIKM(k.Auth, secret, k.P256dh(), h.KeyID)
	_, cek, nonce := contentKeys(h.Salt, ikm)
	plain, info, err := openRecords(h, body, cek, nonce, rules8291)
	if err != nil {
		return nil, err
	}
	return &Message{Header: h, Plaintext: plain, Records: info.records, Padding: info.padding}, nil
}
