package target

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/webpush"
)

// Control is a push service test double reached through web-push-testing's control API
// (docs/push-services.md §5): POST /subscribe, /get-notifications, /expire-subscription/:hash.
// The service mints the keys and decrypts; AwaitMessage reads its list of decrypted payloads.
// It has no UA link pushspec can take offline or watch, so it offers Expirer only.
type Control struct {
	base   string
	client *http.Client
	target conformance.Target

	mu     sync.Mutex
	cursor map[string]int // clientHash → messages already returned
}

// NewControl targets the control API at base (e.g. http://127.0.0.1:8090). client nil means a
// plain client with a 30 s timeout.
func NewControl(base string, client *http.Client) *Control {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	base = strings.TrimRight(base, "/")
	return &Control{base: base, client: client, cursor: map[string]int{},
		target: conformance.Target{ID: "control=" + base, Kind: conformance.KindPushService, Name: "control API at " + base}}
}

func (c *Control) Target() conformance.Target { return c.target }
func (c *Control) Client() *http.Client       { return c.client }
func (c *Control) Close() error               { return nil }

// controlError is an answer of the control API other than 200.
type controlError struct {
	Route  string
	Status int
	Body   string
}

func (e *controlError) Error() string {
	return fmt.Sprintf("control API %s: %d %s", e.Route, e.Status, strings.TrimSpace(e.Body))
}

func (c *Control) post(ctx context.Context, route string, in any, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+route, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &controlError{Route: route, Status: resp.StatusCode, Body: string(b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("control API %s: %v in %q", route, err, b)
		}
	}
	return nil
}

// Subscribe POSTs /subscribe with the applicationServerKey (base64url) when there is one.
func (c *Control) Subscribe(ctx context.Context, appServerKey []byte) (*Subscription, error) {
	in := map[string]any{}
	if appServerKey != nil {
		in["applicationServerKey"] = webpush.Base64URL(appServerKey)
	}
	var out struct {
		Data struct {
			Endpoint string `json:"endpoint"`
			Keys     struct {
				P256dh string `json:"p256dh"`
				Auth   string `json:"auth"`
			} `json:"keys"`
			ClientHash string `json:"clientHash"`
		} `json:"data"`
	}
	if err := c.post(ctx, "/subscribe", in, &out); err != nil {
		return nil, err
	}
	d := out.Data
	if d.Endpoint == "" || d.ClientHash == "" {
		return nil, fmt.Errorf("control API /subscribe: no endpoint or clientHash in the answer")
	}
	return &Subscription{ID: d.ClientHash, Endpoint: d.Endpoint, P256dh: d.Keys.P256dh, Auth: d.Keys.Auth,
		AppServerKey: appServerKey}, nil
}

// controlPoll is how often AwaitMessage asks /get-notifications: the control API has no way to
// wait for a message, so polling (bounded by ctx) is the only way to observe one.
const controlPoll = 40 * time.Millisecond

// AwaitMessage polls /get-notifications until a message beyond those already returned appears.
func (c *Control) AwaitMessage(ctx context.Context, sub *Subscription) (*Received, error) {
	t := time.NewTicker(controlPoll)
	defer t.Stop()
	for {
		var out struct {
			Data struct {
				Messages []string `json:"messages"`
			} `json:"data"`
		}
		if err := c.post(ctx, "/get-notifications", map[string]string{"clientHash": sub.ID}, &out); err != nil {
			return nil, err
		}
		c.mu.Lock()
		i := c.cursor[sub.ID]
		if i < len(out.Data.Messages) {
			c.cursor[sub.ID] = i + 1
			c.mu.Unlock()
			m := out.Data.Messages[i]
			return &Received{Payload: []byte(m), HasBody: true}, nil
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// Expire POSTs /expire-subscription/:clientHash.
func (c *Control) Expire(ctx context.Context, sub *Subscription) error {
	return c.post(ctx, "/expire-subscription/"+sub.ID, nil, nil)
}
