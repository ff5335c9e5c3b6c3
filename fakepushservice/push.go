package fakepushservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// Request is one request to the push resource (or message resource) as recorded, with the
// verdicts graded on it. Recorded requests are never modified after they are published.
type Request struct {
	ID         string      `json:"id"`
	Time       time.Time   `json:"time"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Host       string      `json:"host"`
	TLS        bool        `json:"tls"`
	RemoteAddr string      `json:"remote_addr"`
	Header     http.Header `json:"-"` // as received; see RedactedHeader for the JSON form
	Body       []byte      `json:"-"` // as received (at most MaxPayload+1 octets)
	BodySize   int         `json:"body_size"`
	Truncated  bool        `json:"body_truncated,omitempty"` // the body was larger than what was read

	SubscriptionID string          `json:"subscription,omitempty"`
	Conditions     []Cond          `json:"conditions,omitempty"` // every condition found
	Answered       Cond            `json:"answered,omitempty"`   // the one the profile answered
	Rule           string          `json:"rule,omitempty"`       // rule ID of the answer
	Status         int             `json:"status"`
	ResponseHeader http.Header     `json:"response_header,omitempty"`
	ResponseBody   string          `json:"response_body,omitempty"`
	MessageID      string          `json:"message,omitempty"` // set when accepted
	Stored         bool            `json:"stored,omitempty"`  // false for TTL 0 to an offline UA
	TTL            int64           `json:"ttl"`               // effective TTL when accepted
	Urgency        string          `json:"urgency,omitempty"`
	Topic          string          `json:"topic,omitempty"`
	Plaintext      []byte          `json:"-"` // decrypted payload when the service holds the key
	Fault          *Fault          `json:"fault,omitempty"`
	Verdicts       []rules.Verdict `json:"verdicts"`
	Duration       time.Duration   `json:"duration_ns"`
}

// Fault is what an OnRequest hook or a fault rule injects into one request.
type Fault struct {
	// Delay holds the request this long before going on (or before the fault's answer).
	Delay time.Duration `json:"delay_ns,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Cond answers as the profile answers that condition (e.g. CondRateLimited: 429 in rfc,
	// 406 in wns, 503 in autopush). Ignored when Status is set.
	Cond Cond `json:"cond,omitempty"`
	// Status answers with this status (e.g. 429, 500, 503) and a pushspec JSON body.
	Status int `json:"status,omitempty"`
	// RetryAfter, in seconds, is sent as Retry-After with Status (0: none).
	RetryAfter int `json:"retry_after,omitempty"`
	// Accept lets these conditions through instead of answering them (the request is still
	// graded): CondNoEncoding stores and delivers a body without Content-Encoding, the UA link's
	// "data without an encoding" of rfc8188-4.1-reject-uncoded.
	Accept []Cond `json:"accept,omitempty"`
}

func (f *Fault) active() bool { return f != nil && (f.Drop || f.Cond != "" || f.Status != 0) }

// FaultRule injects a fault into the next Count push requests (0 means every request until
// cleared) whose subscription matches Subscription ("" means any).
type FaultRule struct {
	Fault
	Subscription string `json:"subscription,omitempty"`
	Count        int    `json:"count,omitempty"`
}

