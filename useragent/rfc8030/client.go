// Package rfc8030 is a user agent speaking RFC 8030's own interface to a push service: it
// subscribes (§4, with a subscription set §4.1 and an applicationServerKey as RFC 8292 §4.1
// defines it), monitors a subscription or a set with a GET over HTTP/2 and takes every message
// the service sends as an HTTP/2 server push (§6), decrypts it (RFC 8291) and acknowledges it by
// DELETE (§6.2). A subscription's keys and the decryption of what is pushed to it are the shared
// user agent's (package useragent); this package is the wire.
//
// Go's own HTTP/2 client turns server push off (SETTINGS_ENABLE_PUSH=0), so this is a small client
// of its own on golang.org/x/net/http2's Framer and HPACK: one TLS connection (ALPN h2) per
// Client, SETTINGS_ENABLE_PUSH=1, any number of concurrent requests. It depends on no push
// service package: it speaks only the wire protocol, so it can face any RFC 8030 service.
//
//	c, _ := rfc8030.Dial(ctx, "https://127.0.0.1:port", roots)
//	sub, res, _ := c.Subscribe(ctx, "/rfc8030/subscribe", rfc8030.SubscribeOptions{AppServerKey: k})
//	… an application server sends to sub.PushResource with sub.P256dh and sub.Auth …
//	res, _ = c.Do(ctx, "GET", sub.Resource, http.Header{"Prefer": {"wait=0"}}, nil) // 204 + res.Pushes
//	plaintext, _ := sub.Decrypt(res.Pushes[0]); c.Ack(ctx, res.Pushes[0])
//
// Every wait takes a context; nothing sleeps.
package rfc8030

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/pushspec/pushspec/internal/await"
	"github.com/pushspec/pushspec/useragent"
	"github.com/pushspec/pushspec/webpush"
)

// Link relations of RFC 8030 §4, §4.1.
const (
	RelPush    = "urn:ietf:params:push"
	RelPushSet = "urn:ietf:params:push:set"
)

// WebPushOptionsType is the media type of RFC 8292 §4.1's subscribe body.
const WebPushOptionsType = "application/webpush-options+json"

// maxFrameLog bounds the frame log kept for evidence.
const maxFrameLog = 400

var timeZero time.Time

// Client is one HTTP/2 connection to a push service. Safe for concurrent use.
type Client struct {
	conn   net.Conn
	origin *url.URL // scheme://authority

	wmu    sync.Mutex // guards fr's writes, enc, encBuf, nextID
	fr     *http2.Framer
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	nextID uint32

	dec *hpack.Decoder // read loop only

	mu       sync.Mutex
	changed  await.Changed // notified on every change
	streams  map[uint32]*Stream
	err      error // set once the connection broke
	frames   []string
	settings map[http2.SettingID]uint32 // the server's
	readDone chan struct{}
}

