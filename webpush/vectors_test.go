package webpush

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/rules"
)

// vectorFile mirrors testdata/vectors.json (described in testdata/README.md), shared with the
// push service's and the browser specs' tests.
type vectorFile struct {
	RFC8188_3_1 vector8188        `json:"rfc8188_3_1"`
	RFC8188_3_2 vector8188        `json:"rfc8188_3_2"`
	AppendixA   map[string]any    `json:"rfc8291_appendix_a"`
	VAPID       []vapidVector     `json:"vapid"`
	EdgeCases   []edgeCaseVector  `json:"edge_cases"`
	Extra       map[string]string `json:"-"`
}

type vector8188 struct {
	PlaintextHex string   `json:"plaintext_hex"`
	IKM          string   `json:"ikm"`
	Salt         string   `json:"salt"`
	RS           uint32   `json:"rs"`
	KeyIDHex     string   `json:"keyid_hex"`
	PRK          string   `json:"prk"`
	CEK          string   `json:"cek"`
	Nonce        string   `json:"nonce"`
	Nonces       []string `json:"nonces"`
	Body         string   `json:"body"`
	BodyLen      int      `json:"body_len"`
	BodyHex      string   `json:"body_hex"`
	JWEIV        string   `json:"jwe_iv"`
	JWECipher    string   `json:"jwe_ciphertext"`
	JWETag       string   `json:"jwe_tag"`
}

type vapidVector struct {
	Name              string   `json:"name"`
	Authorization     string   `json:"authorization"`
	Audience          string   `json:"audience"`
	Exp               int64    `json:"exp"`
	Sub               string   `json:"sub"`
	SignatureHex      string   `json:"signature_hex"`
	KeyHex            string   `json:"key_hex"`
	JWKX              string   `json:"jwk_x"`
	JWKY              string   `json:"jwk_y"`
	SigningInputLen   int      `json:"signing_input_len"`
	ValidAt           string   `json:"valid_at"`
	ProblemsWhenValid []string `json:"problems_when_valid"`
}

type edgeCaseVector struct {
	Name    string `json:"name"`
	Octets  int    `json:"octets"`
	Expect  string `json:"expect"`
	Rule    string `json:"rule"`
	BodyHex string `json:"body_hex"`
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("testdata/vectors.json: %v", err)
	}
	return v
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := DecodeBase64(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func wantBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %x\nwant %x", what, got, want)
	}
}

// wantRule fails unless err is an *Error naming rule.
func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *webpush.Error (want rule %s)", err, rule)
	}
	if e.Rule != rule {
		t.Errorf("error %q names rule %s, want %s", e, e.Rule, rule)
	}
}

func TestRFC8188Section3_1(t *testing.T) {
	v := loadVectors(t).RFC8188_3_1
	ikm, salt := b64(t, v.IKM), b64(t, v.Salt)
	prk, cek, nonce := contentKeys(salt, ikm)
	wantBytes(t, "PRK", prk, b64(t, v.PRK))
	wantBytes(t, "CEK", cek, b64(t, v.CEK))
	wantBytes(t, "NONCE", nonce, b64(t, v.Nonce))

	body := b64(t, v.Body)
	// The RFC's prose says 54; the bytes say 53 (testdata/README.md, the first wrong length).
	if len(body) != 53 || v.BodyLen != 53 {
		t.Fatalf("RFC 8188 §3.1 body is %d octets (json says %d), want 53", len(body), v.BodyLen)
	}
	wantBytes(t, "body (base64url vs hex)", body, unhex(t, v.BodyHex))

	h, err := ParseContentHeader(body)
	if err != nil {
		t.Fatal(err)
	}
	if h.RS != 4096 || h.Len != 21 || len(h.KeyID) != 0 || !bytes.Equal(h.Salt, salt) {
		t.Errorf("header = %+v, want rs 4096, len 21, empty keyid, salt %x", h, salt)
	}
	plain, err := Decrypt8188(ikm, body)
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "plaintext", plain, unhex(t, v.PlaintextHex))

	again, err := Encrypt8188(ikm, plain, &Options{Salt: salt, RS: v.RS})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "re-encrypted body", again, body)

	// RFC 8188 Appendix A renders the same record as a JWE: IV = NONCE, then ciphertext and tag.
	wantBytes(t, "JWE IV", nonce, b64(t, v.JWEIV))
	wantBytes(t, "JWE ciphertext", body[21:37], b64(t, v.JWECipher))
	wantBytes(t, "JWE tag", body[37:], b64(t, v.JWETag))
}

