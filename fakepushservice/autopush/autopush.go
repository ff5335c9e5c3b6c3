package autopush

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/internal/await"
)

// Path is where Attach mounts the WebSocket endpoint.
const Path = "/autopush/"

// Subprotocol is the WebSocket subprotocol Firefox asks for.
const Subprotocol = "push-notification"

// CloseNoReconnect is the close code after which Firefox does not reconnect on its own
// (docs/firefox-autopush.md §4.7).
const CloseNoReconnect websocket.StatusCode = 4774

// Core is what the link needs of the push service; *fakepushservice.Server implements it.
type Core interface {
	CreateSubscription(spec fakepushservice.SubscriptionSpec) (*fakepushservice.Subscription, error)
	Unsubscribe(subscriptionID string, reason string) error
	Connect(ua string, conn fakepushservice.UAConn, opts fakepushservice.ConnectOptions) (disconnect func())
	Ack(ua string, messageID string, code fakepushservice.AckCode, evidence map[string]string)
	Handle(pattern string, h http.Handler)
	URL() string
}

var _ Core = (*fakepushservice.Server)(nil)

// Options configure a Link. The zero value works.
type Options struct {
	// Logf logs one line per connection event and every frame. nil means log.Printf.
	Logf func(format string, args ...any)
	// RegisterStatus, when non-zero, answers every register with this status (and no endpoint)
	// instead of creating a subscription: Firefox's subscribe() then rejects. See also
	// SetRegisterStatus.
	RegisterStatus int
	// AcceptUnknownUAID echoes a uaid the link has never issued. The zero value answers an
	// unknown uaid with a fresh one, as autopush does for a uaid it has no record of; Firefox then
	// drops its subscriptions and fires pushsubscriptionchange (§4.4).
	AcceptUnknownUAID bool
	// FrameLogLimit caps the frames kept per uaid, and the frames Unknown keeps; 0 means 10000.
	// Frames past the cap are not kept (UnknownDropped counts the unknown ones).
	FrameLogLimit int
}

// Attach mounts the autopush endpoint (GET /autopush/) on s and returns the link.
func Attach(s *fakepushservice.Server, opts Options) (*Link, error) {
	return AttachCore(s, opts)
}

// AttachCore is Attach for any Core (tests use it with a fake).
func AttachCore(c Core, opts Options) (*Link, error) {
	base := c.URL()
	if !strings.HasPrefix(base, "http://") {
		return nil, fmt.Errorf("autopush: the push service must be started and serve plain HTTP (URL %q)", base)
	}
	l := &Link{
		core:      c,
		opts:      opts,
		wsURL:     "ws://" + strings.TrimPrefix(base, "http://") + Path,
		uaids:     map[string]*uaState{},
		conns:     map[*conn]bool{},
		frames:    map[string][]Frame{},
		regStatus: opts.RegisterStatus,
	}
	c.Handle("GET "+Path, l)
	return l, nil
}

// Link is the autopush WebSocket endpoint. Its methods are safe for concurrent use.
type Link struct {
	core  Core
	opts  Options
	wsURL string

	mu        sync.Mutex
	changed   await.Changed // notified on every recorded event
	closed    bool
	connSeq   int
	conns     map[*conn]bool
	uaids     map[string]*uaState
	frames    map[string][]Frame // by uaid ("" before hello)
	hellos    []Hello
	registers []Register
	unregs    []Unregister
	nacks     []Nack
	unknown   []Frame
	// unknownDropped counts unknown frames past FrameLogLimit, not kept.
	unknownDropped int
	regStatus      int
	resetNext      bool
	wg             sync.WaitGroup
}

type uaState struct {
	channels map[string]string // channelID (lower case) → subscription ID
	current  *conn
}

// URL is the WebSocket URL for Firefox's dom.push.serverURL: ws://127.0.0.1:PORT/autopush/.
func (l *Link) URL() string { return l.wsURL }

// UA is the core's user-agent name for a uaid.
func UA(uaid string) string { return "autopush:" + uaid }

// Frame is one WebSocket message, as evidence.
type Frame struct {
	UAID string          `json:"uaid"`
	Conn int             `json:"conn"`
	In   bool            `json:"in"` // from the user agent
	At   time.Time       `json:"at"`
	Type string          `json:"type"` // messageType, lower case; "ping" for {}
	JSON json.RawMessage `json:"json"`
}

