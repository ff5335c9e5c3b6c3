package fakepushservice

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	const max = 8
	for _, c := range []struct {
		name   string
		body   string
		length int64 // Content-Length as announced; -1 unknown
		want   string
	}{
		{"announced", "12345", 5, "12345"},
		{"empty", "", 0, ""},
		{"unknown length", "12345", -1, "12345"},
		{"at the limit", "12345678", 8, "12345678"},
		{"over the limit, announced", "1234567890", 10, "123456789"},
		{"over the limit, unknown length", "1234567890", -1, "123456789"},
		{"longer than announced", "1234567890", 5, "123456789"},
	} {
		r := &http.Request{Body: io.NopCloser(strings.NewReader(c.body)), ContentLength: c.length}
		got, err := readBody(r, max)
		if err != nil || !bytes.Equal(got, []byte(c.want)) {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	// A body that ends before its Content-Length is an error, not a shorter message: the
	// sender's connection broke off (net/http's own reader says io.ErrUnexpectedEOF; a plain
	// reader just ends).
	for _, body := range []io.Reader{strings.NewReader("123"), io.MultiReader(strings.NewReader("123"), iotest.ErrReader(io.ErrUnexpectedEOF))} {
		r := &http.Request{Body: io.NopCloser(body), ContentLength: 5}
		if got, err := readBody(r, max); err == nil {
			t.Errorf("a body of 3 octets announced as 5: %q, no error", got)
		}
	}
}
