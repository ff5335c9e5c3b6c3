package fakepushservice

import (
	"context"
	"crypto/ecdh"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// The control API, compatible with marc1706/web-push-testing 1.2.2 (docs/push-services.md §5), on
// the service's own listeners:
//
//	POST /status                        → 200 text/plain "OK"
//	POST /subscribe                     → 200 {"data":{"endpoint":"http://localhost:<port>/notify/<clientHash>","keys":{"p256dh","auth"},"clientHash"}}
//	                                      (https://localhost:<TLS port>/… with HTTPSEndpoints)
//	POST /expire-subscription/{hash}    → 200 "OK"; unknown → 400 {"error":{"message":"Subscription with specified client hash does not exist"}}
//	POST /get-notifications             → 200 {"data":{"messages":["…", …]}}; unknown → 400 {"error":{"message":"Client not subscribed"}}
//	POST /notify/{hash}                 → the push resource (answers per Profile; "compat" answers like the peer)
//
// Subscriptions made here belong to one VirtualUA, always connected, that decrypts what arrives.
// Deliberately more lenient than the peer, in every profile: userVisibleOnly may be a JSON
// boolean or the strings "true"/"false"; pushes without a payload are accepted (listed as "");
// bodies need no Content-Type.
//
// pushspec's own routes, under /_pushspec/ (JSON unless said otherwise):
//
//	GET    /_pushspec/                       index: profile, URLs, CA file, these routes
//	GET    /_pushspec/requests?subscription=&after=N   recorded push requests with verdicts (JWT signatures redacted)
//	GET    /_pushspec/requests/{id}
//	GET    /_pushspec/messages/{id}          the request that made message id, its deliveries and acks
//	GET    /_pushspec/verdicts?subscription=&outcome=  every verdict, flattened, with its request and message
//	GET    /_pushspec/events?after=N&wait=S  events (long poll up to 30 s for one with seq > N)
//	GET    /_pushspec/subscriptions          every subscription with its state
//	POST   /_pushspec/subscriptions/{id}/expire | /unsubscribe
//	GET    /_pushspec/stored                 messages waiting in the store
//	GET    /_pushspec/deliveries, /_pushspec/acks
//	GET    /_pushspec/faults                 queued fault rules
//	POST   /_pushspec/faults                 add one: {"status":429,"retry_after":30,"count":2,"subscription":"…","delay_ns":…,"drop":true,"cond":"rate-limited"}
//	DELETE /_pushspec/faults                 clear them
//	GET    /_pushspec/ca.pem                 the CA certificate of the HTTPS listener
//	GET    /_pushspec/unhandled              requests that matched no route

const controlBodyLimit = 64 << 10

func (s *Server) controlRoutes() {
	s.mux.HandleFunc("/status", only("POST", s, s.ctlStatus))
	s.mux.HandleFunc("/subscribe", only("POST", s, s.ctlSubscribe))
	s.mux.HandleFunc("/expire-subscription/{hash}", only("POST", s, s.ctlExpire))
	s.mux.HandleFunc("/get-notifications", only("POST", s, s.ctlGetNotifications))

	s.mux.HandleFunc("/_pushspec/{$}", only("GET", s, s.psIndex))
	s.mux.HandleFunc("/_pushspec/requests", only("GET", s, s.psRequests))
	s.mux.HandleFunc("/_pushspec/requests/{id}", only("GET", s, s.psRequest))
	s.mux.HandleFunc("/_pushspec/messages/{id}", only("GET", s, s.psMessage))
	s.mux.HandleFunc("/_pushspec/verdicts", only("GET", s, s.psVerdicts))
	s.mux.HandleFunc("/_pushspec/events", only("GET", s, s.psEvents))
	s.mux.HandleFunc("/_pushspec/subscriptions", only("GET", s, s.psSubscriptions))
	s.mux.HandleFunc("/_pushspec/subscriptions/{id}/{action}", only("POST", s, s.psSubscriptionAction))
	s.mux.HandleFunc("/_pushspec/stored", only("GET", s, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, nonNil(s.Stored())) }))
	s.mux.HandleFunc("/_pushspec/deliveries", only("GET", s, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, nonNil(s.Deliveries())) }))
	s.mux.HandleFunc("/_pushspec/acks", only("GET", s, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, nonNil(s.Acks())) }))
	s.mux.HandleFunc("/_pushspec/unhandled", only("GET", s, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, nonNil(s.Unhandled())) }))
	s.mux.HandleFunc("/_pushspec/faults", s.psFaults)
	s.mux.HandleFunc("/_pushspec/ca.pem", only("GET", s, s.psCA))
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// only routes one method to h and everything else to the loud unhandled answer.
func only(method string, s *Server, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			s.serveUnhandled(w, r)
			return
		}
		h(w, r)
	}
}

