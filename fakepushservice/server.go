package fakepushservice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/internal/await"
	"github.com/pushspec/pushspec/webpush"
)

// Server is the in-process push service. The zero value is ready to use: set the option fields,
// then call Start (or use the Server as an http.Handler inside an httptest.Server). Option fields
// must not change after Start or after the first request.
type Server struct {
	// Profile selects how the push resource answers: "rfc" (the default for ""), "autopush",
	// "fcm", "apple", "wns" or "compat" (web-push-testing's answers). Verdicts are graded
	// against the RFC rules whatever the profile. See profiles.go.
	Profile string
	// MaxPayload is the largest request body accepted; larger bodies get 413. 0 means the
	// profile's limit (4096 for rfc; never below 4096 in rfc, which must accept 4096).
	MaxPayload int
	// TokenBytes is how many random octets a subscription's token (the last segment of its push
	// resource URI) carries; 0 means 32 (256 bits). RFC 8030 §8.3 advises at least 120 bits (15).
	TokenBytes int
	// MaxTTL caps the TTL a message is stored for; the response's TTL header says the capped
	// value. 0 means the profile's cap (rfc: none below 2^31).
	MaxTTL int64
	// Clock returns the current time. nil means time.Now. Message expiry and VAPID exp checks
	// use it, so a test can move time forward without sleeping.
	Clock func() time.Time
	// ClockSkew is how far the push service's own clock is off Clock (negative: behind), to
	// play a service whose clock is wrong. It moves only the service's own decision on a VAPID
	// token's exp (RFC 8292 §4.2, by "the current time" as the service knows it), so such a
	// service refuses what a correct one accepts. The sender is still graded against the time of
	// the request, Clock(): a sender is not at fault for a service's wrong clock.
	ClockSkew time.Duration
	// Logf logs one line. nil means log.Printf; use t.Logf in tests. Private keys, auth secrets
	// and full JWTs are never logged.
	Logf func(format string, args ...any)
	// Addr is the plain HTTP listen address for Start. "" means 127.0.0.1:0.
	Addr string
	// TLSAddr is the HTTPS listen address for Start. "" means 127.0.0.1:0.
	TLSAddr string
	// NoTLS disables the HTTPS listener. The zero value serves both HTTP and HTTPS (a CA and a
	// leaf certificate for localhost, 127.0.0.1, TLSAddr's host and EndpointHost are made at
	// Start).
	NoTLS bool
	// HTTPSEndpoints makes CreateSubscription hand out https:// endpoints (on TLSURL). The zero
	// value hands out http:// endpoints on URL.
	HTTPSEndpoints bool
	// EndpointHost replaces the host (not the port) in the endpoints handed out, e.g. "localhost".
	// "" means 127.0.0.1.
	EndpointHost string
	// EndpointBase is the base URL (scheme://host:port, no trailing slash) of the endpoints that
	// CreateSubscription and VirtualUA.Subscribe hand out. "" means URL() (TLSURL() with
	// HTTPSEndpoints). Set it when the Server is served through another listener, e.g.
	// httptest.NewServer(s) without Start.
	EndpointBase string
	// AcceptedStatus is the status of an accepted message without receipt: 0 means the
	// profile's (201 everywhere). 202 lets specs check that senders accept any 2xx.
	AcceptedStatus int
	// RateLimit limits the messages accepted for one user agent (all its subscriptions), as
	// RFC 8030 §8.4 says a push service SHOULD: a token bucket of RateLimit messages, refilled
	// evenly over a minute; a message beyond it gets the profile's rate-limited answer (rfc: 429
	// with Retry-After) and is not stored. Only messages that would be accepted count. 0 means
	// DefaultRateLimit (1000); negative means no limit (load tests and benchmarks).
	RateLimit int
	// NoGiveUpReceipt makes the service drop the stored messages of a subscription that ends
	// (expired by the service, or unsubscribed) without the 410 receipt RFC 8030 §6.3 requires
	// for a message it gives up on before its expiry. A broken double for pushspec's own tests
	// (the suite must fail rfc8030-6.3-receipt-410-on-give-up against it); false in normal use.
	NoGiveUpReceipt bool
	// NoExpiryReceipt sends no receipt at all for a message whose TTL ran out undelivered.
	// Conformant (RFC 8030 §6.3 owes the 410 only when the service stops retrying before the
	// advertised expiry); a double for pushspec's own tests. false: the 410 is sent anyway.
	NoExpiryReceipt bool
	// KeepExpired ignores the TTL (above 0) of the messages it stores: they stay until delivered,
	// against RFC 8030 §5.2 and §7.2. A broken double for pushspec's own tests; false in normal
	// use.
	KeepExpired bool
	// WaitZeroStatus answers an RFC 8030 monitoring request with Prefer: wait=0 that finds nothing
	// (more) to push with this status instead of 204 (RFC 8030 §6). A double for pushspec's own
	// tests; 0 in normal use.
	WaitZeroStatus int
	// AckReceiptStatus is the status of the receipt for a message its user agent acknowledged,
	// instead of the 204 RFC 8030 §6.2 and §6.3 require (rfc8030-6.2-receipt-204-on-ack). A
	// broken double for pushspec's own tests; 0 in normal use (204).
	AckReceiptStatus int
	// NoRedelivery hands a message to a user agent at most once: one taken without an
	// acknowledgement stays stored until its TTL but is never delivered again, against RFC 8030
	// §6.2's "the push service SHOULD retry delivery" (rfc8030-6.2-redeliver-unacked). A broken
	// double for pushspec's own tests; false in normal use.
	NoRedelivery bool
	// DropWhenOffline accepts a message for a user agent that is not connected and drops it at
	// once, whatever its TTL, as RFC 8030 §5.2 allows only for TTL 0: stored messages are never
	// delivered when the user agent comes back (rfc8030-6-undelivered-pushed-on-reconnect). A
	// broken double for pushspec's own tests; false in normal use.
	DropWhenOffline bool
	// NoPushLink leaves out the Link rel="urn:ietf:params:push" on messages pushed over RFC
	// 8030's user-agent interface (rfc8030-6-push-link-on-delivery, and through a set
	// rfc8030-6.1-set-delivery-link). A broken double for pushspec's own tests; false in normal
	// use.
	NoPushLink bool
	// NoLastModified leaves out Last-Modified on stored messages pushed over RFC 8030's
	// user-agent interface (rfc8030-7.2-stored-last-modified). A broken double for pushspec's
	// own tests; false in normal use.
	NoLastModified bool
	// WaitZeroMaxPushes ends an RFC 8030 monitoring request with Prefer: wait=0 after this many
	// server pushes, though more messages are undelivered, against RFC 8030 §6's "MUST generate
	// a server push for all push messages that have not yet been delivered"
	// (rfc8030-6-wait-0-pushes-all). A broken double for pushspec's own tests; 0 in normal use
	// (no bound).
	WaitZeroMaxPushes int
	// ExpiredMonitorStatus ends an open RFC 8030 monitoring request whose subscription (set)
	// expired with this status instead of the 404 RFC 8030 §7.3 and §7.3.1 require
	// (rfc8030-7.3-outstanding-requests-404, rfc8030-7.3.1-set-expiry-cascades). A broken double
	// for pushspec's own tests; 0 in normal use (404).
	ExpiredMonitorStatus int
	// SetExpiryKeepsMembers expires an RFC 8030 subscription set without the subscriptions in
	// it, which go on taking messages, against RFC 8030 §7.3.1
	// (rfc8030-7.3.1-set-expiry-cascades). A broken double for pushspec's own tests; false in
	// normal use.
	SetExpiryKeepsMembers bool
	// MemberExpiryEndsSet expires a whole RFC 8030 subscription set when one subscription in
	// it expires, instead of taking only that subscription out of the set (RFC 8030 §7.3.1,
	// rfc8030-7.3.1-member-leaves-set). A broken double for pushspec's own tests; false in
	// normal use.
	MemberExpiryEndsSet bool
	// TokenPrefix is put before the random part of every subscription token, e.g. a fact about
	// the user agent or its device, which RFC 8030 §8.2 forbids in a push URI
	// (rfc8030-8.2-no-user-device-info). A broken double for pushspec's own tests; "" in normal
	// use.
	TokenPrefix string
	// UATokenPrefix starts every subscription token with 16 hex characters derived from its user
	// agent (a hash of the service's id of it), so that the push URIs of one user agent
	// correlate, against RFC 8030 §8.2 (rfc8030-8.2-push-uri-uncorrelatable). A broken double
	// for pushspec's own tests; false in normal use.
	UATokenPrefix bool
	// MessageIDCounter numbers accepted messages with one counter for the whole service (16
	// decimal digits) instead of random ids, so that push message URIs correlate across
	// subscriptions, against RFC 8030 §8.2 (rfc8030-8.2-message-uri-uncorrelatable). A broken
	// double for pushspec's own tests; false in normal use.
	MessageIDCounter bool

	// The knobs below each break one RFC 8030 §5.2–5.4 or RFC 8292 §4.2 rule of the push service
	// on purpose: doubles for pushspec's own tests (specs/pushservice's deviations test must catch
	// them). Their zero values are the conformant behaviour; never set them in normal use.
	//
	// TopicKeepsReplaced stores a message with a Topic beside the outstanding one with the same
	// Topic instead of replacing it (against rfc8030-5.4-topic-replaces).
	TopicKeepsReplaced bool
	// TopicReplacesAny lets a message with a Topic replace every outstanding message that has a
	// Topic, whatever its value (against rfc8030-5.4-distinct-topics-kept).
	TopicReplacesAny bool
	// TopicKeepsExpiry gives the replacing message the replaced one's expiry instead of its own
	// TTL (against rfc8030-5.4-topic-replaces-ttl-urgency-receipt).
	TopicKeepsExpiry bool
	// TopicKeepsLocation gives the replacing message the replaced one's push message resource
	// (against rfc8030-5.4-topic-new-location).
	TopicKeepsLocation bool
	// ReplacedReceipt sends a 410 receipt for a replaced message instead of suppressing it
	// (against rfc8030-5.4-replaced-receipt-suppressed).
	ReplacedReceipt bool
	// KeepTTLZero stores a TTL-0 message for a user agent that is not connected for a minute
	// instead of dropping it (against rfc8030-5.2-ttl-zero-offline-dropped).
	KeepTTLZero bool
	// DropTTLZero drops every TTL-0 message, also for a connected user agent, still answering
	// 201 (against rfc8030-5.2-ttl-zero-connected).
	DropTTLZero bool
	// MinTTL raises the TTL of a message below it to MinTTL, stores it that long and says so in
	// the TTL response header (against rfc8030-5.2-ttl-response-not-above-request). 0: none.
	MinTTL int64
	// NoUrgencyAs is the urgency of a message without Urgency; "" means normal, as RFC 8030 §5.3
	// requires (anything else is against rfc8030-5.3-urgency-default-normal).
	NoUrgencyAs string
	// IgnoreUrgencyThreshold delivers every message whatever urgency the user agent asked for
	// (against rfc8030-5.3-respect-ua-threshold).
	IgnoreUrgencyThreshold bool
	// ForwardVAPIDKey hands the user agent an aesgcm message's VAPID key k in its Crypto-Key, as
	// p256ecdsa= (the draft scheme's form), next to dh= (against rfc8292-4.2-no-jwt-to-ua).
	ForwardVAPIDKey bool
	// ForwardHeaders names request header fields, comma-separated, that are handed to the user
	// agent with each message (Delivery.Headers), e.g. "Urgency" (against
	// rfc8030-5.3-urgency-not-forwarded) or "Topic" (rfc8030-5.4-topic-not-forwarded).
	ForwardHeaders string
	// ReceiptNoLink answers a receipt request 202 without the receipt subscription's Link
	// (against rfc8030-5.1-receipt-202-location-link).
	ReceiptNoLink bool
	// ReceiptAlwaysNew makes a new receipt subscription for every receipt request, even one that
	// names a valid receipt subscription (against rfc8030-5.1-service-reuses-receipt-subscription).
	ReceiptAlwaysNew bool
	// SubscribeDeviation makes RFC 8030's subscribe resource (RFC8030SubscribeURL) deviate in one
	// way: "no-location" (201 without Location; against rfc8030-4-subscribe-201-location),
	// "no-push-link" (no Link rel="urn:ietf:params:push"; rfc8030-4-subscribe-link-push),
	// "no-set" (no subscription set; rfc8030-4.1-set-link, a MAY), "new-set" (a new set even for
	// a request naming a valid one; rfc8030-4.1-service-reuses-set), "ignore-invalid-set" (an
	// unknown set is taken as no set; rfc8030-4.1-invalid-set-400), "options-any-type" (the body
	// is read as webpush options whatever its media type; rfc8292-4.1-ignore-other-media-type),
	// "options-strict-members" (400 for a member other than vapid;
	// rfc8292-4.1-ignore-unknown-members), "needs-set" (429 to a subscribe request without the
	// set the connection was given: conformant, RFC 8030 §4.1's MAY, rfc8030-4.1-missing-set-429).
	// "" is the conformant behaviour.
	SubscribeDeviation string
	// CAFilePath is where Start writes the CA certificate (PEM). "" means a file in a fresh
	// temporary directory, removed by Close.
	CAFilePath string

	// BodyTimeout bounds reading one request body, on the push resource and on the control API;
	// a slower client gets 400 and its connection closed. 0 means 15 s.
	BodyTimeout time.Duration
	// MaxRecorded bounds the history kept for observation: requests (with their bodies and
	// verdicts), deliveries, acks and events each keep at least the newest MaxRecorded entries
	// (older ones are dropped in batches). 0 means 10000.
	MaxRecorded int

	// OnRequest, if set, is called for every push-resource request after its headers and body
	// were read and before it is validated, on the request's own handler goroutine. It may block
	// (to hold a request) and may return a Fault to inject; nil means handle normally. The
	// Request must not be modified, nor read after the hook returns (the handler goes on filling
	// it; read the finished record through Requests or AwaitRequest).
	OnRequest func(*Request) *Fault
	// OnDelivery, if set, is called after each successful hand-off of a message to a UA
	// connection, on that connection's delivery goroutine. It must not block for long: the next
	// delivery on that connection waits for it.
	OnDelivery func(DeliveryRecord)

	initOnce sync.Once
	mux      *http.ServeMux

	// The state, in parts with one job and one lock each (parts.go).
	subs       subscriptions
	store      messageStore
	log        requestLog
	deliveries deliveryLog
	receipts   receiptBook
	events     eventLog
	faults     faultQueue
	changed    await.Changed
	keyHistory graders.KeyHistory   // salts and ECDH keys of accepted messages (reuse grades)
	vcache     *webpush.VerifyCache // VAPID verification, keyed on the header text
	rate       rateState            // RateLimit's token buckets (ratelimit.go)
	msgCounter atomic.Uint64        // MessageIDCounter's counter

	// The listeners; netMu guards the fields below it.
	wg          sync.WaitGroup // connection goroutines and the janitor
	janitorStop chan struct{}
	netMu       sync.Mutex
	listeners   []*http.Server
	httpURL     string
	tlsURL      string
	tls         *tlsState
	ctrlUA      *VirtualUA
}

