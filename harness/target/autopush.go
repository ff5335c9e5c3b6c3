package target

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/useragent/autopush"
)

// Autopush is an external push service reached with the autopush WebSocket protocol, played by
// pushspec's client (useragent/autopush): each subscription gets its own client (its own uaid),
// so taking one offline never touches another. Capabilities: StoreAndForward, Unsubscriber,
// Acker.
type Autopush struct {
	url    string
	target conformance.Target
	client *http.Client

	mu      sync.Mutex
	clients map[string]*autopush.Client // channelID → client
}

// NewAutopush targets the autopush WebSocket at wsURL; nothing is dialled before Subscribe.
func NewAutopush(wsURL string, t conformance.Target) *Autopush {
	if t.ID == "" {
		t = conformance.Target{ID: "autopush=" + wsURL, Kind: conformance.KindPushService, Name: "autopush service at " + wsURL}
	}
	return &Autopush{url: wsURL, target: t, client: &http.Client{Timeout: 30 * time.Second},
		clients: map[string]*autopush.Client{}}
}

func (a *Autopush) Target() conformance.Target { return a.target }
func (a *Autopush) Client() *http.Client       { return a.client }

// Subscribe dials a new client, says hello and registers one channel.
func (a *Autopush) Subscribe(ctx context.Context, appServerKey []byte) (*Subscription, error) {
	c, err := autopush.Dial(ctx, a.url)
	if err != nil {
		return nil, err
	}
	us, err := c.Register(ctx, appServerKey)
	if err != nil {
		c.Close()
		return nil, err
	}
	a.mu.Lock()
	a.clients[us.ID] = c
	a.mu.Unlock()
	return fromUA(us), nil
}

func (a *Autopush) clientOf(sub *Subscription) (*autopush.Client, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.clients[sub.ID]
	if c == nil {
		return nil, fmt.Errorf("target: channel %s is not one of this target's", sub.ID)
	}
	return c, nil
}

func (a *Autopush) AwaitMessage(ctx context.Context, sub *Subscription) (*Received, error) {
	c, err := a.clientOf(sub)
	if err != nil {
		return nil, err
	}
	r, err := c.AwaitNotification(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (a *Autopush) Offline(ctx context.Context, sub *Subscription) error {
	c, err := a.clientOf(sub)
	if err != nil {
		return err
	}
	c.Disconnect()
	return nil
}

func (a *Autopush) Online(ctx context.Context, sub *Subscription) error {
	c, err := a.clientOf(sub)
	if err != nil {
		return err
	}
	return c.Reconnect(ctx)
}

func (a *Autopush) Unsubscribe(ctx context.Context, sub *Subscription) error {
	c, err := a.clientOf(sub)
	if err != nil {
		return err
	}
	return c.Unregister(ctx, sub.ID)
}

func (a *Autopush) SetNoAck(sub *Subscription, noAck bool) {
	if c, err := a.clientOf(sub); err == nil {
		c.SetNoAck(noAck)
	}
}

func (a *Autopush) Close() error {
	a.mu.Lock()
	cs := a.clients
	a.clients = map[string]*autopush.Client{}
	a.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
	return nil
}

// RealAutopushURL is Mozilla's public autopush WebSocket (Firefox's dom.push.serverURL).
const RealAutopushURL = "wss://push.services.mozilla.com/"

// Dialer reaches a host:port; tests pass one that fails instead of touching the network.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// Reachable dials each host:port over TCP, within 5 s each, and returns an ErrUnavailable naming
// the first that cannot be reached. dial nil means a net.Dialer. Real mode checks the internet
// with it before using a vendor's service (NewReal here, harness.CheckRealServices for browsers).
func Reachable(ctx context.Context, dial Dialer, addrs ...string) error {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	for _, addr := range addrs {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err := dial(dctx, "tcp", addr)
		cancel()
		if err != nil {
			return Unavailable(fmt.Sprintf("%s cannot be reached (%v)", addr, err))
		}
		conn.Close()
	}
	return nil
}

// NewReal returns the autopush target for Mozilla's public service after checking, within 5 s,
// that its host can be reached; otherwise an ErrUnavailable that says why (specs skip with it).
// dial nil means a net.Dialer. pushspec's tests never call it with the real network.
func NewReal(ctx context.Context, dial Dialer) (PushService, error) {
	u, err := url.Parse(RealAutopushURL)
	if err != nil {
		return nil, err
	}
	if err := Reachable(ctx, dial, net.JoinHostPort(u.Hostname(), "443")); err != nil {
		return nil, fmt.Errorf("real mode needs the internet: %w", err)
	}
	return NewAutopush(RealAutopushURL, conformance.Target{ID: "real:autopush", Kind: conformance.KindPushService,
		Name: "Mozilla autopush (" + RealAutopushURL + ")"}), nil
}
