package fcm

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
)

// Hardening fuzz targets (docs/reliability.md): the MCS frame reader and the schemaless protobuf
// decoder with its frame-log renderer; checkin and register3 bodies through the link's handlers;
// and whole MCS sessions over TLS on loopback: after a real login, arbitrary bytes, then a fresh
// connection must still log in and get its heartbeat answered.

func FuzzMCSFrames(f *testing.F) {
	var login, setting builder
	setting.str(1, "new_vc").str(2, "1")
	login.str(1, "chrome-156").str(2, "mcs.android.com").str(3, "1").str(4, "1").str(5, "2").msg(8, &setting).str(10, "0:1#x").varint(14, 1)
	var ext, iq, sel builder
	sel.str(1, "0:1").str(1, "0:2")
	ext.varint(1, extensionSelectiveAck).msg(2, &sel)
	iq.varint(2, 1).str(3, "").msg(iqExtension, &ext).varint(10, 3)
	f.Add(append([]byte{mcsVersion}, frame(tagLoginRequest, login.b)...))
	f.Add(frame(tagIqStanza, iq.b))
	f.Add(frame(tagHeartbeatPing, []byte{0x08, 0x01}))
	f.Add([]byte{tagDataMessageStanza, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{tagClose, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Add(frame(tagIqStanza, nested(600)))
	f.Fuzz(func(t *testing.T, stream []byte) {
		br := bufio.NewReader(bytes.NewReader(stream))
		for i := 0; i <= len(stream); i++ {
			tag, payload, err := readFrame(br)
			if err != nil {
				return
			}
			if len(payload) > len(stream) {
				t.Fatalf("frame %d: %d-octet payload from a %d-octet stream", tag, len(payload), len(stream))
			}
			m, err := parseMessage(payload)
			if err != nil {
				continue
			}
			if s := m.String(); len(s) > maxRenderLen+2000 {
				t.Fatalf("rendered %d octets", len(s))
			}
			ext := m.sub(iqExtension)
			sel, _ := parseMessage(ext.bytes(2))
			_ = sel.all(1)
			_, _, _ = m.uint(1), m.str(3), m.has(10)
		}
	})
}

// hzLink is a real core with the FCM link attached, for the fuzz targets.
type hzLink struct {
	s *fakepushservice.Server
	l *Link
}

func newHzLink(f *testing.F) *hzLink {
	s := &fakepushservice.Server{NoTLS: true, MaxRecorded: 100, Logf: func(string, ...any) {}}
	if err := s.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	l, err := Attach(s, Options{MaxFrames: 200})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { l.Close() })
	return &hzLink{s: s, l: l}
}

// checkin registers a fresh device directly (no HTTP) and returns its credentials.
func (h *hzLink) device() (uint64, uint64) {
	id, tok := randomID(), randomID()
	h.l.mu.Lock()
	h.l.devices[id] = tok
	h.l.mu.Unlock()
	return id, tok
}

func FuzzCheckin(f *testing.F) {
	h := newHzLink(f)
	var build, chk, req builder
	build.varint(1, 3).str(2, "156.0.8078.108").varint(3, 5)
	chk.varint(12, 3).msg(13, &build)
	req.varint(2, 0).str(3, "1-da39").msg(4, &chk).fixed64(13, 0).varint(14, 3).varint(22, 0)
	f.Add(req.b)
	f.Add([]byte{})
	f.Add([]byte{0x11, 0xff})
	f.Add([]byte{0x0b, 0x0c})
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		h.l.serveCheckin(w, httptest.NewRequest("POST", "/checkin", bytes.NewReader(body)))
		switch w.Code {
		case 200:
			m, err := parseMessage(w.Body.Bytes())
			if err != nil || m.uint(checkinRespStatsOK) != 1 || m.uint(checkinRespAndroidID) == 0 || m.uint(checkinRespSecurityToken) == 0 {
				t.Fatalf("checkin 200 with %v %v", m, err)
			}
		case 400:
		default:
			t.Fatalf("checkin answered %d: %q", w.Code, w.Body)
		}
	})
}

