package pushservice

// Helpers of the specs that speak RFC 8030's own user-agent interface (§4 subscribe, §6 receive
// over HTTP/2 server push) with pushspec's client, useragent/rfc8030. A target that does
// not offer that interface (the fake's vendor profiles, control=, autopush=, real) skips them.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
	"github.com/pushspec/pushspec/useragent/rfc8030"
)

var noFaults = sender.Faults{}

// rfcUA is pushspec's RFC 8030 user agent connected to the target, for one spec.
type rfcUA struct {
	c      *rfc8030.Client
	access target.RFC8030Access
	r      *conformance.Recorder
}

// noRFC8030 is the skip reason of a target without RFC 8030's user-agent interface.
func noRFC8030() string {
	return "unsupported: target " + tgt.ID + " does not offer RFC 8030's user-agent interface (subscribe, HTTP/2 server push)"
}

// newRFCUA connects pushspec's RFC 8030 user agent to the target's interface, or skips: the
// target does not offer it. The HTTP/2 frame log becomes evidence when the spec ends.
func newRFCUA(ctx context.Context, r *conformance.Recorder) *rfcUA {
	ri, ok := svc.(target.RFC8030Interface)
	var acc target.RFC8030Access
	if ok {
		acc, ok = ri.RFC8030()
	}
	if !ok {
		conformance.SkipBecause(noRFC8030())
	}
	dctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	c, err := rfc8030.Dial(dctx, acc.SubscribeURL, acc.Roots)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("connecting the RFC 8030 user agent to %s: %w", acc.SubscribeURL, err))
	}
	DeferCleanup(func() {
		r.Evidence("h2.frames", strings.Join(c.Frames(), "\n"))
		c.Close()
	})
	r.Evidence("rfc8030.subscribe_url", acc.SubscribeURL)
	return &rfcUA{c: c, access: acc, r: r}
}

// rfcExpirer returns the target's expiry knob for RFC 8030 resources, or skips.
func rfcExpirer() target.RFC8030Expirer {
	return capability[target.RFC8030Expirer]("expire an RFC 8030 subscription or subscription set")
}

// subscribeRaw POSTs a subscribe request and records it; a transport error is the harness's.
func (u *rfcUA) subscribeRaw(ctx context.Context, label string, o rfc8030.SubscribeOptions) (*rfc8030.Subscription, *rfc8030.Response) {
	wctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	sub, res, err := u.c.Subscribe(wctx, u.access.SubscribeURL, o)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("%s: subscribing: %w", label, err))
	}
	u.r.Evidence(label+".request", describeSubscribe(o))
	u.r.Evidence(label+".response", describeH2Response(res))
	return sub, res
}

// subscribe makes a subscription the spec depends on (not the rule it checks): 201, with a
// subscription resource and a push resource.
func (u *rfcUA) subscribe(ctx context.Context, label string, o rfc8030.SubscribeOptions) *rfc8030.Subscription {
	sub, res := u.subscribeRaw(ctx, label, o)
	Expect(res.Status).To(Equal(http.StatusCreated), "%s: the service must create this subscription", label)
	Expect(sub.Resource).NotTo(BeEmpty(), "%s: no Location (subscription resource)", label)
	Expect(sub.PushResource).NotTo(BeEmpty(), `%s: no Link rel="urn:ietf:params:push" (push resource)`, label)
	return sub
}

// inSet makes two subscriptions in one subscription set (skipping when the service gives no set:
// sets are a MAY).
func (u *rfcUA) inSet(ctx context.Context) (a, b *rfc8030.Subscription) {
	a = u.subscribe(ctx, "subscribe.a", rfc8030.SubscribeOptions{})
	if a.Set == "" {
		conformance.SkipBecause("unsupported: target " + tgt.ID + " gives no subscription set (RFC 8030 §4.1: a MAY)")
	}
	b = u.subscribe(ctx, "subscribe.b", rfc8030.SubscribeOptions{Set: a.Set})
	Expect(b.Set).To(Equal(a.Set), "the second subscription must join the set it named")
	return a, b
}

// asTarget is the subscription as senders take it: its push resource and the UA's public keys.
func asTarget(sub *rfc8030.Subscription) *target.Subscription {
	return &target.Subscription{Endpoint: sub.PushResource, P256dh: sub.P256dh, Auth: sub.Auth, Keys: sub.Keys}
}

// sendTo sends a conformant message to an RFC 8030 subscription and requires its acceptance.
func sendTo(ctx context.Context, r *conformance.Recorder, label string, sub *rfc8030.Subscription, payload string) {
	accepted(ctx, r, label, message(asTarget(sub), payload), noFaults)
}

// waitZero monitors resource with Prefer: wait=0 and returns the response with its pushes.
func (u *rfcUA) waitZero(ctx context.Context, label, resource string, h http.Header) *rfc8030.Response {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Prefer", "wait=0")
	wctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	res, err := u.c.Do(wctx, http.MethodGet, resource, h, nil)
	if err != nil && ctx.Err() == nil && wctx.Err() == nil {
		conformance.HarnessError(fmt.Errorf("%s: GET %s: %w", label, resource, err))
	}
	Expect(err).NotTo(HaveOccurred(), "%s: no complete answer to GET with Prefer: wait=0 within %s", label, waitFor)
	u.r.Evidence(label, describeH2Response(res))
	return res
}

// monitor opens a long-lived monitoring request (no wait preference).
func (u *rfcUA) monitor(ctx context.Context, label, resource string, h http.Header) *rfc8030.Stream {
	st, err := u.c.Open(ctx, http.MethodGet, resource, h, nil)
	if err != nil {
		conformance.HarnessError(fmt.Errorf("%s: GET %s: %w", label, resource, err))
	}
	DeferCleanup(st.Cancel)
	return st
}

