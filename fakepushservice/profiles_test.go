package fakepushservice

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// statusCase is one row of the status-code table: a request and the status each profile answers.
type statusCase struct {
	name    string
	unrestr bool                                                       // subscribe without applicationServerKey
	state   string                                                     // "", "unknown", "expired", "unsubscribed"
	msg     msg                                                        //
	build   func(t *testing.T, s *sender, vs *VirtualSubscription) msg // overrides msg
	want    map[string]int                                             // profile → status; "*" for the rest
	check   func(t *testing.T, profile string, r result)
}

var allProfiles = []string{"rfc", "autopush", "fcm", "apple", "wns", "compat"}

func statusCases() []statusCase {
	long := strings.Repeat("a", 33)
	return []statusCase{
		{name: "accepted", want: map[string]int{"*": 201}, check: func(t *testing.T, p string, r result) {
			loc := r.header.Get("Location")
			if p == "compat" {
				if loc != "" || r.header.Get("TTL") != "" {
					t.Errorf("compat: Location %q TTL %q, want neither", loc, r.header.Get("TTL"))
				}
				return
			}
			if !strings.Contains(loc, "/m/") {
				t.Errorf("Location %q", loc)
			}
			if r.header.Get("TTL") != "60" {
				t.Errorf("TTL echo %q", r.header.Get("TTL"))
			}
			if p == "apple" && len(r.header.Get("apns-id")) != 36 {
				t.Errorf("apns-id %q", r.header.Get("apns-id"))
			}
			if p == "wns" && r.header.Get("X-WNS-Status") != "received" {
				t.Errorf("X-WNS-Status %q", r.header.Get("X-WNS-Status"))
			}
		}},
		{name: "no payload", msg: msg{noBody: true}, want: map[string]int{"*": 201}},
		{name: "ttl missing", msg: msg{header: map[string]string{"TTL": ""}}, want: map[string]int{"*": 400}, check: func(t *testing.T, p string, r result) {
			wantBody(t, p, r, rules.TTLMissing400.ID, 111, "BadTtl", "TTL header is invalid: undefined")
		}},
		{name: "ttl not digits", msg: msg{header: map[string]string{"TTL": "abc"}}, want: map[string]int{"*": 400}},
		{name: "ttl decimal", msg: msg{header: map[string]string{"TTL": "1.5"}}, want: map[string]int{"*": 400, "compat": 201}},
		{name: "ttl negative", msg: msg{header: map[string]string{"TTL": "-5"}}, want: map[string]int{"*": 400, "compat": 201}, check: func(t *testing.T, p string, r result) {
			if p == "autopush" {
				wantBody(t, p, r, "", 114, "", "")
			}
		}},
		{name: "ttl overflow", msg: msg{header: map[string]string{"TTL": "99999999999999999999"}}, want: map[string]int{"*": 201}, check: func(t *testing.T, p string, r result) {
			want := map[string]string{"rfc": "2147483648", "autopush": "2592000", "fcm": "2419200", "apple": "2592000", "wns": "2147483648", "compat": ""}[p]
			if got := r.header.Get("TTL"); got != want {
				t.Errorf("TTL echo %q, want %q", got, want)
			}
		}},
		{name: "ttl zero", msg: msg{header: map[string]string{"TTL": "0"}}, want: map[string]int{"*": 201, "wns": 400}},
		{name: "ttl zero wns no-cache", msg: msg{header: map[string]string{"TTL": "0", "X-WNS-Cache-Policy": "no-cache"}}, want: map[string]int{"*": 201}},
		{name: "urgency multiple", msg: msg{header: map[string]string{"Urgency": "low, high"}}, want: map[string]int{"*": 201, "rfc": 400, "apple": 400}},
		{name: "urgency repeated", msg: msg{extra: http.Header{"Urgency": {"low", "high"}}}, want: map[string]int{"*": 201, "rfc": 400, "apple": 400}},
		{name: "urgency unknown", msg: msg{header: map[string]string{"Urgency": "urgent"}}, want: map[string]int{"*": 201, "rfc": 400, "apple": 400}},
		{name: "urgency valid", msg: msg{header: map[string]string{"Urgency": "very-low"}}, want: map[string]int{"*": 201}},
		{name: "topic too long", msg: msg{header: map[string]string{"Topic": long}}, want: map[string]int{"*": 201, "rfc": 400, "autopush": 400, "apple": 400}, check: func(t *testing.T, p string, r result) {
			if p == "autopush" {
				wantBody(t, p, r, "", 113, "", "")
			}
		}},
		{name: "topic bad chars", msg: msg{header: map[string]string{"Topic": "upd:1"}}, want: map[string]int{"*": 201, "rfc": 400, "autopush": 400, "apple": 400}},
		{name: "topic padded", msg: msg{header: map[string]string{"Topic": "abcd=="}}, want: map[string]int{"*": 201, "rfc": 400}},
		{name: "topic len 1 mod 4", msg: msg{header: map[string]string{"Topic": "abcde"}}, want: map[string]int{"*": 201, "apple": 400}},
		{name: "no content-encoding", msg: msg{header: map[string]string{"Content-Encoding": ""}}, want: map[string]int{"*": 400, "rfc": 415}, check: func(t *testing.T, p string, r result) {
			wantBody(t, p, r, rules.AES128GCMOnly.ID, 110, "", "Unsupported encoding")
		}},
		{name: "gzip encoding", msg: msg{header: map[string]string{"Content-Encoding": "gzip"}}, want: map[string]int{"*": 400, "rfc": 415}},
		{name: "two encodings", msg: msg{header: map[string]string{"Content-Encoding": "aes128gcm, aesgcm"}}, want: map[string]int{"*": 400, "rfc": 415}},
		{name: "aesgcm draft", unrestr: true, msg: msg{aesgcm: true, noVAPID: true}, want: map[string]int{"*": 201, "apple": 400, "wns": 400}},
		{name: "aesgcm with webpush vapid", msg: msg{aesgcm: true, sign: &webpush.SignOptions{Scheme: webpush.SchemeWebPush}}, want: map[string]int{"*": 201, "rfc": 401, "apple": 403, "wns": 401}},
		{name: "aes128gcm with webpush vapid", msg: msg{sign: &webpush.SignOptions{Scheme: webpush.SchemeWebPush}}, want: map[string]int{"*": 201, "rfc": 401, "apple": 403, "wns": 401, "compat": 400}},
		{name: "vapid scheme capitalised", msg: msg{header: map[string]string{}}, build: func(t *testing.T, s *sender, vs *VirtualSubscription) msg {
			return msg{mutate: func(h http.Header) {
				h.Set("Authorization", "Vapid"+strings.TrimPrefix(h.Get("Authorization"), "vapid"))
			}}
		}, want: map[string]int{"*": 201, "compat": 400}},
		{name: "body 4096", msg: msg{plaintext: []byte("x"), enc: &webpush.Options{Pad: 4096 - 86 - 16 - 2}}, want: map[string]int{"*": 201}},
		{name: "body 4097", msg: msg{plaintext: []byte("x"), enc: &webpush.Options{Pad: 4097 - 86 - 16 - 2}}, want: map[string]int{"*": 413, "wns": 201, "compat": 201}},
		{name: "vapid absent", msg: msg{noVAPID: true}, want: map[string]int{"rfc": 401, "autopush": 401, "fcm": 400, "apple": 403, "wns": 401, "compat": 400}, check: func(t *testing.T, p string, r result) {
			wantBody(t, p, r, rules.RejectAbsent.ID, 109, "BadJwtToken", "Missing or invalid authorization header")
			if p == "fcm" && !strings.Contains(string(r.body), "UnauthorizedRegistration") {
				t.Errorf("fcm body %q", r.body)
			}
		}},
		{name: "vapid bad signature", msg: msg{sign: &webpush.SignOptions{CorruptSignature: true}}, want: map[string]int{"*": 403, "autopush": 401, "wns": 401, "compat": 400}, check: func(t *testing.T, p string, r result) {
			if p == "fcm" && !strings.Contains(string(r.body), "invalid JWT provided") {
				t.Errorf("fcm body %q", r.body)
			}
		}},
		{name: "vapid DER signature", msg: msg{sign: &webpush.SignOptions{DERSignature: true}}, want: map[string]int{"*": 403, "autopush": 401, "wns": 401, "compat": 400}},
		{name: "vapid missing k", msg: msg{sign: &webpush.SignOptions{OmitK: true}}, want: map[string]int{"*": 403, "autopush": 401, "fcm": 400, "wns": 401, "compat": 400}},
		{name: "vapid expired", msg: msg{exp: -time.Minute}, want: map[string]int{"*": 403, "autopush": 401, "wns": 401, "compat": 400}},
		{name: "vapid exp over 24h", msg: msg{exp: 25 * time.Hour}, want: map[string]int{"*": 403, "autopush": 401, "wns": 401, "compat": 201}, check: func(t *testing.T, p string, r result) {
			if p == "autopush" {
				wantBody(t, p, r, "", 109, "", "")
			}
		}},
		{name: "vapid wrong aud", msg: msg{aud: "https://app.example"}, want: map[string]int{"*": 403, "autopush": 401, "wns": 401, "compat": 201}},
		{name: "vapid key mismatch", build: func(t *testing.T, s *sender, vs *VirtualSubscription) msg {
			other, _ := webpush.NewVAPIDKeys()
			return msg{vapid: other}
		}, want: map[string]int{"*": 403, "autopush": 401, "wns": 401, "compat": 400}, check: func(t *testing.T, p string, r result) {
			if p == "apple" {
				wantBody(t, p, r, "", 0, "VapidPkHashMismatch", "")
			}
		}},
		{name: "vapid sub missing", msg: msg{sub: "-"}, want: map[string]int{"*": 201, "apple": 403}},
		{name: "vapid sub bare address", msg: msg{sub: "a@b.example"}, want: map[string]int{"*": 201, "apple": 403}},
		{name: "vapid unknown params", msg: msg{sign: &webpush.SignOptions{ExtraParams: `realm="x", foo=bar`}}, want: map[string]int{"*": 201}},
		{name: "unrestricted no vapid", unrestr: true, msg: msg{noVAPID: true}, want: map[string]int{"*": 201}},
		{name: "same keys", unrestr: true, build: func(t *testing.T, s *sender, vs *VirtualSubscription) msg {
			ek, err := s.vapid.Private.ECDH()
			if err != nil {
				t.Fatal(err)
			}
			return msg{enc: &webpush.Options{ASPrivate: ek}}
		}, want: map[string]int{"*": 201, "rfc": 400}},
		{name: "undecryptable", msg: msg{enc: &webpush.Options{WrongAuth: true}}, want: map[string]int{"*": 201, "compat": 400}},
		{name: "unknown subscription", state: "unknown", want: map[string]int{"*": 404, "compat": 400}, check: func(t *testing.T, p string, r result) {
			wantBody(t, p, r, rules.UnknownPushResource.ID, 102, "", "Client not subscribed")
		}},
		{name: "expired subscription", state: "expired", want: map[string]int{"*": 410, "rfc": 404}, check: func(t *testing.T, p string, r result) {
			if p == "autopush" {
				wantBody(t, p, r, "", 106, "", "")
			}
			if p == "compat" && !strings.Contains(string(r.body), `"reason":"Push subscription has unsubscribed or expired."`) {
				t.Errorf("compat body %s", r.body)
			}
		}},
		{name: "unsubscribed", state: "unsubscribed", want: map[string]int{"*": 410, "rfc": 404}},
		{name: "GET on push resource", msg: msg{method: "GET", noBody: true}, want: map[string]int{"*": 405}},
		{name: "respond-async", msg: msg{header: map[string]string{"Prefer": "respond-async"}}, want: map[string]int{"*": 201, "rfc": 202}, check: func(t *testing.T, p string, r result) {
			if p == "rfc" && (!strings.Contains(r.header.Get("Link"), `rel="urn:ietf:params:push:receipt"`) || r.header.Get("Location") == "") {
				t.Errorf("Link %q Location %q", r.header.Get("Link"), r.header.Get("Location"))
			}
		}},
		{name: "invalid receipt subscription", msg: msg{header: map[string]string{"Prefer": "respond-async", "Link": `</receipts/nope>; rel="urn:ietf:params:push:receipt"`}},
			want: map[string]int{"*": 201, "rfc": 400}},
	}
}