func FuzzRegister3(f *testing.F) {
	h := newHzLink(f)
	aid, tok := h.device()
	auth := fmt.Sprintf("AidLogin %d:%d", aid, tok)
	key := base64.RawURLEncoding.EncodeToString(append([]byte{4}, bytes.Repeat([]byte{1}, 64)...))
	good := url.Values{"app": {"org.chromium.linux"}, "X-subtype": {"wp:http://127.0.0.1:1/#A-V2"}, "sender": {key},
		"device": {strconv.FormatUint(aid, 10)}, "appid": {"x"}}
	f.Add(auth, good.Encode())
	f.Add(auth, "device="+strconv.FormatUint(aid, 10)+"&app=com.google.android.gms&sender=123")
	f.Add(auth, "device="+strconv.FormatUint(aid, 10)+"&X-subtype=a&delete=true")
	f.Add("AidLogin 1:", "device=%zz")
	f.Add("AidLogin 18446744073709551616:1", "")
	f.Add(auth, "device="+strconv.FormatUint(aid, 10)+"&X-subtype=a&sender=BAAA%3D%3D%3D")
	f.Fuzz(func(t *testing.T, authz, body string) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/c2dm/register3", strings.NewReader(body))
		if !strings.ContainsAny(authz, "\r\n\x00") {
			r.Header.Set("Authorization", authz)
		}
		h.l.serveRegister(w, r)
		if w.Code != 200 && w.Code != 400 && w.Code != 401 {
			t.Fatalf("register3 answered %d: %q", w.Code, w.Body)
		}
		if w.Code == 200 && !strings.HasPrefix(w.Body.String(), "token=") && !strings.HasPrefix(w.Body.String(), "Error=") && !strings.HasPrefix(w.Body.String(), "deleted=") {
			t.Fatalf("register3 200 with %q", w.Body)
		}
	})
}

// mcsLogin dials the link and logs in as device (aid, tok); it returns the connection and its
// reader positioned after the LoginResponse.
func mcsLogin(t *testing.T, l *Link, aid, tok uint64) (*tls.Conn, *bufio.Reader) {
	addr := strings.TrimPrefix(l.Endpoint(), "https://")
	tc, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	var login builder
	ids := strconv.FormatUint(aid, 10)
	login.str(1, "chrome-156").str(2, "mcs.android.com").str(3, ids).str(4, ids).str(5, strconv.FormatUint(tok, 10))
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := tc.Write(append([]byte{mcsVersion}, frame(tagLoginRequest, login.b)...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(tc)
	if v, err := br.ReadByte(); err != nil || v != mcsVersion {
		t.Fatalf("version %d %v", v, err)
	}
	tag, payload, err := readFrame(br)
	if err != nil || tag != tagLoginResponse {
		t.Fatalf("login response %d %v", tag, err)
	}
	if m, _ := parseMessage(payload); m.has(loginRespError) {
		t.Fatalf("login refused: %v", m)
	}
	return tc, br
}

func FuzzMCSSession(f *testing.F) {
	h := newHzLink(f)
	aid, tok := h.device()
	var ext, iq, sel builder
	sel.str(1, "nope").str(1, "")
	ext.varint(1, extensionSelectiveAck).msg(2, &sel)
	iq.varint(2, 1).str(3, "").msg(iqExtension, &ext).varint(10, 99)
	f.Add(frame(tagIqStanza, iq.b))
	f.Add(frame(tagHeartbeatPing, []byte{0x10, 0x80, 0x80, 0x80, 0x80, 0x10}))
	f.Add([]byte{tagDataMessageStanza, 0xff, 0xff, 0xff, 0x7f})
	f.Add(frame(tagClose, nil))
	f.Add(frame(99, []byte("junk")))
	f.Fuzz(func(t *testing.T, stream []byte) {
		tc, _ := mcsLogin(t, h.l, aid, tok)
		tc.SetDeadline(time.Now().Add(5 * time.Second))
		tc.Write(stream)
		tc.Close()
		// The link stays usable: a new connection of the same device logs in and gets its
		// heartbeat acknowledged.
		tc2, br := mcsLogin(t, h.l, aid, tok)
		defer tc2.Close()
		if _, err := tc2.Write(frame(tagHeartbeatPing, nil)); err != nil {
			t.Fatal(err)
		}
		tag, _, err := readFrame(br)
		if err != nil || tag != tagHeartbeatAck {
			t.Fatalf("after %d fuzzed octets: heartbeat answered with tag %d, %v", len(stream), tag, err)
		}
	})
}