// NewServer starts opts, a Server with its option fields set (nil: a zero Server), and returns
// it. Call Close when done.
func NewServer(opts *Server) (*Server, error) {
	s := opts
	if s == nil {
		s = &Server{}
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.subs.byID = map[string]*subState{}
		s.store.msgs = map[string]*message{}
		s.store.queues = map[string][]*message{}
		s.store.live = map[string]int{}
		s.store.conns = map[string]*connState{}
		s.log.byID = map[string]*Request{}
		s.deliveries.ackByMsg = map[string]AckRecord{}
		s.receipts.byID = map[string]*receiptSub{}
		s.receipts.given = map[string]string{}
		s.vcache = webpush.NewVerifyCache(4096)
		s.mux = http.NewServeMux()
		s.routes()
	})
}

func (s *Server) maxRecorded() int {
	if s.MaxRecorded > 0 {
		return s.MaxRecorded
	}
	return 10000
}

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
		return
	}
	log.Printf("fakepushservice: "+format, args...)
}

// notify wakes every Await helper.
func (s *Server) notify() { s.changed.Notify() }

// await calls cond until it reports true or ctx ends (then it returns ctx.Err()). cond takes
// the locks of the parts it reads.
func (s *Server) await(ctx context.Context, cond func() bool) error {
	s.init()
	return s.changed.Until(ctx, nil, cond, nil)
}