func ctlError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"message": msg}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func ctlOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "OK")
}

func (s *Server) ctlStatus(w http.ResponseWriter, r *http.Request) { ctlOK(w) }

// controlUA is the VirtualUA that owns control-API subscriptions.
func (s *Server) controlUA() *VirtualUA {
	s.netMu.Lock()
	v := s.ctrlUA
	s.netMu.Unlock()
	if v != nil {
		return v
	}
	nv := s.NewVirtualUA(VirtualUAOptions{Name: "control"})
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.ctrlUA == nil {
		s.ctrlUA = nv
		return nv
	}
	go nv.Close()
	return s.ctrlUA
}

// readControlForm is readForm under the push resource's body deadline (BodyTimeout): a client
// that stalls mid-body gets 400 and its connection closed instead of holding both open for as
// long as it likes (the listeners have no ReadTimeout, which would also cut WebSocket links).
func (s *Server) readControlForm(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	done := s.bodyDeadline(w)
	form, err := readForm(r)
	done(err)
	return form, err
}

// bodyDeadline sets the read deadline for a request body; the returned func clears it and, after
// a failed read, marks the connection to be closed (its body was not read to the end).
func (s *Server) bodyDeadline(w http.ResponseWriter) func(error) {
	rc := http.NewResponseController(w)
	bt := s.BodyTimeout
	if bt <= 0 {
		bt = 15 * time.Second
	}
	_ = rc.SetReadDeadline(time.Now().Add(bt))
	return func(err error) {
		_ = rc.SetReadDeadline(time.Time{})
		if err != nil {
			w.Header().Set("Connection", "close")
		}
	}
}

// readForm reads a JSON object or a urlencoded form (at most 64 KiB) into a map of raw values.
// An empty body is an empty object.
func readForm(r *http.Request) (map[string]any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, controlBodyLimit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the body: %v", err)
	}
	if len(body) > controlBodyLimit {
		return nil, fmt.Errorf("body larger than %d octets", controlBodyLimit)
	}
	out := map[string]any{}
	if strings.TrimSpace(string(body)) == "" {
		return out, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("bad form body: %v", err)
		}
		for k, v := range vals {
			out[k] = v[0]
		}
		return out, nil
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	return out, nil
}

func (s *Server) ctlSubscribe(w http.ResponseWriter, r *http.Request) {
	form, err := s.readControlForm(w, r)
	if err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k != "userVisibleOnly" && k != "applicationServerKey" {
			ctlError(w, http.StatusBadRequest, "Invalid property "+k+" sent.")
			return
		}
	}
	if v, ok := form["userVisibleOnly"]; ok {
		switch x := v.(type) {
		case bool: // lenient: the peer only takes the strings
		case string:
			if x != "true" && x != "false" {
				ctlError(w, http.StatusBadRequest, "Parameter userVisibleOnly is not of type boolean: "+x)
				return
			}
		default:
			ctlError(w, http.StatusBadRequest, "Parameter userVisibleOnly is not of type boolean: "+jsonText(v))
			return
		}
	}
	var key []byte
	if v, ok := form["applicationServerKey"]; ok && v != nil {
		str, _ := v.(string)
		k, err := webpush.DecodeBase64(str)
		if err == nil {
			_, err = ecdh.P256().NewPublicKey(k)
		}
		if str == "" || err != nil {
			ctlError(w, http.StatusBadRequest, "Parameter applicationServerKey does not seem to be a valid VAPID key.")
			return
		}
		key = k
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		port = ""
	}
	// With HTTPSEndpoints, the endpoint is on the TLS listener whichever listener the control
	// request came in on, so that HTTPS-only senders (the npm web-push library) can post to it
	// with the CA the service prints.
	if s.HTTPSEndpoints && r.TLS == nil {
		if u, err := url.Parse(s.TLSURL()); err == nil && u.Port() != "" {
			scheme, port = "https", u.Port()
		}
	}
	host := "localhost"
	if s.EndpointHost != "" {
		host = s.EndpointHost
	}
	prefix := scheme + "://" + host
	if port != "" {
		prefix += ":" + port
	}
	vs, err := s.controlUA().subscribe(r.Context(), key, prefix+"/notify/")
	if err != nil {
		ctlError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"endpoint": vs.Endpoint, "keys": map[string]string{"p256dh": vs.P256dh, "auth": vs.Auth}, "clientHash": vs.ID,
	}})
}

func (s *Server) ctlExpire(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if st, _, _ := s.subs.lookup(hash); st == nil {
		ctlError(w, http.StatusBadRequest, "Subscription with specified client hash does not exist")
		return
	}
	if err := s.ExpireSubscription(hash); err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctlOK(w)
}