// Hello is one handshake.
type Hello struct {
	Conn       int             `json:"conn"`
	At         time.Time       `json:"at"`
	ClientUAID string          `json:"client_uaid"` // what the user agent sent ("" for none)
	UAID       string          `json:"uaid"`        // what the link answered
	Reset      bool            `json:"reset"`       // the answer differs from a uaid the client sent
	UseWebPush bool            `json:"use_webpush"`
	Broadcasts json.RawMessage `json:"broadcasts,omitempty"`
}

// Register is one register request and its answer.
type Register struct {
	Conn           int       `json:"conn"`
	At             time.Time `json:"at"`
	UAID           string    `json:"uaid"`
	ChannelID      string    `json:"channel_id"`
	Key            []byte    `json:"key,omitempty"` // the applicationServerKey, nil without one
	KeyText        string    `json:"key_text,omitempty"`
	Status         int       `json:"status"`
	Endpoint       string    `json:"endpoint,omitempty"`
	SubscriptionID string    `json:"subscription_id,omitempty"`
	Error          string    `json:"error,omitempty"`
}

// Unregister is one unregister request.
type Unregister struct {
	At             time.Time `json:"at"`
	UAID           string    `json:"uaid"`
	ChannelID      string    `json:"channel_id"`
	Code           int       `json:"code"` // 200 user, 201 quota, 202 permission (§4.2)
	SubscriptionID string    `json:"subscription_id,omitempty"`
}

// Nack is one nack: the service worker's push handler failed after the ack 100 (§4.3).
type Nack struct {
	At      time.Time `json:"at"`
	UAID    string    `json:"uaid"`
	Version string    `json:"version"`
	Code    int       `json:"code"` // 301 threw, 302 waitUntil rejected, 303 internal
}

// SetRegisterStatus makes later registers fail with status (0 restores normal answers).
func (l *Link) SetRegisterStatus(status int) {
	l.mu.Lock()
	l.regStatus = status
	l.mu.Unlock()
}

// ResetUAID arms the link to answer the next hello that carries a uaid with a different, fresh
// uaid. Firefox then drops every subscription and fires pushsubscriptionchange (§4.4). The core's
// subscriptions of the old uaid are unsubscribed at that moment (reason "uaid reset").
func (l *Link) ResetUAID() {
	l.mu.Lock()
	l.resetNext = true
	l.mu.Unlock()
}

// Drop ends the current connection of uaid ("" means every connection) at once, without a
// closing handshake (TCP close): Firefox reconnects after its backoff (§4.7). It reports whether a
// connection was dropped.
func (l *Link) Drop(uaid string) bool {
	cs := l.pick(uaid)
	for _, c := range cs {
		c.ws.CloseNow()
	}
	return len(cs) > 0
}

// CloseNoReconnect closes the current connection of uaid ("" means every connection) with code
// 4774, after which Firefox does not reconnect until it next needs to send a request.
func (l *Link) CloseNoReconnect(uaid string) bool {
	cs := l.pick(uaid)
	for _, c := range cs {
		c := c
		// Close waits up to 5 s for the peer's closing frame, which Firefox does not send
		// promptly (§4.7); do not make the caller wait for it.
		go func() {
			c.ws.Close(CloseNoReconnect, "pushspec: no reconnect")
			c.ws.CloseNow()
		}()
	}
	return len(cs) > 0
}

func (l *Link) pick(uaid string) []*conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*conn
	for c := range l.conns {
		if uaid == "" || c.uaid() == uaid {
			out = append(out, c)
		}
	}
	return out
}

// Connected reports whether uaid has a live, greeted connection.
func (l *Link) Connected(uaid string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.uaids[uaid]
	return st != nil && st.current != nil
}

// Frames returns the frame log of uaid, oldest first.
func (l *Link) Frames(uaid string) []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Frame(nil), l.frames[uaid]...)
}

// Hellos returns every handshake so far.
func (l *Link) Hellos() []Hello {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Hello(nil), l.hellos...)
}

// Registers returns every register request so far.
func (l *Link) Registers() []Register {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Register(nil), l.registers...)
}

// Unregisters returns every unregister request so far.
func (l *Link) Unregisters() []Unregister {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Unregister(nil), l.unregs...)
}

// Nacks returns every nack so far.
func (l *Link) Nacks() []Nack {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Nack(nil), l.nacks...)
}

