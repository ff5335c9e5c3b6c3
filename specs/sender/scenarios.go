package sender

import (
	"context"
	"strings"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
)

// allScenarios lists every scenario below, for prefetch; one left out is still sent, by the
// first spec that reads it.
var allScenarios = []*scenario{typical, urgencyTopic, apple, appleNoSub, wnsTTL0, lagging, accepted202,
	appleUrgencyTopic, gone404, gone410, unavailable503, throttled406, receipts, binaryPayload,
	largestPayload, noPayload, aesgcmPayload, ttlZero, ttlFourWeeks, rateLimited429}

// The scenarios the specs read verdicts from. Each sends once per suite run.
var (
	// typical: two short messages (TTL 60, VAPID) to a subscription restricted to the suite's
	// key, on the rfc profile. The second lets salt and key reuse be seen.
	typical = &scenario{service: "rfc", build: func(*target.Subscription) []sender.Message {
		return []sender.Message{msg("hello pushspec"), msg("hello again")}
	}}

	// urgencyTopic: Urgency high and Topic "update1".
	urgencyTopic = &scenario{service: "rfc",
		needs: func(c sender.Capabilities) string {
			if !c.Urgency || !c.Topic {
				return "send Urgency and Topic"
			}
			return ""
		},
		build: func(*target.Subscription) []sender.Message {
			m := msg("urgent")
			m.Urgency, m.Topic = "high", "update1"
			return []sender.Message{m}
		}}

	// apple: the typical message to the apple profile (which refuses a sub it does not like).
	apple = &scenario{service: "apple", build: func(*target.Subscription) []sender.Message {
		return []sender.Message{msg("hello apple")}
	}}

	// appleNoSub: no VAPID subject configured, to the apple profile.
	appleNoSub = &scenario{service: "apple", build: func(*target.Subscription) []sender.Message {
		m := msg("no subject")
		v := *vapidCreds
		v.Subject = ""
		m.VAPID = &v
		return []sender.Message{m}
	}}

	// wnsTTL0: TTL 0 to the wns profile.
	wnsTTL0 = &scenario{service: "wns", build: func(*target.Subscription) []sender.Message {
		m := msg("ttl zero")
		m.TTL = 0
		return []sender.Message{m}
	}}

	// lagging: the typical message, with the sender's default exp, to a service whose clock is
	// two minutes behind.
	lagging = &scenario{service: "rfc-lagging", build: func(*target.Subscription) []sender.Message {
		return []sender.Message{msg("skew")}
	}}

	// accepted202: the typical message to a service that answers 202 instead of 201.
	accepted202 = &scenario{service: "rfc-202", build: func(*target.Subscription) []sender.Message {
		return []sender.Message{msg("accepted later")}
	}}

	// appleUrgencyTopic: Urgency high and Topic "update1" (7 characters: base64url-decodable) to
	// the apple profile.
	appleUrgencyTopic = &scenario{service: "apple",
		needs: func(c sender.Capabilities) string {
			if !c.Urgency || !c.Topic {
				return "send Urgency and Topic"
			}
			return ""
		},
		build: func(*target.Subscription) []sender.Message {
			m := msg("urgent apple")
			m.Urgency, m.Topic = "high", "update1"
			return []sender.Message{m}
		}}

	// gone404: the typical message to a subscription the rfc service has expired (404, as FCM
	// answers stale tokens); gone410: the same to the autopush service (410 errno 106, "No such
	// subscription"); unavailable503: the same to a live subscription the rfc service answers 503
	// (Retry-After: 10), the transient failure a gone subscription must be told from.
	gone404 = &scenario{service: "rfc", label: "404", prepare: expire, build: one("gone 404")}
	gone410 = &scenario{service: "autopush", label: "410", prepare: expire, build: one("gone 410")}

	unavailable503 = &scenario{service: "rfc", label: "503", build: one("unavailable"),
		prepare: func(_ context.Context, f *target.Fake, sub *target.Subscription) error {
			f.Server.AddFault(fakepushservice.FaultRule{Subscription: sub.ID, Fault: fakepushservice.Fault{Cond: fakepushservice.CondUnavailable}})
			return nil
		}}

	// throttled406: the typical message to a subscription the wns service throttles, every time
	// (406, Retry-After: 900, X-WNS-Status: appthrottled).
	throttled406 = &scenario{service: "wns", build: one("throttled"),
		prepare: func(_ context.Context, f *target.Fake, sub *target.Subscription) error {
			f.Server.AddFault(fakepushservice.FaultRule{Subscription: sub.ID, Fault: fakepushservice.Fault{Cond: fakepushservice.CondRateLimited}})
			return nil
		}}

	// receipts: two messages, each asking for a delivery receipt, on the rfc profile (which
	// answers 202 with a receipt subscription).
	receipts = &scenario{service: "rfc",
		needs: func(c sender.Capabilities) string {
			if !c.Receipts {
				return "ask for delivery receipts (RFC 8030 §5.1: Prefer: respond-async), so it is never given a receipt subscription to pass back"
			}
			return ""
		},
		build: func(*target.Subscription) []sender.Message {
			a, b := msg("receipt 1"), msg("receipt 2")
			a.Receipt, b.Receipt = true, true
			return []sender.Message{a, b}
		}}
)

