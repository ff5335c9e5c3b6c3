// Command brokensender is a deliberately broken Web Push sender for the sender suite's own
// test: it takes the message from the PUSHSPEC_SEND_* variables (the sender.Command contract)
// and sends it with pushspec's raw sender and the faults its flags name.
package main

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"time"

	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/webpush"
)

func main() {
	omitTTL := flag.Bool("omit-ttl", false, "send no TTL header")
	der := flag.Bool("der", false, "DER-encode the ES256 signature")
	aesgcm := flag.Bool("aesgcm", false, "encrypt with the draft aesgcm coding")
	exp25h := flag.Bool("exp-25h", false, "set exp 25 hours ahead")
	exp24h := flag.Bool("exp-24h", false, "set exp exactly 24 hours after its own now (conformant: RFC 8292 §2)")
	noSub := flag.Bool("no-sub", false, "sign no sub claim (conformant: RFC 8292 §2.1 says MAY)")
	audArray := flag.Bool("aud-array", false, "sign aud as an array holding another origin and the endpoint's (conformant: RFC 7519 §4.1.3)")
	webpushScheme := flag.Bool("webpush-scheme", false, "send the draft `Authorization: WebPush <jwt>` with Crypto-Key: p256ecdsa=")
	delimiter := flag.Int("delimiter", 0, "write this octet as the padding delimiter instead of 0x02 (-1: none)")
	pad := flag.Int("pad", 0, "zero octets of padding")
	padFit := flag.Bool("pad-fit", false, "cap -pad so that an aes128gcm body stays within RFC 8291's 4096 octets, as a conformant sender does")
	aad := flag.Bool("aad", false, "seal with non-empty AEAD additional data (RFC 8188 §2 wants it empty)")
	retry := flag.Int("retry", 0, "on an answer other than 2xx, post again at once, up to this many times (ignoring Retry-After and gone subscriptions)")
	receipts := flag.Bool("receipts", false, "honour PUSHSPEC_SEND_RECEIPT (Prefer: respond-async) but never pass the receipt subscription back")
	receiptState := flag.String("receipt-state", "", "honour PUSHSPEC_SEND_RECEIPT and keep the receipt subscription in this file, passing it back")
	noSend := flag.Bool("no-send", false, "send nothing: fail as a sender whose TLS trust is wrong does")
	unsupportedAESGCM := flag.Bool("unsupported-aesgcm", false, "when asked for aesgcm, say unsupported (exit 3) instead of sending")
	jsonQuote := flag.Bool("json-quote", false, "send the payload JSON-encoded as a string (quoted), as a library that JSON.stringify()s its argument does")
	ttlDefault := flag.Int("ttl-default", 0, "send this TTL instead of TTL 0, as a library that writes (ttl || 60) does")
	topicPad := flag.Bool("topic-pad", false, "pad the Topic with '=' to a multiple of 4 characters")
	padK := flag.Bool("pad-k", false, "send the VAPID k with base64 '=' padding")
	kFirst := flag.Bool("k-first", false, "write `vapid k=…, t=…` (conformant: auth-params are unordered)")
	zeroSalt := flag.Bool("zero-salt", false, "encrypt every message with a salt of 16 zero octets instead of a random one")
	proxyAuth := flag.Bool("proxy-auth", false, "also send the vapid credentials in Proxy-Authorization")
	noKeyCheck := flag.Bool("no-key-check", false, "do not check that p256dh is on P-256: encrypt to a fresh key of its own instead and send")
	dropUrgency := flag.Bool("drop-urgency", false, "send no Urgency header, whatever Urgency it is given")
	only201 := flag.Bool("only-201", false, "report every answer but 201 as a failure (exit 1), 202 included")
	wnsNoCache := flag.Bool("wns-no-cache", false, "with TTL 0, send X-WNS-Cache-Policy: no-cache, as WNS asks (conformant)")
	fcmPath := flag.Bool("fcm-path", false, "post to /fcm/send/<last segment of the endpoint> on the endpoint's host instead of the endpoint's path, as libraries that rewrote GCM endpoints to FCM's did")
	headerRS := flag.Int("header-rs", 0, "write this rs in the aes128gcm header while the record is cut at 4096 (a record longer than rs)")
	flag.Parse()

	env := os.Getenv
	if *noSend {
		fail(fmt.Errorf(`Post "%s": tls: failed to verify certificate: x509: certificate signed by unknown authority`, env("PUSHSPEC_SEND_ENDPOINT")))
	}
	if *unsupportedAESGCM && env("PUSHSPEC_SEND_ENCODING") == "aesgcm" {
		fmt.Println("unsupported: brokensender -unsupported-aesgcm encrypts with aes128gcm only")
		os.Exit(3)
	}
	ttl, _ := strconv.Atoi(env("PUSHSPEC_SEND_TTL"))
	m := sender.Message{
		Subscription: sender.Subscription{Endpoint: env("PUSHSPEC_SEND_ENDPOINT"),
			Keys: sender.Keys{P256dh: env("PUSHSPEC_SEND_P256DH"), Auth: env("PUSHSPEC_SEND_AUTH")}},
		TTL: ttl, Urgency: env("PUSHSPEC_SEND_URGENCY"), Topic: env("PUSHSPEC_SEND_TOPIC"),
		Encoding: env("PUSHSPEC_SEND_ENCODING"),
	}
	if *fcmPath {
		u, err := url.Parse(m.Subscription.Endpoint)
		if err != nil {
			fail(err)
		}
		u.Path = "/fcm/send/" + path.Base(u.Path)
		m.Subscription.Endpoint = u.String()
	}
	if *dropUrgency {
		m.Urgency = ""
	}
	if *noKeyCheck && !onCurve(m.Subscription.Keys.P256dh) {
		// A library that never checks the key: it encrypts to some other point and sends.
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			fail(err)
		}
		m.Subscription.Keys.P256dh = webpush.Base64URL(k.PublicKey().Bytes())
	}
	if ttl == 0 && *ttlDefault != 0 {
		m.TTL = *ttlDefault
	}
	if *topicPad && m.Topic != "" {
		for len(m.Topic)%4 != 0 {
			m.Topic += "="
		}
	}
	if f := env("PUSHSPEC_SEND_PAYLOAD_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		m.Payload = b
		if *jsonQuote {
			m.Payload, _ = json.Marshal(string(b))
		}
	}
	if env("PUSHSPEC_SEND_VAPID_PRIVATE") != "" {
		m.VAPID = &sender.VAPID{Public: env("PUSHSPEC_SEND_VAPID_PUBLIC"), Private: env("PUSHSPEC_SEND_VAPID_PRIVATE"),
			Subject: env("PUSHSPEC_SEND_VAPID_SUBJECT")}
	}
	var f sender.Faults
	if *omitTTL {
		f.Omit = append(f.Omit, "TTL")
	}
	if *der {
		f.Sign = &webpush.SignOptions{DERSignature: true}
	}
	if *aesgcm {
		m.Encoding = "aesgcm"
	}
	if *exp25h {
		m.VAPIDExpiry = time.Now().Add(25 * time.Hour)
	}
	if *webpushScheme {
		if f.Sign == nil {
			f.Sign = &webpush.SignOptions{}
		}
		f.Sign.Scheme = webpush.SchemeWebPush
	}
	if *exp24h {
		m.VAPIDExpiry = time.Now().Add(24 * time.Hour)
	}
	if *noSub && m.VAPID != nil {
		m.VAPID.Subject = ""
	}
	if *kFirst {
		if f.Sign == nil {
			f.Sign = &webpush.SignOptions{}
		}
		f.Sign.KeyFirst = true
	}
	if *padK {
		if f.Sign == nil {
			f.Sign = &webpush.SignOptions{}
		}
		f.Sign.PadKey = true
	}
	if *audArray {
		u, err := url.Parse(m.Subscription.Endpoint)
		if err != nil {
			fail(err)
		}
		if f.Sign == nil {
			f.Sign = &webpush.SignOptions{}
		}
		f.Sign.ExtraClaims = map[string]any{"aud": []string{"https://app.example", u.Scheme + "://" + u.Host}}
	}
	if *padFit {
		// 4096 = 86 (header with a 65-octet keyid) + plaintext + 1 (delimiter) + padding + 16 (tag).
		*pad = max(0, min(*pad, 3993-len(m.Payload)))
	}
	if *pad > 0 || *aad || *delimiter != 0 || *zeroSalt || *headerRS != 0 {
		f.Encrypt = &webpush.Options{Pad: *pad, Delimiter: *delimiter, HeaderRS: uint32(*headerRS)}
		if *aad {
			f.Encrypt.AAD = []byte("Content-Encoding: aes128gcm")
		}
		if *zeroSalt {
			f.Encrypt.Salt = make([]byte, 16)
		}
	}
	if env("PUSHSPEC_SEND_RECEIPT") == "1" && (*receipts || *receiptState != "") {
		m.Receipt = true
		if *receiptState != "" {
			if link, err := os.ReadFile(*receiptState); err == nil && len(link) > 0 {
				f.Set = http.Header{"Link": {string(link)}}
			}
		}
	}
	if *wnsNoCache && m.TTL == 0 {
		if f.Set == nil {
			f.Set = http.Header{}
		}
		f.Set.Set("X-WNS-Cache-Policy", "no-cache")
	}
	client, err := sender.HTTPClient(env("PUSHSPEC_SEND_CA_FILE"))
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if *proxyAuth && m.VAPID != nil {
		req, err := sender.Raw{}.Build(ctx, m, f)
		if err != nil {
			fail(err)
		}
		if f.Set == nil {
			f.Set = http.Header{}
		}
		f.Set.Set("Proxy-Authorization", req.Header.Get("Authorization"))
	}
	res, err := sender.Raw{Client: client}.SendFaulty(ctx, m, f)
	for i := 0; err == nil && res.Status/100 != 2 && i < *retry; i++ {
		res, err = sender.Raw{Client: client}.SendFaulty(ctx, m, f)
	}
	if err != nil {
		fail(err)
	}
	if link := res.Header.Get("Link"); *receiptState != "" && receiptLink.MatchString(link) {
		if err := os.WriteFile(*receiptState, []byte(receiptLink.FindString(link)), 0o600); err != nil {
			fail(err)
		}
	}
	fmt.Printf("status=%d\n", res.Status)
	if *only201 && res.Status != http.StatusCreated {
		fail(fmt.Errorf("push service answered %d, not 201", res.Status))
	}
}

// onCurve reports whether p256dh (base64url) is an uncompressed P-256 point.
func onCurve(p256dh string) bool {
	b, err := webpush.DecodeBase64(p256dh)
	if err != nil {
		return false
	}
	_, err = ecdh.P256().NewPublicKey(b)
	return err == nil
}

// receiptLink is a Link value with the receipt relation, as the push service writes it.
var receiptLink = regexp.MustCompile(`<[^>]*>;\s*rel="urn:ietf:params:push:receipt"`)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "brokensender:", err)
	os.Exit(1)
}
