// Package autopush is a virtual user agent speaking Mozilla's autopush WebSocket protocol as a
// client, the way Firefox does (docs/firefox-autopush.md §4), on the shared user agent of
// package useragent: each channel's keys, decryption into a useragent.Received, recording and
// waiting are the core's; this package is the wire. It depends on no push service package, so it
// can face any autopush service (pushspec's own link, fakepushservice/autopush, or Mozilla's).
package autopush

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/pushspec/pushspec/useragent"
)

// Client speaks the autopush protocol as Firefox does: hello (with the uaid on reconnect),
// register (channelID + applicationServerKey), notification (data base64url, headers
// encoding/encryption/crypto_key), ack (updates with code 100 delivered / 101 decryption error /
// 102 unknown channel), unregister. It holds each channel's keys (a useragent.Subscription whose
// ID is the channelID) and decrypts itself.
//
// Safe for concurrent use. One reader goroutine per connection handles every incoming frame.
type Client struct {
	url string
	// Timeout bounds each request/reply exchange (hello, register, unregister). 0 means 10 s.
	Timeout time.Duration

	// inbox holds every notification taken; channelIDs match without regard to case, as the
	// service may send them back in another case.
	inbox useragent.Inbox

	mu       sync.Mutex
	conn     *websocket.Conn
	uaid     string
	noAck    bool
	pending  map[string]chan map[string]any // "hello", "register|<chid>", "unregister|<chid>"
	channels map[string]*useragent.Subscription
	readErr  error
	frames   []string // every frame received, for evidence (bounded)
}

// Dial connects to the autopush WebSocket at url and says hello.
func Dial(ctx context.Context, url string) (*Client, error) {
	c := &Client{url: url, pending: map[string]chan map[string]any{},
		channels: map[string]*useragent.Subscription{}}
	c.inbox.FoldCase = true
	if err := c.Reconnect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 10 * time.Second
}

// UAID is the user agent id the service gave in its hello reply.
func (c *Client) UAID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.uaid
}

// SetNoAck makes the client take notifications without acknowledging them (true), so that the
// service keeps them and sends them again after a reconnect.
func (c *Client) SetNoAck(noAck bool) {
	c.mu.Lock()
	c.noAck = noAck
	c.mu.Unlock()
}

// Reconnect (re)opens the socket and says hello with the known uaid, if any. The service then
// sends what it stored.
func (c *Client) Reconnect(ctx context.Context) error {
	c.Disconnect()
	conn, _, err := websocket.Dial(ctx, c.url, &websocket.DialOptions{Subprotocols: []string{"push-notification"}})
	if err != nil {
		return fmt.Errorf("autopush client: dial %s: %w", c.url, err)
	}
	conn.SetReadLimit(1 << 20)
	c.mu.Lock()
	c.conn, c.readErr = conn, nil
	uaid := c.uaid
	c.mu.Unlock()
	go c.readLoop(conn)
	hello := map[string]any{"messageType": "hello", "broadcasts": map[string]any{}, "use_webpush": true}
	if uaid != "" {
		hello["uaid"] = uaid
	}
	reply, err := c.request(ctx, "hello", hello)
	if err != nil {
		c.Disconnect()
		return err
	}
	got, _ := reply["uaid"].(string)
	if st := status(reply); st != 200 || got == "" {
		c.Disconnect()
		return fmt.Errorf("autopush client: hello answered status %d, uaid %q", st, got)
	}
	c.mu.Lock()
	if c.uaid != "" && got != c.uaid {
		// As Firefox does: a new uaid means the service forgot us and every channel is gone.
		c.channels = map[string]*useragent.Subscription{}
	}
	c.uaid = got
	c.mu.Unlock()
	return nil
}

