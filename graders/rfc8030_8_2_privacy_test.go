package graders_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/pushspec/pushspec/graders"
)

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestPrivacyHeuristic shows that the RFC 8030 §8.2 checks can fail: URIs shaped like those of
// services that leak a user-agent id, a counter or a client address are caught, and random
// tokens of real services' shapes (the fake's hex, autopush-like and FCM-like base64url) pass.
// Each shape is tried 200 times with fresh random tokens, so a heuristic that flags random
// tokens by chance shows up here.
func TestPrivacyHeuristic(t *testing.T) {
	const origin = "https://push.example:443"
	// uris makes push URIs for A1, A2 (UA A) and B1 (UA B) and two message URIs for each.
	uris := func(push func(sub, ua string) string, msg func(sub, ua string, i int) string) []graders.URI {
		var out []graders.URI
		for _, s := range []struct{ sub, ua string }{{"A1", "A"}, {"A2", "A"}, {"B1", "B"}} {
			out = append(out, graders.URI{Kind: "push", Sub: s.sub, UA: s.ua, URI: push(s.sub, s.ua)})
			for i := 1; i <= 2; i++ {
				out = append(out, graders.URI{Kind: "message", Sub: s.sub, UA: s.ua, URI: msg(s.sub, s.ua, i)})
			}
		}
		return out
	}
	var counter int
	cases := []struct {
		name      string
		make      func() []graders.URI
		pushBad   bool // push-uri check must fail
		msgBad    bool // message-uri check must fail
		shortPush bool // push tokens under 120 bits (RFC 8030 §8.3's advice, not a §8.2 finding)
	}{
		{name: "fake: random hex", make: func() []graders.URI {
			return uris(func(string, string) string { return origin + "/push/" + randHex(32) },
				func(string, string, int) string { return origin + "/m/" + randHex(16) })
		}},
		{name: "autopush-like base64url tokens", make: func() []graders.URI {
			return uris(func(string, string) string { return origin + "/wpush/v2/gAAAAAB" + randB64(140) },
				func(string, string, int) string { return origin + "/m/gAAAAAB" + randB64(120) })
		}},
		{name: "FCM-like token with a colon", make: func() []graders.URI {
			return uris(func(string, string) string { return origin + "/fcm/send/" + randB64(8) + ":APA91b" + randB64(100) },
				func(string, string, int) string { return origin + "/m/0:" + randB64(20) })
		}},
		{name: "message URI names its own subscription (RFC 8030 §8.2 allows it)", make: func() []graders.URI {
			toks := map[string]string{}
			tok := func(sub string) string {
				if toks[sub] == "" {
					toks[sub] = randHex(32)
				}
				return toks[sub]
			}
			return uris(func(sub, _ string) string { return origin + "/push/" + tok(sub) },
				func(sub, _ string, _ int) string { return origin + "/m/" + tok(sub) + "/" + randHex(16) })
		}},
		{name: "120-bit tokens (20 base64url characters)", make: func() []graders.URI {
			return uris(func(string, string) string { return origin + "/push/" + randB64(15) },
				func(string, string, int) string { return origin + "/m/" + randHex(16) })
		}},
		{name: "104-bit tokens: short, and still uncorrelated", shortPush: true, make: func() []graders.URI {
			return uris(func(string, string) string { return origin + "/push/" + randHex(13) },
				func(string, string, int) string { return origin + "/m/" + randHex(16) })
		}},
		{name: "each subscription numbers its own messages", make: func() []graders.URI {
			ids := map[string]string{}
			id := func(sub string) string {
				if ids[sub] == "" {
					ids[sub] = randHex(16)
				}
				return ids[sub]
			}
			return uris(func(string, string) string { return origin + "/push/" + randHex(32) },
				func(sub, _ string, i int) string { return fmt.Sprintf("%s/m/%s/%d", origin, id(sub), i) })
		}},
		{name: "each user agent numbers its messages under its id", msgBad: true, make: func() []graders.URI {
			ids := map[string]string{"A": randHex(16), "B": randHex(16)}
			return uris(func(string, string) string { return origin + "/push/" + randHex(32) },
				func(_, ua string, i int) string { return fmt.Sprintf("%s/m/%s/%d", origin, ids[ua], i) })
		}},
		{name: "user agent id in the path", pushBad: true, msgBad: true, make: func() []graders.URI {
			ids := map[string]string{"A": randHex(16), "B": randHex(16)}
			return uris(func(_, ua string) string { return origin + "/push/" + ids[ua] + "/" + randHex(16) },
				func(_, ua string, _ int) string { return origin + "/m/" + ids[ua] + randHex(16) })
		}},
		{name: "short user agent id as a segment", pushBad: true, make: func() []graders.URI {
			return uris(func(_, ua string) string { return origin + "/push/virtual:" + ua + "7/" + randHex(32) },
				func(string, string, int) string { return origin + "/m/" + randHex(16) })
		}},
		{name: "message ids from one counter", msgBad: true, make: func() []graders.URI {
			counter = 1040
			return uris(func(string, string) string { return origin + "/push/" + randHex(32) },
				func(string, string, int) string { counter++; return fmt.Sprintf("%s/m/msg-%d", origin, counter) })
		}},
		{name: "subscription counter", pushBad: true, shortPush: true, make: func() []graders.URI {
			counter = 7
			return uris(func(string, string) string { counter++; return fmt.Sprintf("%s/push/%d", origin, counter) },
				func(string, string, int) string { return origin + "/m/" + randHex(16) })
		}},
		{name: "same push URI twice", pushBad: true, make: func() []graders.URI {
			same := randHex(32)
			return uris(func(string, string) string { return origin + "/push/" + same },
				func(string, string, int) string { return origin + "/m/" + randHex(16) })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 200; i++ {
				us := c.make()
				pushWhy, _ := graders.CompareURIs(us, "push")
				msgWhy, ev := graders.CompareURIs(us, "message")
				short := graders.ShortTokens(us)
				if (pushWhy != "") != c.pushBad || (msgWhy != "") != c.msgBad || (len(short) > 0) != c.shortPush {
					t.Fatalf("round %d: push %q (want bad %v), message %q (want bad %v), short %v (want %v)\n%s",
						i, pushWhy, c.pushBad, msgWhy, c.msgBad, short, c.shortPush, ev["uris"])
				}
			}
		})
	}
}
