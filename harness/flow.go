package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/sitefixture"
	"github.com/pushspec/pushspec/webpush"
)

// Client is one browser session on a fresh origin of the fixture site, with its service worker
// registered and (unless asked otherwise) a push subscription made with the Env's VAPID key.
type Client struct {
	Env     *Env
	Kind    browser.Kind
	Session browser.Session
	Origin  *sitefixture.Origin
	// Subscription is the subscription made by NewClient; zero with ClientOptions.NoSubscribe.
	Subscription Subscription

	// Steps is how long each step of opening the client took (session, grant, navigate,
	// register, subscribe), for evidence and measurements.
	Steps []Step

	// Browser is the browser the client's session is in: kind's browser when the client opened
	// (a restarted one, after a loss).
	Browser browser.Browser

	mu    sync.Mutex
	sends []*SendResult
}

// Step is one timed step.
type Step struct {
	Name     string
	Duration time.Duration
}

func (c *Client) step(name string, t0 time.Time) time.Time {
	now := time.Now()
	c.Steps = append(c.Steps, Step{name, now.Sub(t0)})
	return now
}

// ClientOptions tune OpenClient.
type ClientOptions struct {
	// NoGrant skips granting the notifications permission.
	NoGrant bool
	// NoSubscribe stops after registering the service worker.
	NoSubscribe bool
	// ApplicationServerKey, when set, is the key subscribe() gets (base64url) instead of the
	// Env's VAPID public key.
	ApplicationServerKey string
}

// Subscription is what the browser's subscribe() gave, parsed.
type Subscription struct {
	// Value is the page's whole answer (toJSON(), options, getKey values, timing), as evidence.
	Value json.RawMessage
	// JSON is PushSubscription.toJSON().
	JSON sitefixture.SubscriptionJSON
	// Endpoint is the endpoint as the browser reported it.
	Endpoint string
	// SendEndpoint is where the harness posts: Endpoint, or when Endpoint's host is not loopback
	// (Chromium builds fcm.googleapis.com URLs around its token) the push service's URL with
	// Endpoint's path. OriginalEndpoint then keeps Endpoint (evidence) and Mapped is true.
	SendEndpoint     string
	OriginalEndpoint string
	Mapped           bool
	// ExpirationTimeNull says expirationTime was null (not a number, not undefined).
	ExpirationTimeNull bool
	UserVisibleOnly    bool
	AppServerKey       string // options.applicationServerKey, base64url
	// WebPush holds the decoded keys and SendEndpoint, for the codec.
	WebPush webpush.Subscription
	// SubscribeElapsed is subscribe()'s duration measured in the page.
	SubscribeElapsed time.Duration
}

// pageSubscription is the page's subscribe() / getSubscription() value.
type pageSubscription struct {
	JSON           sitefixture.SubscriptionJSON `json:"json"`
	Endpoint       string                       `json:"endpoint"`
	ExpirationTime json.RawMessage              `json:"expirationTime"`
	Options        *struct {
		UserVisibleOnly      bool   `json:"userVisibleOnly"`
		ApplicationServerKey string `json:"applicationServerKey"`
	} `json:"options"`
	P256dh    string  `json:"p256dh"`
	Auth      string  `json:"auth"`
	ElapsedMs float64 `json:"elapsedMs"`
}

// NewClient opens a session on kind with a fresh origin, grants notifications, loads the page,
// registers the service worker and subscribes with the Env's VAPID key.
func (e *Env) NewClient(ctx context.Context, kind browser.Kind) (*Client, error) {
	return e.OpenClient(ctx, kind, ClientOptions{})
}

// OpenClient is NewClient with options.
func (e *Env) OpenClient(ctx context.Context, kind browser.Kind, o ClientOptions) (_ *Client, err error) {
	b, err := e.AwaitBrowser(ctx, kind)
	if err != nil {
		return nil, err
	}
	e.noteClient(kind, b)
	// The browser going away mid-way ends every wait below at once, with the loss as cause.
	ctx, cancel := watchLoss(ctx, b)
	defer cancel()
	defer func() { err = lossOr(b, err) }()
	t := time.Now()
	origin, err := e.Site.NewOrigin()
	if err != nil {
		return nil, err
	}
	sess, err := b.NewSession(ctx)
	if err != nil {
		origin.Close()
		return nil, err
	}
	c := &Client{Env: e, Kind: kind, Session: sess, Origin: origin, Browser: b}
	t = c.step("session", t)
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if !o.NoGrant {
		if err := sess.GrantNotifications(ctx, origin.URL()); err != nil {
			return nil, err
		}
		t = c.step("grant", t)
	}
	if err := sess.Navigate(ctx, origin.PageURL()); err != nil {
		return nil, err
	}
	t = c.step("navigate", t)
	if _, err := c.Call(ctx, "register"); err != nil {
		return nil, err
	}
	t = c.step("register", t)
	if o.NoSubscribe {
		return c, nil
	}
	key := o.ApplicationServerKey
	if key == "" {
		key = webpush.Base64URL(e.VAPID.Public())
	}
	sub, err := c.Subscribe(ctx, key, nil)
	if err != nil {
		return nil, err
	}
	c.step("subscribe", t)
	c.Subscription = sub
	return c, nil
}