// getNotificationsWait bounds how long get-notifications waits for accepted messages still on
// their way to the virtual UA (so a sender can read what it just pushed).
const getNotificationsWait = 3 * time.Second

func (s *Server) ctlGetNotifications(w http.ResponseWriter, r *http.Request) {
	form, err := s.readControlForm(w, r)
	if err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	hash, _ := form["clientHash"].(string)
	st, _, _ := s.subs.lookup(hash)
	if hash == "" || st == nil || st.vua == nil {
		ctlError(w, http.StatusBadRequest, "Client not subscribed")
		return
	}
	// Read-your-writes: wait until nothing accepted for this subscription is still in flight.
	ctx, cancel := context.WithTimeout(r.Context(), getNotificationsWait)
	_ = s.await(ctx, func() bool {
		s.store.mu.Lock()
		defer s.store.mu.Unlock()
		if s.store.conns[st.sub.UA] == nil {
			return true
		}
		for _, m := range s.store.msgs {
			if m.sub == st {
				return false
			}
		}
		return true
	})
	cancel()
	msgs := []string{}
	seen := map[string]bool{}
	for _, rc := range st.vua.ReceivedFor(hash) {
		if rc.Err != "" || seen[rc.MessageID] {
			continue
		}
		seen[rc.MessageID] = true
		msgs = append(msgs, string(rc.Payload))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"messages": msgs}})
}

// requestJSON is the JSON form of a Request: headers with the JWT signature redacted.
type requestJSON struct {
	*Request
	Header http.Header `json:"header"`
}

func viewRequest(r *Request) requestJSON {
	h := r.Header.Clone()
	if v := h.Get("Authorization"); v != "" {
		h.Set("Authorization", graders.RedactAuth(v))
	}
	return requestJSON{Request: r, Header: h}
}

func (s *Server) psIndex(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{
		"service": "pushspec fakepushservice", "profile": s.profile().Name, "profiles": Profiles(),
		"url": s.URL(), "tls_url": s.TLSURL(), "ca_file": s.CAFile(),
		"routes": []string{"POST /status", "POST /subscribe", "POST /expire-subscription/{clientHash}", "POST /get-notifications",
			"POST /push/{id}", "POST /wp/{id}", "POST /fcm/send/{id}", "POST /notify/{id}", "DELETE /m/{id}", "GET /receipts/{id}",
			"GET /_pushspec/requests", "GET /_pushspec/requests/{id}", "GET /_pushspec/messages/{id}", "GET /_pushspec/verdicts",
			"GET /_pushspec/events", "GET /_pushspec/subscriptions", "POST /_pushspec/subscriptions/{id}/expire|unsubscribe",
			"GET /_pushspec/stored", "GET /_pushspec/deliveries", "GET /_pushspec/acks", "GET|POST|DELETE /_pushspec/faults",
			"GET /_pushspec/ca.pem", "GET /_pushspec/unhandled",
			"POST /rfc8030/subscribe", "GET /rfc8030/s/{id}", "GET /rfc8030/set/{id}", "DELETE /rfc8030/s/{id}",
			"POST /_pushspec/rfc8030/sets/{id}/expire"},
		"rfc8030_subscribe_url": s.RFC8030SubscribeURL(),
	})
}

func (s *Server) psRequests(w http.ResponseWriter, r *http.Request) {
	sub := r.URL.Query().Get("subscription")
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	out := []requestJSON{}
	for i, rq := range s.Requests() {
		if i < after || (sub != "" && rq.SubscriptionID != sub) {
			continue
		}
		out = append(out, viewRequest(rq))
	}
	writeJSON(w, 200, out)
}

func (s *Server) psRequest(w http.ResponseWriter, r *http.Request) {
	rq := s.requestByID(r.PathValue("id"))
	if rq == nil {
		writeJSON(w, 404, map[string]any{"rule": "pushspec-unknown-request", "error": "no such request", "status": 404})
		return
	}
	writeJSON(w, 200, viewRequest(rq))
}

func (s *Server) psMessage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rq, ok := s.RequestForMessage(id)
	if !ok {
		writeJSON(w, 404, map[string]any{"rule": "pushspec-unknown-message", "error": "no such message", "status": 404})
		return
	}
	var ds []DeliveryRecord
	for _, d := range s.Deliveries() {
		if d.MessageID == id {
			d.Body = nil
			ds = append(ds, d)
		}
	}
	var as []AckRecord
	for _, a := range s.Acks() {
		if a.MessageID == id {
			as = append(as, a)
		}
	}
	writeJSON(w, 200, map[string]any{"request": viewRequest(rq), "verdicts": rq.Verdicts, "deliveries": nonNil(ds), "acks": nonNil(as)})
}

