package useragent

// RFC 8030 §8.2 and the Push API's "Security and privacy" on the browser side: the endpoint the
// browser hands to the page (and so to every application server) carries no user or device
// information and gives no basis to link two subscriptions of one browser. pushspec knows the
// identifiers the browser uses with its push service (Firefox: the autopush uaid; Chromium: the
// GCM android id, instance id and app id GUID) and the machine's and browser's names, and looks
// for each in the endpoints of three subscriptions made on three origins of one browser. The
// scan is a heuristic in the rules' sense: it finds what it knows to look for.

import (
	"fmt"
	"net/url"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

var _ = describe("RFC 8030 §8.2 user agent: endpoint privacy", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), Ordered, ContinueOnFailure, func() {
			var clients []*harness.Client
			BeforeAll(func(ctx SpecContext) {
				clients = nil
				for i := 0; i < 3; i++ {
					clients = append(clients, newClient(ctx, nil, k))
				}
			}, NodeTimeout(2*time.Minute))

			endpoints := func(r *conformance.Recorder) []string {
				var out []string
				for i, c := range clients {
					out = append(out, c.Subscription.Endpoint)
					r.Evidence(fmt.Sprintf("endpoint.%d", i+1), c.Subscription.Endpoint)
				}
				return out
			}

			// The endpoint carries no user name or device identity; RFC 8030 §8.2 (paraphrased)
			// says the same of push and message resource URIs.
			conformance.It("the endpoint has no userinfo and names no user, host, browser or push-client identifier", tg, rules.EndpointNoUserInfo,
				func(ctx SpecContext, r *conformance.Recorder) {
					r.Also(rules.NoUserDeviceInfo)
					r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
					eps := endpoints(r)
					secrets := deviceStrings(ctx, r, k, clients)
					for _, ep := range eps {
						u, err := url.Parse(ep)
						Expect(err).NotTo(HaveOccurred(), "the endpoint %q is not a URL (%v); RFC 8030 §8.2 is checked on the endpoint's parts", ep, err)
						Expect(u.User).To(BeNil(), "endpoint %q carries userinfo", ep)
						lower := strings.ToLower(ep)
						for what, s := range secrets {
							Expect(lower).NotTo(ContainSubstring(strings.ToLower(s)), "endpoint %q contains the %s (%q)", ep, what, s)
						}
					}
				}, specTimeout)

			// Heuristic: past the part every endpoint
			// shares (scheme, host, fixed path), the tokens of three subscriptions share no run of
			// 8 characters. How long a token is belongs to rfc8030-8.3-push-uri-entropy (info).
			conformance.It("endpoints of three subscriptions share nothing beyond a fixed prefix", tg, rules.PushURIUncorrelatable,
				func(ctx SpecContext, r *conformance.Recorder) {
					eps := endpoints(r)
					prefix := eps[0]
					for _, ep := range eps[1:] {
						n := 0
						for n < len(prefix) && n < len(ep) && prefix[n] == ep[n] {
							n++
						}
						prefix = prefix[:n]
					}
					prefix = prefix[:strings.LastIndex(prefix, "/")+1]
					r.Evidence("fixed prefix", prefix)
					u, err := url.Parse(prefix)
					Expect(err).NotTo(HaveOccurred(), "the endpoints' common prefix %q is not a URL (%v): %v", prefix, err, eps)
					Expect(u.Host).NotTo(BeEmpty(), "the endpoints do not even share scheme and host: %v", eps)
					var tokens []string
					for _, ep := range eps {
						tokens = append(tokens, strings.TrimPrefix(ep, prefix))
					}
					r.Evidence("tokens", strings.Join(tokens, " "))
					for i, t := range tokens {
						// A token's length is §8.3's advice (at least 120 bits), not §8.2's
						// correlation: recorded under its own rule, never failed here. 120 bits
						// are at least 20 base64url characters.
						if len(t) < 20 {
							r.Observe(rules.PushURIEntropy, fmt.Sprintf("the token of endpoint %d is %d characters, fewer than the 20 base64url characters 120 bits need (RFC 8030 §8.3 advice)", i+1, len(t)))
						}
						for j := i + 1; j < len(tokens); j++ {
							s := graders.LongestCommon(t, tokens[j])
							Expect(len(s)).To(BeNumerically("<", 8), "the tokens of endpoints %d and %d share %q", i+1, j+1, s)
						}
					}
				}, specTimeout)
		})
	}
})

// deviceStrings collects what would identify this user or device: host and user names, the
// browser's user agent string, and the identifiers the browser uses on its push link. Each is
// recorded as evidence (none is a secret: they are the push service's own names for the browser).
func deviceStrings(ctx SpecContext, r *conformance.Recorder, k browser.Kind, clients []*harness.Client) map[string]string {
	out := map[string]string{}
	// Shorter values turn up by chance in a random token, and matching is case-insensitive: a
	// user name like "root" is in about one base64url endpoint token in 10,000.
	add := func(what, s string) {
		if len(s) >= 6 {
			out[what] = s
		}
	}
	if h, err := os.Hostname(); err == nil {
		add("host name", h)
	}
	if u, err := user.Current(); err == nil {
		add("user name", u.Username)
	}
	var ua struct {
		UA string `json:"ua"`
	}
	if evalInto(ctx, nil, clients[0], "userAgent", `return {ua: navigator.userAgent};`, &ua) == nil {
		add("user agent string", ua.UA)
	}
	switch k {
	case browser.Firefox:
		if link := env.Autopush(); link != nil {
			for i, h := range link.Hellos() {
				add(fmt.Sprintf("autopush uaid #%d", i+1), h.UAID)
			}
		}
	case browser.Chromium:
		if link := env.FCM(); link != nil {
			for _, ua := range link.UAs() {
				add("GCM android id", strings.TrimPrefix(ua, "fcm:"))
				if id, err := strconv.ParseUint(strings.TrimPrefix(ua, "fcm:"), 10, 64); err == nil {
					add("GCM android id (hex)", strconv.FormatUint(id, 16))
				}
			}
			for i, c := range clients {
				if core, ok := coreSubscription(c.Subscription); ok {
					if reg, ok := link.Registration(core.ID); ok {
						add(fmt.Sprintf("GCM instance id #%d", i+1), reg.AppID)
						if j := strings.LastIndex(reg.Subtype, "#"); j >= 0 {
							add(fmt.Sprintf("GCM app id GUID #%d", i+1), strings.TrimSuffix(reg.Subtype[j+1:], "-V2"))
						}
					}
				}
			}
		}
	}
	var names []string
	for what, s := range out {
		names = append(names, what+"="+s)
	}
	r.Evidence("scanned for", strings.Join(names, "; "))
	return out
}
