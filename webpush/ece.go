package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/pushspec/pushspec/rules"
)

// Sizes of the aes128gcm coding (RFC 8188 §2, §2.1).
const (
	SaltLen        = 16   // salt octets at the start of the header
	TagLen         = 16   // AES-GCM tag octets at the end of every record
	FixedHeaderLen = 21   // salt ‖ rs (4) ‖ idlen (1), before the keyid
	MinRS          = 18   // smallest valid record size
	DefaultRS      = 4096 // record size used when Options.RS is 0
)

// NoDelimiter, as Options.Delimiter or Options.InnerDelimiter, leaves the padding delimiter out:
// the record's data is followed only by zero octets (or nothing).
const NoDelimiter = -1

// Options are the encryption choices and fault knobs of Encrypt, Encrypt8188 and EncryptAESGCM.
// The zero value (and a nil *Options) gives a conformant message: fresh random salt and ephemeral
// key, rs 4096, one record, no padding. Every other value is a deliberate choice of the raw sender,
// and most make the message invalid on purpose.
type Options struct {
	// Salt pins the 16-octet salt; nil draws one from crypto/rand. Pinning it outside test vectors
	// breaks rfc8188-2.1-salt-not-reused.
	Salt []byte
	// ASPrivate pins the sender's ephemeral ECDH key (RFC 8291 and aesgcm); nil makes a fresh one.
	// Reusing it breaks rfc8291-3.1-as-ephemeral-key.
	ASPrivate *ecdh.PrivateKey
	// RS is the record size used to cut records and written in the header; 0 means 4096. aesgcm
	// counts it without the tag (the draft's meaning), aes128gcm with it.
	RS uint32
	// HeaderRS, when non-zero, is written in the header instead of RS while records are still cut
	// at RS: a header that lies about the record size (rs-17, rs-smaller-than-record).
	HeaderRS uint32
	// KeyID, when non-nil, is written as the keyid instead of the sender's public key (RFC 8291)
	// or the empty keyid (Encrypt8188); the keys are still derived from the real public key.
	// idlen follows its length unless IDLen is set.
	KeyID []byte
	// KeyIDNotOnCurve writes 0x04 ‖ x=1 ‖ y=1 (65 octets, not a P-256 point) as the keyid.
	KeyIDNotOnCurve bool
	// IDLen, when non-zero, is written as the idlen octet whatever the keyid's real length.
	IDLen int
	// Pad is the number of zero octets after the last record's delimiter (aesgcm: the padding
	// announced by the 2-octet prefix of the last record).
	Pad int
	// Records splits the plaintext evenly over this many records (earlier records get the smaller
	// share; every record but the last is filled to exactly RS). 0 means as few as fit, which is
	// one for any Web Push sized message. More than one breaks rfc8291-4-single-record.
	Records int
	// Delimiter overrides the octet after the last record's data: 0 means the conformant 0x02,
	// NoDelimiter means none, any other value (such as 0x01 or 0x03) is written as is.
	Delimiter int
	// InnerDelimiter does the same for every record but the last: 0 means 0x01.
	InnerDelimiter int
	// Truncate drops this many octets from the end of the finished body.
	Truncate int
	// FlipTag corrupts the last octet of the body (the last record's tag).
	FlipTag bool
	// WrongAuth derives the keys with an auth secret that is not the subscription's (every bit
	// flipped), so the user agent's tag check fails. RFC 8291 and aesgcm only.
	WrongAuth bool
	// CEKInfo and NonceInfo, when non-nil, replace the info strings of the CEK and NONCE
	// derivations ("Content-Encoding: aes128gcm" ‖ 0x00 ‖ 0x01, RFC 8188 §2.2; "Content-Encoding:
	// nonce" ‖ 0x00 ‖ 0x01, §2.3); they break rfc8188-2.2-cek-derivation and
	// rfc8188-2.3-nonce-derivation. aes128gcm only.
	CEKInfo, NonceInfo []byte
	// SeqStart is added to every record's SEQ, which RFC 8188 §2.3 counts from 0: a non-zero
	// value breaks rfc8188-2.3-nonce-derivation. aes128gcm only.
	SeqStart uint64
	// AAD, when non-empty, is the AEAD additional data instead of the empty string; it breaks
	// rfc8188-2-empty-aad. aes128gcm only.
	AAD []byte
}

// keys derives PRK, CEK and the base NONCE, with the info strings of the CEKInfo and NonceInfo
// knobs when set.
func (o *Options) keys(salt, ikm []byte) (prk, cek, nonce []byte) {
	prk, cek, nonce = contentKeys(salt, ikm)
	if o.CEKInfo != nil {
		cek = hmacSHA256(prk, o.CEKInfo)[:16]
	}
	if o.NonceInfo != nil {
		nonce = hmacSHA256(prk, o.NonceInfo)[:12]
	}
	return prk, cek, nonce
}