// FlatVerdict is one verdict with the request it was graded on.
type FlatVerdict struct {
	rules.Verdict
	Request      string `json:"request"`
	Message      string `json:"message_id,omitempty"`
	Subscription string `json:"subscription,omitempty"`
}

// Verdicts returns every verdict graded so far, oldest request first.
func (s *Server) Verdicts() []FlatVerdict {
	var out []FlatVerdict
	for _, rq := range s.Requests() {
		for _, v := range rq.Verdicts {
			out = append(out, FlatVerdict{Verdict: v, Request: rq.ID, Message: rq.MessageID, Subscription: rq.SubscriptionID})
		}
	}
	return out
}

func (s *Server) psVerdicts(w http.ResponseWriter, r *http.Request) {
	sub, outcome := r.URL.Query().Get("subscription"), r.URL.Query().Get("outcome")
	out := []FlatVerdict{}
	for _, v := range s.Verdicts() {
		if (sub == "" || v.Subscription == sub) && (outcome == "" || string(v.Outcome) == outcome) {
			out = append(out, v)
		}
	}
	writeJSON(w, 200, out)
}

func (s *Server) psEvents(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	if wait = min(max(wait, 0), 30); wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), time.Duration(wait)*time.Second)
		_ = s.await(ctx, func() bool {
			s.events.mu.Lock()
			defer s.events.mu.Unlock()
			return s.events.seq > after
		})
		cancel()
	}
	out := []Event{}
	for _, e := range s.Events() {
		if e.Seq > after {
			out = append(out, e)
		}
	}
	writeJSON(w, 200, out)
}

type subJSON struct {
	Subscription
	State  SubState `json:"state"`
	Reason string   `json:"reason,omitempty"`
}

func (s *Server) psSubscriptions(w http.ResponseWriter, r *http.Request) {
	s.subs.mu.RLock()
	out := make([]subJSON, 0, len(s.subs.byID))
	for _, st := range s.subs.byID {
		out = append(out, subJSON{Subscription: st.sub, State: st.state, Reason: st.reason})
	}
	s.subs.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	writeJSON(w, 200, out)
}

func (s *Server) psSubscriptionAction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var err error
	switch r.PathValue("action") {
	case "expire":
		err = s.ExpireSubscription(id)
	case "unsubscribe":
		err = s.Unsubscribe(id, "unsubscribed through /_pushspec")
	default:
		s.serveUnhandled(w, r)
		return
	}
	if err != nil {
		writeJSON(w, 404, map[string]any{"rule": "pushspec-unknown-subscription", "error": err.Error(), "status": 404})
		return
	}
	writeJSON(w, 200, map[string]any{"ok": true})
}

func (s *Server) psFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.faults.mu.Lock()
		out := append([]FaultRule{}, s.faults.rules...)
		s.faults.mu.Unlock()
		writeJSON(w, 200, out)
	case http.MethodDelete:
		s.ClearFaults()
		writeJSON(w, 200, map[string]any{"ok": true})
	case http.MethodPost:
		var f FaultRule
		dec := json.NewDecoder(io.LimitReader(r.Body, controlBodyLimit))
		dec.DisallowUnknownFields()
		done := s.bodyDeadline(w)
		err := dec.Decode(&f)
		done(err)
		if err != nil {
			writeJSON(w, 400, map[string]any{"rule": "pushspec-bad-fault", "error": "fault rule: " + err.Error(), "status": 400})
			return
		}
		if !f.Fault.active() && f.Delay <= 0 {
			writeJSON(w, 400, map[string]any{"rule": "pushspec-bad-fault", "error": "fault rule does nothing: set status, cond, drop or delay_ns", "status": 400})
			return
		}
		if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
			writeJSON(w, 400, map[string]any{"rule": "pushspec-bad-fault", "error": "status must be 400–599", "status": 400})
			return
		}
		if f.Cond != "" {
			if _, ok := s.profile().Answers[f.Cond]; !ok {
				writeJSON(w, 400, map[string]any{"rule": "pushspec-bad-fault", "error": fmt.Sprintf("profile %s has no answer for cond %q", s.profile().Name, f.Cond), "status": 400})
				return
			}
		}
		s.AddFault(f)
		writeJSON(w, 200, map[string]any{"ok": true})
	default:
		s.serveUnhandled(w, r)
	}
}

func (s *Server) psCA(w http.ResponseWriter, r *http.Request) {
	pem := s.CACertPEM()
	if pem == nil {
		writeJSON(w, 404, map[string]any{"rule": "pushspec-no-tls", "error": "the HTTPS listener is off", "status": 404})
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Write(pem)
}
