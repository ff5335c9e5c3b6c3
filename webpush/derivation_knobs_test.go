package webpush

import (
	"bytes"
	"testing"
)

// The derivation knobs (CEKInfo, NonceInfo, SeqStart, AAD) make bodies that a receiver following
// RFC 8188 §2, §2.2 and §2.3 cannot open, and nothing else: the header is unchanged, and the
// body opens again when the receiver uses the same wrong derivation.
func TestDerivationKnobs(t *testing.T) {
	ua, as, salt := AppendixAKeys()
	sub := ua.Subscription("")
	plain := []byte(AppendixAPlaintext)
	good, err := Encrypt(sub, plain, &Options{Salt: salt, ASPrivate: as})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := DecryptMessage(ua, good); err != nil || !bytes.Equal(m.Plaintext, plain) {
		t.Fatalf("the conformant body does not decrypt: %v", err)
	}
	for name, o := range map[string]*Options{
		"CEKInfo":   {CEKInfo: []byte("Content-Encoding: aesgcm\x00\x01")},
		"NonceInfo": {NonceInfo: []byte("Content-Encoding: nonce\x00")},
		"SeqStart":  {SeqStart: 1},
		"AAD":       {AAD: []byte("pushspec")},
	} {
		o.Salt, o.ASPrivate = salt, as
		body, err := Encrypt(sub, plain, o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(body) != len(good) || !bytes.Equal(body[:FixedHeaderLen+65], good[:FixedHeaderLen+65]) {
			t.Errorf("%s: the knob changed the header or the length", name)
		}
		if bytes.Equal(body, good) {
			t.Errorf("%s: the knob changed nothing", name)
		}
		if _, err := DecryptMessage(ua, body); err == nil {
			t.Errorf("%s: a conformant receiver opened the body", name)
		}
	}
	// The same knobs with their conformant values change nothing.
	same, err := Encrypt(sub, plain, &Options{Salt: salt, ASPrivate: as, CEKInfo: cekInfo, NonceInfo: nonceInfo, AAD: []byte{}})
	if err != nil || !bytes.Equal(same, good) {
		t.Errorf("conformant CEKInfo/NonceInfo/empty AAD changed the body (err %v)", err)
	}
}
