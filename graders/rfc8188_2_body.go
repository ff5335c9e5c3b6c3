package graders

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strconv"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// Body grades the header of an aes128gcm body (RFC 8188 §2, §2.1 and what RFC 8291 §4 asks of
// it) and, for a known subscription, whether its salt and ECDH key were used before.
func Body(r *Request) []rules.Verdict {
	ch := r.contentHeader()
	if !ch.present {
		return nil
	}
	body := r.body()
	hdr := ch.hdr
	// RFC 8188 §2.1 (paraphrased): the body starts with salt (16 octets), rs (4), idlen (1) and
	// keyid (idlen octets).
	if !ch.read {
		return r.keep(append(r.out(), rules.Check(rules.HeaderLayout, false, ErrText(ch.err), map[string]string{"body_size": strconv.Itoa(len(body))})))
	}
	ev := map[string]string{
		"salt": webpush.Base64URL(hdr.Salt), "rs": strconv.FormatUint(uint64(hdr.RS), 10),
		"idlen": strconv.Itoa(len(hdr.KeyID)), "keyid": webpush.Base64URL(hdr.KeyID), "body_size": strconv.Itoa(len(body)),
	}
	rec := len(body) - hdr.Len
	rs, recText := strconv.FormatUint(uint64(hdr.RS), 10), strconv.Itoa(rec)
	out := append(r.out(),
		rules.Check(rules.HeaderLayout, true, "salt ‖ rs ‖ idlen ‖ keyid, "+strconv.Itoa(hdr.Len)+"-octet header", ev),
		// RFC 8188 §2.1, of rs: "Values smaller than 18 are invalid."
		check(rules.RSMin18, hdr.RS >= webpush.MinRS, "rs is "+rs,
			func() string { return fmt.Sprintf("rs is %d; RFC 8188 §2.1 makes an rs below 18 invalid", hdr.RS) }, ev),
		// RFC 8291 §4: "A push message MUST include the application server ECDH public key in
		// the "keyid" parameter of the encrypted content coding header", 65 octets uncompressed.
		check(rules.KeyIDIsASPublicKey, ch.keyOK, "keyid is a 65-octet uncompressed P-256 point",
			func() string {
				return fmt.Sprintf("the keyid (%d octets) is not an uncompressed P-256 point; RFC 8291 §4 requires the sender's 65-octet ECDH public key", len(hdr.KeyID))
			}, ev),
		// RFC 8188 §2 (paraphrased): the content is cut into records of rs octets at most.
		check(rules.RecordLayout, uint64(rec) <= uint64(hdr.RS), "record of "+recText+" octets, rs "+rs,
			func() string {
				return fmt.Sprintf("the record is %d octets, longer than rs %d; RFC 8188 §2 keeps every record within rs", rec, hdr.RS)
			}, ev),
		// RFC 8291 §4: "An application server MUST set the "rs" parameter in the "aes128gcm"
		// content coding header to a size that is greater than the sum of the lengths of the plaintext, the padding delimiter (1 octet),
		// any padding, and the authentication tag (16 octets)."
		check(rules.RSExceedsRecord, uint64(hdr.RS) > uint64(rec), "rs "+rs+" > record "+recText,
			func() string {
				return fmt.Sprintf("rs %d is not greater than the %d-octet record; RFC 8291 §4 requires rs to exceed plaintext, delimiter, padding and tag", hdr.RS, rec)
			}, ev),
		// RFC 8188 §4.3 (paraphrased): a fresh random salt for every message.
		check(rules.RandomSalt, !bytes.Equal(hdr.Salt, zeroSalt[:]), "salt is not all zero",
			func() string {
				return "the salt is 16 zero octets; RFC 8188 §4.3 asks for a fresh random salt per message"
			}, ev),
	)
	if r.Subscription != "" {
		out = reuse(out, r, body, hdr, ev)
	}
	return r.keep(out)
}

var zeroSalt [16]byte

// reuse grades salt and ephemeral key reuse, per subscription, against the bodies the service
// accepted before (History). RFC 8188 §2.1: the salt "MUST NOT be reused for two different
// payload bodies that have the same input keying material". RFC 8291 §3.1: "When sending a push
// message, the application server also generates a new ECDH key pair". The same body sent again
// (a retry after 429, 503 or a timeout) is the same payload body and the same message, so it
// reuses nothing; a body the service refused was never a message, so it is not remembered (the
// service calls History.Remember on acceptance only).
func reuse(out []rules.Verdict, r *Request, body []byte, hdr webpush.ContentHeader, ev map[string]string) []rules.Verdict {
	var buf [192]byte // subscription ID, keyid and salt: on the stack unless unusually long
	key := append(append(append(buf[:0], r.Subscription...), 0), hdr.KeyID...)
	use := &KeyUse{key: sha256.Sum256(key), body: sha256.Sum256(body)}
	use.salt = sha256.Sum256(append(key, hdr.Salt...))
	r.keyUse = use
	saltBody, saltSeen, keyBody, keySeen := r.History.lookup(use)
	saltReused, keyReused := saltSeen && saltBody != use.body, keySeen && keyBody != use.body
	saltMsg, keyMsg := "(subscription, keyid, salt) not used before by an accepted message", "keyid not used before by an accepted message to this subscription"
	switch {
	case saltReused:
		saltMsg = "the salt and keyid of an earlier accepted message to this subscription come back with a different body; RFC 8188 §2.1 forbids one salt for two payload bodies under the same keying material"
	case saltSeen:
		saltMsg = "the same body as an earlier accepted message (a resend): one payload body, no salt reuse"
	}
	switch {
	case keyReused:
		keyMsg = "the ECDH key (keyid) of an earlier accepted message to this subscription comes back with a different body; RFC 8291 §3.1 has a new key pair generated for each push message"
	case keySeen:
		keyMsg = "the same body as an earlier accepted message (a resend): one message, no key reuse"
	}
	return append(out,
		rules.Check(rules.SaltNotReused, !saltReused, saltMsg, ev),
		rules.Check(rules.ASEphemeralKey, !keyReused, keyMsg, ev),
	)
}
