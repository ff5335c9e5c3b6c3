package fakepushservice

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultRateLimit is the Server.RateLimit used when the option is 0: at most this many messages
// accepted for one user agent at once, refilled evenly over a minute (about 16.7 per second). It
// is high on purpose: no suite, browser test or end-to-end benchmark comes near it (they send at
// most a few hundred messages to one user agent), and the load tests and BenchmarkPushAccept,
// which send thousands, switch it off (RateLimit: -1). Real services are stricter: FCM documents
// 240 messages a minute to one device (docs/push-services.md §1, row 26).
const DefaultRateLimit = 1000

// rateState is the per-user-agent token buckets of RFC 8030 §8.4's rate limit (Server.RateLimit).
type rateState struct {
	mu      sync.Mutex
	buckets map[string]*rateBucket // by UA
}

type rateBucket struct {
	tokens float64   // messages that may still be accepted now
	at     time.Time // when tokens was last brought up to date
}

// rateLimit is the effective limit; negative means none.
func (s *Server) rateLimit() int {
	if s.RateLimit != 0 {
		return s.RateLimit
	}
	return DefaultRateLimit
}

// takeRate takes one message from ua's bucket. When the bucket is empty it takes nothing and
// returns false and how long until the next message would be accepted.
func (s *Server) takeRate(ua string) (bool, time.Duration) {
	limit := s.rateLimit()
	if limit < 0 {
		return true, 0
	}
	now := s.now()
	perSecond := float64(limit) / 60
	rs := &s.rate
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.buckets == nil {
		rs.buckets = map[string]*rateBucket{}
	}
	b := rs.buckets[ua]
	if b == nil {
		if len(rs.buckets) >= 4096 {
			// Forget the buckets that have refilled: a new bucket starts full anyway.
			for k, old := range rs.buckets {
				if old.tokens+now.Sub(old.at).Seconds()*perSecond >= float64(limit) {
					delete(rs.buckets, k)
				}
			}
		}
		b = &rateBucket{tokens: float64(limit), at: now}
		rs.buckets[ua] = b
	} else if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(limit), b.tokens+d.Seconds()*perSecond)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
}

// refuseOverRate answers p with the profile's rate-limited answer (rfc: 429 with Retry-After)
// when the subscription's user agent has used up its RateLimit, and reports whether it did. It
// runs only for a message that would otherwise be accepted: refused requests cost nothing, so
// a sender that gets 400s is never told 429 instead.
func (s *Server) refuseOverRate(w http.ResponseWriter, p *pushReq) bool {
	if p.sub == nil {
		return false
	}
	ok, wait := s.takeRate(p.sub.sub.UA)
	if ok {
		return false
	}
	detail := fmt.Sprintf("more than %d messages for this user agent within a minute (RFC 8030 §8.4); the next one is accepted in %s",
		s.rateLimit(), wait.Round(time.Millisecond))
	p.add(CondRateLimited, detail)
	p.rec.Conditions = p.condList
	a, answered := p.prof.Answers[CondRateLimited]
	if !answered {
		a = Answer{Status: http.StatusTooManyRequests}
	}
	if _, has := a.Header["Retry-After"]; !has {
		h := make(map[string]string, len(a.Header)+1)
		for k, v := range a.Header {
			h[k] = v
		}
		h["Retry-After"] = strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second)))
		a.Header = h
	}
	p.rec.Answered = CondRateLimited
	p.respondError(w, answerText(a, detail), condRule[CondRateLimited], detail)
	return true
}