// wantBody checks the profile's error body: pushspec's rule (rfc), autopush's errno, Apple's
// reason, the peer's message (compat). Empty expectations are skipped.
func wantBody(t *testing.T, p string, r result, rule string, errno int, reason, compatMsg string) {
	t.Helper()
	var m map[string]any
	switch p {
	case "rfc":
		if rule == "" {
			return
		}
		if err := json.Unmarshal(r.body, &m); err != nil || m["rule"] != rule || m["error"] == "" || m["status"] != float64(r.status) {
			t.Errorf("rfc body %s, want rule %s", r.body, rule)
		}
	case "autopush":
		if errno == 0 {
			return
		}
		if err := json.Unmarshal(r.body, &m); err != nil || m["errno"] != float64(errno) || m["code"] != float64(r.status) || m["error"] != http.StatusText(r.status) || m["message"] == "" {
			t.Errorf("autopush body %s, want errno %d", r.body, errno)
		}
	case "apple":
		if reason == "" {
			return
		}
		if err := json.Unmarshal(r.body, &m); err != nil || m["reason"] != reason {
			t.Errorf("apple body %s, want reason %s", r.body, reason)
		}
	case "compat":
		if compatMsg == "" {
			return
		}
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Errorf("compat body %s", r.body)
			return
		}
		e, _ := m["error"].(map[string]any)
		if e == nil || e["message"] != compatMsg {
			t.Errorf("compat body %s, want message %q", r.body, compatMsg)
		}
	case "wns":
		if len(r.body) != 0 {
			t.Errorf("wns body %q, want empty", r.body)
		}
	}
}