// Start listens on Addr (default 127.0.0.1:0) and, unless NoTLS, on TLSAddr with a certificate
// made for localhost and 127.0.0.1.
func (s *Server) Start() error {
	s.init()
	s.netMu.Lock()
	if s.httpURL != "" {
		s.netMu.Unlock()
		return errors.New("fakepushservice: Server already started")
	}
	s.netMu.Unlock()
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fakepushservice: listen %s: %w", addr, err)
	}
	hs := s.newHTTPServer()
	s.netMu.Lock()
	s.httpURL = "http://" + ln.Addr().String()
	s.listeners = append(s.listeners, hs)
	s.netMu.Unlock()
	go hs.Serve(ln)
	s.janitorStop = make(chan struct{})
	s.wg.Add(1)
	go s.janitor(s.janitorStop)
	if !s.NoTLS {
		if err := s.startTLS(); err != nil {
			s.Close()
			return err
		}
	}
	return nil
}

func (s *Server) newHTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(logWriter{s}, "", 0),
	}
}

type logWriter struct{ s *Server }

func (w logWriter) Write(p []byte) (int, error) {
	w.s.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// janitor drops expired messages once a second (firing their 410 receipts), so nothing waits
// for a UA to come back to be expired. With a fake Clock it follows that clock.
func (s *Server) janitor(stop chan struct{}) {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.store.mu.Lock()
			before := len(s.store.msgs)
			s.expireLocked(s.now())
			if len(s.store.msgs) != before {
				s.notify()
			}
			s.store.mu.Unlock()
		}
	}
}