// Dial opens a TLS connection with ALPN h2 to the origin of rawURL (an https URL; its path is
// ignored), trusting roots (nil: the system's), and starts HTTP/2 with server push enabled.
func Dial(ctx context.Context, rawURL string, roots *x509.CertPool) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("rfc8030: %q is not an https URL (RFC 8030 runs over HTTP/2 with TLS)", rawURL)
	}
	host := u.Hostname()
	d := tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: host, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12}}
	nc, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("rfc8030: dial %s: %w", u.Host, err)
	}
	if p := nc.(*tls.Conn).ConnectionState().NegotiatedProtocol; p != "h2" {
		nc.Close()
		return nil, fmt.Errorf("rfc8030: %s negotiated ALPN %q, not h2", u.Host, p)
	}
	c := &Client{conn: nc, origin: &url.URL{Scheme: u.Scheme, Host: u.Host}, nextID: 1,
		streams: map[uint32]*Stream{}, settings: map[http2.SettingID]uint32{},
		readDone: make(chan struct{})}
	c.fr = http2.NewFramer(nc, nc)
	c.fr.SetMaxReadFrameSize(1 << 20)
	c.enc = hpack.NewEncoder(&c.encBuf)
	c.dec = hpack.NewDecoder(4096, nil)
	c.dec.SetMaxStringLength(1 << 20)
	if dl, ok := ctx.Deadline(); ok {
		nc.SetWriteDeadline(dl)
	}
	err = func() error {
		if _, err := io.WriteString(nc, http2.ClientPreface); err != nil {
			return err
		}
		// RFC 8030 §6 needs server push: say so (it is the default, but Go's server, like the
		// RFC, honours an explicit value), and let pushes and bodies flow without stalls.
		if err := c.fr.WriteSettings(
			http2.Setting{ID: http2.SettingEnablePush, Val: 1},
			http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1000},
			http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 24},
		); err != nil {
			return err
		}
		return c.fr.WriteWindowUpdate(0, 1<<24)
	}()
	nc.SetWriteDeadline(timeZero)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("rfc8030: starting HTTP/2: %w", err)
	}
	c.logFrame("→ SETTINGS ENABLE_PUSH=1 MAX_CONCURRENT_STREAMS=1000 INITIAL_WINDOW_SIZE=16777216")
	go c.readLoop()
	return c, nil
}

// Close ends the connection; open streams fail.
func (c *Client) Close() error {
	c.wmu.Lock()
	c.fr.WriteGoAway(0, http2.ErrCodeNo, nil)
	c.wmu.Unlock()
	err := c.conn.Close()
	<-c.readDone
	return err
}

// Origin is the scheme://authority the client is connected to.
func (c *Client) Origin() string { return c.origin.String() }

// Frames returns the log of frames sent and received (newest last, at most a few hundred), one
// line each, for evidence. Bodies are not in it.
func (c *Client) Frames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.frames...)
}

// ServerSettings returns the SETTINGS the server sent.
func (c *Client) ServerSettings() map[http2.SettingID]uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[http2.SettingID]uint32{}
	for k, v := range c.settings {
		out[k] = v
	}
	return out
}

func (c *Client) logFrame(line string) {
	c.mu.Lock()
	c.logFrameLocked(line)
	c.mu.Unlock()
}

func (c *Client) logFrameLocked(line string) {
	c.frames = append(c.frames, line)
	if len(c.frames) > maxFrameLog {
		c.frames = append([]string(nil), c.frames[len(c.frames)-maxFrameLog/2:]...)
	}
}

// notifyLocked wakes every waiter; c.mu must be held.
func (c *Client) notifyLocked() { c.changed.Notify() }

// await calls cond under c.mu until it is true or ctx ends.
func (c *Client) await(ctx context.Context, cond func() bool) error {
	return c.changed.Until(ctx, &c.mu, cond, nil)
}

// Stream is one request the client sent, or one the server promised (a push).
type Stream struct {
	c         *Client
	id        uint32
	parent    *Stream
	method    string
	path      string
	promise   http.Header // pushed: the promised request's fields, pseudo-headers included
	status    int
	header    http.Header
	body      bytes.Buffer
	headersIn bool
	ended     bool
	err       error
	promised  []*Stream
	next      int // Next's cursor into promised
}

// Push is one message the server pushed: the promised request (PUSH_PROMISE) and its response.
type Push struct {
	StreamID uint32
	Parent   uint32      // the stream it was promised on
	Method   string      // :method of the promised request
	Path     string      // :path: the push message resource (RFC 8030 §6)
	Promise  http.Header // every field of the PUSH_PROMISE, pseudo-headers included (":path", …)
	Status   int
	Header   http.Header
	Body     []byte
	Err      error // the stream was reset or the connection broke before it completed
}

// Response is the answer to one request, with the pushes promised on it.
type Response struct {
	StreamID uint32
	Status   int
	Header   http.Header
	Body     []byte
	Pushes   []*Push
}