func TestProfileStatusTable(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p, func(t *testing.T) {
			s := newTestServer(t, &Server{Profile: p, NoTLS: true})
			ua := s.NewVirtualUA(VirtualUAOptions{})
			defer ua.Close()
			snd := newSender(t)
			ctx := testCtx(t)
			for _, c := range statusCases() {
				t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
					var key []byte
					if !c.unrestr {
						key = snd.vapid.Public()
					}
					vs, err := ua.Subscribe(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					endpoint := vs.Endpoint
					switch c.state {
					case "unknown":
						endpoint = s.URL() + "/push/" + strings.Repeat("0", 64)
					case "expired":
						s.ExpireSubscription(vs.ID)
					case "unsubscribed":
						ua.Unsubscribe(vs.ID)
					}
					m := c.msg
					if c.build != nil {
						m = c.build(t, snd, vs)
					}
					before := len(s.Requests())
					r := snd.do(snd.request(vs, endpoint, m))
					want, ok := c.want[p]
					if !ok {
						want = c.want["*"]
					}
					if r.status != want {
						t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
					}
					if c.check != nil {
						c.check(t, p, r)
					}
					if r.status >= 400 && r.status != 405 && r.header.Get("Pushspec-Rule") == "" {
						t.Errorf("no Pushspec-Rule header")
					}
					// The request was recorded with verdicts, whatever the status.
					reqs := s.Requests()
					if len(reqs) != before+1 {
						t.Fatalf("%d requests recorded, want %d", len(reqs), before+1)
					}
					last := reqs[len(reqs)-1]
					if last.Status != r.status || len(last.Verdicts) == 0 {
						t.Fatalf("recorded status %d, %d verdicts", last.Status, len(last.Verdicts))
					}
					// Accepted means stored or delivered; refused means never stored.
					if r.status/100 == 2 {
						if last.MessageID == "" {
							t.Fatal("accepted without a message ID")
						}
						if last.Stored {
							if _, err := s.AwaitDeliveryOf(ctx, last.MessageID); err != nil {
								t.Fatal(err)
							}
						}
					} else if last.MessageID != "" {
						t.Fatal("refused request has a message ID")
					}
				})
			}
			// Every rule named in a verdict or an answer is in the catalogue.
			for _, rq := range s.Requests() {
				ids := []string{rq.Rule}
				for _, v := range rq.Verdicts {
					ids = append(ids, v.Rule)
				}
				for _, id := range ids {
					if _, ok := rules.ByID(id); !ok && id != "" && !strings.HasPrefix(id, "pushspec-") {
						t.Errorf("rule %q is not in the catalogue", id)
					}
				}
			}
		})
	}
}

