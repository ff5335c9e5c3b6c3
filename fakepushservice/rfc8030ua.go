package fakepushservice

// RFC 8030's own user-agent interface: subscribe (§4), subscription sets (§4.1), receiving over
// HTTP/2 server push (§6, §6.1), acknowledgement by DELETE (§6.2), Last-Modified on stored
// messages (§7.2), expiry of subscriptions and sets (§7.3, §7.3.1), and the applicationServerKey
// of RFC 8292 §4.1 in the subscribe request. Offered in the rfc profile only: the vendors'
// services (autopush, FCM, Apple, WNS) and web-push-testing (compat) have no such interface, so
// there every route here answers 404. Monitoring needs HTTP/2, i.e. the HTTPS listener (TLSURL;
// ALPN h2) and a client that leaves SETTINGS_ENABLE_PUSH on (Go's http2.Transport does not:
// useragent/rfc8030 is a client that does).
//
//	POST   /rfc8030/subscribe       → 201 Created
//	                                  Location: <origin>/rfc8030/s/{sid}        (the subscription resource)
//	                                  Link: <push resource>; rel="urn:ietf:params:push"
//	                                  Link: <origin>/rfc8030/set/{set}; rel="urn:ietf:params:push:set"
//	    request Link <…/rfc8030/set/{set}>; rel="urn:ietf:params:push:set": join that set (the answer
//	    names the same set, rfc8030-4.1-service-reuses-set); a set the service did not make, or one
//	    that expired → 400 (rfc8030-4.1-invalid-set-400). Without one, a new set is made (a service
//	    MAY answer 429 there, rfc8030-4.1-missing-set-429; this one does not).
//	    body Content-Type: application/webpush-options+json {"vapid":"<base64url P-256 key>"}: a
//	    restricted subscription (RFC 8292 §4.1); members other than vapid are ignored, a body of any
//	    other media type is ignored as a whole; a vapid value that is not an uncompressed P-256 point,
//	    or a body that is not a JSON object → 400.
//	GET    /rfc8030/s/{sid}         monitor one subscription (§6), HTTP/2 only (505 otherwise)
//	GET    /rfc8030/set/{set}       monitor every subscription of the set (§6.1)
//	    Each message is sent as an HTTP/2 server push: PUSH_PROMISE with :path /m/{msg} (the push
//	    message resource, the Location the application server got), then its response: 200, the body
//	    as stored, Content-Encoding (and Encryption, Crypto-Key for the draft aesgcm), Last-Modified
//	    (when delivery was requested, §7.2), Cache-Control: private and
//	    Link: <push resource>; rel="urn:ietf:params:push" (§6, §6.1). Topic and Urgency are never
//	    forwarded. The GET itself is answered only: with Prefer: wait=0, 204 once every message stored
//	    when the request came has been pushed (§6); when the subscription or set expires or is
//	    deleted, 404 (§7.3, §7.3.1); when the service closes, 503. Urgency on the GET is the lowest
//	    urgency pushed (§5.3). A later monitor of the same subscription takes over from an earlier one.
//	DELETE /m/{msg}                 from the user agent, for a message pushed to it: the
//	                                acknowledgement (§6.2) → 204 (a receipt, if asked, gets 204);
//	                                otherwise the application server's DELETE (push.go)
//	DELETE /rfc8030/s/{sid}         the user agent drops the subscription (it leaves its set) → 204
//	POST   /_pushspec/rfc8030/sets/{set}/expire   the service expires the set and, with it, every
//	                                subscription in it (§7.3.1); ExpireSubscriptionSet in Go.
//
// A subscription made here is an ordinary Subscription of the core (Link LinkRFC8030, endpoint
// <endpoint base>/push/{id}), so its push resource takes messages like any other and the store
// (TTL, Topic, Urgency, redelivery of what was not acknowledged) works unchanged; each subscription
// is its own core user agent, and a set monitor connects every member's.

