package sender_test

import (
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/harness/target"
)

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
)