// Disconnect goes offline with a WebSocket close handshake (1001 going away). The service reads
// frames in order, so when its close reply arrives every ack sent before has been taken: the
// service cannot redeliver an acknowledged message on the next connection. (An abrupt drop would
// race the ack against the reconnect; Firefox then acks the duplicate with 102,
// docs/firefox-autopush.md §4.5.) A service that does not answer the close is cut off after
// coder/websocket's 5 s wait.
func (c *Client) Disconnect() {
	c.mu.Lock()
	conn := c.conn
	c.conn = nil
	c.mu.Unlock()
	if conn != nil {
		if conn.Close(websocket.StatusGoingAway, "offline") != nil {
			conn.CloseNow()
		}
	}
}

// Drop cuts the socket at once (TCP close, no handshake), as a network loss would.
func (c *Client) Drop() {
	c.mu.Lock()
	conn := c.conn
	c.conn = nil
	c.mu.Unlock()
	if conn != nil {
		conn.CloseNow()
	}
}

// Close ends the connection at once.
func (c *Client) Close() error { c.Drop(); return nil }

func status(m map[string]any) int {
	f, _ := m["status"].(float64)
	return int(f)
}

// request writes msg and waits for the reply keyed key.
func (c *Client) request(ctx context.Context, key string, msg map[string]any) (map[string]any, error) {
	ch := make(chan map[string]any, 1)
	c.mu.Lock()
	c.pending[key] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.pending[key] == ch {
			delete(c.pending, key)
		}
		c.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	if err := c.write(ctx, msg); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		c.mu.Lock()
		rerr := c.readErr
		c.mu.Unlock()
		if rerr != nil {
			return nil, fmt.Errorf("autopush client: no %s reply, connection lost: %w", key, rerr)
		}
		return nil, fmt.Errorf("autopush client: no %s reply: %w", key, ctx.Err())
	}
}

func (c *Client) write(ctx context.Context, msg map[string]any) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return errors.New("autopush client: not connected")
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

// Register subscribes a new channel (a fresh UUID) with the applicationServerKey (nil:
// unrestricted) and fresh keys, and returns it: ID is the channelID, Endpoint the pushEndpoint
// the service gave.
func (c *Client) Register(ctx context.Context, appServerKey []byte) (*useragent.Subscription, error) {
	channelID := newUUID()
	msg := map[string]any{"messageType": "register", "channelID": channelID}
	if appServerKey != nil {
		// Firefox sends the key base64url *with* padding (docs/firefox-autopush.md §4.2).
		msg["key"] = base64.URLEncoding.EncodeToString(appServerKey)
	}
	keys, err := useragent.NewKeys()
	if err != nil {
		return nil, err
	}
	reply, err := c.request(ctx, "register|"+channelID, msg)
	if err != nil {
		return nil, err
	}
	endpoint, _ := reply["pushEndpoint"].(string)
	if st := status(reply); st != 200 || endpoint == "" {
		return nil, fmt.Errorf("autopush client: register answered status %d, pushEndpoint %q", st, endpoint)
	}
	sub := useragent.NewSubscription(channelID, endpoint, appServerKey, keys)
	c.mu.Lock()
	c.channels[channelID] = sub
	c.mu.Unlock()
	return sub, nil
}

// Unregister drops a channel (code 200: the user unsubscribed).
func (c *Client) Unregister(ctx context.Context, channelID string) error {
	reply, err := c.request(ctx, "unregister|"+channelID, map[string]any{"messageType": "unregister", "channelID": channelID, "code": 200})
	c.mu.Lock()
	delete(c.channels, channelID)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if st := status(reply); st != 200 {
		return fmt.Errorf("autopush client: unregister answered status %d", st)
	}
	return nil
}

func (c *Client) readLoop(conn *websocket.Conn) {
	for {
		_, data, err := conn.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			if c.conn == conn || c.conn == nil {
				c.readErr = err
			}
			c.mu.Unlock()
			return
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			continue // not JSON: ignore, as Firefox does
		}
		c.mu.Lock()
		if len(c.frames) < 1000 {
			c.frames = append(c.frames, string(data))
		}
		c.mu.Unlock()
		mt, _ := m["messageType"].(string)
		switch strings.ToLower(mt) {
		case "hello":
			c.deliverReply("hello", m)
		case "register", "unregister":
			chid, _ := m["channelID"].(string)
			c.deliverReply(strings.ToLower(mt)+"|"+strings.ToLower(chid), m)
		case "notification":
			c.handleNotification(conn, m, string(data))
		case "", "ping":
			// {} is a ping or pong: any frame counts as one.
		}
	}
}

