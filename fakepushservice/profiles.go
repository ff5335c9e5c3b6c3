package fakepushservice

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Cond is one condition a push request can be in. The push handler finds every condition that
// holds; the profile's Order picks the first one it answers (a multi-fault request sees the
// vendor's answer), and Answers says how. A condition missing from Answers is ignored by the
// profile (the request goes on as if it did not hold). Verdicts are graded independently.
type Cond string

const (
	CondUnknownSub      Cond = "unknown-subscription"
	CondExpired         Cond = "expired-subscription"
	CondUnsubscribed    Cond = "unsubscribed"
	CondTooLarge        Cond = "too-large"
	CondTTLMissing      Cond = "ttl-missing"
	CondTTLInvalid      Cond = "ttl-invalid"      // not digits
	CondTTLNegative     Cond = "ttl-negative"     // "-5"
	CondTTLZero         Cond = "ttl-zero"         // only WNS minds (without X-WNS-Cache-Policy: no-cache)
	CondUrgencyInvalid  Cond = "urgency-invalid"  // not one of the four values
	CondUrgencyMultiple Cond = "urgency-multiple" // several values
	CondTopicInvalid    Cond = "topic-invalid"    // > 32 chars or outside base64url
	CondTopicUndecoded  Cond = "topic-undecodable"
	CondTopicPadded     Cond = "topic-padded"     // base64url with trailing '=' (autopush accepts it)
	CondNoEncoding      Cond = "encoding-missing" // a body without Content-Encoding
	CondBadEncoding     Cond = "encoding-unknown" // not aes128gcm/aesgcm, or several
	CondAESGCM          Cond = "encoding-aesgcm"  // the draft coding (some vendors refuse it)
	CondAESGCMHeaders   Cond = "encoding-aesgcm-headers"
	CondReceiptInvalid  Cond = "receipt-invalid"
	CondVAPIDAbsent     Cond = "vapid-absent"      // restricted subscription, no Authorization
	CondVAPIDScheme     Cond = "vapid-scheme"      // WebPush / Bearer instead of vapid
	CondVAPIDMissingTK  Cond = "vapid-missing-t-k" // vapid without t or k
	CondVAPIDMalformed  Cond = "vapid-malformed"   // JWT or key not decodable, alg not ES256
	CondVAPIDSignature  Cond = "vapid-signature"   // does not verify (also a DER signature)
	CondVAPIDExpired    Cond = "vapid-expired"
	CondVAPIDExpTooLong Cond = "vapid-exp-over-24h"
	CondVAPIDAud        Cond = "vapid-aud"
	CondVAPIDKey        Cond = "vapid-key-mismatch"
	CondVAPIDSub        Cond = "vapid-sub" // sub missing or not a contact URI (only Apple minds)
	CondSameKeys        Cond = "same-keys" // k equals the message ECDH key
	CondDecrypt         Cond = "decrypt"   // the virtual UA's key cannot decrypt it
	CondRateLimited     Cond = "rate-limited"
	CondUnavailable     Cond = "unavailable"
)

// Answer is how a profile answers one condition.
type Answer struct {
	Status  int
	Errno   int               // autopush errno
	Message string            // the vendor's message or reason ("%s" gets the offending value)
	Header  map[string]string // extra response headers
}

// Profile is one column of docs/push-services.md §1 as data.
type Profile struct {
	Name string
	// Order is the order in which conditions are answered (vendor check order).
	Order []Cond
	// Answers maps a condition to the response; a condition not listed is ignored.
	Answers map[Cond]Answer
	// Body renders an error body: content type and bytes. rule/errText are pushspec's.
	Body func(a Answer, rule, errText string) (contentType string, body []byte)
	// Accepted headers for a 201 (besides Location), e.g. apns-id. "{msgid}" is replaced.
	AcceptedHeader map[string]string
	MaxPayload     int   // 0: 4096
	MaxTTL         int64 // 0: none
	Receipts       bool  // honours Prefer: respond-async with 202
	NoLocation     bool  // compat: 201 without Location
	NoTTLEcho      bool  // compat: no TTL response header
	EmptyAccept    bool  // accepted response has no body
	// TTLParseInt reads TTL as JavaScript's parseInt does ("-5" and "12abc" are accepted,
	// negative is 0), as web-push-testing does, instead of RFC 8030's 1*DIGIT. Verdicts still
	// grade the header the RFC way; this changes only the answer.
	TTLParseInt bool
	// SchemeByCoding refuses an Authorization scheme that does not match the content coding, as
	// web-push-testing does: aes128gcm needs "vapid", aesgcm "WebPush" (compatScheme).
	SchemeByCoding bool
	// RFC8030UA offers RFC 8030's own user-agent interface (subscribe, monitor over HTTP/2).
	RFC8030UA bool
	Source    string
}

