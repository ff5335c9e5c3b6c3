package fakepushservice

import "iter"

// historyChunk is how many entries a history allocates at a time.
const historyChunk = 256

// history is a log that keeps at least its newest max entries, dropping older ones a chunk at a
// time. It grows by whole chunks, so an append never copies the entries before it: a growing
// slice of 10,000 delivery records copies them over and over and allocates about five times
// what they take. Entries have absolute indices, which stay valid when older ones are dropped.
// The zero value is an empty history; it is not safe for concurrent use (its owner's lock
// guards it).
type history[T any] struct {
	chunks  [][]T // every chunk but the last is full
	dropped int   // entries dropped so far: the absolute index of the oldest kept one
	n       int   // entries kept
}

// add appends v, then drops the oldest chunks while at least keep entries remain without them.
func (h *history[T]) add(v T, keep int) {
	last := len(h.chunks) - 1
	if last < 0 || len(h.chunks[last]) == historyChunk {
		h.chunks = append(h.chunks, make([]T, 0, historyChunk))
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

// len is the number of entries kept.
func (h *history[T]) len() int { return h.n }

// end is the absolute index the next entry will get.
func (h *history[T]) end() int { return h.dropped + h.n }

// all returns a copy of the entries kept, oldest first.
func (h *history[T]) all() []T {
	out := make([]T, 0, h.n)
	for _, c := range h.chunks {
		out = append(out, c...)
	}
	return out
}

// since yields the kept entries from absolute index i on (from the oldest kept one when i is
// older), with their absolute indices.
func (h *history[T]) since(i int) iter.Seq2[int, *T] {
	return func(yield func(int, *T) bool) {
		rel := max(i-h.dropped, 0)
		for ci := rel / historyChunk; ci < len(h.chunks); ci++ {
			c := h.chunks[ci]
			for j := rel - ci*historyChunk; j < len(c); j++ {
				if !yield(h.dropped+ci*historyChunk+j, &c[j]) {
					return
				}
			}
			rel = (ci + 1) * historyChunk
		}
	}
}