// nextPush waits (bounded) for the next push on a monitoring request.
func (u *rfcUA) nextPush(ctx context.Context, label string, st *rfc8030.Stream) *rfc8030.Push {
	wctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	p, err := st.Next(wctx)
	Expect(err).NotTo(HaveOccurred(), "%s: no server push on the open monitoring request within %s", label, waitFor)
	u.r.Evidence(label, describePush(p))
	return p
}

// ending waits (bounded) for the final response of a monitoring request.
func (u *rfcUA) ending(ctx context.Context, label string, st *rfc8030.Stream) *rfc8030.Response {
	wctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	res, err := st.Response(wctx)
	Expect(err).NotTo(HaveOccurred(), "%s: the open monitoring request got no final response within %s", label, waitFor)
	u.r.Evidence(label, describeH2Response(res))
	return res
}

// ack acknowledges a push by DELETE on its message resource (RFC 8030 §6.2).
func (u *rfcUA) ack(ctx context.Context, label string, p *rfc8030.Push) *rfc8030.Response {
	wctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	res, err := u.c.Ack(wctx, p)
	if err != nil && ctx.Err() == nil && wctx.Err() == nil {
		conformance.HarnessError(fmt.Errorf("%s: DELETE %s: %w", label, p.Path, err))
	}
	Expect(err).NotTo(HaveOccurred(), "%s: no answer to DELETE within %s", label, waitFor)
	u.r.Evidence(label, describeH2Response(res))
	return res
}

// payloads decrypts every push with the subscription its Link names (among subs) and returns
// "<push resource>=<plaintext>" sorted; a push it cannot attribute or decrypt is listed as such.
func payloads(pushes []*rfc8030.Push, subs ...*rfc8030.Subscription) []string {
	var out []string
	for _, p := range pushes {
		links := rfc8030.Links(p.Header, rfc8030.RelPush, nil)
		var sub *rfc8030.Subscription
		for _, s := range subs {
			if len(links) == 1 && links[0] == s.PushResource {
				sub = s
			}
		}
		if sub == nil && len(links) == 0 && len(subs) == 1 {
			sub = subs[0] // a push on a subscription's own monitor needs no Link to be attributed
		}
		switch pt, err := decryptWith(sub, p); {
		case sub == nil:
			out = append(out, fmt.Sprintf("unattributed (Link %q)", p.Header.Values("Link")))
		case err != nil:
			out = append(out, linkName(sub)+": decryption failed: "+err.Error())
		default:
			out = append(out, linkName(sub)+"="+string(pt))
		}
	}
	sort.Strings(out)
	return out
}

func decryptWith(sub *rfc8030.Subscription, p *rfc8030.Push) ([]byte, error) {
	if sub == nil {
		return nil, nil
	}
	return sub.Decrypt(p)
}

// linkName is a short stable name of a subscription for comparisons: its push resource.
func linkName(sub *rfc8030.Subscription) string { return sub.PushResource }

func want(sub *rfc8030.Subscription, payload string) string { return linkName(sub) + "=" + payload }

// madeUp replaces the last path segment of u with random hex of the same length: a resource of
// the same shape that the service never made.
func madeUp(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u + "x"
	}
	dir, last := path.Split(p.Path)
	p.Path = dir + randomHex(max(len(last), 16))
	return p.String()
}

func describeSubscribe(o rfc8030.SubscribeOptions) string {
	var b strings.Builder
	b.WriteString("POST <subscribe resource>\n")
	if o.Set != "" {
		fmt.Fprintf(&b, "Link: <%s>; rel=%q\n", cut(o.Set, 160), rfc8030.RelPushSet)
	}
	switch {
	case o.Body != nil:
		fmt.Fprintf(&b, "Content-Type: %s\n%s", o.ContentType, cut(string(o.Body), 300))
	case o.AppServerKey != nil:
		fmt.Fprintf(&b, "Content-Type: %s\n{\"vapid\": <%d-octet key>}", rfc8030.WebPushOptionsType, len(o.AppServerKey))
	default:
		b.WriteString("(no body)")
	}
	return b.String()
}

func describeH2Response(res *rfc8030.Response) string {
	if res == nil {
		return "(no response)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s (stream %d)\n", res.Status, http.StatusText(res.Status), res.StreamID)
	for _, k := range []string{"Location", "Link", "Retry-After", "Content-Type"} {
		for _, v := range res.Header.Values(k) {
			fmt.Fprintf(&b, "%s: %s\n", k, cut(v, 200))
		}
	}
	if len(res.Body) > 0 {
		b.WriteString(cut(string(res.Body), 300) + "\n")
	}
	for i, p := range res.Pushes {
		fmt.Fprintf(&b, "push %d: %s\n", i+1, describePush(p))
	}
	return strings.TrimRight(b.String(), "\n")
}

func describePush(p *rfc8030.Push) string {
	s := fmt.Sprintf("PUSH_PROMISE %s %s → stream %d: %d", p.Method, cut(p.Path, 40), p.StreamID, p.Status)
	for _, k := range []string{"Content-Encoding", "Last-Modified", "Link", "Cache-Control"} {
		for _, v := range p.Header.Values(k) {
			s += fmt.Sprintf("; %s: %s", k, cut(v, 160))
		}
	}
	s += fmt.Sprintf("; body %d octets", len(p.Body))
	if p.Err != nil {
		s += "; error: " + p.Err.Error()
	}
	return s
}

// httpDate parses an HTTP-date (RFC 9110 §5.6.7).
func httpDate(v string) (time.Time, error) { return http.ParseTime(v) }

// contextWithWait bounds one wait on the target by waitFor.
func contextWithWait(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, waitFor)
}
