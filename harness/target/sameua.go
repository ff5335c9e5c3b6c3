package target

import (
	"context"
)

// SameUA makes more subscriptions on the user agent that already holds one, and names that user
// agent as the service knows it, so that the push service suite can check that the URIs of one
// user agent's subscriptions cannot be correlated and carry no user-agent identifier (RFC 8030
// §8.2). The fake (one VirtualUA) and autopush (one WebSocket client, one uaid) have it; the
// control API makes a new client for every subscription.
type SameUA interface {
	// SubscribeSameUA makes a new subscription on sub's user agent.
	SubscribeSameUA(ctx context.Context, sub *Subscription, appServerKey []byte) (*Subscription, error)
	// UAID is the service's identifier of sub's user agent ("" when unknown).
	UAID(sub *Subscription) string
}

// SubscribeSameUA makes another subscription on sub's VirtualUA.
func (f *Fake) SubscribeSameUA(ctx context.Context, sub *Subscription, appServerKey []byte) (*Subscription, error) {
	ua, err := f.ua(sub)
	if err != nil {
		return nil, err
	}
	vs, err := ua.Subscribe(ctx, appServerKey)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.uas[vs.ID] = ua
	f.mu.Unlock()
	return fromUA(vs), nil
}

// UAID is the VirtualUA's id in the service ("virtual:<n>").
func (f *Fake) UAID(sub *Subscription) string {
	ua, err := f.ua(sub)
	if err != nil {
		return ""
	}
	return ua.ID()
}

// SubscribeSameUA registers another channel on sub's client (same WebSocket, same uaid).
func (a *Autopush) SubscribeSameUA(ctx context.Context, sub *Subscription, appServerKey []byte) (*Subscription, error) {
	c, err := a.clientOf(sub)
	if err != nil {
		return nil, err
	}
	us, err := c.Register(ctx, appServerKey)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.clients[us.ID] = c
	a.mu.Unlock()
	return fromUA(us), nil
}

// UAID is the uaid the service gave sub's client in its hello reply.
func (a *Autopush) UAID(sub *Subscription) string {
	c, err := a.clientOf(sub)
	if err != nil {
		return ""
	}
	return c.UAID()
}

// UALink names the URL pushspec's user agent reaches the service on, when the target has one of
// its own: the autopush WebSocket URL (ws:// is plain, wss:// is over TLS). The fake's virtual
// UAs live in the service's process and the control API has no user agent link, so both return
// "" (RFC 8030 §3: the check of UA traffic then rests on the push resource's scheme alone).
func UALink(p PushService) string {
	if a, ok := p.(*Autopush); ok {
		return a.url
	}
	return ""
}