// resolve turns target (absolute URL on this origin, or an absolute path) into a path.
func (c *Client) resolve(target string) (string, error) {
	u, err := c.origin.Parse(target)
	if err != nil {
		return "", err
	}
	if u.Scheme != c.origin.Scheme || u.Host != c.origin.Host {
		return "", fmt.Errorf("rfc8030: %q is not on %s (one connection per origin)", target, c.origin)
	}
	return u.RequestURI(), nil
}

// Open sends a request and returns its stream without waiting for anything. target is a path or
// an absolute URL on the client's origin; header names are sent lower-case.
func (c *Client) Open(ctx context.Context, method, target string, h http.Header, body []byte) (*Stream, error) {
	path, err := c.resolve(target)
	if err != nil {
		return nil, err
	}
	if len(body) > 65535 {
		return nil, errors.New("rfc8030: request bodies are limited to 65535 octets (the initial flow-control window)")
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	id := c.nextID
	c.nextID += 2
	st := &Stream{c: c, id: id, method: method, path: path}
	c.streams[id] = st
	c.mu.Unlock()

	c.encBuf.Reset()
	for _, f := range [][2]string{{":method", method}, {":scheme", c.origin.Scheme}, {":authority", c.origin.Host}, {":path", path}} {
		c.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	for k, vs := range h {
		for _, v := range vs {
			c.enc.WriteField(hpack.HeaderField{Name: strings.ToLower(k), Value: v})
		}
	}
	if body != nil {
		c.enc.WriteField(hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(body))})
	}
	block := c.encBuf.Bytes()
	if dl, ok := ctx.Deadline(); ok {
		c.conn.SetWriteDeadline(dl)
		defer c.conn.SetWriteDeadline(timeZero)
	}
	const maxFrag = 16384
	first := block[:min(len(block), maxFrag)]
	err = c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: body == nil, EndHeaders: len(block) <= maxFrag})
	for rest := block[len(first):]; err == nil && len(rest) > 0; {
		n := min(len(rest), maxFrag)
		err = c.fr.WriteContinuation(id, n == len(rest), rest[:n])
		rest = rest[n:]
	}
	for rest := body; err == nil && body != nil; {
		n := min(len(rest), maxFrag)
		err = c.fr.WriteData(id, n == len(rest), rest[:n])
		rest = rest[n:]
		if len(rest) == 0 {
			break
		}
	}
	if err != nil {
		c.fail(fmt.Errorf("rfc8030: writing %s %s: %w", method, path, err))
		return nil, err
	}
	c.logFrame(fmt.Sprintf("→ HEADERS stream %d %s %s%s", id, method, path, headerSummary(h, body)))
	return st, nil
}

