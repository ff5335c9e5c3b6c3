package webpush

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

// hmacSHA256 is HMAC-SHA-256 as crypto/hmac computes it, for keys shorter and longer than the
// block and texts in one or several parts, within and beyond its stack buffer.
func TestHMACSHA256(t *testing.T) {
	data := make([]byte, 600)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, keyLen := range []int{0, 1, 16, 32, 63, 64, 65, 100, 200} {
		for _, n := range []int{0, 1, 31, 192, 193, 600} {
			key, text := data[len(data)-keyLen:], data[:n]
			m := hmac.New(sha256.New, key)
			m.Write(text)
			want := m.Sum(nil)
			if got := hmacSHA256(key, text); !bytes.Equal(got, want) {
				t.Errorf("key %d, text %d: got %x, want %x", keyLen, n, got, want)
			}
			if got := hmacSHA256(key, text[:n/3], text[n/3:n/2], nil, text[n/2:]); !bytes.Equal(got, want) {
				t.Errorf("key %d, text %d in parts: got %x, want %x", keyLen, n, got, want)
			}
		}
	}
}