func TestRFC8188Section3_2(t *testing.T) {
	v := loadVectors(t).RFC8188_3_2
	ikm, salt := b64(t, v.IKM), b64(t, v.Salt)
	prk, cek, nonce := contentKeys(salt, ikm)
	wantBytes(t, "PRK", prk, b64(t, v.PRK))
	wantBytes(t, "CEK", cek, b64(t, v.CEK))
	wantBytes(t, "NONCE SEQ 0", recordNonce(nil, nonce, 0), b64(t, v.Nonces[0]))
	wantBytes(t, "NONCE SEQ 1", recordNonce(nil, nonce, 1), b64(t, v.Nonces[1]))

	body := b64(t, v.Body)
	if len(body) != 73 {
		t.Fatalf("body is %d octets, want 73", len(body))
	}
	wantBytes(t, "body (base64url vs hex)", body, unhex(t, v.BodyHex))
	h, err := ParseContentHeader(body)
	if err != nil {
		t.Fatal(err)
	}
	if h.RS != 25 || string(h.KeyID) != "a1" || h.Len != 23 {
		t.Errorf("header = %+v, want rs 25, keyid a1, len 23", h)
	}
	plain, err := Decrypt8188(ikm, body)
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "plaintext", plain, unhex(t, v.PlaintextHex))

	// Two records, "I am th" ‖ 01 00 and "e walrus" ‖ 02: the even split of Options.Records.
	again, err := Encrypt8188(ikm, plain, &Options{Salt: salt, RS: 25, KeyID: []byte("a1"), Records: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "re-encrypted body", again, body)
	// Left to choose the record count, the encoder needs two records too.
	auto, err := Encrypt8188(ikm, plain, &Options{Salt: salt, RS: 25, KeyID: []byte("a1")})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "body with automatic record count", auto, body)

	// Dropping the second record leaves a full record that says "more follows".
	_, err = Decrypt8188(ikm, body[:h.Len+25])
	wantRule(t, err, rules.NoPartialProcessing.ID)
	// A wrong key fails the tag check.
	_, err = Decrypt8188(make([]byte, 16), body)
	wantRule(t, err, rules.CEKDerivation.ID)
}

