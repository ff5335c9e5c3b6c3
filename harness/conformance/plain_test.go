package conformance

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"
)

// TestPlainMessage feeds plainMessage the failures gomega really writes and checks that no type
// name or pointer dump reaches the one-line message.
func TestPlainMessage(t *testing.T) {
	var got []string
	g := gomega.NewGomega(func(m string, _ ...int) { got = append(got, m) })
	g.Expect(false).To(gomega.BeTrue())
	g.Expect(4).To(gomega.Equal(5), "status is %d; RFC 8030 §5 requires 201", 4)
	g.Expect(errors.New("boom")).NotTo(gomega.HaveOccurred())
	g.Expect(fmt.Errorf("wrap: %w", errors.New("boom"))).NotTo(gomega.HaveOccurred(), "sending the push")
	g.Eventually(func() bool { return false }).WithTimeout(20*time.Millisecond).Should(gomega.BeTrue(), "no service-worker report within 15s")
	g.Eventually(func() int { return 3 }).WithTimeout(20 * time.Millisecond).Should(gomega.Equal(4))
	g.Expect("abc").To(gomega.ContainSubstring("x"))
	want := []string{
		"observed false; expected it to be true",
		"status is 4; RFC 8030 §5 requires 201",
		"unexpected error: boom",
		"sending the push",
		"no service-worker report within 15s",
		"observed 3; expected it to equal 4 (still so after",
		"observed abc; expected it to contain substring x",
	}
	if len(got) != len(want) {
		t.Fatalf("gomega wrote %d failures, want %d", len(got), len(want))
	}
	for i, raw := range got {
		p := plainMessage(raw)
		if !strings.HasPrefix(p, want[i]) {
			t.Errorf("plainMessage(%q) = %q, want prefix %q", raw, p, want[i])
		}
		if strings.Contains(p, "\n") || strings.Contains(p, "0x") || strings.Contains(p, "<") {
			t.Errorf("plainMessage(%q) = %q keeps a framework dump", raw, p)
		}
	}
	if p := plainMessage("the sender sent no request"); p != "the sender sent no request" {
		t.Errorf("a plain message changed: %q", p)
	}
}