import (
	"context"
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushspec/pushspec/graders"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// LinkRFC8030 is a user agent speaking RFC 8030's own HTTP/2 interface (rfc8030ua.go).
const LinkRFC8030 LinkKind = "rfc8030"

// Link relations of RFC 8030 §4, §4.1.
const (
	RelPush    = "urn:ietf:params:push"
	RelPushSet = "urn:ietf:params:push:set"
)

// WebPushOptionsType is the media type of RFC 8292 §4.1's subscribe body.
const WebPushOptionsType = "application/webpush-options+json"

// rfc8030State is the interface's bookkeeping; guarded by Server.mu like the core's.
type rfc8030State struct {
	subs   map[string]*r8030Sub  // by subscription resource id
	byCore map[string]*r8030Sub  // by core subscription id
	sets   map[string]*r8030Set  // by set id
	pushed map[string]*r8030Push // by message id: pushed over the interface, not yet acknowledged
	// givenSet is the set each connection (by remote address) was last given, for the
	// "needs-set" SubscribeDeviation.
	givenSet map[string]string
}

type r8030Sub struct {
	rid    string // subscription resource id (secret: monitoring needs it)
	subID  string // core subscription id (the push resource's)
	ua     string // core user agent
	set    *r8030Set
	pushTo string // push resource URI
}

type r8030Set struct {
	id      string
	members []*r8030Sub
	expired bool
}

type r8030Push struct {
	d        Delivery
	ua       string
	remote   string // the monitoring connection's address; the promised request comes on it
	received time.Time
	pushTo   string
	served   bool
}

func (st *rfc8030State) init() {
	if st.subs == nil {
		st.subs, st.byCore = map[string]*r8030Sub{}, map[string]*r8030Sub{}
		st.sets, st.pushed = map[string]*r8030Set{}, map[string]*r8030Push{}
		st.givenSet = map[string]string{}
	}
}

func (s *Server) rfc8030Routes() {
	s.mux.HandleFunc("POST /rfc8030/subscribe", s.r8030Subscribe)
	s.mux.HandleFunc("GET /rfc8030/s/{id}", s.r8030Monitor)
	s.mux.HandleFunc("GET /rfc8030/set/{id}", s.r8030Monitor)
	s.mux.HandleFunc("DELETE /rfc8030/s/{id}", s.r8030DeleteSub)
	s.mux.HandleFunc("GET /m/{id}", s.r8030PushedMessage)
	s.mux.HandleFunc("DELETE /m/{id}", s.r8030Ack)
	s.mux.HandleFunc("POST /_pushspec/rfc8030/sets/{id}/expire", func(w http.ResponseWriter, r *http.Request) {
		if err := s.ExpireSubscriptionSet(r.PathValue("id")); err != nil {
			writeJSON(w, 404, map[string]any{"rule": "pushspec-unknown-subscription", "error": err.Error(), "status": 404})
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true})
	})
}

// OffersRFC8030 reports whether the service offers RFC 8030's user-agent interface: in the rfc
// profile, with the HTTPS listener (monitoring needs HTTP/2).
func (s *Server) OffersRFC8030() bool {
	return s.profile().RFC8030UA
}

// RFC8030SubscribeURL is the subscribe resource of RFC 8030's user-agent interface on the HTTPS
// listener; "" when the profile does not offer it or there is no HTTPS listener.
func (s *Server) RFC8030SubscribeURL() string {
	if !s.OffersRFC8030() || s.TLSURL() == "" {
		return ""
	}
	return s.TLSURL() + "/rfc8030/subscribe"
}

// r8030Error answers a refusal with pushspec's JSON error body and the Pushspec-Rule header.
func r8030Error(w http.ResponseWriter, status int, rule, msg string) {
	w.Header().Set("Pushspec-Rule", rule)
	writeJSON(w, status, map[string]any{"rule": rule, "error": msg, "status": status})
}

func (s *Server) r8030NotOffered(w http.ResponseWriter, r *http.Request) bool {
	if s.OffersRFC8030() {
		return false
	}
	r8030Error(w, http.StatusNotFound, rules.Subscribe201Location.ID,
		"profile "+s.profile().Name+" does not offer RFC 8030's user-agent interface (that service has none)")
	return true
}

