package fakepushservice

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/useragent/rfc8030"
	"github.com/pushspec/pushspec/webpush"
)

// rfcUA starts a server in profile (rfc when "") and connects an RFC 8030 client to its HTTPS
// listener.
func rfcUA(t *testing.T, profile string) (*Server, *rfc8030.Client, context.Context) {
	t.Helper()
	s := newTestServer(t, &Server{Profile: profile})
	ctx := testCtx(t)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.CACertPEM())
	c, err := rfc8030.Dial(ctx, s.TLSURL(), roots)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c, ctx
}

func subscribeRFC(t *testing.T, ctx context.Context, c *rfc8030.Client, o rfc8030.SubscribeOptions) *rfc8030.Subscription {
	t.Helper()
	sub, res, err := c.Subscribe(ctx, "/rfc8030/subscribe", o)
	if err != nil {
		t.Fatal(err)
	}
	if sub == nil {
		t.Fatalf("subscribe: %d %s", res.Status, res.Body)
	}
	return sub
}

// pushTo sends a conformant message to an RFC 8030 subscription's push resource.
func pushTo(t *testing.T, snd *sender, sub *rfc8030.Subscription, m msg) result {
	t.Helper()
	return snd.do(snd.requestFor(sub.PushResource, sub.P256dh, sub.Auth, m))
}

func coreID(sub *rfc8030.Subscription) string {
	u, _ := url.Parse(sub.PushResource)
	return path.Base(u.Path)
}

