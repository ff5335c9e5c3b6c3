package webpush

import (
	"crypto/ecdh"
	"errors"
	"fmt"

	"github.com/pushspec/pushspec/rules"
)

// Rules of the sender's body that need no keys.
var (
	RuleSingleRecord    = rules.SingleRecord.ID
	RuleRSExceedsRecord = rules.RSExceedsRecord.ID
	RuleFits4096        = rules.Fits4096.ID
)

// MaxRecommendedLength is the body size, in octets, a push service must accept (RFC 8030 §7.2).
const MaxRecommendedLength = 4096

// CheckBody grades the layout of an application server's aes128gcm body without decrypting it,
// for subscriptions whose private key pushspec does not hold (a real browser's). It returns one
// Problem per broken rule: a header that does not parse (its rule), a keyid that is not a 65-octet
// uncompressed P-256 point (rfc8291-4-keyid-is-as-public-key), more than one record
// (rfc8291-4-single-record), rs not greater than the record (rfc8291-4-rs-exceeds-record), a
// record too short (rfc8188-2-min-record), and, as a SHOULD, a body over 4096 octets
// (rfc8291-4-fits-4096). Delimiter, padding and key derivation need the keys: see DecryptMessage.
func CheckBody(body []byte) []Problem {
	var problems []Problem
	if len(body) > MaxRecommendedLength {
		problems = append(problems, should(RuleFits4096, fmt.Sprintf("body is %d octets, more than %d (plaintext above 3993 octets)", len(body), MaxRecommendedLength)))
	}
	h, err := ParseContentHeader(body)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			problems = append(problems, must(e.Rule, e.Reason))
		}
		if h.Len == 0 { // the header itself is unreadable
			return problems
		}
	}
	if len(h.KeyID) != 65 {
		problems = append(problems, must(rules.KeyIDIsASPublicKey.ID, fmt.Sprintf("idlen is %d; the keyid must be the sender's 65-octet uncompressed P-256 key", len(h.KeyID))))
	} else if _, err := ecdh.P256().NewPublicKey(h.KeyID); err != nil {
		problems = append(problems, must(rules.KeyIDIsASPublicKey.ID, fmt.Sprintf("keyid is not an uncompressed P-256 point: %v", err)))
	}
	record := len(body) - h.Len
	switch {
	case record < TagLen+1:
		problems = append(problems, must(rules.MinRecord.ID, fmt.Sprintf("the record is %d octets, shorter than a delimiter and a tag", record)))
	case uint64(record) > uint64(h.RS) && h.RS >= MinRS:
		problems = append(problems, must(RuleSingleRecord, fmt.Sprintf("%d octets after the header exceed rs=%d: more than one record", record, h.RS)))
	case uint64(record) == uint64(h.RS):
		problems = append(problems, must(RuleRSExceedsRecord, fmt.Sprintf("rs=%d equals the record length; it must be greater", h.RS)))
	}
	return problems
}