// Unknown returns frames the link did not understand (unknown messageType, bad JSON, frames
// before hello). A healthy run has none.
func (l *Link) Unknown() []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Frame(nil), l.unknown...)
}

// await waits until cond (run with l.mu held) is true; it errs only when ctx ends.
func (l *Link) await(ctx context.Context, what string, cond func() bool) error {
	if err := l.changed.Until(ctx, &l.mu, cond, nil); err != nil {
		return fmt.Errorf("autopush: waiting for %s: %w", what, context.Cause(ctx))
	}
	return nil
}

// AwaitHello returns the first handshake (past or future) answered with uaid; "" matches any.
// It errs only when ctx ends.
func (l *Link) AwaitHello(ctx context.Context, uaid string) (Hello, error) {
	return l.AwaitHelloAfter(ctx, uaid, 0)
}

// AwaitHelloAfter is AwaitHello ignoring the first n handshakes (of any uaid): take n from
// len(Hellos()) before provoking a reconnect.
func (l *Link) AwaitHelloAfter(ctx context.Context, uaid string, n int) (Hello, error) {
	var out Hello
	err := l.await(ctx, "hello", func() bool {
		for i := n; i < len(l.hellos); i++ {
			if uaid == "" || l.hellos[i].UAID == uaid {
				out = l.hellos[i]
				return true
			}
		}
		return false
	})
	return out, err
}

// AwaitRegister returns the first register request (past or future) for which match is true;
// nil matches any. It errs only when ctx ends.
func (l *Link) AwaitRegister(ctx context.Context, match func(Register) bool) (Register, error) {
	var out Register
	err := l.await(ctx, "register", func() bool {
		for _, r := range l.registers {
			if match == nil || match(r) {
				out = r
				return true
			}
		}
		return false
	})
	return out, err
}

// AwaitUnregister returns the first unregister of channelID ("" matches any).
func (l *Link) AwaitUnregister(ctx context.Context, channelID string) (Unregister, error) {
	var out Unregister
	err := l.await(ctx, "unregister", func() bool {
		for _, u := range l.unregs {
			if channelID == "" || strings.EqualFold(u.ChannelID, channelID) {
				out = u
				return true
			}
		}
		return false
	})
	return out, err
}

// AwaitNack returns the first nack of version (a message ID).
func (l *Link) AwaitNack(ctx context.Context, version string) (Nack, error) {
	var out Nack
	err := l.await(ctx, "nack", func() bool {
		for _, n := range l.nacks {
			if n.Version == version {
				out = n
				return true
			}
		}
		return false
	})
	return out, err
}

// AwaitFrame returns the first logged frame of uaid for which match is true.
func (l *Link) AwaitFrame(ctx context.Context, uaid string, match func(Frame) bool) (Frame, error) {
	var out Frame
	err := l.await(ctx, "frame", func() bool {
		for _, f := range l.frames[uaid] {
			if match(f) {
				out = f
				return true
			}
		}
		return false
	})
	return out, err
}

// Close ends every connection at once and waits for their goroutines. The route stays mounted
// and refuses new connections.
func (l *Link) Close() error {
	l.mu.Lock()
	l.closed = true
	cs := make([]*conn, 0, len(l.conns))
	for c := range l.conns {
		cs = append(cs, c)
	}
	l.mu.Unlock()
	for _, c := range cs {
		c.ws.CloseNow()
	}
	l.wg.Wait()
	return nil
}

func (l *Link) logf(format string, args ...any) {
	if l.opts.Logf != nil {
		l.opts.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}

func (l *Link) notifyLocked() { l.changed.Notify() }

// ServeHTTP accepts one WebSocket connection and serves it until it ends.
func (l *Link) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		http.Error(w, "autopush link closed", http.StatusServiceUnavailable)
		return
	}
	l.wg.Add(1)
	l.connSeq++
	id := l.connSeq
	l.mu.Unlock()
	defer l.wg.Done()

	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{Subprotocol},
		// Firefox sends Origin: ws://127.0.0.1:PORT/ (the server URL itself), which is not the
		// Host's http origin; the link is loopback-only, so no cross-origin check applies.
		InsecureSkipVerify: true,
	})
	if err != nil {
		l.logf("autopush: conn %d: accept: %v", id, err)
		return
	}
	ws.SetReadLimit(1 << 20)
	c := &conn{link: l, ws: ws, id: id, remote: r.RemoteAddr}
	l.mu.Lock()
	l.conns[c] = true
	l.mu.Unlock()
	l.logf("autopush: conn %d from %s (%s, subprotocol %q)", id, r.RemoteAddr, r.UserAgent(), ws.Subprotocol())
	err = c.serve()
	c.end()
	l.mu.Lock()
	delete(l.conns, c)
	l.notifyLocked()
	l.mu.Unlock()
	l.logf("autopush: conn %d (uaid %q) ended: %v", id, c.uaid(), err)
}