// Call runs window.pushspec.<fn>(args...) in the page and returns its value. A value of the form
// {error: {name, message}} is returned as a *sitefixture.JSError.
func (c *Client) Call(ctx context.Context, fn string, args ...any) (json.RawMessage, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		parts[i] = string(b)
	}
	expr := fmt.Sprintf("window.pushspec.%s(%s)", fn, strings.Join(parts, ", "))
	ctx, cancel := watchLoss(ctx, c.Browser)
	defer cancel()
	raw, err := c.Session.Eval(ctx, expr)
	if err != nil {
		return nil, lossOr(c.Browser, err)
	}
	var e struct {
		Error *sitefixture.JSError `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Error != nil {
		return raw, e.Error
	}
	return raw, nil
}

// Subscribe calls pushManager.subscribe with key (base64url; "" for none) and opts (nil for
// {userVisibleOnly: true}) and parses the subscription.
func (c *Client) Subscribe(ctx context.Context, key string, opts map[string]any) (Subscription, error) {
	var k any
	if key != "" {
		k = key
	}
	if opts == nil {
		opts = map[string]any{}
	}
	raw, err := c.Call(ctx, "subscribe", k, opts)
	if err != nil {
		return Subscription{}, fmt.Errorf("harness: subscribe on %s: %w", c.Kind, err)
	}
	return c.parseSubscription(raw)
}

func (c *Client) parseSubscription(raw json.RawMessage) (Subscription, error) {
	var ps pageSubscription
	if err := json.Unmarshal(raw, &ps); err != nil {
		return Subscription{}, fmt.Errorf("harness: subscription %s: %w", raw, err)
	}
	s := Subscription{
		Value: raw, JSON: ps.JSON, Endpoint: ps.Endpoint,
		ExpirationTimeNull: string(ps.ExpirationTime) == "null",
		SubscribeElapsed:   time.Duration(ps.ElapsedMs * float64(time.Millisecond)),
	}
	if ps.Options != nil {
		s.UserVisibleOnly, s.AppServerKey = ps.Options.UserVisibleOnly, ps.Options.ApplicationServerKey
	}
	s.SendEndpoint, s.Mapped = c.Env.MapEndpoint(ps.Endpoint)
	if s.Mapped {
		s.OriginalEndpoint = ps.Endpoint
	}
	p256dh, err := webpush.DecodeBase64(ps.JSON.Keys["p256dh"])
	if err != nil {
		return s, fmt.Errorf("harness: keys.p256dh %q: %w", ps.JSON.Keys["p256dh"], err)
	}
	auth, err := webpush.DecodeBase64(ps.JSON.Keys["auth"])
	if err != nil {
		return s, fmt.Errorf("harness: keys.auth %q: %w", ps.JSON.Keys["auth"], err)
	}
	s.WebPush = webpush.Subscription{Endpoint: s.SendEndpoint, P256dh: p256dh, Auth: auth}
	return s, nil
}

// MapEndpoint returns where the harness should post for endpoint: endpoint itself when its host
// is loopback, the listen address in place of an advertised host (env_advertise.go), else the
// push service's URL with endpoint's path and query (mapped true when it differs).
func (e *Env) MapEndpoint(endpoint string) (string, bool) {
	if e.Real() {
		return endpoint, false // the vendor's service is the one to post to
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return endpoint, false
	}
	if e.mapAdvertised(u) {
		return u.String(), u.String() != endpoint
	}
	host := u.Hostname()
	if host == "localhost" {
		return endpoint, false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return endpoint, false
	}
	base, _ := url.Parse(e.Push.URL())
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String(), true
}

// SendOptions choose how Send builds the request. The zero value is an aes128gcm message with
// TTL 60, signed with the Env's VAPID key, sent by webpush-go.
type SendOptions struct {
	// TTL is the TTL header in seconds; 0 means 60. ZeroTTL sends TTL: 0.
	TTL     int
	ZeroTTL bool
	Urgency string // "" omits the header
	Topic   string // "" omits the header
	// RecordSize is webpush-go's RecordSize (it pads to it); 0 means its default (4096).
	RecordSize int
	// Encoding is "aes128gcm" (default) or "aesgcm" (the legacy draft, through the codec).
	Encoding string
	// Codec, when set, encrypts with pushspec's codec and these knobs (e.g. FlipTag) instead of
	// webpush-go. A nil payload always goes through the codec path (no body, no encoding).
	Codec *webpush.Options
	// HTTPS posts to the push service's TLS listener.
	HTTPS bool
	// NoVAPID sends no Authorization.
	NoVAPID bool
}

// SendResult is the push service's answer to one Send.
type SendResult struct {
	Status    int
	Headers   http.Header
	Body      []byte
	MessageID string // from Location /m/<id>; "" when not accepted
	// Verdicts are the push service's per-rule verdicts for the request; Request is its record.
	Verdicts []rules.Verdict
	Request  *fakepushservice.Request
	Started  time.Time // when the request was started
	PostedAt time.Time // when the response came back
	Sender   string    // "webpush-go" or "pushspec codec"
	// ID is the payload's pushspec.id, when the payload is JSON that has one.
	ID string
}

// Payload builds a JSON payload carrying the fixture's instructions: {"pushspec": {"id": id,
// ...instr}, ...extra}.
func Payload(id string, instr map[string]any, extra map[string]any) []byte {
	p := map[string]any{}
	for k, v := range extra {
		p[k] = v
	}
	in := map[string]any{"id": id}
	for k, v := range instr {
		in[k] = v
	}
	p["pushspec"] = in
	b, _ := json.Marshal(p)
	return b
}

// Send posts payload (nil for a push without payload) to the client's subscription.
func (c *Client) Send(ctx context.Context, payload []byte, o SendOptions) (*SendResult, error) {
	return c.Env.Send(ctx, c.Subscription.WebPush, payload, o, c)
}

// Send posts payload to sub. client, if non-nil, remembers the result for AwaitReport's latency.
func (e *Env) Send(ctx context.Context, sub webpush.Subscription, payload []byte, o SendOptions, client *Client) (*SendResult, error) {
	if sub.Endpoint == "" {
		return nil, errors.New("harness: Send: the subscription has no endpoint")
	}
	endpoint := sub.Endpoint
	httpClient := &http.Client{Timeout: 30 * time.Second}
	if o.HTTPS && !e.Real() { // a vendor's endpoint is HTTPS already
		tlsURL := e.Push.TLSURL()
		if tlsURL == "" {
			return nil, errors.New("harness: Send: the push service has no HTTPS listener")
		}
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, err
		}
		t, _ := url.Parse(tlsURL)
		u.Scheme, u.Host = t.Scheme, t.Host
		endpoint = u.String()
		httpClient = e.Push.Client()
		defer httpClient.CloseIdleConnections()
	}
	ttl := o.TTL
	if ttl == 0 && !o.ZeroTTL {
		ttl = 60
	}
	res := &SendResult{ID: payloadID(payload), Started: time.Now()}
	m := sender.Message{
		Subscription: sender.Subscription{Endpoint: endpoint,
			Keys: sender.Keys{P256dh: webpush.Base64URL(sub.P256dh), Auth: webpush.Base64URL(sub.Auth)}},
		Payload: payload, TTL: ttl, Urgency: o.Urgency, Topic: o.Topic, Encoding: o.Encoding, RecordSize: o.RecordSize,
	}
	if !o.NoVAPID {
		m.VAPID = &sender.VAPID{Public: webpush.Base64URL(e.VAPID.Public()), Private: webpush.Base64URL(e.VAPID.PrivateBytes()), Subject: e.Subject}
	}
	// One send path: the reference library where it can express the message, else pushspec's
	// raw sender, whose Faults carry the codec knobs.
	var sent *sender.Result
	var err error
	if payload != nil && o.Codec == nil && (o.Encoding == "" || o.Encoding == "aes128gcm") && !o.NoVAPID {
		res.Sender = "webpush-go"
		sent, err = sender.WebpushGo{Client: httpClient}.Send(ctx, m)
	} else {
		res.Sender = "pushspec codec"
		sent, err = sender.Raw{Client: httpClient}.SendFaulty(ctx, m, sender.Faults{Encrypt: o.Codec})
	}
	if err != nil {
		return nil, fmt.Errorf("harness: Send (%s): %w", res.Sender, err)
	}
	res.Body = sent.Body
	res.PostedAt = time.Now()
	res.Status, res.Headers = sent.Status, sent.Header
	if loc := sent.Header.Get("Location"); loc != "" {
		if i := strings.LastIndex(loc, "/m/"); i >= 0 {
			res.MessageID = loc[i+3:]
		}
	}
	if e.Real() {
		// The vendor's service keeps its records to itself.
	} else if res.MessageID != "" {
		// The service records a request just after writing its answer: the record may land a
		// moment after the response does.
		id := res.MessageID
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		res.Request, _ = e.Push.AwaitRequest(wctx, func(r *fakepushservice.Request) bool { return r.MessageID == id })
		cancel()
	} else {
		// A refused request: find the service's record of it (the first for this path since
		// the Send started).
		path := ""
		if u, err := url.Parse(endpoint); err == nil {
			path = u.Path
		}
		started := res.Started
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		res.Request, _ = e.Push.AwaitRequest(wctx, func(r *fakepushservice.Request) bool {
			return r.Path == path && !r.Time.Before(started)
		})
		cancel()
	}
	if res.Request != nil {
		res.Verdicts = res.Request.Verdicts
	}
	if client != nil {
		client.mu.Lock()
		client.sends = append(client.sends, res)
		client.mu.Unlock()
	}
	return res, nil
}

func payloadID(payload []byte) string {
	var p struct {
		ID       any `json:"id"`
		Pushspec struct {
			ID any `json:"id"`
		} `json:"pushspec"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return ""
	}
	for _, v := range []any{p.Pushspec.ID, p.ID} {
		switch v := v.(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}

// Report is a service-worker report with the time it took from the push request to the report.
type Report struct {
	sitefixture.Report
	// Latency is from the start of the matching Send (encryption, then the POST) to the
	// report's arrival at the site; 0 when no Send matched. The push service may hand the
	// message to the browser before its answer to the POST is written, so the answer is no
	// lower bound.
	Latency time.Duration
	Send    *SendResult
}

// AwaitReport waits for the push report with id (the payload's pushspec.id) from this client's
// origin. It errs only when ctx ends.
func (c *Client) AwaitReport(ctx context.Context, id string) (Report, error) {
	return c.AwaitPush(ctx, func(r sitefixture.Report) bool { return r.ID == id })
}

// AwaitPush waits for the first push report from this client's origin for which match is true.
// Latency is measured from the newest Send with the report's id, or else from the newest Send
// started before the report arrived.
func (c *Client) AwaitPush(ctx context.Context, match func(sitefixture.Report) bool) (Report, error) {
	ctx, cancel := watchLoss(ctx, c.Browser)
	defer cancel()
	r, err := c.Origin.AwaitReport(ctx, func(r sitefixture.Report) bool { return r.Kind == sitefixture.KindPush && match(r) })
	if err != nil {
		return Report{}, lossOr(c.Browser, err)
	}
	out := Report{Report: r}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.sends) - 1; i >= 0 && out.Send == nil; i-- {
		if r.ID != "" && c.sends[i].ID == r.ID {
			out.Send = c.sends[i]
		}
	}
	for i := len(c.sends) - 1; i >= 0 && out.Send == nil; i-- {
		if !c.sends[i].Started.After(r.ReceivedAt) {
			out.Send = c.sends[i]
		}
	}
	if out.Send != nil {
		out.Latency = r.ReceivedAt.Sub(out.Send.Started)
	}
	return out, nil
}