// AddFault queues a fault rule (also settable through POST /_pushspec/faults).
func (s *Server) AddFault(f FaultRule) {
	s.init()
	q := &s.faults
	q.mu.Lock()
	defer q.mu.Unlock()
	q.rules = append(q.rules, f)
	q.n.Store(int32(len(q.rules)))
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() {
	s.init()
	q := &s.faults
	q.mu.Lock()
	defer q.mu.Unlock()
	q.rules = nil
	q.n.Store(0)
}

func (s *Server) takeFault(subID string) *Fault {
	q := &s.faults
	if q.n.Load() == 0 {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	defer func() { q.n.Store(int32(len(q.rules))) }()
	for i := range q.rules {
		fr := &q.rules[i]
		if fr.Subscription != "" && fr.Subscription != subID {
			continue
		}
		f := fr.Fault
		if fr.Count > 0 {
			fr.Count--
			if fr.Count == 0 {
				q.rules = append(q.rules[:i], q.rules[i+1:]...)
			}
		}
		return &f
	}
	return nil
}

// condRule is the RFC rule a condition is graded and answered under.
var condRule = map[Cond]string{
	CondUnknownSub:      rules.UnknownPushResource.ID, // never issued: not §7.3
	CondExpired:         rules.ExpiredSubscription404.ID,
	CondUnsubscribed:    rules.ExpiredSubscription404.ID,
	CondTooLarge:        rules.Over4096May413.ID,
	CondTTLMissing:      rules.TTLMissing400.ID,
	CondTTLInvalid:      rules.TTLSyntax.ID,
	CondTTLNegative:     rules.TTLSyntax.ID,
	CondTTLZero:         rules.TTLZeroConnected.ID,
	CondUrgencyInvalid:  rules.UrgencyValues.ID,
	CondUrgencyMultiple: rules.UrgencyMultiple400.ID,
	CondTopicInvalid:    rules.TopicInvalid400.ID,
	CondTopicUndecoded:  rules.TopicSyntax.ID,
	CondTopicPadded:     rules.TopicInvalid400.ID,
	CondNoEncoding:      rules.AES128GCMOnly.ID,
	CondBadEncoding:     rules.AES128GCMOnly.ID,
	CondAESGCM:          rules.AES128GCMOnly.ID,
	CondAESGCMHeaders:   rules.AES128GCMOnly.ID,
	CondReceiptInvalid:  rules.InvalidReceiptSubscription400.ID,
	CondVAPIDAbsent:     rules.RejectAbsent.ID,
	CondVAPIDScheme:     rules.VAPIDScheme.ID,
	CondVAPIDMissingTK:  rules.RejectMissingTOrK.ID,
	CondVAPIDMalformed:  rules.JWSES256.ID,
	CondVAPIDSignature:  rules.RejectBadSignature.ID,
	CondVAPIDExpired:    rules.RejectExpired.ID,
	CondVAPIDExpTooLong: rules.RejectExpOver24h.ID,
	CondVAPIDAud:        rules.RejectWrongAud.ID,
	CondVAPIDKey:        rules.RejectKeyMismatch.ID,
	CondVAPIDSub:        rules.SubContactURI.ID,
	CondSameKeys:        rules.SameKeys400.ID,
	CondDecrypt:         rules.KeyDerivation.ID,
	CondRateLimited:     rules.RetryAfterOn429.ID,
	CondUnavailable:     "pushspec-fault-injected",
}

// pushReq is the working state of one push request.
type pushReq struct {
	s         *Server
	r         *http.Request
	g         *graders.Request // what the graders observe of the request
	rec       *Request
	prof      *Profile
	sub       *subState
	conds     map[Cond]string // condition → detail; nil until the first is found
	condList  []Cond
	ttl       int64
	urgency   string
	topic     string
	receipt   *receiptSub
	wantAsync bool
	start     time.Time
	maxPay    int
}

func (p *pushReq) add(c Cond, detail string) {
	if _, dup := p.conds[c]; dup {
		return
	}
	if p.conds == nil {
		p.conds = map[Cond]string{}
	}
	p.conds[c] = detail
	p.condList = append(p.condList, c)
}

// grade records verdicts on the request.
// grade records verdicts on the request: a grader's, which it already added to p.g.Verdicts,
// or the service's own.
func (p *pushReq) grade(vs []rules.Verdict) {
	if n := len(p.g.Verdicts); len(vs) == 0 || n < len(vs) || &p.g.Verdicts[n-len(vs)] != &vs[0] {
		p.g.Verdicts = append(p.g.Verdicts, vs...)
	}
	p.rec.Verdicts = slices.Clip(p.g.Verdicts) // readers of the record cannot append into the room
}

// verdict records one verdict of the service's own.
func (p *pushReq) verdict(v rules.Verdict) { p.grade([]rules.Verdict{v}) }

// encoding is "aes128gcm" or "aesgcm" for a body in one of the Web Push codings, else "".
func (p *pushReq) encoding() string { return p.g.Encoding() }

// vapidKey is the VAPID k of a token that was read, else nil.
func (p *pushReq) vapidKey() []byte {
	if v := p.g.VAPID().V; v != nil {
		return v.Key
	}
	return nil
}

func (s *Server) maxPayload(p *Profile) int {
	if s.MaxPayload > 0 {
		return s.MaxPayload
	}
	if p.MaxPayload > 0 {
		return p.MaxPayload
	}
	return 4096
}

func (s *Server) maxTTL(p *Profile) int64 {
	if s.MaxTTL > 0 {
		return s.MaxTTL
	}
	return p.MaxTTL
}

func (s *Server) servePush(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	prof := s.profile()
	p := &pushReq{s: s, r: r, prof: prof, maxPay: s.maxPayload(prof),
		// Room for the about 35 verdicts of a request with a body and VAPID: one allocation.
		g: &graders.Request{Method: r.Method, Header: r.Header, Verdicts: make([]rules.Verdict, 0, 40)}}
	p.rec = &Request{
		ID: newID(8), Time: s.now(), Method: r.Method, Path: r.URL.Path, Host: r.Host, TLS: r.TLS != nil,
		// The request's own header map: net/http makes one per request and does not touch it
		// once the handler is done, and nothing here writes to it.
		RemoteAddr: r.RemoteAddr, Header: r.Header, SubscriptionID: r.PathValue("id"),
	}
	p.start = start

	p.grade(graders.Method(p.g, r.URL.Path))
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		p.respondError(w, Answer{Status: http.StatusMethodNotAllowed}, rules.PostToPushResource.ID,
			"the push resource only takes POST (RFC 8030 §5)")
		return
	}

	// Read the body with a limit and a deadline.
	rc := http.NewResponseController(w)
	bt := s.BodyTimeout
	if bt <= 0 {
		bt = 15 * time.Second
	}
	_ = rc.SetReadDeadline(time.Now().Add(bt))
	body, err := readBody(r, p.maxPay)
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		w.Header().Set("Connection", "close")
		p.respondError(w, Answer{Status: http.StatusBadRequest}, "pushspec-body-read", "cannot read the request body: "+err.Error())
		return
	}
	p.rec.Body, p.rec.BodySize = body, len(body)
	if len(body) > p.maxPay {
		p.rec.Truncated = true
		if r.ContentLength > 0 {
			p.rec.BodySize = int(r.ContentLength)
		}
		p.add(CondTooLarge, fmt.Sprintf("body is more than %d octets", p.maxPay))
	}

	// Fault injection: hook first, then queued rules.
	var fault *Fault
	if s.OnRequest != nil {
		fault = s.OnRequest(p.rec)
	}
	if fault == nil {
		fault = s.takeFault(p.rec.SubscriptionID)
	}
	if fault != nil {
		p.rec.Fault = fault
		if fault.Delay > 0 {
			t := time.NewTimer(fault.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
			}
		}
		if fault.Drop {
			p.rec.Status = 0
			p.rec.Duration = time.Since(start)
			s.publish(p.rec)
			panic(http.ErrAbortHandler) // closes the connection (HTTP/1) or resets the stream (HTTP/2)
		}
	}

	s.analyze(p)

	if fault.active() {
		c := fault.Cond
		if fault.Status != 0 {
			a := Answer{Status: fault.Status}
			if fault.RetryAfter > 0 {
				a.Header = map[string]string{"Retry-After": strconv.Itoa(fault.RetryAfter)}
			}
			p.respondError(w, a, "pushspec-fault-injected", fmt.Sprintf("fault injected: status %d", fault.Status))
			return
		}
		if a, ok := prof.Answers[c]; ok {
			p.rec.Answered = c
			p.respondError(w, answerText(a, "fault injected"), condRule[c], "fault injected: "+string(c))
			return
		}
	}

	for _, c := range prof.Order {
		detail, found := p.conds[c]
		if !found || (fault != nil && slices.Contains(fault.Accept, c)) {
			continue
		}
		a, answered := prof.Answers[c]
		if !answered {
			continue
		}
		p.rec.Answered = c
		p.respondError(w, answerText(a, detail), condRule[c], detail)
		return
	}
	if s.refuseOverRate(w, p) {
		return
	}
	p.accept(w)
}

