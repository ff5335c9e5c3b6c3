package graders

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// decryption is the outcome of decrypting the body with the subscription's keys.
type decryption struct {
	tried     bool
	plaintext []byte
	err       error
	verdicts  []rules.Verdict
}

// Decrypted returns the plaintext of a body that the subscription's keys decrypt; tried is false
// when the body was not decrypted at all (no keys, no body, no Web Push coding) and err says why
// decryption failed.
func (r *Request) Decrypted() (plaintext []byte, tried bool, err error) {
	d := r.decrypt()
	return d.plaintext, d.tried, d.err
}

// Decryption grades the body by decrypting it with the subscription's keys, when the service
// holds them: the key derivation (RFC 8291 §3.3, §3.4), the padding (RFC 8188 §2) and the single
// record (RFC 8291 §4).
func Decryption(r *Request) []rules.Verdict { return r.decrypt().verdicts }

func (r *Request) decrypt() *decryption {
	if r.dec != nil {
		return r.dec
	}
	d := &decryption{}
	r.dec = d
	body := r.body()
	if r.Keys == nil || len(body) == 0 {
		return d
	}
	switch r.Encoding() {
	case "aes128gcm":
		d.tried = true
		m, err := webpush.DecryptMessage(r.Keys, body)
		if err != nil {
			d.err = err
			ev := map[string]string{"body_size": strconv.Itoa(len(body))}
			rule, tagVerified := senderDecryptRule(err)
			graded := err
			if one := asOneRecord(body); one != nil && !tagVerified {
				// A reader cuts records at the header's rs (RFC 8188 §2), so a record longer than
				// rs cannot be opened whatever the keys. When the body read as one record, as Web
				// Push sends it (RFC 8291 §4), opens as far as the tag, the keys are right: the rs
				// is graded once, under rules.RecordLayout (by Body), and the padding on that
				// reading. Otherwise the body is graded as the reader cut it.
				if _, oneErr := webpush.DecryptMessage(r.Keys, one); oneErr == nil {
					rule, tagVerified, graded = nil, true, nil
				} else if or, tv := senderDecryptRule(oneErr); tv {
					rule, tagVerified, graded = or, true, oneErr
				}
			}
			if tagVerified {
				d.verdicts = append(d.verdicts, rules.Check(rules.KeyDerivation, true, "the AES-GCM tag verifies with the subscription's keys (RFC 8291 §3.3, §3.4)", ev))
			}
			if rule != nil {
				d.verdicts = append(d.verdicts, rules.Check(*rule, false, ErrText(graded), ev))
			}
			return d
		}
		ev := map[string]string{"plaintext_size": strconv.Itoa(len(m.Plaintext)), "padding": strconv.Itoa(m.Padding), "records": strconv.Itoa(m.Records)}
		d.verdicts = append(d.verdicts,
			rules.Check(rules.KeyDerivation, true, "decrypts with the subscription's keys (RFC 8291 §3.3, §3.4)", ev),
			// RFC 8188 §2: "Each record contains a single padding delimiter octet followed by
			// any number of zero octets."
			rules.Check(rules.PaddingDelimiter, true, "delimiter 0x02 followed only by zero padding", ev),
			// RFC 8291 §4: "An application server MUST encrypt a push message with a single
			// record."
			check(rules.SingleRecord, m.Records == 1, "one record",
				func() string {
					return fmt.Sprintf("the body holds %d records; RFC 8291 §4 requires a single record", m.Records)
				}, ev))
		d.plaintext = m.Plaintext
	case "aesgcm":
		d.tried = true
		pt, err := webpush.DecryptAESGCM(r.Keys, body, r.Header.Get("Encryption"), r.Header.Get("Crypto-Key"))
		if err != nil {
			d.err = err
			d.verdicts = append(d.verdicts, rules.Check(rules.KeyDerivation, false, "the subscription's keys cannot decrypt the aesgcm body: "+ErrText(err), nil))
			return d
		}
		d.verdicts = append(d.verdicts, rules.Check(rules.KeyDerivation, true, "aesgcm body decrypts with the subscription's keys", map[string]string{"plaintext_size": strconv.Itoa(len(pt))}))
		d.plaintext = pt
	}
	return d
}

// senderDecryptRule is the application-server rule a DecryptMessage error is graded under, and
// whether the AES-GCM tag had verified. DecryptMessage decrypts as a user agent and names the
// user agent's rules (rfc8291-7-ua-validates-key, rfc8291-4-ua-checks-delimiter, ...); here the
// body is the sender's, and each fault is graded once, against the sender. nil means the fault is
// already graded by Body (header layout, rs, a keyid that is not a 65-octet P-256 point).
func senderDecryptRule(err error) (rule *rules.Rule, tagVerified bool) {
	var we *webpush.Error
	if !errors.As(err, &we) {
		return &rules.KeyDerivation, false
	}
	switch we.Rule {
	case rules.HeaderLayout.ID, rules.RSMin18.ID, rules.KeyIDIsASPublicKey.ID, rules.UAValidatesKey.ID:
		return nil, false
	case rules.FailNoDelimiter.ID, rules.FailWrongDelimiter.ID, rules.UAChecksDelimiter.ID, rules.NoPartialProcessing.ID:
		// RFC 8188 §2: "Each record contains a single padding delimiter octet followed by any
		// number of zero octets. The last record uses a padding delimiter octet set to the value
		// 2, all other records have a padding delimiter octet value of 1." The tag verified
		// before the delimiter was looked at, so the keys were derived right.
		return &rules.PaddingDelimiter, true
	case rules.MinRecord.ID:
		// A record shorter than a delimiter and a 16-octet tag cannot hold the padding
		// delimiter RFC 8188 §2 puts in every record.
		return &rules.PaddingDelimiter, false
	}
	return &rules.KeyDerivation, false
}

// asOneRecord returns a copy of an aes128gcm body whose rest after the header is longer than its
// header's rs, with rs set one above that length (the body read as one record, shorter than rs as
// RFC 8291 §4 has it); nil for any other body.
func asOneRecord(body []byte) []byte {
	hdr, err := webpush.ParseContentHeader(body)
	rec := len(body) - hdr.Len
	if err != nil || uint64(rec) <= uint64(hdr.RS) || uint64(rec) >= math.MaxUint32 {
		return nil
	}
	one := bytes.Clone(body)
	binary.BigEndian.PutUint32(one[16:20], uint32(rec)+1)
	return one
}