func headerSummary(h http.Header, body []byte) string {
	var parts []string
	for _, k := range []string{"Prefer", "Urgency", "Link", "Content-Type"} {
		if v := h.Get(k); v != "" {
			parts = append(parts, k+": "+v)
		}
	}
	if body != nil {
		parts = append(parts, fmt.Sprintf("body %d octets", len(body)))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// Do sends a request and waits for its whole response and every push promised on it.
func (c *Client) Do(ctx context.Context, method, target string, h http.Header, body []byte) (*Response, error) {
	st, err := c.Open(ctx, method, target, h, body)
	if err != nil {
		return nil, err
	}
	res, err := st.Response(ctx)
	if err != nil {
		st.Cancel()
	}
	return res, err
}

// ID is the stream's HTTP/2 identifier.
func (st *Stream) ID() uint32 { return st.id }

// Cancel resets the stream (RST_STREAM CANCEL), e.g. to stop monitoring.
func (st *Stream) Cancel() {
	c := st.c
	c.mu.Lock()
	done := st.ended || st.err != nil
	if !done {
		st.err = errors.New("rfc8030: stream cancelled")
		delete(c.streams, st.id)
		c.notifyLocked()
	}
	c.mu.Unlock()
	if !done {
		c.wmu.Lock()
		c.fr.WriteRSTStream(st.id, http2.ErrCodeCancel)
		c.wmu.Unlock()
		c.logFrame(fmt.Sprintf("→ RST_STREAM stream %d CANCEL", st.id))
	}
}

// Ended reports whether the response is complete (or the stream failed).
func (st *Stream) Ended() bool {
	st.c.mu.Lock()
	defer st.c.mu.Unlock()
	return st.ended || st.err != nil
}

// ErrEnded is what Next returns once the stream ended and every push promised on it was returned.
var ErrEnded = errors.New("rfc8030: the stream ended")

// Next returns the next push promised on the stream, once its response is complete (promise
// order). It returns ErrEnded when the stream's own response is complete and no promised push
// is left, or the stream's error; it errs otherwise only when ctx ends.
func (st *Stream) Next(ctx context.Context) (*Push, error) {
	var out *Push
	var err error
	werr := st.c.await(ctx, func() bool {
		if st.next < len(st.promised) {
			ps := st.promised[st.next]
			if ps.ended || ps.err != nil {
				st.next++
				out = ps.pushLocked()
				return true
			}
			return false
		}
		if st.err != nil {
			err = st.err
			return true
		}
		if st.ended {
			err = ErrEnded
			return true
		}
		return false
	})
	if werr != nil {
		return nil, werr
	}
	return out, err
}

// Response waits until the stream's response is complete and every push promised on it is
// complete or failed, and returns them. It errs if the stream failed, or when ctx ends.
func (st *Stream) Response(ctx context.Context) (*Response, error) {
	var out *Response
	var err error
	werr := st.c.await(ctx, func() bool {
		if st.err != nil {
			err = st.err
			return true
		}
		if !st.ended {
			return false
		}
		for _, ps := range st.promised {
			if !ps.ended && ps.err == nil {
				return false
			}
		}
		out = &Response{StreamID: st.id, Status: st.status, Header: st.header.Clone(), Body: bytes.Clone(st.body.Bytes())}
		for _, ps := range st.promised {
			out.Pushes = append(out.Pushes, ps.pushLocked())
		}
		return true
	})
	if werr != nil {
		return nil, werr
	}
	return out, err
}

func (ps *Stream) pushLocked() *Push {
	p := &Push{StreamID: ps.id, Method: ps.method, Path: ps.path,
		Promise: ps.promise.Clone(), Status: ps.status, Header: ps.header.Clone(), Body: bytes.Clone(ps.body.Bytes()), Err: ps.err}
	if ps.parent != nil {
		p.Parent = ps.parent.id
	}
	if p.Header == nil {
		p.Header = http.Header{}
	}
	return p
}

// fail breaks the connection: every open stream gets err.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	for _, st := range c.streams {
		if !st.ended && st.err == nil {
			st.err = c.err
		}
	}
	c.notifyLocked()
	c.mu.Unlock()
	c.conn.Close()
}

// Err is the connection's error once it broke (nil while it works).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

type headerBlock struct {
	stream    uint32 // the stream the fields are for (the promised stream for PUSH_PROMISE)
	parent    uint32 // PUSH_PROMISE: the stream it came on
	promise   bool
	endStream bool
	buf       []byte
}

