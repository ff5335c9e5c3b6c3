package webpush

import (
	"crypto/ecdh"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/rules"
)

// The draft "aesgcm" coding (draft-ietf-webpush-encryption-04 over
// draft-ietf-httpbis-encryption-encoding-03): salt and rs travel in the Encryption header, the
// sender's key as dh= in Crypto-Key, every record's plaintext starts with a 2-octet padding length,
// rs counts plaintext octets without the tag, and a final record that fills rs must be followed by
// another (possibly empty) one. RFC 8291 forbids it (rfc8291-4-aes128gcm-only) but FCM and
// autopush still accept it, so senders in the wild still use it; every decoding failure is
// reported under that rule.

const aesgcmPadLen = 2 // octets of the padding-length prefix of every aesgcm record

// aesgcmContext is "P-256" ‖ 0x00 ‖ len(ua_public) ‖ ua_public ‖ len(as_public) ‖ as_public,
// lengths as 2-octet big-endian.
func aesgcmContext(uaPublic, asPublic []byte) []byte {
	c := append([]byte("P-256\x00"), 0, byte(len(uaPublic)))
	c = append(c, uaPublic...)
	c = append(c, 0, byte(len(asPublic)))
	return append(c, asPublic...)
}

// aesgcmKeys derives CEK and NONCE of the draft: IKM = HKDF(salt=auth, ecdh, "Content-Encoding:
// auth"‖0x00, 32), then PRK = HMAC(salt, IKM), CEK and NONCE expanded with the context appended to
// their info strings.
func aesgcmKeys(auth, secret, salt, uaPublic, asPublic []byte) (cek, nonce []byte) {
	ikm := hmacSHA256(hmacSHA256(auth, secret), []byte("Content-Encoding: auth\x00\x01"))
	ctx := aesgcmContext(uaPublic, asPublic)
	prk := hmacSHA256(salt, ikm)
	cek = hmacSHA256(prk, []byte("Content-Encoding: aesgcm\x00"), ctx, []byte{1})[:16]
	nonce = hmacSHA256(prk, []byte("Content-Encoding: nonce\x00"), ctx, []byte{1})[:12]
	return cek, nonce
}

// EncryptAESGCM encrypts plaintext for a subscription with the draft aesgcm coding and returns the
// body with the values of the Encryption (`salt=…`, plus `rs=…` when not 4096) and Crypto-Key
// (`dh=…`) headers. Options knobs that apply: Salt, ASPrivate, RS (plaintext octets per record),
// Pad (padding of the last record), Truncate, FlipTag, WrongAuth. o may be nil.
func EncryptAESGCM(sub Subscription, plaintext []byte, o *Options) (body []byte, encryption, cryptoKey string, err error) {
	if o == nil {
		o = &Options{}
	}
	as, _, secret, err := senderKeys(sub, o)
	if err != nil {
		return nil, "", "", err
	}
	salt, err := saltFor(o)
	if err != nil {
		return nil, "", "", err
	}
	rs := int(o.rs())
	if o.Pad < 0 || o.Pad > 0xffff || rs <= aesgcmPadLen || rs > 1<<24 {
		return nil, "", "", fail(rules.AES128GCMOnly.ID, fmt.Sprintf("aesgcm: padding %d or rs=%d out of range (rs must exceed the 2-octet prefix)", o.Pad, rs))
	}
	auth := sub.Auth
	if o.WrongAuth {
		auth = flipped(auth)
	}
	asPublic := as.PublicKey().Bytes()
	cek, baseNonce := aesgcmKeys(auth, secret, salt, sub.P256dh, asPublic)
	gcm := newGCM(cek)
	nonce := make([]byte, 0, 12)
	rec := make([]byte, 0, rs)
	// Records are filled with data first, then with the padding still owed; every record but the
	// last fills rs. A last record that would fill rs is followed by an empty one so that the
	// receiver can tell the message is complete.
	padLeft := o.Pad
	for seq := uint64(0); ; seq++ {
		room := rs - aesgcmPadLen
		n := min(len(plaintext), room)
		pad := min(padLeft, room-n)
		padLeft -= pad
		rec = binary.BigEndian.AppendUint16(rec[:0], uint16(pad))
		rec = append(rec, make([]byte, pad)...)
		rec = append(rec, plaintext[:n]...)
		plaintext = plaintext[n:]
		body = gcm.Seal(body, recordNonce(nonce, baseNonce, seq), rec, nil)
		if len(rec) < rs {
			break
		}
	}
	if body, err = finish(body, o); err != nil {
		return nil, "", "", err
	}
	encryption = "salt=" + Base64URL(salt)
	if rs != DefaultRS {
		encryption += ";rs=" + strconv.Itoa(rs)
	}
	return body, encryption, "dh=" + Base64URL(asPublic), nil
}