// readBody reads at most max+1 octets of the body, into a buffer of the size Content-Length
// announces when it announces one within that.
func readBody(r *http.Request, max int) ([]byte, error) {
	lr := io.LimitReader(r.Body, int64(max)+1)
	n := r.ContentLength
	if n < 0 || n > int64(max) {
		return io.ReadAll(lr)
	}
	buf := make([]byte, n+1) // +1: a body longer than announced shows
	got, err := io.ReadFull(lr, buf)
	switch {
	case (err == io.ErrUnexpectedEOF || err == io.EOF) && int64(got) == n:
		return buf[:got], nil // the body as announced
	case err == io.EOF:
		return buf[:got], io.ErrUnexpectedEOF // shorter than announced
	case err != nil:
		return buf[:got], err
	}
	rest, err := io.ReadAll(lr)
	return append(buf, rest...), err
}

// analyze finds every condition of the request and has the graders grade the sender rules.
func (s *Server) analyze(p *pushReq) {
	h := p.r.Header
	p.rec.Conditions = nil
	// Subscription.
	id := p.rec.SubscriptionID
	st, state, reason := s.subs.lookup(id)
	switch {
	case st == nil:
		p.add(CondUnknownSub, "no subscription "+truncate(id, 80))
	case state == SubExpired:
		p.add(CondExpired, "the subscription has expired")
	case state == SubUnsubscribed:
		p.add(CondUnsubscribed, "the subscription was unsubscribed: "+reason)
	}
	p.sub = st

	g := p.g
	g.Body, g.BodySize, g.Truncated, g.MaxPayload = p.rec.Body, p.rec.BodySize, p.rec.Truncated, p.maxPay
	g.Received, g.ClockSkew, g.Audience = s.now(), s.ClockSkew, origin(p.r)
	g.History, g.VerifyCache = &s.keyHistory, s.vcache
	if st != nil {
		g.Subscription, g.AppServerKey, g.Keys = st.sub.ID, st.sub.AppServerKey, st.keys
	}

	// TTL (RFC 8030 §5.2).
	p.grade(graders.TTL(g))
	ttlVals := h.Values("TTL")
	ttl, err := webpush.ParseTTL(h)
	if p.prof.TTLParseInt {
		// web-push-testing uses parseInt: "-5" and "12abc" pass.
		if len(ttlVals) == 0 {
			p.add(CondTTLMissing, "TTL header is missing")
		} else if n, ok := parseIntJS(ttlVals[0]); !ok {
			p.add(CondTTLInvalid, ttlVals[0])
		} else {
			err, ttl = nil, max(n, 0)
		}
	}
	if err != nil {
		switch {
		case len(ttlVals) == 0:
			p.add(CondTTLMissing, "TTL header is missing (RFC 8030 §5.2)")
		case len(ttlVals) == 1 && strings.HasPrefix(strings.TrimSpace(ttlVals[0]), "-") && isDigits(strings.TrimPrefix(strings.TrimSpace(ttlVals[0]), "-")):
			p.add(CondTTLNegative, "TTL "+strconv.Quote(ttlVals[0])+" is negative")
		default:
			p.add(CondTTLInvalid, "TTL "+strconv.Quote(strings.Join(ttlVals, ", "))+" is not 1*DIGIT")
		}
	}
	p.ttl = ttl
	if err == nil && ttl == 0 && !strings.EqualFold(h.Get("X-WNS-Cache-Policy"), "no-cache") {
		p.add(CondTTLZero, "TTL 0 without X-WNS-Cache-Policy: no-cache")
	}

	// Urgency (RFC 8030 §5.3).
	p.grade(graders.Urgency(g))
	if uv := h.Values("Urgency"); len(uv) > 0 {
		u, err := webpush.ParseUrgency(h)
		var we *webpush.Error
		switch {
		case errors.As(err, &we) && we.Rule == rules.UrgencyMultiple400.ID:
			p.add(CondUrgencyMultiple, we.Reason)
		case err != nil:
			p.add(CondUrgencyInvalid, graders.ErrText(err))
		}
		p.urgency = u
	}

	// Topic (RFC 8030 §5.4). A padded Topic fails the grade (graders.Topic); autopush accepts it
	// (its own profile answers so); rfc refuses it with 400.
	p.grade(graders.Topic(g))
	if tv := h.Values("Topic"); len(tv) > 0 {
		t, err := webpush.ParseTopic(h)
		padded := err != nil && len(tv) == 1 && len(tv[0]) <= 32 && graders.TopicPadded.MatchString(tv[0])
		switch {
		case padded:
			t = tv[0]
			p.add(CondTopicPadded, "Topic "+strconv.Quote(t)+" ends in '=' padding, outside the base64url alphabet")
		case err != nil:
			p.add(CondTopicInvalid, autopushTopicMessage(tv))
		}
		if (err == nil || padded) && len(strings.TrimRight(t, "="))%4 == 1 {
			p.add(CondTopicUndecoded, "Topic length ≡ 1 (mod 4) does not base64url-decode")
		}
		p.topic = t
	}

	// Content-Encoding and size (RFC 8291 §4).
	p.grade(graders.Coding(g))
	if tokens := g.Codings(); len(p.rec.Body) > 0 {
		switch {
		case len(tokens) == 0:
			p.add(CondNoEncoding, "a body without Content-Encoding; send aes128gcm (RFC 8291 §4)")
		case len(tokens) > 1:
			p.add(CondBadEncoding, fmt.Sprintf("Content-Encoding has %d values %q; exactly one is allowed", len(tokens), tokens))
		case tokens[0] == "aes128gcm":
			if strings.Contains(h.Get("Encryption"), "salt=") || strings.Contains(h.Get("Crypto-Key"), "dh=") {
				p.add(CondAESGCMHeaders, "Do not include 'salt' param in aes128gcm Encryption header")
			}
		case tokens[0] == "aesgcm":
			p.add(CondAESGCM, "the draft aesgcm coding; send aes128gcm (RFC 8291 §4)")
			if !strings.Contains(h.Get("Encryption"), "salt=") {
				p.add(CondAESGCMHeaders, "Missing Encryption header salt param for aesgcm")
			} else if ck := h.Get("Crypto-Key"); ck != "" && !strings.Contains(ck, "dh=") {
				p.add(CondAESGCMHeaders, "Crypto-Key header missing dh value for aesgcm")
			}
		default:
			p.add(CondBadEncoding, fmt.Sprintf("Content-Encoding %q is not aes128gcm (or the draft aesgcm)", tokens[0]))
		}
	}

	// Receipts (RFC 8030 §5.1).
	p.wantAsync = graders.PreferRespondAsync(h)
	if link, has := graders.ReceiptLink(h); has {
		rid := strings.TrimPrefix(link.Path, "/receipts/")
		rs := s.receiptSub(rid)
		if !strings.HasPrefix(link.Path, "/receipts/") || rs == nil {
			p.add(CondReceiptInvalid, "unknown receipt subscription "+truncate(link.Raw, 120))
		} else {
			p.receipt = rs
		}
	}

	// The body's layout, VAPID, decryption (crypto.go).
	s.checkCrypto(p)
	if p.prof.SchemeByCoding {
		compatScheme(p)
	}

	s.senderExtras(p)
	p.rec.Conditions = p.condList
	p.rec.TTL, p.rec.Urgency, p.rec.Topic = p.ttl, p.urgency, p.topic
}