// setFromLink returns the set id a Link rel="urn:ietf:params:push:set" of the request names
// (path …/rfc8030/set/{id}); has is false without such a link.
func setFromLink(h http.Header) (id, raw string, has bool) {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if !linkHasRel(part, RelPushSet) {
				continue
			}
			lt, gt := strings.Index(part, "<"), strings.Index(part, ">")
			if lt < 0 || gt < lt {
				return "", part, true
			}
			target := part[lt+1 : gt]
			p := target
			if u, err := url.Parse(target); err == nil {
				p = u.Path
			}
			id, _ = strings.CutPrefix(p, "/rfc8030/set/")
			if id == p || strings.Contains(id, "/") {
				id = ""
			}
			return id, part, true
		}
	}
	return "", "", false
}

// linkHasRel reports whether one link-value has rel equal to rel (quoted or not).
func linkHasRel(linkValue, rel string) bool {
	for _, param := range strings.Split(linkValue, ";")[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
			for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
				if r == rel {
					return true
				}
			}
		}
	}
	return false
}

// parseWebPushOptions reads RFC 8292 §4.1's body: the applicationServerKey when the media type is
// application/webpush-options+json and the object has "vapid"; nil (unrestricted) otherwise.
func parseWebPushOptions(contentType string, body []byte) (key []byte, err error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if !strings.EqualFold(mt, WebPushOptionsType) {
		return nil, nil // RFC 8292 §4.1: ignore the body of any other media type
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the %s body is not a JSON object", WebPushOptionsType)
	}
	raw, ok := obj["vapid"] // other members are ignored (RFC 8292 §4.1)
	if !ok {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errors.New(`"vapid" is not a string`)
	}
	k, err := webpush.DecodeBase64(s)
	if err != nil {
		return nil, fmt.Errorf(`"vapid" is not base64url: %v`, err)
	}
	if len(k) != 65 || k[0] != 4 {
		return nil, fmt.Errorf(`"vapid" is %d octets; want a 65-octet uncompressed P-256 point`, len(k))
	}
	if _, err := ecdh.P256().NewPublicKey(k); err != nil {
		return nil, errors.New(`"vapid" is not a point on P-256`)
	}
	return k, nil
}

