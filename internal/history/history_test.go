package history

import (
	"slices"
	"testing"
)

func TestHistoryKeepsTheNewest(t *testing.T) {
	for _, keep := range []int{1, 10, chunk, 3*chunk + 7} {
		var h History[int]
		for i := range 5*chunk + 3 {
			h.Add(i, keep)
			if h.Len() < min(i+1, keep) {
				t.Fatalf("keep %d: after %d adds %d kept, fewer than %d", keep, i+1, h.Len(), min(i+1, keep))
			}
			if h.Len() > keep+chunk {
				t.Fatalf("keep %d: after %d adds %d kept, more than a chunk over", keep, i+1, h.Len())
			}
		}
		all := h.All()
		if h.End() != 5*chunk+3 || len(all) != h.Len() || all[len(all)-1] != h.End()-1 {
			t.Fatalf("keep %d: end %d, %d kept, last %d", keep, h.End(), len(all), all[len(all)-1])
		}
		for i, v := range all { // consecutive, oldest first
			if v != all[0]+i {
				t.Fatalf("keep %d: entry %d is %d, want %d", keep, i, v, all[0]+i)
			}
		}
		// since yields each kept entry at its absolute index, from any starting point.
		for _, from := range []int{0, all[0], all[0] + 1, h.End() - chunk - 1, h.End() - 1, h.End()} {
			var got []int
			for i, v := range h.Since(from) {
				if *v != i {
					t.Fatalf("keep %d: index %d holds %d", keep, i, *v)
				}
				got = append(got, i)
			}
			if want := all[max(from-all[0], 0):]; !slices.Equal(got, want) {
				t.Fatalf("keep %d: since(%d) gave %d entries, want %d", keep, from, len(got), len(want))
			}
		}
	}
}