// senderExtras grades the remaining sender rules: end-to-end protection, receipt-subscription
// reuse, and the interop notes (MAY rules: Info when a vendor would refuse what was sent).
func (s *Server) senderExtras(p *pushReq) {
	h := p.r.Header
	g := p.g
	p.grade(graders.EndToEnd(g))
	// A sender (known by its VAPID key) that was given a receipt subscription passes it back on
	// later receipt requests.
	if p.wantAsync && p.vapidKey() != nil {
		s.receipts.mu.Lock()
		given := s.receipts.given[string(p.vapidKey())]
		s.receipts.mu.Unlock()
		if given != "" {
			g.ReceiptGiven = "/receipts/" + given
			p.grade(graders.Receipts(g))
		}
	}
	// Interop notes: judged only when the vendor would otherwise accept the request (see
	// interopVerdict).
	if v := g.VAPID().V; v != nil {
		sub, _ := v.Claims["sub"].(string)
		p.interopVerdict(rules.InteropAppleSubRequired, "apple", []Cond{CondVAPIDSub}, sub != "",
			"sub present and non-empty (Apple answers 403 BadJwtToken otherwise)", rules.Evidence("sub", sub))
		if sub != "" {
			p.interopVerdict(rules.InteropAppleSubFormat, "apple", []Cond{CondVAPIDSub}, appleAcceptsSub(sub), "sub in a form Apple accepts", rules.Evidence("sub", sub))
		}
	}
	if p.topic != "" {
		p.interopVerdict(rules.InteropAppleTopicDecodable, "apple", []Cond{CondTopicUndecoded}, len(strings.TrimRight(p.topic, "="))%4 != 1,
			"Topic length decodes as base64url (Apple decodes it)", rules.Evidence2("Topic", p.topic, "length", strconv.Itoa(len(p.topic))))
	}
	if h.Get("Urgency") != "" {
		ev := rules.Evidence("Urgency", h.Get("Urgency"))
		if c, refused := p.vendorRefusesFirst("apple", CondUrgencyInvalid, CondUrgencyMultiple); refused {
			p.verdict(notJudged(rules.InteropAppleUrgency, "apple", c, ev))
		} else {
			p.verdict(rules.Verdict{Rule: rules.InteropAppleUrgency.ID, Outcome: rules.Info,
				Message: "the sender sends Urgency (Safari 16's push service refused valid values with 400 BadUrgency)", Evidence: ev})
		}
	}
	p.grade(graders.MozillaBridgeSize(g))
	if _, ok := p.conds[CondTTLZero]; ok {
		p.interopVerdict(rules.InteropWNSTTLZero, "wns", []Cond{CondTTLZero}, false, "TTL 0 without X-WNS-Cache-Policy: no-cache (WNS answers 400)", rules.Evidence("TTL", h.Get("TTL")))
	}
}

