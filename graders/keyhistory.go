package graders

import "sync"

// KeyUse is what an aes128gcm body used, as digests: its (subscription, keyid, salt), its
// (subscription, keyid), and the body itself.
type KeyUse struct{ salt, key, body [32]byte }

// KeyUse is the salt and ECDH key the body used, once Body graded it for a known subscription;
// nil otherwise. The service passes it to History.Remember when it accepts the message.
func (r *Request) KeyUse() *KeyUse { return r.keyUse }

// KeyHistory remembers the salts and ECDH keys of accepted messages, for the reuse grades. The
// zero value is ready; it is safe for concurrent use, in shards so that concurrent requests
// rarely wait on each other.
type KeyHistory struct {
	salt [historyShards]historyShard // (subscription, keyid, salt) → the accepted body that used it
	key  [historyShards]historyShard // (subscription, keyid) → the accepted body that used it
}

// historyShards is the number of shards of each map; historyCap bounds what a KeyHistory keeps
// (beyond it nothing more is remembered).
const (
	historyShards = 16
	historyCap    = 200_000
)

type historyShard struct {
	mu sync.RWMutex
	m  map[[32]byte][32]byte
}

func shardOf(shards *[historyShards]historyShard, digest [32]byte) *historyShard {
	return &shards[digest[0]%historyShards]
}

// get returns the body remembered for digest.
func (s *historyShard) get(digest [32]byte) ([32]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	body, ok := s.m[digest]
	return body, ok
}

// put remembers body for digest unless a body is remembered for it already.
func (s *historyShard) put(digest, body [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[[32]byte][32]byte{}
	}
	if _, ok := s.m[digest]; !ok && len(s.m) < historyCap/historyShards {
		s.m[digest] = body
	}
}

// Remember records the salt and ECDH key of an accepted message; the first body to use each is
// kept, so that any other body with them is a reuse and the same body a resend. u may be nil.
func (h *KeyHistory) Remember(u *KeyUse) {
	if h == nil || u == nil {
		return
	}
	shardOf(&h.salt, u.salt).put(u.salt, u.body)
	shardOf(&h.key, u.key).put(u.key, u.body)
}

func (h *KeyHistory) lookup(u *KeyUse) (saltBody [32]byte, saltSeen bool, keyBody [32]byte, keySeen bool) {
	if h == nil {
		return
	}
	saltBody, saltSeen = shardOf(&h.salt, u.salt).get(u.salt)
	keyBody, keySeen = shardOf(&h.key, u.key).get(u.key)
	return
}
