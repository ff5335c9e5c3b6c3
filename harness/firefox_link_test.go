package harness

import (
	"context"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/fakepushservice/autopush"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/sitefixture"
)

// These tests drive the autopush link's knobs against real Firefox: what the link's unit tests
// assert with a Go client playing Firefox, checked once with the real thing.

// TestFirefoxReconnectDeliversStored drops Firefox's push connection, posts while it is away,
// and expects the message after Firefox's reconnect (retryBaseInterval 500 ms).
func TestFirefoxReconnectDeliversStored(t *testing.T) {
	env := firefoxEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := env.NewClient(ctx, browser.Firefox)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	link := env.Autopush()
	reg, err := link.AwaitRegister(ctx, func(r autopush.Register) bool { return r.Endpoint == c.Subscription.Endpoint })
	if err != nil {
		t.Fatal(err)
	}
	n := len(link.Hellos())
	if !link.Drop(reg.UAID) {
		t.Fatal("no connection to drop")
	}
	dropped := time.Now()
	res, err := c.Send(ctx, Payload("stored", nil, nil), SendOptions{})
	if err != nil || res.Status != 201 {
		t.Fatalf("send %+v %v", res, err)
	}
	h, err := link.AwaitHelloAfter(ctx, reg.UAID, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reconnected %v after the drop (message %s stored: %v)", h.At.Sub(dropped), res.MessageID, res.Request.Stored)
	if _, err := c.AwaitReport(ctx, "stored"); err != nil {
		t.Fatal(err)
	}
	if code, err := c.AwaitAck(ctx, res.MessageID); err != nil || code != fakepushservice.AckDelivered {
		t.Fatalf("ack %v %v", code, err)
	}
}

// TestFirefoxNack: a push handler that throws is acked 100, then nacked 301 (notes §4.3).
func TestFirefoxNack(t *testing.T) {
	env := firefoxEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := env.NewClient(ctx, browser.Firefox)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Send(ctx, Payload("throws", map[string]any{"throw": true}, nil), SendOptions{})
	if err != nil || res.Status != 201 {
		t.Fatalf("send %+v %v", res, err)
	}
	rep, err := c.AwaitReport(ctx, "throws")
	if err != nil || !rep.Threw {
		t.Fatalf("report %s %v", rep.Raw, err)
	}
	nk, err := env.Autopush().AwaitNack(ctx, res.MessageID)
	if err != nil || nk.Code != 301 {
		t.Fatalf("nack %+v %v", nk, err)
	}
	if code, _ := c.AwaitAck(ctx, res.MessageID); code != fakepushservice.AckDelivered {
		t.Errorf("ack %v before the nack, want 100", code)
	}
}

// TestFirefoxSubscriptionLoss answers Firefox's reconnect with a new uaid: Firefox drops its
// subscriptions and fires pushsubscriptionchange with the old one (notes §4.4, §7).
func TestFirefoxSubscriptionLoss(t *testing.T) {
	env := firefoxEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := env.NewClient(ctx, browser.Firefox)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := env.LoseSubscriptions(ctx, browser.Firefox); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Origin.AwaitReport(ctx, func(r sitefixture.Report) bool { return r.Kind == sitefixture.KindPushSubscriptionChange })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pushsubscriptionchange: %s", rep.Raw)
	if rep.OldSubscription == nil || rep.OldSubscription.Endpoint != c.Subscription.Endpoint {
		t.Errorf("oldSubscription %+v, want endpoint %s", rep.OldSubscription, c.Subscription.Endpoint)
	}
	if rep.NewSubscription != nil {
		t.Errorf("newSubscription %+v, want null", rep.NewSubscription)
	}
}