// interopVerdict grades an interop rule — what the vendor of profile would refuse although the
// specifications allow it — only when that vendor would otherwise accept the request: own are
// the rule's conditions, and any other condition the profile answers is refused first, so the
// rule is not judged (skip, naming that condition and the rule that grades it).
func (p *pushReq) interopVerdict(rule rules.Rule, profile string, own []Cond, ok bool, msg string, ev map[string]string) {
	if c, refused := p.vendorRefusesFirst(profile, own...); refused {
		p.verdict(notJudged(rule, profile, c, ev))
		return
	}
	p.verdict(rules.Check(rule, ok, msg, ev))
}

// vendorRefusesFirst returns a condition of the request, other than own, that profile answers.
func (p *pushReq) vendorRefusesFirst(profile string, own ...Cond) (Cond, bool) {
	prof, found := profiles[profile]
	if !found {
		return "", false
	}
	for _, c := range prof.Order {
		if _, has := p.conds[c]; !has || slices.Contains(own, c) {
			continue
		}
		if _, answered := prof.Answers[c]; answered {
			return c, true
		}
	}
	return "", false
}

func notJudged(rule rules.Rule, profile string, c Cond, ev map[string]string) rules.Verdict {
	return rules.Verdict{Rule: rule.ID, Outcome: rules.Skip, Evidence: ev,
		Message: fmt.Sprintf("not judged: the %s profile refuses this request for another reason first (%s, graded by %s)", profile, c, condRule[c])}
}