// URL is the base URL of the plain HTTP listener, http://127.0.0.1:port with no trailing slash.
// "" before Start.
func (s *Server) URL() string {
	s.init()
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return s.httpURL
}

// Close stops the listeners, ends every UA connection and waits for the delivery goroutines.
// Requests still running get 5 s to finish.
func (s *Server) Close() error {
	s.init()
	s.store.mu.Lock()
	if s.store.closed {
		s.store.mu.Unlock()
		return nil
	}
	s.store.closed = true
	for _, c := range s.store.conns {
		c.cancel()
	}
	s.store.conns = map[string]*connState{}
	s.store.mu.Unlock()
	s.notify()
	if s.janitorStop != nil {
		close(s.janitorStop)
	}
	s.netMu.Lock()
	ls := s.listeners
	s.netMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var first error
	for _, hs := range ls {
		if err := hs.Shutdown(ctx); err != nil {
			s.logf("close: %v; forcing connections shut", err)
			hs.Close()
			if first == nil {
				first = err
			}
		}
	}
	s.wg.Wait()
	if s.tls != nil {
		s.tls.cleanup()
	}
	return first
}

// Handle mounts a link's route on the service's listeners (HTTP and HTTPS), e.g.
// Handle("GET /autopush/", h). Safe to call at any time, also after Start. Patterns follow
// net/http.ServeMux; a pattern that conflicts with a core route panics, as ServeMux does.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.init()
	s.mux.Handle(pattern, h)
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	for _, p := range pushPrefixes {
		s.mux.HandleFunc(p+"{id}", s.servePush)
	}
	s.mux.HandleFunc("/m/{id}", s.serveMessage)
	s.mux.HandleFunc("/receipts/{id}", only("GET", s, s.serveReceipts))
	s.mux.HandleFunc("/", s.serveUnhandled)
	s.controlRoutes()
	s.rfc8030Routes()
}

