package rules

import (
	"hash/maphash"
	"sync/atomic"
)

// Evidence returns the evidence map {k: v}, Evidence2 {k1: v1, k2: v2}. A map with the same
// contents may be returned again, to this and other callers, for other verdicts: an evidence
// map is read-only once a verdict holds it. A push service that grades every request with the
// same few small maps (TTL 300, aes128gcm, the sender's sub) then builds each once rather than
// once per request, which is most of the garbage a request leaves.
func Evidence(k, v string) map[string]string { return sharedEvidence(k, v, "", "", 1) }

// Evidence2 is Evidence with two entries; see Evidence.
func Evidence2(k1, v1, k2, v2 string) map[string]string {
	return sharedEvidence(k1, v1, k2, v2, 2)
}

type evidenceEntry struct {
	k1, v1, k2, v2 string
	pairs          int
	m              map[string]string
}

// evidenceCache holds the maps built most recently, by the hash of their contents: an entry
// whose slot another map takes is simply built again when it comes back.
var (
	evidenceCache [1024]atomic.Pointer[evidenceEntry]
	evidenceSeed  = maphash.MakeSeed()
)

// evidenceBound is the longest value worth sharing: a long one (a token, a body) is seldom
// repeated.
const evidenceBound = 256

func sharedEvidence(k1, v1, k2, v2 string, pairs int) map[string]string {
	if len(v1)+len(v2) > evidenceBound {
		return newEvidence(k1, v1, k2, v2, pairs)
	}
	var h maphash.Hash
	h.SetSeed(evidenceSeed)
	for _, s := range [...]string{k1, v1, k2, v2} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	slot := &evidenceCache[h.Sum64()%uint64(len(evidenceCache))]
	if e := slot.Load(); e != nil && e.pairs == pairs && e.k1 == k1 && e.v1 == v1 && e.k2 == k2 && e.v2 == v2 {
		return e.m
	}
	m := newEvidence(k1, v1, k2, v2, pairs)
	slot.Store(&evidenceEntry{k1: k1, v1: v1, k2: k2, v2: v2, pairs: pairs, m: m})
	return m
}

func newEvidence(k1, v1, k2, v2 string, pairs int) map[string]string {
	if pairs == 1 {
		return map[string]string{k1: v1}
	}
	return map[string]string{k1: v1, k2: v2}
}