// appleAcceptsSub reports whether Apple's push service takes sub: an https: URL, or mailto: with
// an address that has no spaces or angle brackets and whose domain is not localhost.
func appleAcceptsSub(sub string) bool {
	if strings.HasPrefix(sub, "https://") {
		return len(sub) > len("https://")
	}
	addr, ok := strings.CutPrefix(sub, "mailto:")
	if !ok || strings.ContainsAny(addr, " <>") || strings.HasPrefix(addr, "mailto:") {
		return false
	}
	local, domain, found := strings.Cut(addr, "@")
	return found && local != "" && domain != "" && !strings.EqualFold(domain, "localhost") && strings.Contains(domain, ".")
}

// compatScheme applies web-push-testing's scheme rule: aes128gcm needs an Authorization starting
// with lowercase "vapid", aesgcm needs "WebPush <jwt>" (docs/push-services.md §5, check 5).
func compatScheme(p *pushReq) {
	auth := p.r.Header.Get("Authorization")
	if auth == "" || p.sub == nil || p.sub.sub.AppServerKey == nil {
		return
	}
	ok := strings.HasPrefix(auth, "vapid")
	if p.encoding() == "aesgcm" {
		ok = strings.HasPrefix(auth, "WebPush ")
	}
	if ok {
		delete(p.conds, CondVAPIDScheme)
		for i, c := range p.condList {
			if c == CondVAPIDScheme {
				p.condList = append(p.condList[:i], p.condList[i+1:]...)
				break
			}
		}
	} else {
		p.add(CondVAPIDScheme, "Invalid Authorization header sent")
	}
}