func TestRFC8291AppendixA(t *testing.T) {
	a := loadVectors(t).AppendixA
	s := func(name string) []byte { return b64(t, a[name].(string)) }
	ua, err := UAKeysFromBytes(s("ua_private"), s("auth_secret"))
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "ua_public", ua.P256dh(), s("ua_public"))
	as, err := ecdh.P256().NewPrivateKey(s("as_private"))
	if err != nil {
		t.Fatal(err)
	}
	asPublic := as.PublicKey().Bytes()
	wantBytes(t, "as_public", asPublic, s("as_public"))

	// Every intermediate of Appendix A, step by step.
	secret, err := as.ECDH(ua.Private.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "ecdh_secret (sender side)", secret, s("ecdh_secret"))
	uaSecret, err := ua.Private.ECDH(as.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "ecdh_secret (user agent side)", uaSecret, s("ecdh_secret"))
	prkKey := hmacSHA256(ua.Auth, secret)
	wantBytes(t, "PRK_key", prkKey, s("prk_key"))
	keyInfo := append(append(append([]byte{}, webpushInfo...), ua.P256dh()...), asPublic...)
	wantBytes(t, "key_info", keyInfo, s("key_info"))
	ikm := webpushIKM(ua.Auth, secret, ua.P256dh(), asPublic)
	wantBytes(t, "IKM", ikm, s("ikm"))
	wantBytes(t, "cek_info", cekInfo[:len(cekInfo)-1], s("cek_info"))
	wantBytes(t, "nonce_info", nonceInfo[:len(nonceInfo)-1], s("nonce_info"))
	prk, cek, nonce := contentKeys(s("salt"), ikm)
	wantBytes(t, "PRK", prk, s("prk"))
	wantBytes(t, "CEK", cek, s("cek"))
	wantBytes(t, "NONCE", nonce, s("nonce"))

	// Encrypt with as_private and salt pinned: the body, byte for byte.
	plaintext := []byte(a["plaintext"].(string))
	body, err := Encrypt(ua.Subscription("https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV"), plaintext,
		&Options{Salt: s("salt"), ASPrivate: as})
	if err != nil {
		t.Fatal(err)
	}
	want := s("body")
	// RFC 8291 §5 shows Content-Length 145; the body is 144 octets (testdata/README.md, the
	// second wrong length).
	if len(want) != 144 || len(body) != 144 {
		t.Fatalf("body is %d octets (vector %d), want 144", len(body), len(want))
	}
	wantBytes(t, "header", body[:86], s("header"))
	wantBytes(t, "ciphertext ‖ tag", body[86:], s("ciphertext_tag"))
	wantBytes(t, "body", body, want)
	padded, err := newGCM(cek).Open(nil, nonce, body[86:], nil)
	if err != nil {
		t.Fatal(err)
	}
	wantBytes(t, "padded plaintext", padded, s("padded_plaintext"))

	// Decrypt as the user agent.
	m, err := DecryptMessage(ua, want)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Plaintext) != string(plaintext) || m.Records != 1 || m.Padding != 0 {
		t.Errorf("decrypted %q, %d records, %d padding; want %q, 1, 0", m.Plaintext, m.Records, m.Padding, plaintext)
	}
	wantBytes(t, "keyid", m.Header.KeyID, asPublic)
	if m.Header.RS != 4096 {
		t.Errorf("rs = %d, want 4096", m.Header.RS)
	}
}

// TestEdgeCases builds every derived body of testdata/README.md with the fault knobs, checks it
// against the published bytes, and checks what Decrypt does with it.
func TestEdgeCases(t *testing.T) {
	published := map[string]edgeCaseVector{}
	for _, v := range loadVectors(t).EdgeCases {
		published[v.Name] = v
	}
	ua, _, _ := AppendixAKeys()
	built := EdgeCases()
	if len(built) != len(published) {
		t.Errorf("EdgeCases builds %d bodies, vectors.json has %d", len(built), len(published))
	}
	for _, c := range built {
		t.Run(c.Name, func(t *testing.T) {
			v, ok := published[c.Name]
			if !ok {
				t.Fatalf("no published vector named %q", c.Name)
			}
			if len(c.Body) != v.Octets {
				t.Errorf("body is %d octets, notes say %d", len(c.Body), v.Octets)
			}
			wantBytes(t, "body", c.Body, unhex(t, v.BodyHex))
			if c.Rule != v.Rule {
				t.Errorf("rule %s, notes say %s", c.Rule, v.Rule)
			}
			noted := strings.ToLower(v.Expect)
			switch c.Expect {
			case ExpectAccept:
				if !strings.HasPrefix(noted, "accept") {
					t.Errorf("expect %s, notes say %q", c.Expect, v.Expect)
				}
			case ExpectReject:
				if !strings.HasPrefix(noted, "reject") {
					t.Errorf("expect %s, notes say %q", c.Expect, v.Expect)
				}
			case ExpectMayAccept:
				if !strings.HasPrefix(noted, "may") {
					t.Errorf("expect %s, notes say %q", c.Expect, v.Expect)
				}
			}

			plain, err := Decrypt(ua, c.Body)
			switch {
			case c.Name == "two-records":
				// pushspec's codec supports several records (RFC 8291 §4 makes it optional).
				if err != nil || !bytes.Equal(plain, c.Plaintext) {
					t.Errorf("Decrypt = %q, %v; want %q", plain, err, c.Plaintext)
				}
			case c.Name == "rs-17":
				// pushspec honours rs, so it refuses the header as RFC 8188 §2.1 does.
				wantRule(t, err, rules.RSMin18.ID)
			case c.Name == "keyid-compressed":
				// pushspec's codec takes only the 65-octet form RFC 8291 §4 gives the sender.
				wantRule(t, err, rules.KeyIDIsASPublicKey.ID)
			case c.Name == "rs-smaller-than-record":
				// pushspec honours rs, so the 58-octet record is read as 50 + 8: rejected.
				wantRule(t, err, rules.MinRecord.ID)
			case c.Expect == ExpectAccept:
				if err != nil || !bytes.Equal(plain, c.Plaintext) {
					t.Errorf("Decrypt = %q, %v; want %q", plain, err, c.Plaintext)
				}
				if c.Plaintext != nil && plain == nil {
					t.Errorf("empty plaintext decrypted to nil, want a non-nil empty slice")
				}
			case c.Name == "truncated-tag":
				// A cut tag cannot be told from a corrupt one: the tag check fails.
				wantRule(t, err, rules.KeyDerivation.ID)
			default:
				wantRule(t, err, c.Rule)
			}
		})
	}
}

