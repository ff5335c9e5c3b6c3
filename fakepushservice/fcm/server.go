package fcm

import (
	"net/http"

	"github.com/pushspec/pushspec/fakepushservice"
)

// Attach mounts the checkin and register3 routes on s (which must be started, so that its URL is
// known) and starts the MCS listener. Close the Link before or after s; both orders work.
func Attach(s *fakepushservice.Server, opts Options) (*Link, error) {
	return AttachCore(serverCore{s}, opts)
}

// serverCore adapts *fakepushservice.Server to Core.
type serverCore struct{ s *fakepushservice.Server }

func (c serverCore) CreateSubscription(spec fakepushservice.SubscriptionSpec) (string, error) {
	sub, err := c.s.CreateSubscription(spec)
	if err != nil {
		return "", err
	}
	return sub.ID, nil
}

func (c serverCore) Unsubscribe(id, reason string) error { return c.s.Unsubscribe(id, reason) }

func (c serverCore) Connect(ua string, conn fakepushservice.UAConn, opts fakepushservice.ConnectOptions) func() {
	return c.s.Connect(ua, conn, opts)
}

func (c serverCore) Ack(ua, messageID string, code fakepushservice.AckCode, evidence map[string]string) {
	c.s.Ack(ua, messageID, code, evidence)
}

func (c serverCore) Handle(pattern string, h http.Handler) { c.s.Handle(pattern, h) }
func (c serverCore) URL() string                           { return c.s.URL() }
