package graders

import "sync"

// KeyUse is what an aes128gcm body used, as digests: its (subscription, keyid, salt), its
// (subscription, keyid), and the body itself.
type KeyUse struct{ salt, key, body [32]byte }

// KeyUse is the salt and ECDH key the body used, once Body graded it for a known subscription;
// nil otherwise. The service passes it to History.Remember when it accepts the message.
func (r *Request) KeyUse() *KeyUse { return r.keyUse }

// KeyHistory remembers the salts and ECDH keys of accepted messages, for the reuse grades. The
// zero value is ready; it is safe for concurrent use.
type KeyHistory struct {
	mu   sync.Mutex
	salt map[[32]byte][32]byte // (subscription, keyid, salt) → the accepted body that used it
	key  map[[32]byte][32]byte // (subscription, keyid) → the accepted body that used it
}

// historyCap bounds what a KeyHistory keeps; beyond it nothing more is remembered.
const historyCap = 200_000

// Remember records the salt and ECDH key of an accepted message; the first body to use each is
// kept, so that any other body with them is a reuse and the same body a resend. u may be nil.
func (h *KeyHistory) Remember(u *KeyUse) {
	if h == nil || u == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.salt == nil {
		h.salt, h.key = map[[32]byte][32]byte{}, map[[32]byte][32]byte{}
	}
	if len(h.salt) >= historyCap {
		return
	}
	if _, ok := h.salt[u.salt]; !ok {
		h.salt[u.salt] = u.body
	}
	if _, ok := h.key[u.key]; !ok {
		h.key[u.key] = u.body
	}
}

func (h *KeyHistory) lookup(u *KeyUse) (saltBody [32]byte, saltSeen bool, keyBody [32]byte, keySeen bool) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	saltBody, saltSeen = h.salt[u.salt]
	keyBody, keySeen = h.key[u.key]
	return
}
