package fakepushservice

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	webpushgo "github.com/SherClockHolmes/webpush-go"
	"github.com/pushspec/pushspec/rules"
)

type ctl struct {
	t    *testing.T
	base string
}

func (c ctl) post(path, contentType, body string) (int, http.Header, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type subscribeResp struct {
	Data struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
		ClientHash string `json:"clientHash"`
	} `json:"data"`
}

func (c ctl) subscribe(body string) subscribeResp {
	c.t.Helper()
	st, _, b := c.post("/subscribe", "application/json", body)
	if st != 200 {
		c.t.Fatalf("subscribe: %d %s", st, b)
	}
	var r subscribeResp
	if err := json.Unmarshal(b, &r); err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c ctl) messages(hash string) []string {
	c.t.Helper()
	st, _, b := c.post("/get-notifications", "application/json", `{"clientHash":"`+hash+`"}`)
	if st != 200 {
		c.t.Fatalf("get-notifications: %d %s", st, b)
	}
	var r struct {
		Data struct {
			Messages []string `json:"messages"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		c.t.Fatal(err)
	}
	return r.Data.Messages
}

func wantError(t *testing.T, st int, b []byte, wantSt int, msg string) {
	t.Helper()
	var r struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(b, &r)
	if st != wantSt || r.Error.Message != msg {
		t.Fatalf("got %d %s, want %d %q", st, b, wantSt, msg)
	}
}

// The web-push-testing flow: status, subscribe, send (webpush-go), get-notifications, expire,
// send again → 404 (rfc) / 410 (compat).
func TestControlAPIFlow(t *testing.T) {
	for _, c := range []struct {
		profile string
		gone    int
	}{{"rfc", 404}, {"compat", 410}} {
		t.Run(c.profile, func(t *testing.T) {
			s := newTestServer(t, &Server{Profile: c.profile, NoTLS: true})
			api := ctl{t, s.URL()}
			ctx := testCtx(t)

			st, h, b := api.post("/status", "", "")
			if st != 200 || string(b) != "OK" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Fatalf("status: %d %q %q", st, b, h.Get("Content-Type"))
			}
			priv, pub, _ := webpushGoKeys(t)
			sub := api.subscribe(`{"applicationServerKey":"` + pub + `","userVisibleOnly":true}`)
			d := sub.Data
			u, _ := url.Parse(s.URL())
			if d.Endpoint != "http://localhost:"+u.Port()+"/notify/"+d.ClientHash || len(d.ClientHash) != 64 || len(d.Keys.P256dh) != 87 || len(d.Keys.Auth) != 22 {
				t.Fatalf("subscribe: %+v", d)
			}
			gs := &webpushgo.Subscription{Endpoint: d.Endpoint, Keys: webpushgo.Keys{P256dh: d.Keys.P256dh, Auth: d.Keys.Auth}}
			o := &webpushgo.Options{Subscriber: "pushspec@example.com", TTL: 60, VAPIDPublicKey: pub, VAPIDPrivateKey: priv, RecordSize: 1024}
			for _, m := range []string{"hello", "second", "third"} {
				resp, err := webpushgo.SendNotificationWithContext(ctx, []byte(m), gs, o)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 201 {
					t.Fatalf("send: %d", resp.StatusCode)
				}
				if loc := resp.Header.Get("Location"); (c.profile == "compat") != (loc == "") {
					t.Fatalf("%s: Location %q", c.profile, loc)
				}
			}
			if got := api.messages(d.ClientHash); strings.Join(got, "|") != "hello|second|third" {
				t.Fatalf("messages %q", got)
			}
			// A rejected push is never stored.
			resp, err := webpushgo.SendNotificationWithContext(ctx, []byte("no ttl"), gs, &webpushgo.Options{Subscriber: "a@b.example", TTL: 60, VAPIDPublicKey: pub, VAPIDPrivateKey: priv, Topic: strings.Repeat("t", 40)})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := map[string]int{"rfc": 400, "compat": 201}[c.profile]; resp.StatusCode != want {
				t.Fatalf("long topic: %d want %d", resp.StatusCode, want)
			}
			wantN := map[string]int{"rfc": 3, "compat": 4}[c.profile]
			if got := api.messages(d.ClientHash); len(got) != wantN {
				t.Fatalf("messages %q, want %d", got, wantN)
			}
			st, _, b = api.post("/expire-subscription/"+d.ClientHash, "", "")
			if st != 200 || string(b) != "OK" {
				t.Fatalf("expire: %d %s", st, b)
			}
			if st, _, _ = api.post("/expire-subscription/"+d.ClientHash, "", ""); st != 200 {
				t.Fatalf("expire again: %d", st)
			}
			resp, err = webpushgo.SendNotificationWithContext(ctx, []byte("late"), gs, o)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.gone {
				t.Fatalf("after expiry: %d, want %d", resp.StatusCode, c.gone)
			}
			if got := api.messages(d.ClientHash); len(got) != wantN {
				t.Fatalf("messages after expiry %q", got)
			}
		})
	}
}

func TestControlAPIErrors(t *testing.T) {
	s := newTestServer(t, &Server{NoTLS: true})
	api := ctl{t, s.URL()}
	st, _, b := api.post("/subscribe", "application/json", `{"foo":1}`)
	wantError(t, st, b, 400, "Invalid property foo sent.")
	st, _, b = api.post("/subscribe", "application/json", `{"userVisibleOnly":"yes"}`)
	wantError(t, st, b, 400, "Parameter userVisibleOnly is not of type boolean: yes")
	st, _, b = api.post("/subscribe", "application/json", `{"applicationServerKey":"AAAA"}`)
	wantError(t, st, b, 400, "Parameter applicationServerKey does not seem to be a valid VAPID key.")
	st, _, b = api.post("/subscribe", "application/json", `{"userVisibleOnly":`)
	if st != 400 {
		t.Fatalf("bad JSON: %d %s", st, b)
	}
	st, _, b = api.post("/expire-subscription/nope", "", "")
	wantError(t, st, b, 400, "Subscription with specified client hash does not exist")
	st, _, b = api.post("/get-notifications", "application/json", `{"clientHash":"nope"}`)
	wantError(t, st, b, 400, "Client not subscribed")
	st, _, b = api.post("/get-notifications", "application/json", `{}`)
	wantError(t, st, b, 400, "Client not subscribed")

	// Lenient where the peer is accidentally strict: string and boolean userVisibleOnly, form
	// bodies, empty bodies.
	api.subscribe(`{"userVisibleOnly":"true"}`)
	api.subscribe(`{"userVisibleOnly":false}`)
	api.subscribe(``)
	st, _, b = api.post("/subscribe", "application/x-www-form-urlencoded", "userVisibleOnly=true")
	if st != 200 {
		t.Fatalf("form: %d %s", st, b)
	}
	// Form get-notifications, and a payload-less push listed as "".
	sub := api.subscribe(`{}`)
	req, _ := http.NewRequest("POST", strings.Replace(sub.Data.Endpoint, "localhost", "127.0.0.1", 1), nil)
	req.Header.Set("TTL", "60")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("payload-less push: %d", resp.StatusCode)
	}
	st, _, b = api.post("/get-notifications", "application/x-www-form-urlencoded", "clientHash="+sub.Data.ClientHash)
	if st != 200 || string(b) != `{"data":{"messages":[""]}}`+"\n" {
		t.Fatalf("form get-notifications: %d %s", st, b)
	}

	// Unknown routes answer loudly and are recorded.
	for _, r := range [][2]string{{"GET", "/status"}, {"GET", "/nowhere"}, {"PUT", "/_pushspec/requests"}} {
		req, _ := http.NewRequest(r[0], s.URL()+r[1], nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || !strings.Contains(string(b), "unhandled route") {
			t.Fatalf("%v: %d %s", r, resp.StatusCode, b)
		}
	}
	if n := len(s.Unhandled()); n != 3 {
		t.Fatalf("%d unhandled recorded", n)
	}
}

func TestPushspecRoutes(t *testing.T) {
	s := newTestServer(t, &Server{})
	ctx := testCtx(t)
	ua := s.NewVirtualUA(VirtualUAOptions{})
	defer ua.Close()
	snd := newSender(t)
	vs, _ := ua.Subscribe(ctx, snd.vapid.Public())
	r := snd.send(vs, msg{})
	loc := r.header.Get("Location")
	msgID := loc[strings.LastIndex(loc, "/")+1:]
	if _, err := ua.AwaitMessage(ctx, vs.ID); err != nil {
		t.Fatal(err)
	}
	get := func(path string) []byte {
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	reqs := get("/_pushspec/requests")
	if strings.Contains(string(reqs), vs.Auth) || !strings.Contains(string(reqs), "signature redacted") || !strings.Contains(string(reqs), rules.TTLRequired.ID) {
		t.Fatalf("requests JSON leaks the auth secret or lacks redaction/verdicts: %.400s", reqs)
	}
	if m := get("/_pushspec/messages/" + msgID); !strings.Contains(string(m), `"acks"`) || !strings.Contains(string(m), `"code":100`) {
		t.Fatalf("message: %s", m)
	}
	if v := get("/_pushspec/verdicts?outcome=fail"); string(v) != "[]\n" {
		t.Fatalf("conformant request has failing verdicts: %s", v)
	}
	for _, p := range []string{"/_pushspec/", "/_pushspec/events?after=1", "/_pushspec/subscriptions", "/_pushspec/stored", "/_pushspec/deliveries", "/_pushspec/acks", "/_pushspec/faults", "/_pushspec/ca.pem"} {
		get(p)
	}
	// Fault injection through the API: the next two pushes get 429 with Retry-After.
	resp, err := http.Post(s.URL()+"/_pushspec/faults", "application/json", strings.NewReader(`{"status":429,"retry_after":7,"count":2}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("faults: %v %v", err, resp)
	}
	resp.Body.Close()
	for i := 0; i < 3; i++ {
		r := snd.send(vs, msg{})
		want := map[bool]int{true: 429, false: 201}[i < 2]
		if r.status != want || (want == 429 && r.header.Get("Retry-After") != "7") {
			t.Fatalf("push %d: %d Retry-After %q", i, r.status, r.header.Get("Retry-After"))
		}
	}
	resp, _ = http.Post(s.URL()+"/_pushspec/faults", "application/json", strings.NewReader(`{"bogus":1}`))
	if resp.StatusCode != 400 {
		t.Fatalf("bad fault: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

// OnRequest hooks: delay, drop, profile-shaped rate limiting.
func TestOnRequestFaults(t *testing.T) {
	var next atomic.Pointer[Fault]
	s := newTestServer(t, &Server{NoTLS: true, Profile: "wns", OnRequest: func(*Request) *Fault { return next.Load() }})
	ctx := testCtx(t)
	ua := s.NewVirtualUA(VirtualUAOptions{})
	defer ua.Close()
	snd := newSender(t)
	vs, _ := ua.Subscribe(ctx, snd.vapid.Public())
	next.Store(&Fault{Cond: CondRateLimited})
	r := snd.send(vs, msg{})
	if r.status != 406 || r.header.Get("X-WNS-Status") != "appthrottled" || r.header.Get("Retry-After") == "" {
		t.Fatalf("wns throttle: %d %v", r.status, r.header)
	}
	next.Store(&Fault{Drop: true})
	if _, err := snd.cl.Do(snd.request(vs, "", msg{})); err == nil {
		t.Fatal("dropped request got an answer")
	}
	next.Store(&Fault{Status: 503, RetryAfter: 3})
	if r := snd.send(vs, msg{}); r.status != 503 || r.header.Get("Retry-After") != "3" {
		t.Fatalf("503: %d", r.status)
	}
	next.Store(nil)
	if r := snd.send(vs, msg{}); r.status != 201 {
		t.Fatalf("after faults: %d", r.status)
	}
}