func (c *Client) readLoop() {
	defer close(c.readDone)
	var hb *headerBlock
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				err = fmt.Errorf("rfc8030: connection closed: %w", err)
			}
			c.fail(err)
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				continue
			}
			var desc []string
			c.mu.Lock()
			f.ForeachSetting(func(s http2.Setting) error {
				c.settings[s.ID] = s.Val
				desc = append(desc, s.String())
				return nil
			})
			c.mu.Unlock()
			c.logFrame("← SETTINGS " + strings.Join(desc, " "))
			c.write(func() error { return c.fr.WriteSettingsAck() })
		case *http2.PingFrame:
			if !f.IsAck() {
				c.write(func() error { return c.fr.WritePing(true, f.Data) })
			}
		case *http2.WindowUpdateFrame, *http2.PriorityFrame:
		case *http2.HeadersFrame:
			hb = &headerBlock{stream: f.StreamID, endStream: f.StreamEnded(), buf: bytes.Clone(f.HeaderBlockFragment())}
			if f.HeadersEnded() {
				c.headers(hb)
				hb = nil
			}
		case *http2.PushPromiseFrame:
			hb = &headerBlock{stream: f.PromiseID, parent: f.StreamID, promise: true, buf: bytes.Clone(f.HeaderBlockFragment())}
			if f.HeadersEnded() {
				c.headers(hb)
				hb = nil
			}
		case *http2.ContinuationFrame:
			if hb == nil {
				c.fail(errors.New("rfc8030: CONTINUATION without a header block"))
				return
			}
			hb.buf = append(hb.buf, f.HeaderBlockFragment()...)
			if f.HeadersEnded() {
				c.headers(hb)
				hb = nil
			}
		case *http2.DataFrame:
			n := uint32(len(f.Data()))
			c.mu.Lock()
			st := c.streams[f.StreamID]
			if st != nil {
				st.body.Write(f.Data())
			}
			c.mu.Unlock()
			if n > 0 {
				c.write(func() error {
					if err := c.fr.WriteWindowUpdate(0, n); err != nil || f.StreamEnded() {
						return err
					}
					return c.fr.WriteWindowUpdate(f.StreamID, n)
				})
			}
			if f.StreamEnded() {
				c.end(f.StreamID)
			}
		case *http2.RSTStreamFrame:
			c.logFrame(fmt.Sprintf("← RST_STREAM stream %d %v", f.StreamID, f.ErrCode))
			c.mu.Lock()
			if st := c.streams[f.StreamID]; st != nil && !st.ended && st.err == nil {
				st.err = fmt.Errorf("rfc8030: stream %d reset by the server: %v", f.StreamID, f.ErrCode)
				delete(c.streams, f.StreamID)
			}
			c.notifyLocked()
			c.mu.Unlock()
		case *http2.GoAwayFrame:
			c.logFrame(fmt.Sprintf("← GOAWAY last stream %d %v %q", f.LastStreamID, f.ErrCode, f.DebugData()))
			c.mu.Lock()
			for id, st := range c.streams {
				if id%2 == 1 && id > f.LastStreamID && !st.ended && st.err == nil {
					st.err = fmt.Errorf("rfc8030: stream %d refused by GOAWAY (%v)", id, f.ErrCode)
				}
			}
			c.notifyLocked()
			c.mu.Unlock()
		}
	}
}

func (c *Client) write(fn func() error) {
	c.wmu.Lock()
	err := fn()
	c.wmu.Unlock()
	if err != nil {
		c.fail(fmt.Errorf("rfc8030: write: %w", err))
	}
}

