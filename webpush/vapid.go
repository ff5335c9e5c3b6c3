package webpush

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// VAPIDKeys is an application server's VAPID signing key pair: ECDSA on P-256 (RFC 8292 §2).
type VAPIDKeys struct {
	Private *ecdsa.PrivateKey
}

// NewVAPIDKeys makes a fresh P-256 signing key pair.
func NewVAPIDKeys() (*VAPIDKeys, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &VAPIDKeys{Private: priv}, nil
}

// VAPIDKeysFromBytes rebuilds a key pair from its 32-octet private scalar.
func VAPIDKeysFromBytes(private []byte) (*VAPIDKeys, error) {
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), private)
	if err != nil {
		return nil, fmt.Errorf("webpush: VAPID private key: %w", err)
	}
	return &VAPIDKeys{Private: priv}, nil
}

// Public returns the 65-octet uncompressed public key: the applicationServerKey a page passes to
// PushManager.subscribe and the k parameter of the Authorization header.
func (k *VAPIDKeys) Public() []byte {
	b, err := k.Private.PublicKey.Bytes()
	if err != nil { // only for keys not on P-256, which NewVAPIDKeys never makes
		return nil
	}
	return b
}

// PrivateBytes returns the 32-octet private scalar (the form webpush-go and web-push take,
// base64url-encoded).
func (k *VAPIDKeys) PrivateBytes() []byte {
	b, err := k.Private.Bytes()
	if err != nil {
		return nil
	}
	return b
}

// Schemes of SignOptions.Scheme and VAPID.Scheme.
const (
	SchemeVAPID   = "vapid"   // RFC 8292 §3: Authorization: vapid t=<jwt>, k=<key>
	SchemeWebPush = "webpush" // draft-ietf-webpush-vapid-01: Authorization: WebPush <jwt> + Crypto-Key: p256ecdsa=<key>
)

// SignOptions are the choices and fault knobs of VAPIDKeys.Authorization. The zero value (and a
// nil *SignOptions) gives a conformant `vapid t=…, k=…` header with aud, exp and sub.
type SignOptions struct {
	// Scheme is SchemeVAPID ("" too) or SchemeWebPush, the draft form whose key travels in
	// Crypto-Key (see VAPIDKeys.CryptoKey and VAPIDKeys.Headers); it breaks rfc8292-2-vapid-scheme.
	Scheme string
	// NoSpace writes `vapid t=…,k=…` without the space after the comma (as py_vapid does).
	NoSpace bool
	// KeyFirst writes `vapid k=…, t=…`: auth-params are unordered (RFC 9110 §11.2), so this
	// is conformant, and a verifier must accept it.
	KeyFirst bool
	// OmitT and OmitK leave the t or k parameter out (rfc8292-4.2-reject-missing-t-or-k).
	OmitT, OmitK bool
	// ExtraParams is appended as further auth-params, e.g. `realm="x", foo=bar`
	// (rfc8292-3-ignore-unknown-params).
	ExtraParams string
	// Key is announced as k instead of the signing key's public key (a key mismatch, or the
	// message's ECDH key for rfc8292-3.2-distinct-keys).
	Key []byte
	// PadKey encodes k with '=' padding.
	PadKey bool
	// OmitSub, OmitExp and OmitAud leave that claim out.
	OmitSub, OmitExp, OmitAud bool
	// ExpAsString writes exp as a JSON string ("1463001340") instead of a number.
	ExpAsString bool
	// ExtraClaims are added to (or replace) the claims.
	ExtraClaims map[string]any
	// Alg is written as the JOSE header's alg instead of ES256; the signature stays ES256.
	Alg string
	// DERSignature encodes the signature as ASN.1 DER instead of the 64 raw octets r ‖ s.
	DERSignature bool
	// CorruptSignature flips a bit of the signature so it no longer verifies.
	CorruptSignature bool
}

