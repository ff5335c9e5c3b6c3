package webpush

import (
	"encoding/base64"
	"strings"
)

// Base64URL encodes b as unpadded base64url (RFC 4648 §5, as JWS and Web Push keys use it).
func Base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// DecodeBase64 decodes s in any of the forms senders and browsers use for keys: base64url or
// standard alphabet, with or without '=' padding. A string mixing both alphabets is an error.
func DecodeBase64(s string) ([]byte, error) {
	trimmed := strings.TrimRight(s, "=")
	if strings.ContainsAny(trimmed, "+/") {
		return base64.RawStdEncoding.DecodeString(trimmed)
	}
	return base64.RawURLEncoding.DecodeString(trimmed)
}
