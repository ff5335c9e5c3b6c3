package fcm

import (
	"crypto/ecdh"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/fakepushservice"
)

// Field numbers of AndroidCheckinRequest / AndroidCheckinResponse
// (google_apis/gcm/protocol/checkin.proto, android_checkin.proto).
const (
	checkinReqID            = 2  // int64 android id, 0 for a new device
	checkinReqDigest        = 3  // string settings digest
	checkinReqCheckin       = 4  // AndroidCheckinProto
	checkinReqSecurityToken = 13 // fixed64
	checkinReqVersion       = 14

	// AndroidCheckinProto's type (12, 3 = DEVICE_CHROME_BROWSER) and chrome_build (13) are
	// not read.

	checkinRespStatsOK       = 1 // proto2 required: always sent
	checkinRespTimeMsec      = 3
	checkinRespAndroidID     = 7 // fixed64
	checkinRespSecurityToken = 8 // fixed64
	checkinRespSettingsDiff  = 9 // bool; false = the (empty) settings table is complete
)

const maxBody = 64 << 10

// serveCheckin answers a device checkin: a new device (id 0) gets a fresh android id and security
// token; a known device that presents its token keeps them.
func (l *Link) serveCheckin(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	req, err := parseMessage(body)
	if err != nil {
		l.record("", Frame{Dir: "in", Kind: "checkin", Tag: -1, Size: len(body), Detail: "unparsable: " + err.Error()})
		http.Error(w, "AndroidCheckinRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	id, token := req.uint(checkinReqID), req.uint(checkinReqSecurityToken)

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		http.Error(w, "fcm link closed", http.StatusServiceUnavailable)
		return
	}
	if known, ok := l.devices[id]; id == 0 || !ok || known != token {
		// Unknown or wrong credentials: treat as a new device, as GCM does for a wiped profile.
		if max := l.maxDevices(); len(l.devices) >= max {
			l.mu.Unlock()
			l.record("", Frame{Dir: "in", Kind: "checkin", Tag: -1, Size: len(body), Detail: fmt.Sprintf("refused: %d devices already (MaxDevices)", max)})
			http.Error(w, fmt.Sprintf("fcm link: %d devices checked in already (Options.MaxDevices); check in with the android id and security token you were given", max), http.StatusServiceUnavailable)
			return
		}
		id, token = randomID(), randomID()
		l.devices[id] = token
	}
	l.mu.Unlock()

	ua := uaName(id)
	l.record(ua, Frame{Dir: "in", Kind: "checkin", Tag: -1, Size: len(body), Detail: req.String()})

	var resp builder
	resp.varint(checkinRespStatsOK, 1).
		varint(checkinRespTimeMsec, uint64(l.now().UnixMilli())).
		fixed64(checkinRespAndroidID, id).
		fixed64(checkinRespSecurityToken, token).
		varint(checkinRespSettingsDiff, 0)
	l.record(ua, Frame{Dir: "out", Kind: "checkin", Tag: -1, Size: len(resp.b),
		Detail: fmt.Sprintf("stats_ok=1 android_id=%d security_token=%d settings_diff=0", id, token)})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(resp.b)
}

// serveRegister answers register3: a web push registration (with X-subtype) becomes a push
// subscription whose ID is the token; Chromium's internal GMS registration (no X-subtype) gets a
// token and nothing else; delete=true unsubscribes.
func (l *Link) serveRegister(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "form: "+err.Error(), http.StatusBadRequest)
		return
	}
	device, _ := strconv.ParseUint(form.Get("device"), 10, 64)
	ua := uaName(device)
	l.record(ua, Frame{Dir: "in", Kind: "register3", Tag: -1, Size: len(body),
		Detail: "Authorization: " + r.Header.Get("Authorization") + " " + form.Encode()})

	reply := func(status int, text string) {
		l.record(ua, Frame{Dir: "out", Kind: "register3", Tag: -1, Size: len(text), Detail: strconv.Itoa(status) + " " + text})
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, text)
	}

	// Authorization: AidLogin <android id>:<security token>, both decimal, from the checkin.
	aid, tok, ok := parseAidLogin(r.Header.Get("Authorization"))
	l.mu.Lock()
	known, isDevice := l.devices[aid]
	faultCode := l.registerError
	closed := l.closed
	l.mu.Unlock()
	if closed {
		reply(http.StatusServiceUnavailable, "Error=SERVICE_NOT_AVAILABLE")
		return
	}
	if !ok || !isDevice || known != tok || aid != device {
		reply(http.StatusUnauthorized, "Error=AUTHENTICATION_FAILED")
		return
	}

	app, subtype := form.Get("app"), form.Get("X-subtype")
	appKey := strconv.FormatUint(device, 10) + "/" + subtype

	if form.Get("delete") == "true" {
		l.mu.Lock()
		subID, found := l.byAppID[appKey]
		delete(l.byAppID, appKey)
		delete(l.regs, subID)
		l.mu.Unlock()
		if found {
			if err := l.core.Unsubscribe(subID, "register3 delete=true"); err != nil {
				l.logf("fcm: unsubscribe %s: %v", subID, err)
			}
		}
		reply(http.StatusOK, "deleted="+app)
		return
	}

	if subtype == "" {
		// Chromium's own GMS registration (app=com.google.android.gms, a numeric sender): not a
		// push subscription, but Chromium wants a token for it.
		reply(http.StatusOK, "token="+base64.RawURLEncoding.EncodeToString(randomBytes(16)))
		return
	}
	if faultCode != "" {
		reply(http.StatusOK, "Error="+faultCode)
		return
	}
	sender := form.Get("sender")
	key, err := decodeVAPIDKey(sender)
	if err != nil {
		reply(http.StatusOK, "Error=INVALID_SENDER")
		return
	}

	l.mu.Lock()
	if subID, ok := l.byAppID[appKey]; ok && l.regs[subID].Sender == sender {
		// The same app id registered again with the same key: GCM hands back the same token.
		l.mu.Unlock()
		reply(http.StatusOK, "token="+subID)
		return
	}
	l.mu.Unlock()

	subID, err := l.core.CreateSubscription(fakepushservice.SubscriptionSpec{
		UA:           ua,
		Link:         fakepushservice.LinkFCM,
		AppServerKey: key,
		LinkRef:      subtype,
		Meta: map[string]string{
			"sender": sender, "app": app, "appid": form.Get("appid"), "x-subtype": subtype,
			"device": form.Get("device"), "gmsv": form.Get("gmsv"),
		},
	})
	if err != nil {
		l.logf("fcm: CreateSubscription: %v", err)
		reply(http.StatusOK, "Error=SERVICE_NOT_AVAILABLE")
		return
	}
	l.mu.Lock()
	l.regs[subID] = &Registration{SubscriptionID: subID, UA: ua, AndroidID: device, Sender: sender,
		App: app, Subtype: subtype, AppID: form.Get("appid"), Created: l.now()}
	l.byAppID[appKey] = subID
	l.mu.Unlock()
	reply(http.StatusOK, "token="+subID)
}

func parseAidLogin(h string) (id, token uint64, ok bool) {
	cred, found := strings.CutPrefix(h, "AidLogin ")
	if !found {
		return 0, 0, false
	}
	a, t, found := strings.Cut(cred, ":")
	if !found {
		return 0, 0, false
	}
	id, err1 := strconv.ParseUint(a, 10, 64)
	token, err2 := strconv.ParseUint(t, 10, 64)
	return id, token, err1 == nil && err2 == nil
}

// decodeVAPIDKey decodes a register3 sender that is an applicationServerKey: an uncompressed P-256
// point, base64url without padding (padding is tolerated).
func decodeVAPIDKey(s string) ([]byte, error) {
	key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, err
	}
	if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		return nil, err
	}
	return key, nil
}

// maxDevices is Options.MaxDevices with its default.
func (l *Link) maxDevices() int {
	if l.opts.MaxDevices <= 0 {
		return 10000
	}
	return l.opts.MaxDevices
}