// Reports returns every push report this client's origin received so far.
func (c *Client) Reports() []sitefixture.Report {
	var out []sitefixture.Report
	for _, r := range c.Origin.All() {
		if r.Kind == sitefixture.KindPush {
			out = append(out, r)
		}
	}
	return out
}

// AwaitAck waits for the user agent's acknowledgement of messageID, as the push service recorded
// it (Firefox: 100 delivered, 101 decryption failed, 102 not delivered; Chromium's link acks
// delivery only). It errs only when ctx ends.
func (c *Client) AwaitAck(ctx context.Context, messageID string) (fakepushservice.AckCode, error) {
	ctx, cancel := watchLoss(ctx, c.Browser)
	defer cancel()
	code, err := c.Env.Push.AwaitAck(ctx, messageID)
	return code, lossOr(c.Browser, err)
}

// watchLoss returns ctx, also cancelled (with the *browser.LostError as its cause) when b goes
// away: a wait on the browser ends at once instead of at its timeout.
func watchLoss(ctx context.Context, b browser.Browser) (context.Context, context.CancelFunc) {
	w, ok := b.(browser.Watched)
	if !ok {
		return ctx, func() {}
	}
	cctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-w.Lost():
			cancel(w.LostErr())
		case <-cctx.Done():
		}
	}()
	return cctx, func() { cancel(nil) }
}

// lossOr returns err, or when b has gone away the loss with err after it: a call that failed
// because the browser died says so first.
func lossOr(b browser.Browser, err error) error {
	if err == nil {
		return nil
	}
	w, ok := b.(browser.Watched)
	if !ok {
		return err
	}
	var le *browser.LostError
	if errors.As(err, &le) {
		return err
	}
	lerr := w.LostErr()
	if lerr == nil {
		return err
	}
	return fmt.Errorf("%w (%v)", lerr, err)
}

// Close closes the session and the origin. Firefox unregisters the session's subscriptions.
func (c *Client) Close() error {
	t := time.Now()
	err := c.Session.Close()
	c.step("close", t)
	if oerr := c.Origin.Close(); err == nil {
		err = oerr
	}
	return err
}