// pushPrefixes are the push resource path shapes; every one maps to the same handler.
var pushPrefixes = []string{"/push/", "/wp/", "/fcm/send/", "/notify/"}

func (s *Server) serveUnhandled(w http.ResponseWriter, r *http.Request) {
	line := r.Method + " " + r.URL.Path
	s.log.mu.Lock()
	if len(s.log.unhandled) < 10000 {
		s.log.unhandled = append(s.log.unhandled, line)
	}
	s.log.mu.Unlock()
	s.event(Event{Kind: "unhandled", Detail: line})
	s.logf("unhandled route %s", line)
	writeJSON(w, http.StatusNotFound, map[string]any{
		"rule": "pushspec-unhandled-route", "error": "unhandled route " + line, "status": 404,
	})
}

// Unhandled lists the requests ("METHOD /path") that reached no route. A test can fail on it.
func (s *Server) Unhandled() []string {
	s.init()
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return append([]string(nil), s.log.unhandled...)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"internal: cannot encode response"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// newID returns n random bytes from crypto/rand, hex encoded.
func newID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("fakepushservice: crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Event is one thing that happened in the service, for /_pushspec/events and Events().
type Event struct {
	Seq     int       `json:"seq"`
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"` // subscribe, unsubscribed, expired, request, store, replace, drop, delete, connect, disconnect, deliver, deliver-error, ack, receipt, unhandled, rfc8030ua-*
	UA      string    `json:"ua,omitempty"`
	Sub     string    `json:"subscription,omitempty"`
	Message string    `json:"message,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// event records e; safe with any other part's lock held.
func (s *Server) event(e Event) {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	e.Time = s.now()
	s.events.seq++
	e.Seq = s.events.seq
	s.events.events.Add(e, s.maxRecorded())
}

// keepLast keeps the last n elements of a log in place: the log's array, which has room for
// twice as many, is reused rather than copied into a fresh one that appends would grow again.
// Readers of a log copy it under its lock, so none holds the array. The elements dropped are
// cleared so that what they point to can be collected.
func keepLast[T any](log []T, n int) []T {
	kept := copy(log, log[len(log)-n:])
	clear(log[kept:])
	return log[:kept]
}

// Events returns everything recorded so far, oldest first.
func (s *Server) Events() []Event {
	s.init()
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	return s.events.events.All()
}