// The message kinds the README promises a command sender, each its own scenario on the rfc
// profile (a sender that cannot send one says so, and the specs that read it skip).
var (
	// binaryPayload: 256 octets, every byte value once — NUL and invalid UTF-8 included, so a
	// command gets it only in PUSHSPEC_SEND_PAYLOAD_FILE.
	binaryPayload = &scenario{service: "rfc", label: "binary", build: func(*target.Subscription) []sender.Message {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		m := msg("")
		m.Payload = b
		return []sender.Message{m}
	}}

	// largestPayload: 3993 octets of plaintext, the most that fits the 4096 octets every service
	// takes (RFC 8291 §4, paraphrased: 4096 octets less the header of 86, at least 1 octet of
	// padding and the 16 of AEAD_AES_128_GCM's expansion leave at most 3993 of plaintext).
	largestPayload = &scenario{service: "rfc", label: "largest", build: func(*target.Subscription) []sender.Message {
		return []sender.Message{msg(strings.Repeat("0123456789abcdef", 250)[:3993])}
	}}

	// noPayload: a push without a payload (RFC 8030 §5: a push message may have no body).
	noPayload = &scenario{service: "rfc", label: "nopayload",
		needs: func(c sender.Capabilities) string {
			if !c.NoPayload {
				return "send a push without a payload"
			}
			return ""
		},
		build: func(*target.Subscription) []sender.Message {
			m := msg("")
			m.Payload = nil
			return []sender.Message{m}
		}}

	// aesgcmPayload: the legacy aesgcm coding, which the README lets a command be asked for
	// (PUSHSPEC_SEND_ENCODING=aesgcm). The rfc profile accepts and decrypts it.
	aesgcmPayload = &scenario{service: "rfc", label: "aesgcm",
		needs: func(c sender.Capabilities) string {
			if !c.AESGCM {
				return "encrypt with the legacy aesgcm coding"
			}
			return ""
		},
		build: func(*target.Subscription) []sender.Message {
			m := msg("hello aesgcm")
			m.Encoding = "aesgcm"
			return []sender.Message{m}
		}}

	// ttlZero and ttlFourWeeks: TTL 0 (deliver now or never) and TTL 2419200 (four weeks), which
	// some libraries replace with a default of their own (60, 86400) or refuse: each its own
	// scenario, so that a sender unable to send one is still judged on the other.
	ttlZero = &scenario{service: "rfc", label: "ttl0", build: func(*target.Subscription) []sender.Message {
		m := msg("ttl zero")
		m.TTL = 0
		return []sender.Message{m}
	}}
	ttlFourWeeks = &scenario{service: "rfc", label: "ttl4w", build: func(*target.Subscription) []sender.Message {
		m := msg("ttl four weeks")
		m.TTL = 2419200
		return []sender.Message{m}
	}}

	// rateLimited429: the typical message to a subscription the rfc service answers 429 with
	// Retry-After: 10 on every request (as unavailable503 does with 503).
	rateLimited429 = &scenario{service: "rfc", label: "429", build: one("rate limited"),
		prepare: func(_ context.Context, f *target.Fake, sub *target.Subscription) error {
			f.Server.AddFault(fakepushservice.FaultRule{Subscription: sub.ID, Fault: fakepushservice.Fault{Cond: fakepushservice.CondRateLimited}})
			return nil
		}}
)

// one builds a scenario of one typical message.
func one(payload string) func(*target.Subscription) []sender.Message {
	return func(*target.Subscription) []sender.Message { return []sender.Message{msg(payload)} }
}

// expire has the service expire the subscription before anything is sent.
func expire(ctx context.Context, f *target.Fake, sub *target.Subscription) error {
	return f.Expire(ctx, sub)
}