// Token returns the signed JWT (JWS compact serialization, ES256) with claims aud, exp and sub.
// An empty sub is left out.
func (k *VAPIDKeys) Token(aud, sub string, exp time.Time, o *SignOptions) (string, error) {
	if o == nil {
		o = &SignOptions{}
	}
	alg := o.Alg
	if alg == "" {
		alg = "ES256"
	}
	header, err := json.Marshal(map[string]string{"typ": "JWT", "alg": alg})
	if err != nil {
		return "", err
	}
	claims := map[string]any{}
	if !o.OmitAud {
		claims["aud"] = aud
	}
	if !o.OmitExp {
		if o.ExpAsString {
			claims["exp"] = strconv.FormatInt(exp.Unix(), 10)
		} else {
			claims["exp"] = exp.Unix()
		}
	}
	if sub != "" && !o.OmitSub {
		claims["sub"] = sub
	}
	for name, v := range o.ExtraClaims {
		claims[name] = v
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("webpush: VAPID claims: %w", err)
	}
	signingInput := Base64URL(header) + "." + Base64URL(payload)
	digest := sha256.Sum256([]byte(signingInput))
	var sig []byte
	if o.DERSignature {
		if sig, err = ecdsa.SignASN1(rand.Reader, k.Private, digest[:]); err != nil {
			return "", err
		}
	} else {
		r, s, err := ecdsa.Sign(rand.Reader, k.Private, digest[:])
		if err != nil {
			return "", err
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	if o.CorruptSignature {
		sig[len(sig)/2] ^= 0x01
	}
	return signingInput + "." + Base64URL(sig), nil
}

func (k *VAPIDKeys) announcedKey(o *SignOptions) string {
	key := k.Public()
	if o.Key != nil {
		key = o.Key
	}
	if o.PadKey {
		return base64.URLEncoding.EncodeToString(key)
	}
	return Base64URL(key)
}

// Authorization returns the Authorization header value for a push request: by default
// `vapid t=<jwt>, k=<key>` (RFC 8292 §3) with aud, exp and sub (sub left out when empty). aud is
// the origin of the push resource, scheme://host[:port]. With SignOptions.Scheme = SchemeWebPush it
// returns `WebPush <jwt>`, and the key must then be sent as `Crypto-Key: p256ecdsa=<key>`
// (CryptoKey, or use Headers). o may be nil.
func (k *VAPIDKeys) Authorization(aud, sub string, exp time.Time, o *SignOptions) (string, error) {
	if o == nil {
		o = &SignOptions{}
	}
	token, err := k.Token(aud, sub, exp, o)
	if err != nil {
		return "", err
	}
	switch o.Scheme {
	case "", SchemeVAPID:
	case SchemeWebPush:
		return "WebPush " + token, nil
	default:
		return "", fmt.Errorf("webpush: unknown VAPID scheme %q (want %q or %q)", o.Scheme, SchemeVAPID, SchemeWebPush)
	}
	var params []string
	if !o.OmitT {
		params = append(params, "t="+token)
	}
	if !o.OmitK {
		kp := "k=" + k.announcedKey(o)
		if o.KeyFirst {
			params = append([]string{kp}, params...)
		} else {
			params = append(params, kp)
		}
	}
	var b bytes.Buffer
	b.WriteString("vapid ")
	sep := ""
	for i, p := range params {
		if i == 1 && o.NoSpace {
			b.WriteString(",")
		} else {
			b.WriteString(sep)
		}
		b.WriteString(p)
		sep = ", "
	}
	if o.ExtraParams != "" {
		b.WriteString(sep + o.ExtraParams)
	}
	return b.String(), nil
}

// CryptoKey returns the `p256ecdsa=<key>` value of the Crypto-Key header that carries the key for
// the draft WebPush scheme. o may be nil.
func (k *VAPIDKeys) CryptoKey(o *SignOptions) string {
	if o == nil {
		o = &SignOptions{}
	}
	return "p256ecdsa=" + k.announcedKey(o)
}

// Headers returns the VAPID header fields of a push request: Authorization, and for the WebPush
// scheme also Crypto-Key (a sender using aesgcm must merge its dh=… into that same field).
func (k *VAPIDKeys) Headers(aud, sub string, exp time.Time, o *SignOptions) (http.Header, error) {
	auth, err := k.Authorization(aud, sub, exp, o)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Authorization": {auth}}
	if o != nil && o.Scheme == SchemeWebPush && !o.OmitK {
		h.Set("Crypto-Key", k.CryptoKey(o))
	}
	return h, nil
}
