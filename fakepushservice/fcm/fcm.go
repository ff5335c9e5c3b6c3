package fcm

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
)

// Core is the part of the push service core the link calls (see fakepushservice/link.go). Attach
// adapts a *fakepushservice.Server to it; tests can supply a fake.
type Core interface {
	// CreateSubscription mints a subscription and returns its ID (the register3 token).
	CreateSubscription(spec fakepushservice.SubscriptionSpec) (subscriptionID string, err error)
	Unsubscribe(subscriptionID, reason string) error
	Connect(ua string, conn fakepushservice.UAConn, opts fakepushservice.ConnectOptions) (disconnect func())
	Ack(ua, messageID string, code fakepushservice.AckCode, evidence map[string]string)
	// Handle mounts a route on the service's HTTP listener.
	Handle(pattern string, h http.Handler)
	// URL is the service's base URL, http://127.0.0.1:PORT, no trailing slash.
	URL() string
}

// Options configure a Link. The zero value works.
type Options struct {
	// RegisterError, when set, makes every web push register3 answer "Error=<RegisterError>".
	// "INVALID_SENDER" is final for Chromium: subscribe() rejects at once with "AbortError:
	// Registration failed - push service error". Codes Chromium treats as transient (unknown ones,
	// SERVICE_NOT_AVAILABLE) are retried with back-off, and subscribe() stays pending meanwhile.
	// Change it later with SetRegisterError.
	RegisterError string
	// MCSAddr is the MCS listener's address; "" means 127.0.0.1:0.
	MCSAddr string
	// Logf receives a line per exchange; nil discards.
	Logf func(format string, args ...any)
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// MaxFrames caps each user agent's frame log; 0 means 20000. When full, the oldest tenth is
	// dropped (FrameLog then starts with a "log-truncated" frame saying how many).
	MaxFrames int
	// MaxDevices caps the devices (android id and security token pairs) the link has handed out;
	// 0 means 10000. A checkin that would add one more is answered 503 with a message, so that a
	// client checking in again and again without its credentials cannot grow a long-running
	// `pushspec serve` without bound. A browser checks in once per profile.
	MaxDevices int
}

// Link is the FCM emulation attached to one push service.
type Link struct {
	core Core
	opts Options

	ln      net.Listener
	tlsConf *tls.Config
	spki    string
	wg      sync.WaitGroup

	mu            sync.Mutex
	registerError string
	devices       map[uint64]uint64        // android id → security token
	regs          map[string]*Registration // subscription ID → registration
	byAppID       map[string]string        // "<device>/<X-subtype>" → subscription ID
	frames        map[string][]Frame       // UA → frames, "" for not yet attributed
	conns         map[*mcsConn]struct{}
	nextConn      int
	nextMsg       uint64
	closed        bool

	// loginMu orders logins: newestLogin holds, by UA, the number of its latest accepted
	// LoginRequest, and a connection joins the core only while it is the latest. Without it, a
	// connection that Chromium dropped right after its login could reach the core after the
	// login that replaced it and take its place, leaving messages stored but undelivered.
	loginMu     sync.Mutex
	loginSeq    int
	newestLogin map[string]int
	// beforeJoin, for tests, runs after a login was answered and before the connection joins
	// the core: where a slow goroutine lets a newer login overtake it.
	beforeJoin func(ua string, login int)
}

// Registration is what Chromium sent in the register3 that created a web push subscription.
type Registration struct {
	SubscriptionID string
	UA             string // "fcm:<android id>"
	AndroidID      uint64
	Sender         string // VAPID public key, unpadded base64url, as sent; becomes the MCS "from"
	App            string // product category, e.g. "org.chromium.linux"; becomes the MCS "category"
	Subtype        string // X-subtype, "wp:<origin>#<guid>-V2"; the app_data "subtype"
	AppID          string // Instance ID
	Created        time.Time
}

// AttachCore is Attach for any Core: it mounts the checkin and register3 routes and starts the
// MCS listener.
func AttachCore(c Core, opts Options) (*Link, error) {
	cert, spki, err := newMCSCertificate()
	if err != nil {
		return nil, err
	}
	addr := opts.MCSAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fcm: MCS listener: %w", err)
	}
	l := &Link{
		core: c,
		opts: opts,
		ln:   ln,
		// Chromium offers TLS 1.3 and 1.2 without ALPN and, for an IP endpoint, without SNI.
		tlsConf:       &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		spki:          spki,
		registerError: opts.RegisterError,
		devices:       map[uint64]uint64{},
		regs:          map[string]*Registration{},
		byAppID:       map[string]string{},
		frames:        map[string][]Frame{},
		conns:         map[*mcsConn]struct{}{},
	}
	c.Handle("POST /checkin", http.HandlerFunc(l.serveCheckin))
	c.Handle("POST /c2dm/register3", http.HandlerFunc(l.serveRegister))
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// Endpoint is the MCS endpoint for --gcm-mcs-endpoint: https://127.0.0.1:PORT (no path).
func (l *Link) Endpoint() string { return "https://" + l.ln.Addr().String() }