func (o *Options) rs() uint32 {
	if o.RS == 0 {
		return DefaultRS
	}
	return o.RS
}

// ContentHeader is the aes128gcm coding header that starts a body (RFC 8188 §2.1).
type ContentHeader struct {
	Salt  []byte // 16 octets
	RS    uint32 // record size, tag included
	KeyID []byte // idlen octets; for Web Push the sender's 65-octet public key
	Len   int    // header length in octets: 21 + idlen
}

// ParseContentHeader reads the header at the start of an aes128gcm body. A body too short for
// the fixed part or for the keyid its idlen announces is an error under rfc8188-2.1-header-layout;
// an rs below 18 under rfc8188-2.1-rs-min-18, in which case the parsed header is still returned.
// The returned slices alias body.
func ParseContentHeader(body []byte) (ContentHeader, error) {
	if len(body) < FixedHeaderLen {
		return ContentHeader{}, fail(rules.HeaderLayout.ID, fmt.Sprintf("body is %d octets, shorter than the %d-octet fixed header (salt 16, rs 4, idlen 1)", len(body), FixedHeaderLen))
	}
	idlen := int(body[20])
	if len(body) < FixedHeaderLen+idlen {
		return ContentHeader{}, fail(rules.HeaderLayout.ID, fmt.Sprintf("idlen is %d but the body ends %d octets into the keyid", idlen, len(body)-FixedHeaderLen))
	}
	h := ContentHeader{
		Salt:  body[:SaltLen:SaltLen],
		RS:    binary.BigEndian.Uint32(body[16:20]),
		KeyID: body[FixedHeaderLen : FixedHeaderLen+idlen : FixedHeaderLen+idlen],
		Len:   FixedHeaderLen + idlen,
	}
	if h.RS < MinRS {
		return h, fail(rules.RSMin18.ID, fmt.Sprintf("rs is %d, below the minimum of %d", h.RS, MinRS))
	}
	return h, nil
}

// hmacSHA256 is one HMAC-SHA-256 over the concatenated parts. HKDF with L ≤ 32 is exactly one
// extract and one expand of this shape, which lets tests compare every intermediate of RFC 8291
// Appendix A.
//
// It is RFC 2104's H(K ⊕ opad ‖ H(K ⊕ ipad ‖ text)) over stack buffers: crypto/hmac allocates
// two digests and their pads on every call, and a push service derives five keys per message.
func hmacSHA256(key []byte, parts ...[]byte) []byte {
	var k [sha256.BlockSize]byte
	if len(key) > len(k) {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var buf [sha256.BlockSize + 192]byte
	in := buf[:sha256.BlockSize]
	for i := range in {
		in[i] = k[i] ^ 0x36
	}
	for _, p := range parts {
		in = append(in, p...)
	}
	inner := sha256.Sum256(in)
	out := buf[:sha256.BlockSize]
	for i := range out {
		out[i] = k[i] ^ 0x5c
	}
	sum := sha256.Sum256(append(out, inner[:]...))
	return sum[:]
}

var (
	cekInfo   = []byte("Content-Encoding: aes128gcm\x00\x01")
	nonceInfo = []byte("Content-Encoding: nonce\x00\x01")
)

// contentKeys derives PRK, CEK and the base NONCE of RFC 8188 §2.2 and §2.3.
func contentKeys(salt, ikm []byte) (prk, cek, nonce []byte) {
	prk = hmacSHA256(salt, ikm)
	cek = hmacSHA256(prk, cekInfo)[:16]
	nonce = hmacSHA256(prk, nonceInfo)[:12]
	return prk, cek, nonce
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("webpush: AES key of 16 octets rejected: " + err.Error()) // keys are always 16 octets
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic("webpush: GCM mode rejected: " + err.Error())
	}
	return gcm
}

// recordNonce is NONCE XOR SEQ, SEQ a 96-bit big-endian record counter (RFC 8188 §2.3).
func recordNonce(dst, base []byte, seq uint64) []byte {
	dst = append(dst[:0], base...)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	for i := 0; i < 8; i++ {
		dst[4+i] ^= s[i]
	}
	return dst
}

// recordInfo describes what a successful decryption found, for graders.
type recordInfo struct {
	records int
	padding int
}

// delimiterRules says which rule a wrong delimiter breaks: the single-record Web Push profile
// (RFC 8291 §4) or generic RFC 8188.
type delimiterRules struct {
	last string // a last record whose delimiter is not 0x02
	auth string // a record whose tag does not verify
}

var (
	rules8188 = delimiterRules{last: rules.FailWrongDelimiter.ID, auth: rules.CEKDerivation.ID}
	rules8291 = delimiterRules{last: rules.UAChecksDelimiter.ID, auth: rules.KeyDerivation.ID}
)