func TestRFC8030SubscribeWait0AndAck(t *testing.T) {
	s, c, ctx := rfcUA(t, "")
	sub, res, err := c.Subscribe(ctx, "/rfc8030/subscribe", rfc8030.SubscribeOptions{})
	if err != nil || res.Status != 201 {
		t.Fatalf("subscribe: %v %+v", err, res)
	}
	if !strings.HasPrefix(sub.Resource, s.TLSURL()+"/rfc8030/s/") || sub.PushResource == "" || sub.Set == "" {
		t.Fatalf("subscribe response: Location %q push %q set %q (%v)", sub.Resource, sub.PushResource, sub.Set, res.Header)
	}
	if strings.Contains(sub.Resource, coreID(sub)) {
		t.Fatal("the subscription resource must not be derivable from the push resource")
	}
	snd := newSender(t)
	for _, p := range []string{"one", "two"} {
		if r := pushTo(t, snd, sub, msg{plaintext: []byte(p), header: map[string]string{"Topic": "", "Urgency": "low"}}); r.status != 201 {
			t.Fatalf("push %s: %d %s", p, r.status, r.body)
		}
	}
	res, err = c.Do(ctx, "GET", sub.Resource, http.Header{"Prefer": {"wait=0"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 204 || len(res.Pushes) != 2 {
		t.Fatalf("wait=0: status %d, %d pushes; frames:\n%s", res.Status, len(res.Pushes), strings.Join(c.Frames(), "\n"))
	}
	for i, p := range res.Pushes {
		if p.Err != nil || p.Status != 200 || !strings.HasPrefix(p.Path, "/m/") || p.Method != "GET" {
			t.Fatalf("push %d: %+v", i, p)
		}
		if got := rfc8030.Links(p.Header, rfc8030.RelPush, nil); len(got) != 1 || got[0] != sub.PushResource {
			t.Errorf("push %d: Link %v, want the push resource", i, p.Header.Values("Link"))
		}
		if _, err := http.ParseTime(p.Header.Get("Last-Modified")); err != nil {
			t.Errorf("push %d: Last-Modified %q: %v", i, p.Header.Get("Last-Modified"), err)
		}
		if p.Header.Get("Urgency") != "" || p.Header.Get("Topic") != "" || p.Header.Get("Authorization") != "" {
			t.Errorf("push %d forwards sender fields: %v", i, p.Header)
		}
		pt, err := sub.Decrypt(p)
		if err != nil || string(pt) != []string{"one", "two"}[i] {
			t.Errorf("push %d: %q %v", i, pt, err)
		}
		ack, err := c.Ack(ctx, p)
		if err != nil || ack.Status != 204 {
			t.Fatalf("ack %d: %v %+v", i, err, ack)
		}
		code, err := s.AwaitAck(ctx, strings.TrimPrefix(p.Path, "/m/"))
		if err != nil || code != AckDelivered {
			t.Fatalf("ack %d recorded as %v %v", i, code, err)
		}
	}
	if st := s.Stored(); len(st) != 0 {
		t.Fatalf("still stored after the acks: %+v", st)
	}
	res, err = c.Do(ctx, "GET", sub.Resource, http.Header{"Prefer": {"wait=0"}}, nil)
	if err != nil || res.Status != 204 || len(res.Pushes) != 0 {
		t.Fatalf("second wait=0: %v %+v", err, res)
	}
	// A GET of the message resource that is not a promised one, and a DELETE of one already
	// acknowledged, go to the core.
	g, err := c.Do(ctx, "GET", res0Path(t, s), nil, nil)
	if err != nil || g.Status != 405 {
		t.Fatalf("plain GET of a message resource: %v %+v", err, g)
	}
}

// res0Path is the message resource of the first accepted request.
func res0Path(t *testing.T, s *Server) string {
	for _, r := range s.Requests() {
		if r.MessageID != "" {
			return "/m/" + r.MessageID
		}
	}
	t.Fatal("no accepted request")
	return ""
}

func TestRFC8030UnackedIsPushedAgain(t *testing.T) {
	s, c, ctx := rfcUA(t, "")
	sub := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{})
	snd := newSender(t)
	pushTo(t, snd, sub, msg{plaintext: []byte("again")})
	first, err := c.Do(ctx, "GET", sub.Resource, http.Header{"Prefer": {"wait=0"}}, nil)
	if err != nil || len(first.Pushes) != 1 {
		t.Fatalf("%v %+v", err, first)
	}
	second, err := c.Do(ctx, "GET", sub.Resource, http.Header{"Prefer": {"wait=0"}}, nil)
	if err != nil || len(second.Pushes) != 1 || second.Pushes[0].Path != first.Pushes[0].Path {
		t.Fatalf("not acknowledged, so pushed again: %v %+v", err, second)
	}
	// The application server's DELETE of a message never pushed is not an ack.
	r := pushTo(t, snd, sub, msg{plaintext: []byte("cancel")})
	loc, _ := url.Parse(r.header.Get("Location"))
	del, err := c.Do(ctx, "DELETE", loc.Path, nil, nil)
	if err != nil || del.Status != 204 {
		t.Fatalf("DELETE by the application server: %v %+v", err, del)
	}
	for _, a := range s.Acks() {
		if "/m/"+a.MessageID == loc.Path {
			t.Fatalf("the application server's DELETE was taken as an ack: %+v", a)
		}
	}
}

func TestRFC8030SetsMonitorAndExpiry(t *testing.T) {
	s, c, ctx := rfcUA(t, "")
	a := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{})
	b := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{Set: a.Set})
	if b.Set != a.Set {
		t.Fatalf("set not reused: %q then %q", a.Set, b.Set)
	}
	_, bad, err := c.Subscribe(ctx, "/rfc8030/subscribe", rfc8030.SubscribeOptions{Set: s.TLSURL() + "/rfc8030/set/" + strings.Repeat("0", 64)})
	if err != nil || bad.Status != 400 {
		t.Fatalf("made-up set: %v %+v", err, bad)
	}
	mon, err := c.Open(ctx, "GET", a.Set, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The monitor is connected once the service has a connection for both members.
	for _, sub := range []*rfc8030.Subscription{a, b} {
		st, _, _ := s.Subscription(coreID(sub))
		if err := s.AwaitConnected(ctx, st.UA); err != nil {
			t.Fatal(err)
		}
	}
	snd := newSender(t)
	pushTo(t, snd, a, msg{plaintext: []byte("to a")})
	pushTo(t, snd, b, msg{plaintext: []byte("to b")})
	got := map[string]string{}
	for range 2 {
		p, err := mon.Next(ctx)
		if err != nil {
			t.Fatalf("%v; frames:\n%s", err, strings.Join(c.Frames(), "\n"))
		}
		link := rfc8030.Links(p.Header, rfc8030.RelPush, nil)
		if len(link) != 1 {
			t.Fatalf("push without its push resource: %v", p.Header)
		}
		sub := map[string]*rfc8030.Subscription{a.PushResource: a, b.PushResource: b}[link[0]]
		pt, err := sub.Decrypt(p)
		if err != nil {
			t.Fatal(err)
		}
		got[link[0]] = string(pt)
		c.Ack(ctx, p)
	}
	if got[a.PushResource] != "to a" || got[b.PushResource] != "to b" {
		t.Fatalf("deliveries through the set: %v", got)
	}

	// a expires: it leaves the set, the monitor goes on for b.
	if err := s.ExpireSubscription(coreID(a)); err != nil {
		t.Fatal(err)
	}
	if r := pushTo(t, snd, a, msg{}); r.status != 404 {
		t.Fatalf("push to the expired member: %d", r.status)
	}
	pushTo(t, snd, b, msg{plaintext: []byte("b again")})
	p, err := mon.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pt, _ := b.Decrypt(p); string(pt) != "b again" {
		t.Fatalf("after a left: %q", pt)
	}
	c.Ack(ctx, p)

	// The set expires: the open request ends with 404, b expires with it.
	if err := s.ExpireSubscriptionSet(path.Base(a.Set)); err != nil {
		t.Fatal(err)
	}
	res, err := mon.Response(ctx)
	if err != nil || res.Status != 404 {
		t.Fatalf("monitor after set expiry: %v %+v", err, res)
	}
	if r := pushTo(t, snd, b, msg{}); r.status != 404 {
		t.Fatalf("push to a member of the expired set: %d", r.status)
	}
	if _, again, _ := c.Subscribe(ctx, "/rfc8030/subscribe", rfc8030.SubscribeOptions{Set: a.Set}); again.Status != 400 {
		t.Fatalf("subscribe with the expired set: %d", again.Status)
	}
}

func TestRFC8030DeleteEndsMonitor404(t *testing.T) {
	_, c, ctx := rfcUA(t, "")
	sub := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{})
	mon, err := c.Open(ctx, "GET", sub.Resource, http.Header{"Urgency": {"high"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	del, err := c.Do(ctx, "DELETE", sub.Resource, nil, nil)
	if err != nil || del.Status != 204 {
		t.Fatalf("%v %+v", err, del)
	}
	res, err := mon.Response(ctx)
	if err != nil || res.Status != 404 {
		t.Fatalf("outstanding monitor: %v %+v", err, res)
	}
	again, err := c.Do(ctx, "GET", sub.Resource, http.Header{"Prefer": {"wait=0"}}, nil)
	if err != nil || again.Status != 404 {
		t.Fatalf("monitor of a deleted subscription: %v %+v", err, again)
	}
}

func TestRFC8030UrgencyThreshold(t *testing.T) {
	_, c, ctx := rfcUA(t, "")
	sub := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{})
	snd := newSender(t)
	pushTo(t, snd, sub, msg{plaintext: []byte("normal")})
	pushTo(t, snd, sub, msg{plaintext: []byte("high"), header: map[string]string{"Urgency": "high"}})
	res, err := c.Do(ctx, "GET", sub.Resource, http.Header{"Prefer": {"wait=0"}, "Urgency": {"high"}}, nil)
	if err != nil || len(res.Pushes) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	if pt, _ := sub.Decrypt(res.Pushes[0]); string(pt) != "high" {
		t.Fatalf("pushed %q", pt)
	}
}

func TestRFC8030RestrictedSubscriptions(t *testing.T) {
	_, c, ctx := rfcUA(t, "")
	snd := newSender(t)
	key := snd.vapid.Public()

	restricted := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{AppServerKey: key})
	if r := pushTo(t, snd, restricted, msg{noVAPID: true}); r.status != 401 {
		t.Fatalf("restricted, no VAPID: %d", r.status)
	}
	if r := pushTo(t, snd, restricted, msg{}); r.status != 201 {
		t.Fatalf("restricted, right key: %d %s", r.status, r.body)
	}
	unknown := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{
		Body: []byte(`{"vapid":"` + webpush.Base64URL(key) + `","x":1,"nested":{"a":[1]}}`)})
	if r := pushTo(t, snd, unknown, msg{noVAPID: true}); r.status != 401 {
		t.Fatalf("unknown members must not drop the restriction: %d", r.status)
	}
	plain := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{ContentType: "text/plain",
		Body: []byte(`{"vapid":"` + webpush.Base64URL(key) + `"}`)})
	if r := pushTo(t, snd, plain, msg{noVAPID: true}); r.status != 201 {
		t.Fatalf("a text/plain body is ignored, so unrestricted: %d %s", r.status, r.body)
	}
	for _, body := range []string{`{"vapid":"AAAA"}`, `[1]`, `{"vapid":1}`} {
		_, res, err := c.Subscribe(ctx, "/rfc8030/subscribe", rfc8030.SubscribeOptions{Body: []byte(body)})
		if err != nil || res.Status != 400 {
			t.Fatalf("%s: %v %+v", body, err, res)
		}
	}
}