// CheckinURL is the value for --gcm-checkin-url.
func (l *Link) CheckinURL() string { return l.core.URL() + "/checkin" }

// RegistrationURL is the value for --gcm-registration-url.
func (l *Link) RegistrationURL() string { return l.core.URL() + "/c2dm/register3" }

// SPKIHash is base64(SHA-256(SubjectPublicKeyInfo DER)) of the MCS certificate, the value for
// --ignore-certificate-errors-spki-list.
func (l *Link) SPKIHash() string { return l.spki }

// SetRegisterError changes the register3 fault knob; "" answers normally again.
func (l *Link) SetRegisterError(code string) {
	l.mu.Lock()
	l.registerError = code
	l.mu.Unlock()
}

// Registration returns what register3 sent for a subscription (e.g. to compare a VAPID k with the
// sender the browser registered).
func (l *Link) Registration(subscriptionID string) (Registration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.regs[subscriptionID]
	if !ok {
		return Registration{}, false
	}
	return *r, true
}

// FrameLog returns a copy of everything exchanged with one user agent ("fcm:<android id>"), in
// order: checkin, register3 and MCS frames both ways. FrameLog("") gives what could not be
// attributed (e.g. a connection that never logged in).
func (l *Link) FrameLog(ua string) []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.frames[ua])
}

// UAs lists the user agents that checked in, in no particular order.
func (l *Link) UAs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for id := range l.devices {
		out = append(out, uaName(id))
	}
	return out
}

// Close stops the MCS listener and closes every MCS connection. The HTTP routes stay mounted on
// the service (they answer 503 afterwards).
func (l *Link) Close() error {
	l.mu.Lock()
	l.closed = true
	conns := make([]*mcsConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	err := l.ln.Close()
	for _, c := range conns {
		c.nc.Close()
	}
	l.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Frame is one recorded exchange.
type Frame struct {
	Time time.Time `json:"time"`
	// Conn numbers MCS connections from 1 in accept order; 0 for HTTP exchanges.
	Conn int    `json:"conn,omitempty"`
	Dir  string `json:"dir"`  // "in" (from the user agent) or "out"
	Kind string `json:"kind"` // "checkin", "register3", "version", or the MCS message name
	// Tag is the MCS tag, -1 for anything else.
	Tag int `json:"tag"`
	// Stream is the MCS stream id of the frame in its direction: server frames count 1 (the
	// LoginResponse), 2, …; client frames likewise. 0 for non-frames.
	Stream int    `json:"stream,omitempty"`
	Size   int    `json:"size"`
	Detail string `json:"detail,omitempty"` // decoded fields or the form, truncated
}

func (l *Link) record(ua string, f Frame) {
	if f.Time.IsZero() {
		f.Time = l.now()
	}
	if len(f.Detail) > 2000 {
		f.Detail = f.Detail[:2000] + "…"
	}
	limit := l.opts.MaxFrames
	if limit <= 0 {
		limit = 20000
	}
	l.mu.Lock()
	log := append(l.frames[ua], f)
	if len(log) > limit {
		body, dropped := log, 0
		if body[0].Kind == "log-truncated" {
			body, dropped = body[1:], body[0].Size
		}
		n := max(len(log)-limit+1, limit/10, 1)
		body = body[min(n, len(body)):]
		dropped += n
		marker := Frame{Time: f.Time, Dir: "-", Kind: "log-truncated", Tag: -1, Size: dropped,
			Detail: strconv.Itoa(dropped) + " older frames dropped (Options.MaxFrames)"}
		log = append([]Frame{marker}, body...)
	}
	l.frames[ua] = log
	l.mu.Unlock()
	l.logf("fcm %s conn=%d %s %s stream=%d size=%d %s", ua, f.Conn, f.Dir, f.Kind, f.Stream, f.Size, f.Detail)
}

func (l *Link) logf(format string, args ...any) {
	if l.opts.Logf != nil {
		l.opts.Logf(format, args...)
	}
}

func (l *Link) now() time.Time {
	if l.opts.Now != nil {
		return l.opts.Now()
	}
	return time.Now()
}

func uaName(androidID uint64) string { return "fcm:" + strconv.FormatUint(androidID, 10) }

// randomID returns a random non-zero number below 2^63: Chromium stores android ids and security
// tokens as uint64 but some paths print them as int64, so stay clear of the sign bit.
func randomID() uint64 {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			log.Panicf("fcm: crypto/rand: %v", err) // never happens on Linux
		}
		if v := binary.BigEndian.Uint64(b[:]) >> 1; v != 0 {
			return v
		}
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		log.Panicf("fcm: crypto/rand: %v", err)
	}
	return b
}