// openRecords decrypts every record after the header and checks delimiters and padding.
func openRecords(h ContentHeader, body []byte, cek, baseNonce []byte, r delimiterRules) ([]byte, recordInfo, error) {
	payload := body[h.Len:]
	if len(payload) == 0 {
		return nil, recordInfo{}, fail(rules.MinRecord.ID, "no record follows the header")
	}
	// An rs beyond the payload means one short record; clamping keeps int arithmetic safe on
	// 32-bit platforms and keeps "record shorter than rs".
	rs := len(payload) + 1
	if uint64(h.RS) <= uint64(len(payload)) {
		rs = int(h.RS)
	}
	n := (len(payload) + rs - 1) / rs
	// Check the layout before any decryption so that a short record is named as such rather
	// than as a tag failure.
	if last := len(payload) - (n-1)*rs; last < TagLen+1 {
		return nil, recordInfo{}, fail(rules.MinRecord.ID, fmt.Sprintf("record %d of %d is %d octets, shorter than a delimiter and a %d-octet tag", n-1, n, last, TagLen))
	}
	gcm := newGCM(cek)
	nonce := make([]byte, 0, 12)
	out := make([]byte, 0, len(payload)-n*TagLen)
	info := recordInfo{records: n}
	for i := 0; i < n; i++ {
		rec := payload[i*rs : min((i+1)*rs, len(payload))]
		start := len(out)
		var err error
		out, err = gcm.Open(out, recordNonce(nonce, baseNonce, uint64(i)), rec, nil)
		if err != nil {
			return nil, recordInfo{}, fail(r.auth, fmt.Sprintf("record %d of %d: the AES-128-GCM tag does not verify (wrong keys, or altered or truncated content)", i, n))
		}
		plain := out[start:]
		d := len(plain) - 1
		for d >= 0 && plain[d] == 0 {
			d--
		}
		if d < 0 {
			return nil, recordInfo{}, fail(rules.FailNoDelimiter.ID, fmt.Sprintf("record %d of %d holds only zero octets: no padding delimiter", i, n))
		}
		isLast := i == n-1
		switch delim := plain[d]; {
		case isLast && delim == 2, !isLast && delim == 1:
		case isLast && delim == 1 && len(rec) == rs:
			// A full record saying "more follows" at the end of the body: records were cut off.
			return nil, recordInfo{}, fail(rules.NoPartialProcessing.ID, fmt.Sprintf("record %d of %d ends with delimiter 0x01 (more records follow) and fills rs=%d, but the body ends there: truncated", i, n, rs))
		case isLast:
			return nil, recordInfo{}, fail(r.last, fmt.Sprintf("last record %d of %d: padding delimiter is 0x%02x, not 0x02 (or the data's last octet is taken for it)", i, n, delim))
		case delim == 2:
			return nil, recordInfo{}, fail(rules.FailWrongDelimiter.ID, fmt.Sprintf("record %d of %d ends with 0x02 (last record) but %d more follow", i, n, n-1-i))
		default:
			return nil, recordInfo{}, fail(rules.FailWrongDelimiter.ID, fmt.Sprintf("record %d of %d: padding delimiter is 0x%02x, not 0x01", i, n, delim))
		}
		info.padding += len(plain) - 1 - d
		out = out[:start+d]
	}
	return out, info, nil
}

// sealRecords appends the records of plaintext to dst, honouring the record knobs of o.
func sealRecords(dst []byte, gcm cipher.AEAD, baseNonce, plaintext []byte, o *Options) ([]byte, error) {
	rs := int(o.rs())
	lastDelim := delimiterLen(o.Delimiter)
	innerDelim := delimiterLen(o.InnerDelimiter)
	if o.Pad < 0 {
		return nil, fail(rules.MinRecord.ID, fmt.Sprintf("Options.Pad is negative (%d)", o.Pad))
	}
	if rs < TagLen+innerDelim || rs < TagLen+lastDelim+o.Pad {
		return nil, fail(rules.RSMin18.ID, fmt.Sprintf("record size %d cannot hold a tag, a delimiter and %d padding octets; to announce a small rs use Options.HeaderRS", rs, o.Pad))
	}
	fits := func(n int) bool {
		maxShare := (len(plaintext) + n - 1) / n // the last record gets the larger share
		return (n == 1 || maxShare+innerDelim+TagLen <= rs) && maxShare+lastDelim+o.Pad+TagLen <= rs
	}
	n := o.Records
	if n <= 0 {
		n = 1
		if room := rs - TagLen - innerDelim; room > 0 && len(plaintext) > room {
			n = (len(plaintext) + room - 1) / room
		}
		for !fits(n) {
			if n > len(plaintext)+1 {
				return nil, fail(rules.MinRecord.ID, fmt.Sprintf("%d plaintext octets do not fit records of rs=%d", len(plaintext), rs))
			}
			n++
		}
	} else if !fits(n) {
		return nil, fail(rules.MinRecord.ID, fmt.Sprintf("%d plaintext octets with %d padding octets do not fit %d records of rs=%d", len(plaintext), o.Pad, n, rs))
	}
	nonce := make([]byte, 0, 12)
	rec := make([]byte, 0, rs)
	for i := 0; i < n; i++ {
		share := plaintext[len(plaintext)*i/n : len(plaintext)*(i+1)/n]
		rec = append(rec[:0], share...)
		if i < n-1 {
			rec = appendDelimiter(rec, o.InnerDelimiter, 1)
			for len(rec) < rs-TagLen {
				rec = append(rec, 0)
			}
		} else {
			rec = appendDelimiter(rec, o.Delimiter, 2)
			rec = append(rec, make([]byte, o.Pad)...)
		}
		dst = gcm.Seal(dst, recordNonce(nonce, baseNonce, uint64(i)+o.SeqStart), rec, o.AAD)
	}
	return dst, nil
}