// conn is one WebSocket connection.
type conn struct {
	link   *Link
	ws     *websocket.Conn
	id     int
	remote string

	writeMu sync.Mutex

	mu         sync.Mutex
	ua         string // uaid after hello
	disconnect func()
}

func (c *conn) uaid() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ua
}

// end disconnects from the core and forgets the connection as its uaid's current one.
func (c *conn) end() {
	c.mu.Lock()
	disc, uaid := c.disconnect, c.ua
	c.disconnect = nil
	c.mu.Unlock()
	if disc != nil {
		disc()
	}
	c.ws.CloseNow()
	l := c.link
	l.mu.Lock()
	if st := l.uaids[uaid]; st != nil && st.current == c {
		st.current = nil
	}
	l.mu.Unlock()
}

// message is the union of the frames a user agent sends.
type message struct {
	MessageType string          `json:"messageType"`
	UAID        *string         `json:"uaid"`
	UseWebPush  bool            `json:"use_webpush"`
	Broadcasts  json.RawMessage `json:"broadcasts"`
	ChannelID   string          `json:"channelID"`
	Key         *string         `json:"key"`
	Code        *int            `json:"code"`
	Version     string          `json:"version"`
	Updates     []ackUpdate     `json:"updates"`
}

type ackUpdate struct {
	ChannelID string `json:"channelID"`
	Version   string `json:"version"`
	Code      *int   `json:"code"`
}

func (c *conn) serve() error {
	ctx := context.Background()
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText {
			c.record(true, "binary", data, true)
			if c.uaid() == "" {
				return errors.New("binary frame before hello")
			}
			continue
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			c.record(true, "invalid-json", data, true)
			if c.uaid() == "" {
				// Like any other frame before hello: a peer that never says hello is not held.
				return errors.New("invalid JSON before hello")
			}
			continue
		}
		mt := strings.ToLower(m.MessageType) // Firefox matches messageType case-insensitively (§4.1)
		if mt == "" {
			mt = "ping"
		}
		if mt != "hello" || c.uaid() != "" {
			// A first hello is logged by hello(), under the uaid it is answered with.
			c.record(true, mt, data, false)
		}
		if mt != "hello" && c.uaid() == "" {
			c.link.recordUnknown(c, data)
			return errors.New("frame before hello")
		}
		switch mt {
		case "hello":
			err = c.hello(m, data)
		case "register":
			err = c.register(m)
		case "unregister":
			err = c.unregister(m)
		case "ack":
			c.ack(m, data)
		case "nack":
			c.nack(m)
		case "ping":
			// {} (or messageType ping) is a ping; any frame back is its pong (§4.2).
			err = c.send(map[string]any{})
		case "broadcast_subscribe":
			// Firefox's broadcast listeners (remote-settings); no reply is expected.
		default:
			c.link.recordUnknown(c, data)
			c.link.logf("autopush: conn %d: unknown messageType %q: %s", c.id, m.MessageType, data)
		}
		if err != nil {
			return err
		}
	}
}

func (l *Link) recordUnknown(c *conn, data []byte) {
	l.mu.Lock()
	l.addUnknownLocked(Frame{UAID: c.ua, Conn: c.id, In: true, At: time.Now(), JSON: append(json.RawMessage(nil), data...)})
	l.notifyLocked()
	l.mu.Unlock()
}

// frameLogLimit is Options.FrameLogLimit with its default.
func (l *Link) frameLogLimit() int {
	if l.opts.FrameLogLimit <= 0 {
		return 10000
	}
	return l.opts.FrameLogLimit
}

// addUnknownLocked keeps f unless FrameLogLimit unknown frames are kept already: a client
// sending garbage for hours must not grow the link without bound. Callers hold l.mu.
func (l *Link) addUnknownLocked(f Frame) {
	if len(l.unknown) >= l.frameLogLimit() {
		l.unknownDropped++
		return
	}
	l.unknown = append(l.unknown, f)
}