func (c *Client) deliverReply(key string, m map[string]any) {
	c.mu.Lock()
	var ch chan map[string]any
	for k, v := range c.pending {
		if strings.EqualFold(k, key) {
			ch = v
		}
	}
	c.mu.Unlock()
	if ch != nil {
		select {
		case ch <- m:
		default:
		}
	}
}

// decodeB64 accepts base64url with or without padding (Firefox ignores padding in data).
func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func (c *Client) handleNotification(conn *websocket.Conn, m map[string]any, raw string) {
	chid, _ := m["channelID"].(string)
	version, _ := m["version"].(string)
	rec := useragent.Received{SubscriptionID: chid, MessageID: version, LinkVisible: true, Raw: raw, Forwarded: map[string]string{}}
	for k, v := range m {
		if k == "data" || k == "headers" {
			continue
		}
		rec.Forwarded[strings.ToLower(k)] = fmt.Sprint(v)
	}
	headers, _ := m["headers"].(map[string]any)
	for k, v := range headers {
		rec.Forwarded["headers."+strings.ToLower(k)] = fmt.Sprint(v)
	}
	c.mu.Lock()
	ch := c.channels[strings.ToLower(chid)]
	if ch == nil {
		for id, x := range c.channels {
			if strings.EqualFold(id, chid) {
				ch = x
			}
		}
	}
	noAck := c.noAck
	c.mu.Unlock()

	code := useragent.AckDelivered
	data, hasData := m["data"].(string)
	switch {
	case ch == nil:
		rec.Err, code = "no record for channel "+chid, useragent.AckNotDelivered
	case !hasData || data == "":
	case headers == nil:
		// Firefox skips decryption when there is no headers object at all and delivers no data.
	default:
		rec.HasBody = true
		enc, _ := headers["encoding"].(string)
		rec.Encoding = enc
		body, err := decodeB64(data)
		if err != nil {
			rec.Err, code = "data is not base64url: "+err.Error(), useragent.AckDecryptError
			break
		}
		encryption, _ := headers["encryption"].(string)
		cryptoKey, _ := headers["crypto_key"].(string)
		code = useragent.Open(&rec, ch.Keys, enc, body, encryption, cryptoKey)
	}
	// Acknowledge first, then record: whoever waits for this notification goes on only once
	// the ack is on the wire, so a Disconnect right after cannot make the service redeliver it.
	if !noAck {
		rec.Acked = code
		ack := map[string]any{"messageType": "ack", "updates": []map[string]any{{"channelID": chid, "version": version, "code": int(code)}}}
		b, _ := json.Marshal(ack)
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout())
		_ = conn.Write(ctx, websocket.MessageText, b)
		cancel()
	}
	// The wire does not say which attempt this is: count the times this channel had it.
	c.inbox.RecordCounted(rec)
}

// AwaitNotification returns the next notification for channelID (each call the one after the
// previous call's). It errs when ctx ends.
func (c *Client) AwaitNotification(ctx context.Context, channelID string) (useragent.Received, error) {
	return c.inbox.Next(ctx, channelID)
}

// Received returns every notification taken so far, in arrival order (redeliveries included).
func (c *Client) Received() []useragent.Received { return c.inbox.All() }

// Duplicates reports versions received more than once, with their counts.
func (c *Client) Duplicates() map[string]int { return c.inbox.Duplicates() }

// Frames returns every frame received so far (at most 1000), for evidence.
func (c *Client) Frames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.frames...)
}

func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("autopush client: crypto/rand: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