func delimiterLen(d int) int {
	if d == NoDelimiter {
		return 0
	}
	return 1
}

func appendDelimiter(rec []byte, override int, conformant byte) []byte {
	switch override {
	case 0:
		return append(rec, conformant)
	case NoDelimiter:
		return rec
	default:
		return append(rec, byte(override))
	}
}

// appendHeader writes salt ‖ rs ‖ idlen ‖ keyid with the header knobs of o applied.
func appendHeader(dst, salt, keyID []byte, o *Options) []byte {
	rs := o.rs()
	if o.HeaderRS != 0 {
		rs = o.HeaderRS
	}
	if o.KeyID != nil {
		keyID = o.KeyID
	}
	if o.KeyIDNotOnCurve {
		keyID = offCurvePoint()
	}
	idlen := len(keyID)
	if o.IDLen != 0 {
		idlen = o.IDLen
	}
	dst = append(dst, salt...)
	dst = binary.BigEndian.AppendUint32(dst, rs)
	dst = append(dst, byte(idlen))
	return append(dst, keyID...)
}

// offCurvePoint is 0x04 ‖ x=1 ‖ y=1: the right shape for an uncompressed P-256 point, but not on
// the curve.
func offCurvePoint() []byte {
	p := make([]byte, 65)
	p[0], p[32], p[64] = 4, 1, 1
	return p
}

// finish applies the body knobs that act after encryption.
func finish(body []byte, o *Options) ([]byte, error) {
	if o.Truncate < 0 || o.Truncate > len(body) {
		return nil, fail(rules.HeaderLayout.ID, fmt.Sprintf("Options.Truncate %d is outside the body's %d octets", o.Truncate, len(body)))
	}
	body = body[:len(body)-o.Truncate]
	if o.FlipTag && len(body) > 0 {
		body[len(body)-1] ^= 0xff
	}
	return body, nil
}

func saltFor(o *Options) ([]byte, error) {
	if o.Salt != nil {
		if len(o.Salt) != SaltLen {
			return nil, fail(rules.HeaderLayout.ID, fmt.Sprintf("Options.Salt is %d octets, not %d", len(o.Salt), SaltLen))
		}
		return o.Salt, nil
	}
	salt := make([]byte, SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return salt, nil
}

// Encrypt8188 encrypts plaintext with the aes128gcm coding of RFC 8188 under the input keying
// material ikm, with an empty keyid unless Options.KeyID says otherwise. Plaintext that does not
// fit one record is split over as many as needed. o may be nil.
func Encrypt8188(ikm, plaintext []byte, o *Options) ([]byte, error) {
	if o == nil {
		o = &Options{}
	}
	salt, err := saltFor(o)
	if err != nil {
		return nil, err
	}
	_, cek, nonce := o.keys(salt, ikm)
	body := appendHeader(make([]byte, 0, FixedHeaderLen+len(plaintext)+TagLen+1+o.Pad), salt, nil, o)
	body, err = sealRecords(body, newGCM(cek), nonce, plaintext, o)
	if err != nil {
		return nil, err
	}
	return finish(body, o)
}

// Decrypt8188 decrypts an aes128gcm body of any number of records under ikm (RFC 8188). Errors
// name the broken rule: header layout, rs below 18, a record too short, a tag that does not verify
// (rfc8188-2.2-cek-derivation: wrong key or altered content), a missing or wrong delimiter, a body
// cut off after a full record.
func Decrypt8188(ikm, body []byte) ([]byte, error) {
	h, err := ParseContentHeader(body)
	if err != nil {
		return nil, err
	}
	_, cek, nonce := contentKeys(h.Salt, ikm)
	plain, _, err := openRecords(h, body, cek, nonce, rules8188)
	return plain, err
}