// UnknownDropped is how many unknown frames came after Unknown's cap (FrameLogLimit) and were
// not kept.
func (l *Link) UnknownDropped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unknownDropped
}

// record adds a frame to the log of the connection's uaid.
func (c *conn) record(in bool, typ string, data []byte, bad bool) {
	uaid := c.uaid()
	l := c.link
	f := Frame{UAID: uaid, Conn: c.id, In: in, At: time.Now(), Type: typ}
	if json.Valid(data) {
		f.JSON = append(json.RawMessage(nil), data...)
	} else {
		f.JSON, _ = json.Marshal(string(data))
	}
	limit := l.frameLogLimit()
	l.mu.Lock()
	if len(l.frames[uaid]) < limit {
		l.frames[uaid] = append(l.frames[uaid], f)
	}
	if bad {
		l.addUnknownLocked(f)
	}
	l.notifyLocked()
	l.mu.Unlock()
	dir := "<-"
	if !in {
		dir = "->"
	}
	l.logf("autopush: conn %d %s %s", c.id, dir, truncate(string(data), 300))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (c *conn) send(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	typ := "ping"
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["messageType"].(string); ok {
			typ = t
		}
	}
	c.record(false, typ, data, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.Write(ctx, websocket.MessageText, data)
}

func newUAID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// hello answers the handshake and connects the uaid to the core, which then sends whatever is
// stored for it (store-and-forward).
func (c *conn) hello(m message, raw []byte) error {
	if c.uaid() != "" {
		// A second hello on one connection; autopush ignores it, and so do we (it is logged).
		return nil
	}
	l := c.link
	client := ""
	if m.UAID != nil {
		client = *m.UAID
	}
	l.mu.Lock()
	uaid := client
	reset := false
	var dropped []string
	switch {
	case client == "":
		uaid = newUAID()
	case l.uaids[client] == nil && !l.opts.AcceptUnknownUAID:
		uaid, reset = newUAID(), true
	case l.resetNext:
		l.resetNext = false
		uaid, reset = newUAID(), true
		if st := l.uaids[client]; st != nil {
			for _, sub := range st.channels {
				dropped = append(dropped, sub)
			}
			st.channels = map[string]string{}
		}
	}
	st := l.uaids[uaid]
	if st == nil {
		st = &uaState{channels: map[string]string{}}
		l.uaids[uaid] = st
	}
	prev := st.current
	st.current = c
	h := Hello{Conn: c.id, At: time.Now(), ClientUAID: client, UAID: uaid, Reset: reset, UseWebPush: m.UseWebPush, Broadcasts: m.Broadcasts}
	l.mu.Unlock()
	for _, sub := range dropped {
		l.core.Unsubscribe(sub, "uaid reset")
	}
	if prev != nil && prev != c {
		// autopush keeps one connection per uaid; the newer one wins (the core agrees).
		prev.ws.CloseNow()
	}
	c.mu.Lock()
	c.ua = uaid
	c.mu.Unlock()
	c.record(true, "hello", raw, false)
	// use_webpush:true is mandatory: without it Firefox falls back to SimplePush (§4.2).
	if err := c.send(map[string]any{"messageType": "hello", "uaid": uaid, "status": 200, "use_webpush": true, "broadcasts": map[string]any{}}); err != nil {
		return err
	}
	// Connect only after the reply is on the wire: Firefox must see the hello answer before any
	// notification.
	disc := l.core.Connect(UA(uaid), c, fakepushservice.ConnectOptions{})
	c.mu.Lock()
	c.disconnect = disc
	c.mu.Unlock()
	l.mu.Lock()
	l.hellos = append(l.hellos, h)
	l.notifyLocked()
	l.mu.Unlock()
	return nil
}

// decodeKey decodes the register key: base64url with padding from Firefox (§4.2), tolerant of
// no padding and of standard base64.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func (c *conn) register(m message) error {
	l := c.link
	uaid := c.uaid()
	rec := Register{Conn: c.id, At: time.Now(), UAID: uaid, ChannelID: m.ChannelID}
	reply := map[string]any{"messageType": "register", "channelID": m.ChannelID}
	l.mu.Lock()
	status := l.regStatus
	l.mu.Unlock()
	switch {
	case m.ChannelID == "":
		status = 400
		rec.Error = "register without channelID"
	case status != 0:
		rec.Error = "RegisterStatus knob"
	}
	if status == 0 && m.Key != nil {
		rec.KeyText = *m.Key
		key, err := decodeKey(*m.Key)
		if err != nil {
			status, rec.Error = 400, "key is not base64url: "+err.Error()
		} else {
			rec.Key = key
		}
	}
	if status == 0 {
		spec := fakepushservice.SubscriptionSpec{
			UA: UA(uaid), Link: fakepushservice.LinkAutopush, AppServerKey: rec.Key, LinkRef: m.ChannelID,
			Meta: map[string]string{"uaid": uaid, "channelID": m.ChannelID, "key": rec.KeyText},
		}
		sub, err := l.core.CreateSubscription(spec)
		if err != nil {
			status, rec.Error = 400, err.Error()
		} else {
			status, rec.Endpoint, rec.SubscriptionID = 200, sub.Endpoint, sub.ID
			reply["pushEndpoint"] = sub.Endpoint
			l.mu.Lock()
			if st := l.uaids[uaid]; st != nil {
				st.channels[strings.ToLower(m.ChannelID)] = sub.ID
			}
			l.mu.Unlock()
		}
	}
	rec.Status = status
	reply["status"] = status
	if rec.Error != "" {
		reply["error"] = rec.Error
	}
	err := c.send(reply)
	l.mu.Lock()
	l.registers = append(l.registers, rec)
	l.notifyLocked()
	l.mu.Unlock()
	return err
}

