package webpush

import (
	"strings"
	"sync"
	"time"
)

// VerifyCache remembers tokens that verified, so a push service need not check the same ES256
// signature on every message: senders reuse one token for hours (webpush-go signs a fresh one per
// message, but most libraries cache theirs). The cache key is token, key, scheme and audience; an
// entry lives until the token's exp. Only tokens without MUST-level problems are cached (their
// SHOULD-level findings are kept and returned again); failures are always recomputed. The checks
// that depend on the request rather than the token (subscription key, ECDH key) run every time. A
// request whose Now lies before the moment an entry was verified is verified afresh, since the
// 24-hour bound on exp depends on the clock. It is safe for concurrent use.
type VerifyCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]cacheEntry
}

type cacheEntry struct {
	verifiedAt time.Time
	expires    time.Time
	findings   []Problem // SHOULD-level only
	parsed     *VAPID    // set by VerifyHeader, so that a hit skips parsing too
}

// NewVerifyCache returns a cache holding at most max tokens (0 means 1024).
func NewVerifyCache(max int) *VerifyCache {
	if max <= 0 {
		max = 1024
	}
	return &VerifyCache{max: max, entries: make(map[string]cacheEntry)}
}

// Len reports how many tokens the cache holds.
func (c *VerifyCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Verify returns what v.Verify(o) returns, from the cache when it can.
func (c *VerifyCache) Verify(v *VAPID, o VerifyOptions) []Problem {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	key := "t\x00" + v.Scheme + "\x00" + v.Token + "\x00" + v.RawKey + "\x00" + o.Audience
	if e, hit := c.lookup(key, o.Now); hit {
		return append(append([]Problem(nil), e.findings...), v.requestProblems(o)...)
	}
	problems, exp := v.tokenProblems(o)
	if !hasMust(problems) {
		c.store(key, cacheEntry{verifiedAt: o.Now, expires: exp, findings: problems}, o.Now)
	}
	return append(problems, v.requestProblems(o)...)
}

// VerifyHeader is ParseVAPID followed by Verify, keyed on the header text so that a hit skips
// the parse as well. The returned *VAPID may be shared with other callers: treat it as read-only.
func (c *VerifyCache) VerifyHeader(authorization, cryptoKey string, o VerifyOptions) (*VAPID, []Problem, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	// Crypto-Key matters only for the draft scheme, and then only its p256ecdsa value; an aesgcm
	// message's dh changes with every message and must not defeat the cache.
	// The key is built in a buffer on the stack: a hit, the common case, allocates nothing.
	var buf [768]byte
	k := append(append(append(append(buf[:0], "h\x00"...), authorization...), '\x00'), o.Audience...)
	if len(authorization) >= 7 && strings.EqualFold(authorization[:7], SchemeWebPush) {
		k = append(append(k, '\x00'), cryptoKeyParam(cryptoKey, "p256ecdsa")...)
	}
	if e, hit := c.lookupBytes(k, o.Now); hit {
		return e.parsed, append(append([]Problem(nil), e.findings...), e.parsed.requestProblems(o)...), nil
	}
	key := string(k)
	v, err := ParseVAPID(authorization, cryptoKey)
	if err != nil {
		return nil, nil, err
	}
	problems, exp := v.tokenProblems(o)
	if !hasMust(problems) {
		c.store(key, cacheEntry{verifiedAt: o.Now, expires: exp, findings: problems, parsed: v}, o.Now)
	}
	return v, append(problems, v.requestProblems(o)...), nil
}

// lookup returns the entry for key if it still answers at now, dropping it once expired.
func (c *VerifyCache) lookup(key string, now time.Time) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, hit := c.entries[key]
	if !hit {
		return cacheEntry{}, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, key)
		return cacheEntry{}, false
	}
	return e, !now.Before(e.verifiedAt)
}

// lookupBytes is lookup with the key as bytes, which the map lookup does not copy.
func (c *VerifyCache) lookupBytes(key []byte, now time.Time) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, hit := c.entries[string(key)]
	if !hit {
		return cacheEntry{}, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, string(key))
		return cacheEntry{}, false
	}
	return e, !now.Before(e.verifiedAt)
}

func hasMust(problems []Problem) bool {
	for _, p := range problems {
		if p.Level == LevelMust {
			return true
		}
	}
	return false
}

func (c *VerifyCache) store(key string, e cacheEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
	}
	// Still full: drop arbitrary entries (map order); a miss only costs one verification.
	for k := range c.entries {
		if len(c.entries) < c.max {
			break
		}
		delete(c.entries, k)
	}
	c.entries[key] = e
}