func TestRFC8030OnlyInRFCProfile(t *testing.T) {
	for _, p := range []string{"autopush", "fcm", "compat"} {
		t.Run(p, func(t *testing.T) {
			s, c, ctx := rfcUA(t, p)
			if s.RFC8030SubscribeURL() != "" {
				t.Fatal("RFC8030SubscribeURL in a vendor profile")
			}
			_, res, err := c.Subscribe(ctx, "/rfc8030/subscribe", rfc8030.SubscribeOptions{})
			if err != nil || res.Status != 404 {
				t.Fatalf("%v %+v", err, res)
			}
		})
	}
}

func TestRFC8030MonitorNeedsHTTP2(t *testing.T) {
	s, c, ctx := rfcUA(t, "")
	sub := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{})
	cl := s.Client()
	cl.Transport.(*http.Transport).ForceAttemptHTTP2 = false
	cl.Transport.(*http.Transport).TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	req, _ := http.NewRequestWithContext(ctx, "GET", sub.Resource, nil)
	req.Header.Set("Prefer", "wait=0")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 || resp.StatusCode != http.StatusHTTPVersionNotSupported {
		t.Fatalf("HTTP/%d: %d", resp.ProtoMajor, resp.StatusCode)
	}
}

func TestRFC8030CloseEndsMonitors(t *testing.T) {
	s, c, ctx := rfcUA(t, "")
	sub := subscribeRFC(t, ctx, c, rfc8030.SubscribeOptions{})
	mon, err := c.Open(ctx, "GET", sub.Resource, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _, _ := s.Subscription(coreID(sub))
	if err := s.AwaitConnected(ctx, st.UA); err != nil {
		t.Fatal(err)
	}
	// Close wakes every monitor (which answers 503), then shuts the listeners down gracefully;
	// Shutdown fails, and Close returns its error, only when a connection was still busy at the
	// end of its grace period: when Close waited for the open monitor instead of ending it.
	if err := s.Close(); err != nil {
		t.Errorf("Close did not end the open monitor: %v", err)
	}
	if res, err := mon.Response(ctx); err == nil && res.Status != http.StatusServiceUnavailable {
		t.Fatalf("monitor at close: %+v", res)
	}
}