func TestVAPIDVectors(t *testing.T) {
	for _, v := range loadVectors(t).VAPID {
		t.Run(v.Name, func(t *testing.T) {
			parsed, err := ParseVAPID(v.Authorization, "")
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Scheme != SchemeVAPID {
				t.Errorf("scheme %q", parsed.Scheme)
			}
			if v.KeyHex != "" {
				wantBytes(t, "k", parsed.Key, unhex(t, v.KeyHex))
				wantBytes(t, "k as JWK x", parsed.Key[1:33], b64(t, v.JWKX))
				wantBytes(t, "k as JWK y", parsed.Key[33:], b64(t, v.JWKY))
				wantBytes(t, "signature r ‖ s", parsed.Signature, unhex(t, v.SignatureHex))
				if n := strings.LastIndexByte(parsed.Token, '.'); n != v.SigningInputLen {
					t.Errorf("signing input is %d characters, want %d", n, v.SigningInputLen)
				}
			}
			if v.Sub != "" && parsed.Claims["sub"] != v.Sub {
				t.Errorf("sub = %v, want %s", parsed.Claims["sub"], v.Sub)
			}
			validAt, err := time.Parse(time.RFC3339, v.ValidAt)
			if err != nil {
				t.Fatal(err)
			}
			got := rulesOf(parsed.Verify(VerifyOptions{Audience: v.Audience, Now: validAt, SubscriptionKey: parsed.Key}))
			if strings.Join(got, ",") != strings.Join(v.ProblemsWhenValid, ",") {
				t.Errorf("problems with the clock pinned at %s: %v, want %v", v.ValidAt, got, v.ProblemsWhenValid)
			}
			if v.Exp != 0 {
				// The real clock is long past exp: the same token is expired, the sender's fault
				// (its exp rule), and a push service refuses it.
				if got := rulesOf(parsed.Verify(VerifyOptions{Audience: v.Audience})); !contains(got, rules.ExpMax24h.ID) {
					t.Errorf("problems with the real clock: %v, want %s", got, rules.ExpMax24h.ID)
				}
				if rule, _ := parsed.ServiceExpProblem(time.Now()); rule != rules.RejectExpired.ID {
					t.Errorf("the service's check with the real clock: %q, want %s", rule, rules.RejectExpired.ID)
				}
				// Another audience is not accepted.
				if got := rulesOf(parsed.Verify(VerifyOptions{Audience: "https://other.example", Now: validAt})); !contains(got, rules.AudOrigin.ID) {
					t.Errorf("problems for a wrong audience: %v, want %s", got, rules.AudOrigin.ID)
				}
				// Any altered byte of the signing input breaks the signature.
				tampered := *parsed
				tampered.Token = strings.Replace(parsed.Token, "eyJ0eXAiOiJKV1Qi", "eyJ0eXAiOiJKV1Mi", 1)
				if got := rulesOf(tampered.Verify(VerifyOptions{Audience: v.Audience, Now: validAt})); !contains(got, rules.JWSES256.ID) {
					t.Errorf("problems for an altered header: %v, want %s", got, rules.JWSES256.ID)
				}
			}
		})
	}
}

func rulesOf(problems []Problem) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Rule)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
