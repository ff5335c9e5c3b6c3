package fcm

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// nested returns a protobuf message of about n octets: field 1 holding field 1 holding … — every
// level parses as a message, the worst case for the frame log's renderer.
func nested(n int) []byte {
	sizes := []int{0} // sizes[k] is the length of the message k levels deep from the inside
	for sizes[len(sizes)-1] < n {
		c := sizes[len(sizes)-1]
		sizes = append(sizes, 1+protowire.SizeVarint(uint64(c))+c)
	}
	b := make([]byte, 0, sizes[len(sizes)-1])
	for k := len(sizes) - 1; k > 0; k-- {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizes[k-1]))
	}
	return b
}

// Every MCS frame, the LoginRequest included (before the device is authenticated), is rendered
// for the frame log. Rendering re-parsed every nested level, so a deeply nested frame cost O(n²):
// 16 KiB took 1.3 s, a 4 MiB frame (maxFrame) hours of CPU on the connection's goroutine.
// The render is bounded by structure, not by a clock: it descends a fixed number of levels
// (maxRenderDepth, each a parse of at most n octets), the same for 16 KiB as for 1 MiB, then
// prints the rest as "<k bytes>". The time it takes is BenchmarkNestedFrameRender's figure.
func TestHardeningNestedFrameRendersBounded(t *testing.T) {
	const maxLevels = 16 // a frame log needs no more; O(levels × n) stays linear in n
	levels := map[int]int{}
	for _, n := range []int{16 << 10, 1 << 20} {
		m, err := parseMessage(nested(n))
		if err != nil {
			t.Fatal(err)
		}
		s := m.String()
		rest := s
		for strings.HasPrefix(rest, "{1:") {
			rest, levels[n] = rest[len("{1:"):], levels[n]+1
		}
		if levels[n] == 0 || levels[n] > maxLevels || !strings.HasPrefix(rest, "<") || !strings.Contains(rest, " bytes>") {
			t.Errorf("a %d-octet nested frame rendered %d levels (%.60q…); want at most %d, then the rest as <k bytes>", n, levels[n], s, maxLevels)
		}
		if len(s) > maxRenderLen+100 {
			t.Errorf("a %d-octet nested frame rendered %d characters; the render is bounded at about %d", n, len(s), maxRenderLen)
		}
	}
	if levels[16<<10] != levels[1<<20] {
		t.Errorf("the render descended %d levels into 16 KiB and %d into 1 MiB; the depth must not grow with the frame", levels[16<<10], levels[1<<20])
	}
}

// BenchmarkNestedFrameRender: rendering a 1 MiB nested frame for the frame log (before the fix,
// hours of CPU).
func BenchmarkNestedFrameRender(b *testing.B) {
	m, err := parseMessage(nested(1 << 20))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.String()
	}
}