func autopushTopicMessage(tv []string) string {
	if len(tv) == 1 && len(tv[0]) > 32 {
		return "Topic must be no greater than 32 characters"
	}
	return "Topic must be URL and Filename safe Base64 alphabet"
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// parseIntJS mimics JavaScript's parseInt(v, 10): optional space and sign, then digits; the
// rest is ignored.
func parseIntJS(v string) (int64, bool) {
	v = strings.TrimLeft(v, " \t\n\r")
	neg := false
	if v != "" && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(v[:min(i, 10)], 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// respondError answers with the profile's status, headers and body for a refused request.
func (p *pushReq) respondError(w http.ResponseWriter, a Answer, rule, errText string) {
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Pushspec-Rule", rule)
	ct, body := p.prof.Body(a, rule, errText)
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if body == nil {
		w.Header().Set("Content-Length", "0")
	}
	w.WriteHeader(a.Status)
	w.Write(body)
	p.rec.Status, p.rec.Rule = a.Status, rule
	p.rec.ResponseHeader = sentHeader(w)
	p.rec.ResponseBody = truncate(string(body), 2000)
	p.rec.Duration = time.Since(p.start)
	p.s.publish(p.rec)
}

// accept stores the message and answers 201 (or 202 with a receipt subscription).
func (p *pushReq) accept(w http.ResponseWriter) {
	s := p.s
	if p.sub == nil {
		p.respondError(w, Answer{Status: http.StatusNotFound}, condRule[CondUnknownSub], "no subscription")
		return
	}
	now := s.now()
	ttl := p.ttl
	if mx := s.maxTTL(p.prof); mx > 0 && ttl > mx {
		ttl = mx
	}
	if s.MinTTL > 0 && ttl < s.MinTTL {
		ttl = s.MinTTL
	}
	msgID := newID(16)
	if s.MessageIDCounter {
		msgID = strconv.FormatUint(1e15+s.msgCounter.Add(1), 10) // a double's deviation
	}
	m := &message{
		id: msgID, sub: p.sub, ua: p.sub.sub.UA, ttl: ttl, received: now,
		expires: now.Add(time.Duration(ttl) * time.Second), urgency: p.urgency, topic: p.topic,
		encoding: p.encoding(), reqID: p.rec.ID,
	}
	if m.urgency == "" {
		m.urgency = s.NoUrgencyAs
	}
	for name := range strings.SplitSeq(s.ForwardHeaders, ",") {
		if v := p.r.Header.Get(strings.TrimSpace(name)); v != "" {
			if m.headers == nil {
				m.headers = map[string]string{}
			}
			m.headers[strings.ToLower(strings.TrimSpace(name))] = v
		}
	}
	if ttl >= 1<<31-1 || (s.KeepExpired && ttl > 0) {
		m.expires = now.Add(time.Duration(1<<31) * time.Second)
	}
	if len(p.rec.Body) > 0 {
		m.body = p.rec.Body
		pt, tried, err := p.g.Decrypted()
		m.plaintext, m.decrypted = pt, tried && err == nil
		if p.encoding() == "aesgcm" {
			m.encr, m.cryptKey = p.r.Header.Get("Encryption"), stripVAPIDFromCryptoKey(p.r.Header.Get("Crypto-Key"))
			if s.ForwardVAPIDKey && p.vapidKey() != nil {
				m.cryptKey = strings.TrimPrefix(m.cryptKey+";p256ecdsa="+webpush.Base64URL(p.vapidKey()), ";")
			}
		}
	}
	async := p.wantAsync && p.prof.Receipts
	var rs *receiptSub
	s.store.mu.Lock()
	if _, st, _ := s.subs.lookup(p.sub.sub.ID); st != SubActive {
		// Ended between the checks and now: answer as the profile answers a gone subscription.
		s.store.mu.Unlock()
		c := CondExpired
		if st == SubUnsubscribed {
			c = CondUnsubscribed
		}
		a, ok := p.prof.Answers[c]
		if !ok {
			a = Answer{Status: http.StatusNotFound}
		}
		p.rec.Answered = c
		p.respondError(w, a, condRule[c], "the subscription ended while the request was checked")
		return
	}
	if async {
		rs = p.receipt
		if rs == nil || s.ReceiptAlwaysNew {
			rs = s.newReceiptSub()
		}
		m.receipt = rs
		if k := p.vapidKey(); k != nil {
			s.receipts.mu.Lock()
			s.receipts.given[string(k)] = rs.id
			s.receipts.mu.Unlock()
		}
	}
	stored := s.storeLocked(m)
	msgID = m.id // TopicKeepsLocation may have given it the replaced message's
	s.store.mu.Unlock()
	s.keyHistory.Remember(p.g.KeyUse())

	status := http.StatusCreated
	if s.AcceptedStatus != 0 {
		status = s.AcceptedStatus
	}
	if async {
		status = http.StatusAccepted
	}
	if async && !s.ReceiptNoLink {
		w.Header().Set("Link", fmt.Sprintf(`<%s/receipts/%s>; rel="urn:ietf:params:push:receipt"`, origin(p.r), rs.id))
	}
	loc := p.g.Audience + "/m/" + msgID // the origin, as analyze set it
	if !p.prof.NoLocation {
		w.Header().Set("Location", loc)
	}
	if !p.prof.NoTTLEcho {
		w.Header().Set("TTL", strconv.FormatInt(ttl, 10))
	}
	for k, v := range p.prof.AcceptedHeader {
		v = strings.ReplaceAll(v, "{msgid16}", msgID[:16])
		v = strings.ReplaceAll(v, "{uuid}", uuidFrom(msgID))
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)

	p.rec.Status, p.rec.MessageID, p.rec.Stored, p.rec.TTL = status, msgID, stored, ttl
	p.rec.ResponseHeader = sentHeader(w)
	p.rec.Duration = time.Since(p.start)
	s.publish(p.rec)
}

// sentHeader is the header of an answer that was written: w.Header() itself, which the handler
// no longer changes and net/http does not change after WriteHeader (it writes a copy it took
// then), so it is recorded without a copy of its own.
func sentHeader(w http.ResponseWriter) http.Header { return w.Header() }

func uuidFrom(hex32 string) string {
	h := strings.ToUpper(hex32)
	if len(h) < 32 {
		h = strings.Repeat("0", 32-len(h)) + h // MessageIDCounter's shorter ids
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// stripVAPIDFromCryptoKey removes p256ecdsa= from an aesgcm Crypto-Key so the VAPID key is
// never forwarded to the UA (rules.NoJWTToUA).
func stripVAPIDFromCryptoKey(v string) string {
	var keep []string
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
		part = strings.TrimSpace(part)
		if part != "" && !strings.HasPrefix(strings.ToLower(part), "p256ecdsa=") {
			keep = append(keep, part)
		}
	}
	return strings.Join(keep, ";")
}

// publish records a finished request.
func (s *Server) publish(rec *Request) {
	l := &s.log
	l.mu.Lock()
	l.requests = append(l.requests, rec)
	l.byID[rec.ID] = rec
	if mx := s.maxRecorded(); len(l.requests) > 2*mx {
		drop := len(l.requests) - mx
		for _, old := range l.requests[:drop] {
			delete(l.byID, old.ID)
		}
		l.requests = keepLast(l.requests, mx)
	}
	l.mu.Unlock()
	s.event(Event{Kind: "request", Sub: rec.SubscriptionID, Message: rec.MessageID,
		Detail: rec.Method + " " + rec.Path + " → " + strconv.Itoa(rec.Status) + " " + string(rec.Answered)})
	s.notify()
}

// Requests returns every recorded push-resource request, oldest first.
func (s *Server) Requests() []*Request {
	s.init()
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return append([]*Request(nil), s.log.requests...)
}

// requestByID returns the recorded request with that ID.
func (s *Server) requestByID(id string) *Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return s.log.byID[id]
}

// AwaitRequest waits for the first recorded request for which pred is true (pred nil: any) and
// returns it; it errs only when ctx ends. pred runs with the request log's lock held: keep it
// short.
func (s *Server) AwaitRequest(ctx context.Context, pred func(*Request) bool) (*Request, error) {
	var out *Request
	err := s.await(ctx, func() bool {
		s.log.mu.Lock()
		defer s.log.mu.Unlock()
		for _, r := range s.log.requests {
			if pred == nil || pred(r) {
				out = r
				return true
			}
		}
		return false
	})
	return out, err
}

// RequestForMessage returns the request that created message messageID.
func (s *Server) RequestForMessage(messageID string) (*Request, bool) {
	s.init()
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	for i := len(s.log.requests) - 1; i >= 0; i-- {
		if s.log.requests[i].MessageID == messageID {
			return s.log.requests[i], true
		}
	}
	return nil, false
}

// serveMessage handles the message resource: DELETE /m/{id} cancels a stored message.
func (s *Server) serveMessage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if r.Method != http.MethodDelete {
		w.Header().Set("Allow", "DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"rule": rules.Accepted201Location.ID,
			"error": "the push message resource takes DELETE only", "status": 405})
		return
	}
	s.store.mu.Lock()
	m, ok := s.store.msgs[id]
	if ok {
		s.removeLocked(m)
	}
	s.store.mu.Unlock()
	if ok {
		s.event(Event{Kind: "delete", UA: m.ua, Sub: m.sub.sub.ID, Message: id, Detail: "DELETE by the application server"})
		s.notify()
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"rule": rules.Accepted201Location.ID,
			"error": "no stored message " + truncate(id, 80) + " (delivered and acknowledged, expired, replaced, deleted or never existed)", "status": 404})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"error":"internal: cannot encode"}`)
	}
	return append(b, '\n')
}
