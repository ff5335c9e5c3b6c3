package graders

import (
	"crypto/ecdh"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// Request is one push request as a push service observed it, with what the service knows of
// the subscription it is for. The graders read it; what they work out on the way (the content
// coding, the body's header, the VAPID token, the decrypted message) is kept on it, so that the
// service reads the same result rather than working it out again. A Request is used by one
// goroutine at a time.
type Request struct {
	Method string
	Header http.Header
	// Body is the body as read: at most MaxPayload+1 octets.
	Body []byte
	// BodySize is the body's length as sent (its Content-Length when the body was cut).
	BodySize int
	// Truncated says the body was longer than MaxPayload and was cut.
	Truncated bool
	// MaxPayload is the largest body the service reads.
	MaxPayload int
	// Received is the time of the request by the service's Clock; the sender's VAPID exp is
	// judged against it.
	Received time.Time
	// ClockSkew is how far the service's own clock is off Received (evidence only: a sender is
	// not at fault for a service's wrong clock).
	ClockSkew time.Duration
	// Audience is the origin the request reached, scheme://host[:port] (VAPID's aud).
	Audience string

	// Subscription is the ID of the subscription the request is for, "" when the service knows
	// none.
	Subscription string
	// AppServerKey is the applicationServerKey a restricted subscription was made with; nil for
	// an unrestricted (or unknown) one.
	AppServerKey []byte
	// Keys are the subscription's user-agent keys when the service holds them (a virtual user
	// agent); nil otherwise, and then the body is not decrypted.
	Keys *webpush.UAKeys
	// History is what earlier accepted messages used (salt and ECDH key reuse); nil grades no
	// reuse.
	History *KeyHistory
	// VerifyCache, when set, caches VAPID verification across requests.
	VerifyCache *webpush.VerifyCache
	// ReceiptGiven is the receipt subscription (its /receipts/ path) the service gave earlier to
	// the sender of this request, known by its VAPID key; "" when none.
	ReceiptGiven string
	// Verdicts, when not nil, collects the verdicts of every grader run on the request, in
	// order: each grader appends its own to it and returns them as a slice of it, so that a
	// service grading every request allocates one slice per request rather than one per grader.
	// nil: each grader returns a slice of its own.
	Verdicts []rules.Verdict

	codings    []string
	codingsSet bool
	hdr        *contentHeader
	vapid      *VAPIDResult
	dec        *decryption
	keyUse     *KeyUse
}

// Codings are the request's content codings, lower-cased, in order.
func (r *Request) Codings() []string {
	if !r.codingsSet {
		for _, v := range r.Header.Values("Content-Encoding") {
			for _, t := range strings.Split(v, ",") {
				if t = strings.TrimSpace(t); t != "" {
					r.codings = append(r.codings, strings.ToLower(t))
				}
			}
		}
		r.codingsSet = true
	}
	return r.codings
}

// Encoding is the content coding of a body in exactly one of the two Web Push codings:
// "aes128gcm" or the draft "aesgcm"; "" for no body, no coding, several or another one.
func (r *Request) Encoding() string {
	c := r.Codings()
	if len(r.Body) == 0 || len(c) != 1 {
		return ""
	}
	if c[0] == "aes128gcm" || c[0] == "aesgcm" {
		return c[0]
	}
	return ""
}

// body is the body the body graders read: none when it was cut.
func (r *Request) body() []byte {
	if r.Truncated {
		return nil
	}
	return r.Body
}

// ECDHKey is the message's ECDH public key: an aes128gcm keyid that is a P-256 point, or an
// aesgcm Crypto-Key dh; nil when there is none.
func (r *Request) ECDHKey() []byte {
	switch r.Encoding() {
	case "aes128gcm":
		if h := r.contentHeader(); h.keyOK {
			return h.hdr.KeyID
		}
	case "aesgcm":
		if dh := CryptoKeyParam(r.Header.Get("Crypto-Key"), "dh"); dh != "" {
			k, _ := webpush.DecodeBase64(dh)
			return k
		}
	}
	return nil
}

// contentHeader parses the aes128gcm header of the body once.
func (r *Request) contentHeader() *contentHeader {
	if r.hdr == nil {
		h := &contentHeader{}
		if body := r.body(); len(body) > 0 && r.Encoding() == "aes128gcm" {
			h.present = true
			h.hdr, h.err = webpush.ParseContentHeader(body)
			var we *webpush.Error
			errors.As(h.err, &we)
			// A header whose rs is below 18 is still read through: rs is graded on its own.
			h.read = h.err == nil || (we != nil && we.Rule == rules.RSMin18.ID)
			if h.read && len(h.hdr.KeyID) == 65 {
				_, perr := ecdh.P256().NewPublicKey(h.hdr.KeyID)
				h.keyOK = perr == nil
			}
		}
		r.hdr = h
	}
	return r.hdr
}

type contentHeader struct {
	present bool // an aes128gcm body was read
	hdr     webpush.ContentHeader
	err     error
	read    bool // the header's fields were read (err is nil, or only about rs)
	keyOK   bool // keyid is a 65-octet uncompressed P-256 point
}

// CryptoKeyParam finds name=value in a Crypto-Key header (comma-separated entries of
// semicolon-separated parameters).
func CryptoKeyParam(header, name string) string {
	for _, entry := range strings.Split(header, ",") {
		for _, param := range strings.Split(entry, ";") {
			n, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(n), name) {
				return strings.Trim(strings.TrimSpace(v), `"`)
			}
		}
	}
	return ""
}

// out is the slice a grader appends its verdicts to: the free room of r.Verdicts (nil when the
// caller collects nothing). The grader hands the result to keep.
func (r *Request) out() []rules.Verdict { return r.Verdicts[len(r.Verdicts):] }

// keep adds a grader's verdicts to r.Verdicts, where out appended them in place unless there
// was no room, and returns them as a slice that a caller's append cannot write through.
func (r *Request) keep(vs []rules.Verdict) []rules.Verdict {
	if r.Verdicts == nil || len(vs) == 0 {
		return vs
	}
	n := len(r.Verdicts)
	if n < cap(r.Verdicts) && &r.Verdicts[:n+1][n] == &vs[0] {
		r.Verdicts = r.Verdicts[:n+len(vs)]
	} else {
		r.Verdicts = append(r.Verdicts, vs...)
	}
	return r.Verdicts[n:len(r.Verdicts):len(r.Verdicts)]
}
