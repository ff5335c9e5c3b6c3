// Package history is an append-only log that grows a chunk at a time.
package history

import "iter"

// chunk is how many entries a History allocates at a time.
const chunk = 256

// History is a log that keeps at least its newest entries (as many as Add is told), dropping
// older ones a chunk at a time. It grows by whole chunks, so an append never copies the entries
// before it: a growing slice of 10,000 delivery records copies them over and over and allocates
// about five times what they take. Entries have absolute indices, which stay valid when older
// ones are dropped. Keep math.MaxInt to keep everything. The zero value is an empty history; it
// is not safe for concurrent use (its owner's lock guards it).
type History[T any] struct {
	chunks  [][]T // every chunk but the last is full
	dropped int   // entries dropped so far: the absolute index of the oldest kept one
	n       int   // entries kept
}

// Add appends v, then drops the oldest chunks while at least keep entries remain without them.
func (h *History[T]) Add(v T, keep int) {
	last := len(h.chunks) - 1
	if last < 0 || len(h.chunks[last]) == chunk {
		h.chunks = append(h.chunks, make([]T, 0, chunk))
		last++
	}
	h.chunks[last] = append(h.chunks[last], v)
	h.n++
	for len(h.chunks) > 1 && h.n-len(h.chunks[0]) >= keep {
		h.n -= len(h.chunks[0])
		h.dropped += len(h.chunks[0])
		h.chunks[0] = nil // the dropped entries can be collected
		h.chunks = h.chunks[1:]
	}
}

// Len is the number of entries kept.
func (h *History[T]) Len() int { return h.n }

// End is the absolute index the next entry will get.
func (h *History[T]) End() int { return h.dropped + h.n }

// All returns a copy of the entries kept, oldest first.
func (h *History[T]) All() []T {
	out := make([]T, 0, h.n)
	for _, c := range h.chunks {
		out = append(out, c...)
	}
	return out
}

// Since yields the kept entries from absolute index i on (from the oldest kept one when i is
// older), with their absolute indices.
func (h *History[T]) Since(i int) iter.Seq2[int, *T] {
	return func(yield func(int, *T) bool) {
		rel := max(i-h.dropped, 0)
		for ci := rel / chunk; ci < len(h.chunks); ci++ {
			c := h.chunks[ci]
			for j := rel - ci*chunk; j < len(c); j++ {
				if !yield(h.dropped+ci*chunk+j, &c[j]) {
					return
				}
			}
			rel = (ci + 1) * chunk
		}
	}
}