// Verdicts are graded against the RFC whatever the profile: the same broken request yields the
// same failing rules under rfc and under autopush (which accepts it).
func TestVerdictsIndependentOfProfile(t *testing.T) {
	fails := map[string][]string{}
	for _, p := range []string{"rfc", "autopush"} {
		s := newTestServer(t, &Server{Profile: p, NoTLS: true})
		ua := s.NewVirtualUA(VirtualUAOptions{})
		snd := newSender(t)
		vs, err := ua.Subscribe(testCtx(t), snd.vapid.Public())
		if err != nil {
			t.Fatal(err)
		}
		r := snd.send(vs, msg{header: map[string]string{"Urgency": "low, high"}, sub: "ops@example.com", enc: &webpush.Options{HeaderRS: 17}})
		t.Logf("%s: %d", p, r.status)
		for _, v := range s.Requests()[0].Verdicts {
			if v.Outcome == rules.Fail || v.Outcome == rules.NonStrict {
				fails[p] = append(fails[p], v.Rule+"="+string(v.Outcome))
			}
		}
		ua.Close()
	}
	if strings.Join(fails["rfc"], ",") != strings.Join(fails["autopush"], ",") {
		t.Fatalf("verdicts differ:\nrfc      %v\nautopush %v", fails["rfc"], fails["autopush"])
	}
	for _, want := range []string{"rfc8030-5.3-urgency-single-value=fail", "rfc8292-2.1-sub-contact-uri=non-strict", "rfc8188-2.1-rs-min-18=fail"} {
		if !strings.Contains(strings.Join(fails["rfc"], ","), want) {
			t.Errorf("missing %s in %v", want, fails["rfc"])
		}
	}
}

func TestProfilesAreData(t *testing.T) {
	for _, name := range allProfiles {
		p, ok := LookupProfile(name)
		if !ok {
			t.Fatalf("no profile %s", name)
		}
		seen := map[Cond]bool{}
		for _, c := range p.Order {
			seen[c] = true
		}
		for c, a := range p.Answers {
			if !seen[c] {
				t.Errorf("%s answers %s but never checks it (not in Order)", name, c)
			}
			if a.Status < 400 || a.Status > 599 {
				t.Errorf("%s: %s answers %d", name, c, a.Status)
			}
			if _, ok := condRule[c]; !ok {
				t.Errorf("%s: no rule for %s", name, c)
			}
		}
	}
}