func (c *conn) unregister(m message) error {
	l := c.link
	uaid := c.uaid()
	rec := Unregister{At: time.Now(), UAID: uaid, ChannelID: m.ChannelID}
	if m.Code != nil {
		rec.Code = *m.Code
	}
	key := strings.ToLower(m.ChannelID)
	l.mu.Lock()
	if st := l.uaids[uaid]; st != nil {
		rec.SubscriptionID = st.channels[key]
		delete(st.channels, key)
	}
	l.mu.Unlock()
	if rec.SubscriptionID != "" {
		l.core.Unsubscribe(rec.SubscriptionID, fmt.Sprintf("autopush unregister code %d", rec.Code))
	}
	// autopush answers 200 also for a channel it does not know.
	err := c.send(map[string]any{"messageType": "unregister", "channelID": m.ChannelID, "status": 200})
	l.mu.Lock()
	l.unregs = append(l.unregs, rec)
	l.notifyLocked()
	l.mu.Unlock()
	return err
}

func (c *conn) ack(m message, data []byte) {
	ua := UA(c.uaid())
	for _, u := range m.Updates {
		code := int(fakepushservice.AckDelivered)
		ev := map[string]string{"channelID": u.ChannelID, "frame": truncate(string(data), 2000)}
		if u.Code != nil {
			code = *u.Code
		} else {
			// Old clients ack without a code; autopush reads that as delivered.
			ev["code"] = "absent"
		}
		c.link.core.Ack(ua, u.Version, fakepushservice.AckCode(code), ev)
	}
}

func (c *conn) nack(m message) {
	n := Nack{At: time.Now(), UAID: c.uaid(), Version: m.Version}
	if m.Code != nil {
		n.Code = *m.Code
	}
	l := c.link
	l.mu.Lock()
	l.nacks = append(l.nacks, n)
	l.notifyLocked()
	l.mu.Unlock()
}

// Deliver writes one notification frame (called by the core, one at a time per connection).
func (c *conn) Deliver(ctx context.Context, d fakepushservice.Delivery) error {
	f := map[string]any{"messageType": "notification", "channelID": d.LinkRef, "version": d.MessageID}
	if d.Body != nil {
		// data is the HTTP body, base64url; headers carry the content coding, lower case with
		// underscores (§4.2). A message with no body has neither (push event with data null).
		f["data"] = base64.RawURLEncoding.EncodeToString(d.Body)
		h := map[string]string{}
		if d.ContentEncoding != "" {
			h["encoding"] = d.ContentEncoding
		}
		if d.Encryption != "" {
			h["encryption"] = d.Encryption
		}
		if d.CryptoKey != "" {
			h["crypto_key"] = d.CryptoKey
		}
		f["headers"] = h
	}
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	c.record(false, "notification", data, false)
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.Write(ctx, websocket.MessageText, data)
}