// Profiles lists the built-in profiles by name.
func Profiles() []string {
	out := make([]string, 0, len(profiles))
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LookupProfile returns the named profile ("" is "rfc").
func LookupProfile(name string) (*Profile, bool) {
	if name == "" {
		name = "rfc"
	}
	p, ok := profiles[strings.ToLower(name)]
	return p, ok
}

func (s *Server) profile() *Profile {
	p, ok := LookupProfile(s.Profile)
	if !ok {
		return profiles["rfc"]
	}
	return p
}

var vapidConds = []Cond{CondVAPIDAbsent, CondVAPIDScheme, CondVAPIDMissingTK, CondVAPIDMalformed, CondVAPIDSignature,
	CondVAPIDExpired, CondVAPIDExpTooLong, CondVAPIDAud, CondVAPIDKey, CondVAPIDSub}

func concat(parts ...[]Cond) []Cond {
	var out []Cond
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// rfcBody is pushspec's own error body: {"rule","error","status"}.
func rfcBody(a Answer, rule, errText string) (string, []byte) {
	return "application/json", mustJSON(map[string]any{"rule": rule, "error": errText, "status": a.Status})
}

func autopushBody(a Answer, rule, errText string) (string, []byte) {
	msg := a.Message
	if msg == "" {
		msg = errText
	}
	return "application/json", mustJSON(map[string]any{
		"code": a.Status, "errno": a.Errno, "error": http.StatusText(a.Status), "message": msg,
		"more_info": "http://autopush.readthedocs.io/en/latest/http.html#error-codes",
		"rule":      rule, "status": a.Status,
	})
}

func fcmBody(a Answer, rule, errText string) (string, []byte) {
	if strings.HasPrefix(a.Message, "<html>") {
		return "text/html; charset=UTF-8", []byte(a.Message)
	}
	msg := a.Message
	if msg == "" {
		msg = errText
	}
	return "text/plain; charset=utf-8", []byte(msg + "\n")
}

func appleBody(a Answer, rule, errText string) (string, []byte) {
	return "application/json", mustJSON(map[string]any{"reason": a.Message, "rule": rule, "error": errText, "status": a.Status})
}

func wnsBody(a Answer, rule, errText string) (string, []byte) { return "", nil }

func compatBody(a Answer, rule, errText string) (string, []byte) {
	msg := a.Message
	if msg == "" {
		msg = errText
	}
	if a.Status == 410 {
		return "application/json; charset=utf-8", mustJSON(map[string]any{"reason": msg, "rule": rule, "status": a.Status})
	}
	return "application/json; charset=utf-8", mustJSON(map[string]any{"error": map[string]any{"message": msg}, "rule": rule, "status": a.Status})
}

const fcmUnauthorizedHTML = `<html><head><title>UnauthorizedRegistration</title></head><body bgcolor="#FFFFFF" text="#000000"><h1>UnauthorizedRegistration</h1><h2>Error 400</h2></body></html>`

// RFC-graded order (docs/push-services.md §3): subscription → size → header syntax → encoding →
// VAPID → same keys.
var rfcOrder = concat(
	[]Cond{CondRateLimited, CondUnavailable, CondUnknownSub, CondExpired, CondUnsubscribed, CondTooLarge,
		CondTTLMissing, CondTTLInvalid, CondTTLNegative, CondTTLZero, CondUrgencyMultiple, CondUrgencyInvalid,
		CondTopicInvalid, CondTopicPadded, CondTopicUndecoded, CondReceiptInvalid, CondNoEncoding, CondBadEncoding, CondAESGCM, CondAESGCMHeaders},
	vapidConds,
	[]Cond{CondSameKeys, CondDecrypt})

var profiles = map[string]*Profile{
	"rfc": {
		Name: "rfc", Order: rfcOrder, Body: rfcBody, Receipts: true, RFC8030UA: true,
		Source: "RFC 8030/8292; pushspec's suggestion where silent (docs/push-services.md §1, rfc column)",
		Answers: map[Cond]Answer{
			CondRateLimited:     {Status: 429, Header: map[string]string{"Retry-After": "10"}},
			CondUnavailable:     {Status: 503, Header: map[string]string{"Retry-After": "10"}},
			CondUnknownSub:      {Status: 404},
			CondExpired:         {Status: 404},
			CondUnsubscribed:    {Status: 404},
			CondTooLarge:        {Status: 413},
			CondTTLMissing:      {Status: 400},
			CondTTLInvalid:      {Status: 400},
			CondTTLNegative:     {Status: 400},
			CondUrgencyMultiple: {Status: 400},
			CondUrgencyInvalid:  {Status: 400},
			CondTopicInvalid:    {Status: 400},
			CondTopicPadded:     {Status: 400},
			CondReceiptInvalid:  {Status: 400},
			// 415 Unsupported Media Type: the content coding is what is unsupported (RFC 9110
			// §15.5.16 names Content-Encoding explicitly). compat answers 400 like the peer.
			CondNoEncoding:      {Status: 415},
			CondBadEncoding:     {Status: 415},
			CondAESGCMHeaders:   {Status: 400},
			CondVAPIDAbsent:     {Status: 401, Header: map[string]string{"WWW-Authenticate": "vapid"}},
			CondVAPIDScheme:     {Status: 401, Header: map[string]string{"WWW-Authenticate": "vapid"}},
			CondVAPIDMissingTK:  {Status: 403},
			CondVAPIDMalformed:  {Status: 403},
			CondVAPIDSignature:  {Status: 403},
			CondVAPIDExpired:    {Status: 403},
			CondVAPIDExpTooLong: {Status: 403},
			CondVAPIDAud:        {Status: 403},
			CondVAPIDKey:        {Status: 403},
			CondSameKeys:        {Status: 400},
		},
	},
	"autopush": {
		Name: "autopush", Body: autopushBody, MaxPayload: 4096, MaxTTL: 2592000,
		Source: "autopush-rs autoendpoint (docs/push-services.md §1, autopush column; errno list)",
		// extractor order: token → user/channel → VAPID → size → TTL, Topic, encryption.
		Order: concat([]Cond{CondRateLimited, CondUnavailable, CondUnknownSub, CondExpired, CondUnsubscribed}, vapidConds,
			[]Cond{CondTooLarge, CondTTLMissing, CondTTLInvalid, CondTTLNegative, CondTopicInvalid, CondNoEncoding, CondBadEncoding, CondAESGCMHeaders}),
		Answers: map[Cond]Answer{
			CondRateLimited:     {Status: 503, Errno: 201, Message: "Please slow message send rate", Header: map[string]string{"Retry-After": "120"}},
			CondUnavailable:     {Status: 503, Errno: 202, Message: "Storage temporarily unavailable", Header: map[string]string{"Retry-After": "120"}},
			CondUnknownSub:      {Status: 404, Errno: 102, Message: "Invalid token"},
			CondExpired:         {Status: 410, Errno: 106, Message: "No such subscription", Header: map[string]string{"Cache-Control": "max-age=86400"}},
			CondUnsubscribed:    {Status: 410, Errno: 106, Message: "No such subscription", Header: map[string]string{"Cache-Control": "max-age=86400"}},
			CondVAPIDAbsent:     {Status: 401, Errno: 109, Message: "Missing authorization header"},
			CondVAPIDMissingTK:  {Status: 401, Errno: 109, Message: "Invalid Authorization Header"},
			CondVAPIDMalformed:  {Status: 401, Errno: 109, Message: "Invalid Authorization Header"},
			CondVAPIDSignature:  {Status: 401, Errno: 109, Message: "Invalid Authorization Header"},
			CondVAPIDExpired:    {Status: 401, Errno: 109, Message: "Invalid bearer token: The VAPID token is expired"},
			CondVAPIDExpTooLong: {Status: 401, Errno: 109, Message: "The VAPID token expiration is too long"},
			CondVAPIDAud:        {Status: 401, Errno: 109, Message: "Invalid VAPID audience"},
			CondVAPIDKey:        {Status: 401, Errno: 109, Message: "VAPID public key mismatch"},
			CondTooLarge:        {Status: 413, Errno: 104, Message: "Data payload must be smaller than 4096 bytes"},
			CondTTLMissing:      {Status: 400, Errno: 111, Message: "Missing TTL value"},
			CondTTLInvalid:      {Status: 400, Errno: 111, Message: "Missing TTL value"},
			CondTTLNegative:     {Status: 400, Errno: 114, Message: "TTL must be greater than 0"},
			CondTopicInvalid:    {Status: 400, Errno: 113, Message: "%s"},
			CondNoEncoding:      {Status: 400, Errno: 110, Message: "Missing Content-Encoding header"},
			CondBadEncoding:     {Status: 400, Errno: 110, Message: "Unknown Content-Encoding header"},
			CondAESGCMHeaders:   {Status: 400, Errno: 110, Message: "%s"},
		},
	},
	"fcm": {
		Name: "fcm", Body: fcmBody, MaxPayload: 4096, MaxTTL: 2419200,
		Source: "web.dev push troubleshooting and quoted FCM responses (docs/push-services.md §1, fcm column)",
		Order: concat([]Cond{CondRateLimited, CondUnavailable, CondUnknownSub, CondExpired, CondUnsubscribed}, vapidConds,
			[]Cond{CondTooLarge, CondTTLMissing, CondTTLInvalid, CondTTLNegative, CondNoEncoding, CondBadEncoding}),
		Answers: map[Cond]Answer{
			CondRateLimited:     {Status: 429, Message: "Too many requests", Header: map[string]string{"Retry-After": "10"}},
			CondUnavailable:     {Status: 503, Message: "Service unavailable", Header: map[string]string{"Retry-After": "10"}},
			CondUnknownSub:      {Status: 404, Message: "A valid push subscription endpoint should be specified in the URL as such: https://fcm.googleapis.com/wp/dHIoDxE7Hdg:APA91bH1Zj0kNa..."},
			CondExpired:         {Status: 410, Message: "push subscription has unsubscribed or expired."},
			CondUnsubscribed:    {Status: 410, Message: "push subscription has unsubscribed or expired."},
			CondVAPIDAbsent:     {Status: 400, Message: fcmUnauthorizedHTML},
			CondVAPIDMissingTK:  {Status: 400, Message: fcmUnauthorizedHTML},
			CondVAPIDMalformed:  {Status: 403, Message: "invalid JWT provided"},
			CondVAPIDSignature:  {Status: 403, Message: "invalid JWT provided"},
			CondVAPIDExpired:    {Status: 403, Message: "invalid JWT provided"},
			CondVAPIDExpTooLong: {Status: 403, Message: "exp claim MUST NOT be more than 24 hours from the time of the request"},
			CondVAPIDAud:        {Status: 403, Message: "aud claim in the token MUST include the origin of the push resource URL"},
			CondVAPIDKey:        {Status: 403, Message: "the key in the authorization header does not correspond to the sender ID used to subscribe this user. Please ensure you use the correct sender ID and server Key from the Firebase console."},
			CondTooLarge:        {Status: 413, Message: "Request body too large"},
			CondTTLMissing:      {Status: 400, Message: "InvalidTtlParameter"},
			CondTTLInvalid:      {Status: 400, Message: "InvalidTtlParameter"},
			CondTTLNegative:     {Status: 400, Message: "InvalidTtlParameter"},
			CondNoEncoding:      {Status: 400, Message: "Content-Encoding header is missing"}, // ? (docs/push-services.md)
			CondBadEncoding:     {Status: 400, Message: "Unsupported Content-Encoding"},       // ?
		},
	},
	"apple": {
		Name: "apple", Body: appleBody, MaxPayload: 4096, MaxTTL: 2592000,
		AcceptedHeader: map[string]string{"apns-id": "{uuid}"},
		Source:         "Apple developer docs and quoted responses (docs/push-services.md §1, apple column)",
		Order: concat([]Cond{CondRateLimited, CondUnavailable, CondUnknownSub, CondExpired, CondUnsubscribed}, vapidConds,
			[]Cond{CondTooLarge, CondTTLMissing, CondTTLInvalid, CondTTLNegative, CondUrgencyMultiple, CondUrgencyInvalid,
				CondTopicInvalid, CondTopicUndecoded, CondNoEncoding, CondBadEncoding, CondAESGCM}),
		Answers: map[Cond]Answer{
			CondRateLimited:     {Status: 429, Message: "TooManyRequests", Header: map[string]string{"Retry-After": "10"}},
			CondUnavailable:     {Status: 503, Message: "ServiceUnavailable"},
			CondUnknownSub:      {Status: 404, Message: "BadDeviceToken"}, // ? reason
			CondExpired:         {Status: 410, Message: "Unregistered"},
			CondUnsubscribed:    {Status: 410, Message: "Unregistered"},
			CondVAPIDAbsent:     {Status: 403, Message: "BadJwtToken"},
			CondVAPIDScheme:     {Status: 403, Message: "BadJwtToken"},
			CondVAPIDMissingTK:  {Status: 403, Message: "BadJwtToken"},
			CondVAPIDMalformed:  {Status: 403, Message: "BadJwtToken"},
			CondVAPIDSignature:  {Status: 403, Message: "BadJwtToken"},
			CondVAPIDExpired:    {Status: 403, Message: "BadJwtToken"},
			CondVAPIDExpTooLong: {Status: 403, Message: "BadJwtToken"},
			CondVAPIDAud:        {Status: 403, Message: "BadJwtToken"},
			CondVAPIDSub:        {Status: 403, Message: "BadJwtToken"},
			CondVAPIDKey:        {Status: 403, Message: "VapidPkHashMismatch"},
			CondTooLarge:        {Status: 413, Message: "PayloadTooLarge"},
			CondTTLMissing:      {Status: 400, Message: "BadTtl"},
			CondTTLInvalid:      {Status: 400, Message: "BadTtl"},
			CondTTLNegative:     {Status: 400, Message: "BadTtl"},
			CondUrgencyMultiple: {Status: 400, Message: "BadUrgency"},
			CondUrgencyInvalid:  {Status: 400, Message: "BadUrgency"},
			CondTopicInvalid:    {Status: 400, Message: "BadWebPushTopic"},
			CondTopicUndecoded:  {Status: 400, Message: "BadWebPushTopic"},
			CondNoEncoding:      {Status: 400, Message: "BadContentEncoding"}, // ? reason
			CondBadEncoding:     {Status: 400, Message: "BadContentEncoding"}, // ?
			CondAESGCM:          {Status: 400, Message: "BadContentEncoding"}, // aes128gcm only (2nd) ?
		},
	},
	"wns": {
		Name: "wns", Body: wnsBody, MaxPayload: 5000, EmptyAccept: true,
		AcceptedHeader: map[string]string{"X-WNS-Status": "received", "X-WNS-NotificationStatus": "received", "X-WNS-Msg-ID": "{msgid16}"},
		Source:         "Microsoft WNS docs and quoted responses (docs/push-services.md §1, wns column)",
		Order: concat([]Cond{CondRateLimited, CondUnavailable, CondUnknownSub, CondExpired, CondUnsubscribed}, vapidConds,
			[]Cond{CondTooLarge, CondTTLMissing, CondTTLInvalid, CondTTLNegative, CondTTLZero, CondNoEncoding, CondBadEncoding, CondAESGCM}),
		Answers: map[Cond]Answer{
			CondRateLimited:     {Status: 406, Header: map[string]string{"Retry-After": "900", "X-WNS-Status": "appthrottled", "X-WNS-NotificationStatus": "dropped"}},
			CondUnavailable:     {Status: 503, Header: map[string]string{"Retry-After": "60"}},
			CondUnknownSub:      {Status: 404, Header: map[string]string{"X-WNS-Error-Description": "The channel URI is not valid or is not recognized by WNS."}},
			CondExpired:         {Status: 410, Header: map[string]string{"X-WNS-Error-Description": "The channel expired."}},
			CondUnsubscribed:    {Status: 410, Header: map[string]string{"X-WNS-Error-Description": "The channel expired."}},
			CondVAPIDAbsent:     {Status: 401},
			CondVAPIDScheme:     {Status: 401},
			CondVAPIDMissingTK:  {Status: 401},
			CondVAPIDMalformed:  {Status: 401},
			CondVAPIDSignature:  {Status: 401},
			CondVAPIDExpired:    {Status: 401},
			CondVAPIDExpTooLong: {Status: 401},
			CondVAPIDAud:        {Status: 401},
			CondVAPIDKey:        {Status: 401},
			CondTooLarge:        {Status: 413, Header: map[string]string{"X-WNS-Error-Description": "The notification payload exceeds the 5000 byte limit."}},
			CondTTLMissing:      {Status: 400, Header: map[string]string{"X-WNS-Error-Description": "TTL header is missing."}},
			CondTTLInvalid:      {Status: 400, Header: map[string]string{"X-WNS-Error-Description": "TTL header is not valid."}},
			CondTTLNegative:     {Status: 400, Header: map[string]string{"X-WNS-Error-Description": "TTL header is not valid."}},
			CondTTLZero:         {Status: 400, Header: map[string]string{"X-WNS-Error-Description": "Ttl value conflicts with X-WNS-Cache-Policy."}},
			CondNoEncoding:      {Status: 400, Header: map[string]string{"X-WNS-Error-Description": "Content-Encoding aes128gcm is required."}},
			CondBadEncoding:     {Status: 400, Header: map[string]string{"X-WNS-Error-Description": "Content-Encoding aes128gcm is required."}},
			CondAESGCM:          {Status: 400, Header: map[string]string{"X-WNS-Error-Description": "Content-Encoding aes128gcm is required."}},
		},
	},
	"compat": {
		Name: "compat", Body: compatBody, MaxPayload: 100 << 10, NoLocation: true, NoTTLEcho: true, EmptyAccept: true,
		TTLParseInt: true, SchemeByCoding: true,
		Source: "marc1706/web-push-testing 1.2.2 src/server.js (docs/push-services.md §5)",
		// unknown hash → expired → encoding → TTL → VAPID → decrypt
		Order: concat([]Cond{CondRateLimited, CondUnavailable, CondUnknownSub, CondExpired, CondUnsubscribed, CondTooLarge,
			CondNoEncoding, CondBadEncoding, CondAESGCMHeaders, CondTTLMissing, CondTTLInvalid},
			vapidConds, []Cond{CondDecrypt}),
		Answers: map[Cond]Answer{
			CondRateLimited:    {Status: 429, Message: "Too many requests", Header: map[string]string{"Retry-After": "10"}},
			CondUnavailable:    {Status: 503, Message: "Service unavailable", Header: map[string]string{"Retry-After": "10"}},
			CondUnknownSub:     {Status: 400, Message: "Client not subscribed"},
			CondExpired:        {Status: 410, Message: "Push subscription has unsubscribed or expired."},
			CondUnsubscribed:   {Status: 410, Message: "Push subscription has unsubscribed or expired."},
			CondTooLarge:       {Status: 413, Message: "request entity too large"},
			CondNoEncoding:     {Status: 400, Message: "Unsupported encoding"},
			CondBadEncoding:    {Status: 400, Message: "Unsupported encoding"},
			CondAESGCMHeaders:  {Status: 400, Message: "%s"},
			CondTTLMissing:     {Status: 400, Message: "TTL header is invalid: undefined"},
			CondTTLInvalid:     {Status: 400, Message: "TTL header is invalid: %s"},
			CondVAPIDAbsent:    {Status: 400, Message: "Missing or invalid authorization header"},
			CondVAPIDScheme:    {Status: 400, Message: "Invalid Authorization header sent"},
			CondVAPIDMissingTK: {Status: 400, Message: "Invalid Crypto-Key header sent"},
			CondVAPIDKey:       {Status: 400, Message: "Invalid Crypto-Key header sent"},
			CondVAPIDMalformed: {Status: 400, Message: "Invalid authentication token supplied"},
			CondVAPIDSignature: {Status: 400, Message: "Invalid authentication token supplied"},
			CondVAPIDExpired:   {Status: 400, Message: "Invalid authentication token supplied"},
			CondDecrypt:        {Status: 400, Message: "%s"},
		},
	},
}

// answerText fills a "%s" in an answer message with the detail.
func answerText(a Answer, detail string) Answer {
	if strings.Contains(a.Message, "%s") {
		a.Message = fmt.Sprintf(strings.Replace(a.Message, "%s", "%v", 1), detail)
	}
	return a
}