// DecryptAESGCM decrypts a draft aesgcm body as the user agent holding k, given the Encryption
// and Crypto-Key header values. Every error is reported under rfc8291-4-aes128gcm-only with a
// reason saying what was wrong: missing or malformed salt, rs or dh, a key not on P-256, a record
// too short, a tag that does not verify, padding longer than its record or not zero, a message
// cut off after a full record.
func DecryptAESGCM(k *UAKeys, body []byte, encryption, cryptoKey string) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return fail(rules.AES128GCMOnly.ID, "aesgcm: "+fmt.Sprintf(format, args...))
	}
	if k == nil || k.Private == nil {
		return nil, bad("no user agent keys to decrypt with")
	}
	salt, err := DecodeBase64(cryptoKeyParam(encryption, "salt"))
	if err != nil || len(salt) != SaltLen {
		return nil, bad("Encryption header %q has no 16-octet salt", encryption)
	}
	rs := DefaultRS
	if v := cryptoKeyParam(encryption, "rs"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= aesgcmPadLen || strings.TrimLeft(v, "0123456789") != "" {
			return nil, bad("Encryption rs=%q is not a record size above 2", v)
		}
		rs = n
	}
	dh, err := DecodeBase64(cryptoKeyParam(cryptoKey, "dh"))
	if err != nil || len(dh) == 0 {
		return nil, bad("Crypto-Key header %q has no dh= key", cryptoKey)
	}
	as, err := ecdh.P256().NewPublicKey(dh)
	if err != nil {
		return nil, bad("Crypto-Key dh is not an uncompressed P-256 point: %v", err)
	}
	secret, err := k.Private.ECDH(as)
	if err != nil {
		return nil, bad("ECDH with dh failed: %v", err)
	}
	cek, baseNonce := aesgcmKeys(k.Auth, secret, salt, k.P256dh(), dh)
	gcm := newGCM(cek)
	chunk := rs + TagLen
	if len(body) == 0 {
		return nil, bad("empty body")
	}
	nonce := make([]byte, 0, 12)
	var out []byte
	for seq := 0; seq*chunk < len(body); seq++ {
		rec := body[seq*chunk : min((seq+1)*chunk, len(body))]
		if len(rec) == chunk && (seq+1)*chunk == len(body) {
			return nil, bad("record %d fills rs=%d and ends the body: the record that must follow a full one is missing (truncated)", seq, rs)
		}
		if len(rec) < aesgcmPadLen+TagLen {
			return nil, bad("record %d is %d octets, shorter than the padding length and tag", seq, len(rec))
		}
		plain, err := gcm.Open(nil, recordNonce(nonce, baseNonce, uint64(seq)), rec, nil)
		if err != nil {
			return nil, bad("record %d: the AES-128-GCM tag does not verify (wrong keys, or altered or truncated content)", seq)
		}
		pad := int(binary.BigEndian.Uint16(plain))
		if aesgcmPadLen+pad > len(plain) {
			return nil, bad("record %d announces %d padding octets but holds %d", seq, pad, len(plain)-aesgcmPadLen)
		}
		for _, b := range plain[aesgcmPadLen : aesgcmPadLen+pad] {
			if b != 0 {
				return nil, bad("record %d: padding is not all zero", seq)
			}
		}
		out = append(out, plain[aesgcmPadLen+pad:]...)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}