// headers handles a complete header block: a response's HEADERS (or trailers) or a PUSH_PROMISE.
func (c *Client) headers(hb *headerBlock) {
	fields, err := c.dec.DecodeFull(hb.buf)
	if err != nil {
		c.fail(fmt.Errorf("rfc8030: HPACK: %w", err))
		return
	}
	h := http.Header{}
	for _, f := range fields {
		k := f.Name
		if !strings.HasPrefix(k, ":") { // pseudo-headers are kept as they are (":path")
			k = http.CanonicalHeaderKey(k)
		}
		h[k] = append(h[k], f.Value)
	}
	if hb.promise {
		c.logFrame(fmt.Sprintf("← PUSH_PROMISE stream %d promised %d %s %s", hb.parent, hb.stream, first(h[":method"]), first(h[":path"])))
		c.mu.Lock()
		parent := c.streams[hb.parent]
		if parent != nil {
			ps := &Stream{c: c, id: hb.stream, parent: parent, method: first(h[":method"]), path: first(h[":path"]), promise: h}
			c.streams[hb.stream] = ps
			parent.promised = append(parent.promised, ps)
			c.notifyLocked()
		}
		c.mu.Unlock()
		if parent == nil { // a stream we gave up on: refuse what was promised on it
			c.write(func() error { return c.fr.WriteRSTStream(hb.stream, http2.ErrCodeRefusedStream) })
		}
		return
	}
	status, _ := strconv.Atoi(first(h[":status"]))
	c.logFrame(fmt.Sprintf("← HEADERS stream %d %s%s", hb.stream, first(h[":status"]), respSummary(h, hb.endStream)))
	c.mu.Lock()
	if st := c.streams[hb.stream]; st != nil {
		switch {
		case !st.headersIn && status >= 100 && status < 200:
			// informational: ignored
		case !st.headersIn:
			st.headersIn, st.status = true, status
			delete(h, ":status")
			st.header = h
		default: // trailers
			for k, vs := range h {
				st.header[k] = append(st.header[k], vs...)
			}
		}
	}
	c.mu.Unlock()
	if hb.endStream {
		c.end(hb.stream)
	}
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func respSummary(h http.Header, end bool) string {
	var parts []string
	for _, k := range []string{"Content-Encoding", "Content-Length", "Last-Modified", "Link", "Location"} {
		for _, v := range h.Values(k) {
			parts = append(parts, k+": "+v)
		}
	}
	if end {
		parts = append(parts, "END_STREAM")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func (c *Client) end(id uint32) {
	c.mu.Lock()
	if st := c.streams[id]; st != nil {
		st.ended = true
		if st.header == nil {
			st.header = http.Header{}
		}
		delete(c.streams, id)
		if st.parent != nil {
			c.logFrameLocked(fmt.Sprintf("← pushed response on stream %d complete: %d, %d octets", id, st.status, st.body.Len()))
		}
	}
	c.notifyLocked()
	c.mu.Unlock()
}

// Links returns the targets of the Link header fields in h with relation rel, resolved against
// base (nil: kept as sent).
func Links(h http.Header, rel string, base *url.URL) []string {
	var out []string
	for _, v := range h.Values("Link") {
		for _, lv := range splitLinks(v) {
			lt, gt := strings.Index(lv, "<"), strings.Index(lv, ">")
			if lt != 0 || gt < lt {
				continue
			}
			target, params := lv[1:gt], lv[gt+1:]
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if r == rel {
						if base != nil {
							if u, err := base.Parse(target); err == nil {
								target = u.String()
							}
						}
						out = append(out, target)
					}
				}
			}
		}
	}
	return out
}

// splitLinks splits one Link field value into link-values at commas outside <> and quotes.
func splitLinks(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i, r := range v {
		switch {
		case r == '"' && depth == 0:
			quoted = !quoted
		case r == '<' && !quoted:
			depth++
		case r == '>' && !quoted && depth > 0:
			depth--
		case r == ',' && depth == 0 && !quoted:
			out = append(out, strings.TrimSpace(v[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

// Subscription is one subscription the client made (RFC 8030 §4). The embedded user-agent
// subscription holds its keys (RFC 8291; private, never log) and the fields an application server
// is given: ID is the subscription resource, Endpoint the push resource, P256dh and Auth the
// public key and auth secret (base64url; Auth is secret: never log).
type Subscription struct {
	useragent.Subscription
	Resource     string // Location: the push message subscription resource, monitored with GET
	PushResource string // Link rel="urn:ietf:params:push": where application servers send
	Set          string // Link rel="urn:ietf:params:push:set"; "" when the service gave none
}

// Decrypt decrypts a pushed message with the subscription's keys, by its Content-Encoding
// (aes128gcm; the draft aesgcm with its Encryption and Crypto-Key fields).
func (s *Subscription) Decrypt(p *Push) ([]byte, error) {
	pt, err := useragent.Decrypt(s.Keys, strings.ToLower(p.Header.Get("Content-Encoding")), p.Body,
		p.Header.Get("Encryption"), p.Header.Get("Crypto-Key"))
	if err != nil {
		return nil, fmt.Errorf("rfc8030: pushed message: %w", err)
	}
	return pt, nil
}

// Receive is a pushed message as the user agent takes it: the shared record, its payload
// decrypted with the subscription's keys (or the reason it could not be). MessageID is the push
// message resource (the promised :path) and Forwarded the pushed response's header fields;
// RFC 8030 says nothing of attempts and acknowledges with DELETE, so Attempt and Acked stay 0.
func (s *Subscription) Receive(p *Push) useragent.Received {
	r := useragent.Received{SubscriptionID: s.ID, MessageID: p.Path, HasBody: len(p.Body) > 0,
		Encoding: strings.ToLower(p.Header.Get("Content-Encoding")), LinkVisible: true, Forwarded: map[string]string{}}
	for k, vs := range p.Header {
		r.Forwarded[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	switch {
	case p.Err != nil:
		r.Err = p.Err.Error()
	case r.HasBody:
		if pt, err := s.Decrypt(p); err != nil {
			r.Err = err.Error()
		} else {
			r.Payload = pt
		}
	}
	return r
}

// SubscribeOptions shape a subscribe request.
type SubscribeOptions struct {
	// Set is sent as Link: <Set>; rel="urn:ietf:params:push:set" (RFC 8030 §4.1).
	Set string
	// AppServerKey, the 65-octet applicationServerKey, is sent as RFC 8292 §4.1 says: a body
	// {"vapid": "<base64url>"} of type application/webpush-options+json.
	AppServerKey []byte
	// Body and ContentType replace that body as they are (to check how the service treats other
	// media types and unknown members).
	Body        []byte
	ContentType string
	// MaxRedirects bounds the 307 redirects followed (RFC 8030 §7.1); 0 means 5, -1 none.
	MaxRedirects int
}

// Subscribe POSTs to the subscribe resource (a path or URL on the client's origin) with fresh
// keys. The response is returned as it came; the Subscription is nil unless it is 201. A 307 is
// followed (same origin only).
func (c *Client) Subscribe(ctx context.Context, subscribeURL string, o SubscribeOptions) (*Subscription, *Response, error) {
	h := http.Header{}
	if o.Set != "" {
		h.Set("Link", fmt.Sprintf(`<%s>; rel="%s"`, o.Set, RelPushSet))
	}
	body := o.Body
	if body == nil && o.AppServerKey != nil {
		body, _ = json.Marshal(map[string]string{"vapid": webpush.Base64URL(o.AppServerKey)})
	}
	if body != nil {
		ct := o.ContentType
		if ct == "" {
			ct = WebPushOptionsType
		}
		h.Set("Content-Type", ct)
	}
	redirects := o.MaxRedirects
	if redirects == 0 {
		redirects = 5
	}
	target := subscribeURL
	for {
		res, err := c.Do(ctx, http.MethodPost, target, h, body)
		if err != nil {
			return nil, nil, err
		}
		if res.Status == http.StatusTemporaryRedirect && redirects > 0 && res.Header.Get("Location") != "" {
			redirects--
			target = res.Header.Get("Location")
			continue
		}
		if res.Status != http.StatusCreated {
			return nil, res, nil
		}
		keys, err := useragent.NewKeys()
		if err != nil {
			return nil, res, err
		}
		base, _ := c.origin.Parse(target)
		sub := &Subscription{}
		if loc := res.Header.Get("Location"); loc != "" {
			if u, err := base.Parse(loc); err == nil {
				sub.Resource = u.String()
			}
		}
		if l := Links(res.Header, RelPush, base); len(l) > 0 {
			sub.PushResource = l[0]
		}
		if l := Links(res.Header, RelPushSet, base); len(l) > 0 {
			sub.Set = l[0]
		}
		sub.Subscription = *useragent.NewSubscription(sub.Resource, sub.PushResource, o.AppServerKey, keys)
		return sub, res, nil
	}
}

// Ack acknowledges a pushed message: DELETE on its push message resource (RFC 8030 §6.2).
func (c *Client) Ack(ctx context.Context, p *Push) (*Response, error) {
	return c.Do(ctx, http.MethodDelete, p.Path, nil, nil)
}
