package fcm

import (
	"strings"
	"testing"
	"time"

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
func TestHardeningNestedFrameRendersFast(t *testing.T) {
	for _, n := range []int{16 << 10, 1 << 20} {
		m, err := parseMessage(nested(n))
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		s := m.String()
		if d := time.Since(t0); d > 500*time.Millisecond {
			t.Errorf("rendering a %d-octet nested frame took %v", n, d)
		}
		if !strings.HasPrefix(s, "{1:{1:") {
			t.Errorf("render lost the structure: %.40s", s)
		}
	}
}