func (s *Server) r8030Subscribe(w http.ResponseWriter, r *http.Request) {
	if s.r8030NotOffered(w, r) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, controlBodyLimit))
	if err != nil {
		r8030Error(w, http.StatusBadRequest, "pushspec-body-read", "cannot read the request body: "+err.Error())
		return
	}
	ct := r.Header.Get("Content-Type")
	if s.SubscribeDeviation == "options-any-type" && len(body) > 0 {
		ct = WebPushOptionsType
	}
	key, err := parseWebPushOptions(ct, body)
	if err == nil && s.SubscribeDeviation == "options-strict-members" && key != nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil && len(obj) > 1 {
			err = errors.New("members other than vapid")
		}
	}
	if err != nil {
		r8030Error(w, http.StatusBadRequest, rules.IgnoreUnknownMembers.ID, err.Error())
		return
	}
	setID, rawSet, hasSet := setFromLink(r.Header)
	if !hasSet && s.SubscribeDeviation == "needs-set" {
		// RFC 8030 §4.1: "A push service MAY return a 429 (Too Many Requests) status code
		// [RFC6585] to reject any attempt to create a new subscription that does not include the
		// subscription set" it gave the user agent.
		s.store.mu.Lock()
		s.store.rfc8030.init()
		given := s.store.rfc8030.givenSet[r.RemoteAddr]
		s.store.mu.Unlock()
		if given != "" {
			r8030Error(w, http.StatusTooManyRequests, rules.MissingSet429.ID,
				"this connection was given a subscription set; include it (Link rel=\"urn:ietf:params:push:set\")")
			return
		}
	}
	if hasSet && s.SubscribeDeviation == "ignore-invalid-set" {
		s.store.mu.Lock()
		if set := s.store.rfc8030.sets[setID]; set == nil || set.expired {
			setID, hasSet = "", false
		}
		s.store.mu.Unlock()
	}
	if hasSet {
		s.store.mu.Lock()
		s.store.rfc8030.init()
		set := s.store.rfc8030.sets[setID]
		valid := set != nil && !set.expired
		s.store.mu.Unlock()
		if !valid {
			r8030Error(w, http.StatusBadRequest, rules.InvalidSet400.ID,
				"not a subscription set of this service, or one that expired: "+truncate(rawSet, 160))
			return
		}
		if s.SubscribeDeviation == "new-set" {
			setID = ""
		}
	}
	ua := "rfc8030:" + newID(8)
	rid := newID(32)
	sub, err := s.createSubscription(SubscriptionSpec{UA: ua, Link: LinkRFC8030, AppServerKey: key, LinkRef: "rfc8030"}, "", nil, nil)
	if err != nil {
		r8030Error(w, http.StatusInternalServerError, "pushspec-internal", err.Error())
		return
	}
	rs := &r8030Sub{rid: rid, subID: sub.ID, ua: ua, pushTo: sub.Endpoint}
	s.store.mu.Lock()
	s.store.rfc8030.init()
	set := s.store.rfc8030.sets[setID]
	if set != nil && set.expired {
		// Expired between the check and now: the new subscription goes with it.
		s.store.mu.Unlock()
		_ = s.ExpireSubscription(sub.ID)
		r8030Error(w, http.StatusBadRequest, rules.InvalidSet400.ID, "the subscription set expired while subscribing")
		return
	}
	if set == nil {
		set = &r8030Set{id: newID(32)}
		s.store.rfc8030.sets[set.id] = set
	}
	rs.set = set
	s.store.rfc8030.givenSet[r.RemoteAddr] = set.id
	set.members = append(set.members, rs)
	s.store.rfc8030.subs[rid] = rs
	s.store.rfc8030.byCore[sub.ID] = rs
	s.event(Event{Kind: "rfc8030ua-subscribe", UA: ua, Sub: sub.ID, Detail: fmt.Sprintf("set %.8s…, restricted %v", set.id, key != nil)})
	s.notify() // a live monitor of the set picks up its new member
	s.store.mu.Unlock()

	o := origin(r)
	if s.SubscribeDeviation != "no-location" {
		w.Header().Set("Location", o+"/rfc8030/s/"+rid)
	}
	if s.SubscribeDeviation != "no-push-link" {
		w.Header().Add("Link", fmt.Sprintf(`<%s>; rel="%s"`, sub.Endpoint, RelPush))
	}
	if s.SubscribeDeviation != "no-set" {
		w.Header().Add("Link", fmt.Sprintf(`<%s/rfc8030/set/%s>; rel="%s"`, o, set.id, RelPushSet))
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) r8030DeleteSub(w http.ResponseWriter, r *http.Request) {
	if s.r8030NotOffered(w, r) {
		return
	}
	s.store.mu.Lock()
	s.store.rfc8030.init()
	rs := s.store.rfc8030.subs[r.PathValue("id")]
	s.store.mu.Unlock()
	if rs == nil || s.Unsubscribe(rs.subID, "the RFC 8030 user agent deleted its subscription resource") != nil {
		r8030Error(w, http.StatusNotFound, rules.OutstandingRequests404.ID, "no such subscription")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ExpireSubscriptionSet expires an RFC 8030 subscription set as the service, and every
// subscription in it (rfc8030-7.3.1-set-expiry-cascades): later subscribe requests naming it
// get 400, monitors of it and of its subscriptions end with 404, pushes to its subscriptions 404.
func (s *Server) ExpireSubscriptionSet(id string) error {
	s.init()
	s.store.mu.Lock()
	s.store.rfc8030.init()
	set := s.store.rfc8030.sets[id]
	if set == nil {
		s.store.mu.Unlock()
		return fmt.Errorf("fakepushservice: no subscription set %q", truncate(id, 80))
	}
	set.expired = true
	members := append([]*r8030Sub(nil), set.members...)
	if s.SetExpiryKeepsMembers {
		members = nil // a double's deviation: the subscriptions outlive their set
	}
	s.event(Event{Kind: "rfc8030ua-set-expire", Detail: fmt.Sprintf("set %.8s…, %d subscriptions", id, len(members))})
	s.notify()
	s.store.mu.Unlock()
	for _, m := range members {
		_ = s.ExpireSubscription(m.subID)
	}
	return nil
}

// activeMembersLocked returns the set's subscriptions still active; the others leave it
// (rfc8030-7.3.1-member-leaves-set).
func (s *Server) activeMembersLocked(set *r8030Set) []*r8030Sub {
	kept := set.members[:0]
	for _, m := range set.members {
		if st, state, _ := s.subs.lookup(m.subID); st != nil && state == SubActive {
			kept = append(kept, m)
		}
	}
	for i := len(kept); i < len(set.members); i++ {
		set.members[i] = nil
	}
	set.members = kept
	return append([]*r8030Sub(nil), kept...)
}

// r8030Monitor is one monitoring request (GET on a subscription or a set): the UAConn of every
// member's core user agent. Deliver hands each message to the request's handler goroutine, which
// alone uses the ResponseWriter.
type r8030Monitor struct {
	s      *Server
	remote string
	reqs   chan r8030PushReq
	done   chan struct{}
}

type r8030PushReq struct {
	d    Delivery
	errc chan error
}

var errMonitorEnded = errors.New("fakepushservice: the RFC 8030 monitoring request ended")

// Deliver implements UAConn: it returns once the PUSH_PROMISE is written (or failed).
func (m *r8030Monitor) Deliver(ctx context.Context, d Delivery) error {
	req := r8030PushReq{d: d, errc: make(chan error, 1)}
	select {
	case m.reqs <- req:
	case <-m.done:
		return errMonitorEnded
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// preferWait0 reports whether the request carries Prefer: wait=0 (RFC 7240).
func preferWait0(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for _, part := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.SplitN(part, ";", 2)[0], "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "wait") && strings.Trim(strings.TrimSpace(val), `"`) == "0" {
				return true
			}
		}
	}
	return false
}

func (s *Server) r8030Monitor(w http.ResponseWriter, r *http.Request) {
	if s.r8030NotOffered(w, r) {
		return
	}
	if r.ProtoMajor != 2 {
		r8030Error(w, http.StatusHTTPVersionNotSupported, rules.WaitZeroPushesAll.ID,
			"messages are delivered with HTTP/2 server push: monitor over HTTP/2 (the HTTPS listener, ALPN h2)")
		return
	}
	minUrgency := ""
	if uv := r.Header.Values("Urgency"); len(uv) > 0 {
		u, err := webpush.ParseUrgency(r.Header)
		if err != nil {
			r8030Error(w, http.StatusBadRequest, rules.RespectUAThreshold.ID, "Urgency: "+graders.ErrText(err))
			return
		}
		minUrgency = u
	}
	pusher, ok := w.(http.Pusher)
	if !ok {
		r8030Error(w, http.StatusHTTPVersionNotSupported, rules.WaitZeroPushesAll.ID, "this connection cannot carry server pushes")
		return
	}
	id := r.PathValue("id")
	isSet := strings.HasPrefix(r.URL.Path, "/rfc8030/set/")
	goneRule := rules.OutstandingRequests404.ID
	if isSet {
		goneRule = rules.SetExpiryCascades.ID
	}

	// members returns what the request monitors now; gone is true once the subscription (set)
	// expired or was deleted.
	var one *r8030Sub
	var set *r8030Set
	members := func() (ms []*r8030Sub, gone bool) {
		if isSet {
			if set.expired {
				return nil, true
			}
			return s.activeMembersLocked(set), false
		}
		if st, state, _ := s.subs.lookup(one.subID); st == nil || state != SubActive {
			return nil, true
		}
		return []*r8030Sub{one}, false
	}
	s.store.mu.Lock()
	s.store.rfc8030.init()
	if isSet {
		set = s.store.rfc8030.sets[id]
	} else {
		one = s.store.rfc8030.subs[id]
	}
	if set == nil && one == nil {
		s.store.mu.Unlock()
		r8030Error(w, http.StatusNotFound, goneRule, "no such subscription or subscription set")
		return
	}
	ms, gone := members()
	if gone {
		s.store.mu.Unlock()
		r8030Error(w, http.StatusNotFound, goneRule, "the subscription (set) expired or was deleted")
		return
	}
	// Prefer: wait=0: every message stored now, that this request may get, is to be pushed.
	wait0 := preferWait0(r.Header)
	owed := map[string]string{} // message id → core UA
	if wait0 {
		now := s.now()
		in := map[string]bool{}
		for _, m := range ms {
			in[m.subID] = true
		}
		for _, msg := range s.store.msgs {
			if !in[msg.sub.sub.ID] || msg.onlyConn != nil || !now.Before(msg.expires) {
				continue
			}
			if minUrgency != "" {
				u := msg.urgency
				if u == "" {
					u = "normal"
				}
				if urgencyRank[u] < urgencyRank[minUrgency] {
					continue
				}
			}
			owed[msg.id] = msg.ua
		}
	}
	s.event(Event{Kind: "rfc8030ua-monitor", Detail: fmt.Sprintf("%s, %d subscriptions, wait=0 %v (%d stored), min urgency %q", r.URL.Path[:min(len(r.URL.Path), 24)]+"…", len(ms), wait0, len(owed), minUrgency)})
	s.store.mu.Unlock()

	mon := &r8030Monitor{s: s, remote: r.RemoteAddr, reqs: make(chan r8030PushReq), done: make(chan struct{})}
	connected := map[string]func(){} // core UA → disconnect
	defer func() {
		close(mon.done)
		for _, d := range connected {
			d()
		}
	}()
	connect := func(ms []*r8030Sub) {
		for _, m := range ms {
			if connected[m.ua] == nil {
				connected[m.ua] = s.Connect(m.ua, mon, ConnectOptions{MinUrgency: minUrgency})
			}
		}
	}
	connect(ms)

	pushes := 0 // server pushes made on this request
	for {
		s.store.mu.Lock()
		ch := s.changed.Next()
		closed := s.store.closed
		ms, gone := members()
		var left []func()
		if !gone {
			active := map[string]bool{}
			for _, m := range ms {
				active[m.ua] = true
			}
			for ua, d := range connected {
				if !active[ua] {
					left = append(left, d) // the member left the set
					delete(connected, ua)
				}
			}
		}
		for id, ua := range owed {
			c := s.store.conns[ua]
			if _, stored := s.store.msgs[id]; !stored || c == nil || c.conn != mon {
				delete(owed, id) // acknowledged, expired, replaced, or another monitor took over
			}
		}
		s.store.mu.Unlock()
		for _, d := range left {
			d()
		}
		switch {
		case closed:
			r8030Error(w, http.StatusServiceUnavailable, "pushspec-closed", "the push service is shutting down")
			return
		case gone:
			status := http.StatusNotFound
			if s.ExpiredMonitorStatus != 0 {
				status = s.ExpiredMonitorStatus // a double's deviation
			}
			r8030Error(w, status, goneRule, "the subscription (set) expired or was deleted while monitored")
			return
		case wait0 && (len(owed) == 0 || (s.WaitZeroMaxPushes > 0 && pushes >= s.WaitZeroMaxPushes)):
			status := http.StatusNoContent
			if s.WaitZeroStatus != 0 {
				status = s.WaitZeroStatus // a double's deviation
			}
			w.WriteHeader(status)
			return
		}
		if !wait0 {
			connect(ms)
		}
		select {
		case <-r.Context().Done():
			return
		case <-ch:
		case p := <-mon.reqs:
			err := s.r8030Push(pusher, mon, p.d)
			p.errc <- err
			if err != nil {
				s.logf("rfc8030: push of message %.8s… failed: %v", p.d.MessageID, err)
				return
			}
			delete(owed, p.d.MessageID)
			pushes++
		}
	}
}

// r8030Push promises the message resource of d on the monitoring request; the promised GET comes
// back through the mux to r8030PushedMessage on the same connection.
func (s *Server) r8030Push(pusher http.Pusher, mon *r8030Monitor, d Delivery) error {
	s.store.mu.Lock()
	p := &r8030Push{d: d, remote: mon.remote, received: s.now()}
	if m := s.store.msgs[d.MessageID]; m != nil {
		p.received, p.ua = m.received, m.ua
	}
	if rs := s.store.rfc8030.byCore[d.SubscriptionID]; rs != nil {
		p.pushTo = rs.pushTo
		if p.ua == "" {
			p.ua = rs.ua
		}
	}
	s.store.rfc8030.pushed[d.MessageID] = p
	s.store.mu.Unlock()
	if err := pusher.Push("/m/"+d.MessageID, &http.PushOptions{Method: http.MethodGet}); err != nil {
		s.store.mu.Lock()
		if s.store.rfc8030.pushed[d.MessageID] == p {
			delete(s.store.rfc8030.pushed, d.MessageID)
		}
		s.store.mu.Unlock()
		return err
	}
	return nil
}

// r8030PushedMessage answers the promised GET of a pushed message (on the connection it was
// pushed on); any other GET of a message resource goes to the core (405).
func (s *Server) r8030PushedMessage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.store.mu.Lock()
	s.store.rfc8030.init()
	p := s.store.rfc8030.pushed[id]
	ok := p != nil && p.remote == r.RemoteAddr && !p.served && r.ProtoMajor == 2
	if ok {
		p.served = true
	}
	s.store.mu.Unlock()
	if !ok {
		s.serveMessage(w, r)
		return
	}
	h := w.Header()
	if !s.NoLastModified {
		h.Set("Last-Modified", p.received.UTC().Format(http.TimeFormat)) // rfc8030-7.2-stored-last-modified
	}
	h.Set("Cache-Control", "private")
	if p.pushTo != "" && !s.NoPushLink {
		h.Set("Link", fmt.Sprintf(`<%s>; rel="%s"`, p.pushTo, RelPush)) // rfc8030-6-push-link-on-delivery, -6.1-set-delivery-link
	}
	if p.d.ContentEncoding != "" {
		h.Set("Content-Encoding", p.d.ContentEncoding)
	}
	if p.d.Encryption != "" {
		h.Set("Encryption", p.d.Encryption)
	}
	if p.d.CryptoKey != "" {
		h.Set("Crypto-Key", p.d.CryptoKey)
	}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(p.d.Body)))
	w.WriteHeader(http.StatusOK)
	w.Write(p.d.Body)
}

// r8030Ack takes a DELETE of a message pushed over the interface as the user agent's
// acknowledgement (RFC 8030 §6.2); any other DELETE of a message resource is the application
// server's (push.go).
func (s *Server) r8030Ack(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.store.mu.Lock()
	s.store.rfc8030.init()
	p := s.store.rfc8030.pushed[id]
	_, stored := s.store.msgs[id]
	if p != nil {
		delete(s.store.rfc8030.pushed, id)
	}
	s.store.mu.Unlock()
	if p == nil || !stored {
		s.serveMessage(w, r)
		return
	}
	s.Ack(p.ua, id, AckDelivered, map[string]string{"link": string(LinkRFC8030), "request": "DELETE /m/" + truncate(id, 12) + "…",
		"same_connection": strconv.FormatBool(p.remote == r.RemoteAddr)})
	w.WriteHeader(http.StatusNoContent)
}

// ExpireRFC8030Resource expires, as the service, what an RFC 8030 URL names: a subscription set
// (…/rfc8030/set/{id}, with every subscription in it), a subscription resource (…/rfc8030/s/{id})
// or a push resource (…/push/{id} and the other push paths).
func (s *Server) ExpireRFC8030Resource(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if id, ok := strings.CutPrefix(u.Path, "/rfc8030/set/"); ok {
		return s.ExpireSubscriptionSet(id)
	}
	if rid, ok := strings.CutPrefix(u.Path, "/rfc8030/s/"); ok {
		s.init()
		s.store.mu.Lock()
		s.store.rfc8030.init()
		rs := s.store.rfc8030.subs[rid]
		if rs != nil && rs.set != nil && s.MemberExpiryEndsSet {
			rs.set.expired = true // a double's deviation: the set ends with one of its subscriptions
		}
		s.store.mu.Unlock()
		if rs == nil {
			return fmt.Errorf("fakepushservice: no RFC 8030 subscription resource %q", truncate(rid, 80))
		}
		return s.ExpireSubscription(rs.subID)
	}
	for _, p := range pushPrefixes {
		if id, ok := strings.CutPrefix(u.Path, p); ok {
			return s.ExpireSubscription(id)
		}
	}
	return fmt.Errorf("fakepushservice: %q names no subscription, set or push resource of this service", truncate(rawURL, 120))
}
