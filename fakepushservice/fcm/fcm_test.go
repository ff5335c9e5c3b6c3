package fcm

import (
	"bufio"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushspec/pushspec/fakepushservice"
	"github.com/pushspec/pushspec/internal/testlog"
)

// fakeCore records what the link asks of the push service core.
type fakeCore struct {
	mux *http.ServeMux
	srv *httptest.Server

	mu       sync.Mutex
	specs    []fakepushservice.SubscriptionSpec
	unsubbed []string
	conns    chan fakepushservice.UAConn
	acks     chan ackCall
}

type ackCall struct {
	ua, msg  string
	code     fakepushservice.AckCode
	evidence map[string]string
}

func newFakeCore(t *testing.T) *fakeCore {
	c := &fakeCore{mux: http.NewServeMux(), conns: make(chan fakepushservice.UAConn, 8), acks: make(chan ackCall, 32)}
	c.srv = httptest.NewServer(c.mux)
	t.Cleanup(c.srv.Close)
	return c
}

func (c *fakeCore) CreateSubscription(spec fakepushservice.SubscriptionSpec) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.specs = append(c.specs, spec)
	return "sub" + strconv.Itoa(len(c.specs)) + ":x", nil
}

func (c *fakeCore) Unsubscribe(id, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unsubbed = append(c.unsubbed, id)
	return nil
}

func (c *fakeCore) Connect(ua string, conn fakepushservice.UAConn, _ fakepushservice.ConnectOptions) func() {
	c.conns <- conn
	return func() {}
}

func (c *fakeCore) Ack(ua, msg string, code fakepushservice.AckCode, ev map[string]string) {
	c.acks <- ackCall{ua, msg, code, ev}
}

func (c *fakeCore) Handle(pattern string, h http.Handler) { c.mux.Handle(pattern, h) }
func (c *fakeCore) URL() string                           { return c.srv.URL }

func attach(t *testing.T) (*fakeCore, *Link) {
	t.Helper()
	core := newFakeCore(t)
	l, err := AttachCore(core, Options{Logf: testlog.Logf(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return core, l
}

// chromeCheckin posts the AndroidCheckinRequest Chromium 156 sends (docs/chromium-fcm.md §5) and
// returns the android id and security token.
func chromeCheckin(t *testing.T, l *Link, id, token uint64) (uint64, uint64) {
	t.Helper()
	var build, chk, req builder
	build.varint(1, 3).str(2, "156.0.8078.108").varint(3, 5)
	chk.varint(12, 3).msg(13, &build)
	req.varint(2, id).str(3, "1-da39a3ee5e6b4b0d3255bfef95601890afd80709").msg(4, &chk).
		fixed64(13, token).varint(14, 3).varint(22, 0)
	resp, err := http.Post(l.CheckinURL(), "application/x-protobuf", strings.NewReader(string(req.b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("checkin: %s %q", resp.Status, body)
	}
	m, err := parseMessage(body)
	if err != nil {
		t.Fatal(err)
	}
	if m.uint(1) != 1 || !m.has(3) || !m.has(9) {
		t.Fatalf("checkin response lacks stats_ok/time_msec/settings_diff: %v", m)
	}
	aid, tok := m.uint(7), m.uint(8)
	if aid == 0 || tok == 0 {
		t.Fatalf("checkin response: android_id %d security_token %d", aid, tok)
	}
	return aid, tok
}

func vapidKey(t *testing.T) string {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes())
}

func register3(t *testing.T, l *Link, aid, tok uint64, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", l.RegistrationURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", fmt.Sprintf("AidLogin %d:%d", aid, tok))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func webPushForm(aid uint64, sender string) url.Values {
	return url.Values{
		"app": {"org.chromium.linux"}, "X-subtype": {"wp:http://127.0.0.1:43119/#8EDC7B59-0615-4672-8BCF-BC1DC0FE7-V2"},
		"sender": {sender}, "appid": {"d3_p_ifVsQA"}, "device": {strconv.FormatUint(aid, 10)},
		"scope": {"GCM"}, "X-scope": {"GCM"}, "gmsv": {"156"},
	}
}

func TestCheckinAndRegister3(t *testing.T) {
	core, l := attach(t)
	aid, tok := chromeCheckin(t, l, 0, 0)
	if a2, t2 := chromeCheckin(t, l, aid, tok); a2 != aid || t2 != tok {
		t.Errorf("re-checkin of a known device changed its identity: %d:%d → %d:%d", aid, tok, a2, t2)
	}

	sender := vapidKey(t)
	status, body := register3(t, l, aid, tok, webPushForm(aid, sender))
	if status != 200 || body != "token=sub1:x" {
		t.Fatalf("web push register3: %d %q", status, body)
	}
	spec := core.specs[0]
	key, _ := base64.RawURLEncoding.DecodeString(sender)
	if spec.UA != uaName(aid) || spec.Link != fakepushservice.LinkFCM || string(spec.AppServerKey) != string(key) ||
		!strings.HasPrefix(spec.LinkRef, "wp:") || spec.Meta["sender"] != sender || spec.Meta["app"] != "org.chromium.linux" {
		t.Errorf("CreateSubscription spec: %+v", spec)
	}
	if reg, ok := l.Registration("sub1:x"); !ok || reg.Sender != sender {
		t.Errorf("Registration: %+v %v", reg, ok)
	}

	// Chromium's internal GMS registration gets a token and no push subscription.
	gms := url.Values{"app": {"com.google.android.gms"}, "sender": {"745476177629"}, "device": {strconv.FormatUint(aid, 10)}}
	if status, body := register3(t, l, aid, tok, gms); status != 200 || !strings.HasPrefix(body, "token=") || len(core.specs) != 1 {
		t.Errorf("GMS register3: %d %q, %d subscriptions", status, body, len(core.specs))
	}

	if status, body := register3(t, l, aid, tok+1, webPushForm(aid, sender)); status != 401 {
		t.Errorf("wrong security token: %d %q, want 401", status, body)
	}
	if _, body := register3(t, l, aid, tok, webPushForm(aid, "745476177629")); body != "Error=INVALID_SENDER" {
		t.Errorf("numeric sender: %q", body)
	}
	l.SetRegisterError("PHONE_REGISTRATION_ERROR")
	if _, body := register3(t, l, aid, tok, webPushForm(aid, vapidKey(t))); body != "Error=PHONE_REGISTRATION_ERROR" {
		t.Errorf("fault knob: %q", body)
	}
	l.SetRegisterError("")

	del := webPushForm(aid, "*")
	del.Set("delete", "true")
	if _, body := register3(t, l, aid, tok, del); body != "deleted=org.chromium.linux" || len(core.unsubbed) != 1 || core.unsubbed[0] != "sub1:x" {
		t.Errorf("delete: %q, unsubscribed %v", body, core.unsubbed)
	}
	if len(l.FrameLog(uaName(aid))) < 4 {
		t.Errorf("frame log too short: %v", l.FrameLog(uaName(aid)))
	}
}

// mcsClient plays Chromium's MCS client.
type mcsClient struct {
	t  *testing.T
	tc *tls.Conn
	br *bufio.Reader
	in int // server frames received
}

func dialMCS(t *testing.T, l *Link, aid, tok uint64, received ...string) *mcsClient {
	t.Helper()
	addr := strings.TrimPrefix(l.Endpoint(), "https://")
	// Trust exactly the SPKI hash, as --ignore-certificate-errors-spki-list does.
	conf := &tls.Config{InsecureSkipVerify: true, VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
		cert, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return err
		}
		sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
		if base64.StdEncoding.EncodeToString(sum[:]) != l.SPKIHash() {
			return errors.New("SPKI mismatch")
		}
		return nil
	}}
	tc, err := tls.Dial("tcp", addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	c := &mcsClient{t: t, tc: tc, br: bufio.NewReader(tc)}
	var setting, login builder
	setting.str(1, "new_vc").str(2, "1")
	ids := strconv.FormatUint(aid, 10)
	login.str(1, "chrome-156.0.8078.108").str(2, "mcs.android.com").str(3, ids).str(4, ids).
		str(5, strconv.FormatUint(tok, 10)).str(6, fmt.Sprintf("android-%x", aid)).msg(8, &setting)
	for _, r := range received {
		login.str(10, r)
	}
	login.varint(12, 0).varint(14, 1).varint(16, 2).varint(17, 1)
	c.write(append([]byte{mcsVersion}, frame(tagLoginRequest, login.b)...))

	tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	ver, err := c.br.ReadByte()
	if err != nil || ver != mcsVersion {
		t.Fatalf("server version byte: %d %v", ver, err)
	}
	tag, m := c.read()
	if tag != tagLoginResponse || m.has(loginRespError) || !m.has(loginRespServerTimestamp) {
		t.Fatalf("login response: tag %d %v", tag, m)
	}
	return c
}

func frame(tag byte, payload []byte) []byte {
	b := []byte{tag}
	b = binary.AppendUvarint(b, uint64(len(payload)))
	return append(b, payload...)
}

func (c *mcsClient) write(b []byte) {
	if _, err := c.tc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *mcsClient) read() (byte, message) {
	c.t.Helper()
	c.tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	tag, payload, err := readFrame(c.br)
	if err != nil {
		c.t.Fatal(err)
	}
	c.in++
	m, err := parseMessage(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	return tag, m
}

// streamAck is the 12-byte IqStanza Chromium sends after an immediate_ack message.
func (c *mcsClient) streamAck() {
	var ext, iq builder
	ext.varint(1, extensionStreamAck).str(2, "")
	iq.varint(2, 1).str(3, "").msg(7, &ext).varint(10, uint64(c.in))
	c.write(frame(tagIqStanza, iq.b))
}

func awaitConn(t *testing.T, core *fakeCore) fakepushservice.UAConn {
	t.Helper()
	select {
	case conn := <-core.conns:
		return conn
	case <-time.After(5 * time.Second):
		t.Fatal("no Connect after login")
		return nil
	}
}

func awaitAck(t *testing.T, core *fakeCore) ackCall {
	t.Helper()
	select {
	case a := <-core.acks:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no Ack")
		return ackCall{}
	}
}

func TestMCSLoginDeliverAck(t *testing.T) {
	core, l := attach(t)
	aid, tok := chromeCheckin(t, l, 0, 0)
	sender := vapidKey(t)
	_, body := register3(t, l, aid, tok, webPushForm(aid, sender))
	subID := strings.TrimPrefix(body, "token=")

	// Chromium's first connection: logs in, then is dropped.
	first := dialMCS(t, l, aid, tok)
	awaitConn(t, core)
	first.tc.Close()

	c := dialMCS(t, l, aid, tok)
	conn := awaitConn(t, core)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := fakepushservice.Delivery{MessageID: "m-0001", SubscriptionID: subID, Body: []byte{1, 2, 3},
		ContentEncoding: "aesgcm", Encryption: "salt=abc", CryptoKey: "dh=xyz", Attempt: 1}
	if err := conn.Deliver(ctx, d); err != nil {
		t.Fatal(err)
	}
	tag, m := c.read()
	if tag != tagDataMessageStanza {
		t.Fatalf("tag %d, want DataMessageStanza", tag)
	}
	appData := map[string]string{}
	for _, b := range m.all(dataAppData) {
		kv, _ := parseMessage(b)
		appData[kv.str(1)] = kv.str(2)
	}
	if m.str(dataFrom) != sender || m.str(dataCategory) != "org.chromium.linux" || m.str(dataPersistentID) != "m-0001" ||
		string(m.bytes(dataRawData)) != "\x01\x02\x03" || m.uint(dataImmediateAck) != 1 || m.uint(dataSent) == 0 ||
		appData["subtype"] != webPushForm(aid, "").Get("X-subtype") || appData["content-encoding"] != "aesgcm" ||
		appData["encryption"] != "salt=abc" || appData["crypto-key"] != "dh=xyz" {
		t.Errorf("DataMessageStanza: %v", m)
	}
	if c.in != 2 {
		t.Errorf("data stanza is server frame %d, want 2 (LoginResponse is 1)", c.in)
	}
	c.streamAck()
	if a := awaitAck(t, core); a.msg != "m-0001" || a.code != fakepushservice.AckDelivered || a.ua != uaName(aid) || a.evidence["last_stream_id_received"] != "2" {
		t.Errorf("ack: %+v", a)
	}

	// Heartbeat: a ping is answered with an ack.
	c.write(frame(tagHeartbeatPing, nil))
	if tag, _ := c.read(); tag != tagHeartbeatAck {
		t.Errorf("heartbeat answered with tag %d", tag)
	}

	// A message received but not acked is acked by a re-login's received_persistent_id.
	if err := conn.Deliver(ctx, fakepushservice.Delivery{MessageID: "m-0002", SubscriptionID: subID, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	if _, m := c.read(); m.has(dataRawData) || m.str(dataPersistentID) != "m-0002" {
		t.Errorf("no-payload stanza: %v", m)
	}
	c.tc.Close()
	dialMCS(t, l, aid, tok, "m-0002")
	if a := awaitAck(t, core); a.msg != "m-0002" || !strings.Contains(a.evidence["mcs_ack"], "received_persistent_id") {
		t.Errorf("re-login ack: %+v", a)
	}
	awaitConn(t, core)

	var kinds []string
	for _, f := range l.FrameLog(uaName(aid)) {
		kinds = append(kinds, f.Dir+":"+f.Kind)
	}
	if !strings.Contains(strings.Join(kinds, " "), "out:DataMessageStanza in:IqStanza") {
		t.Errorf("frame log: %v", kinds)
	}
}

func TestMCSRefusesUnknownDevice(t *testing.T) {
	_, l := attach(t)
	addr := strings.TrimPrefix(l.Endpoint(), "https://")
	tc, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	var login builder
	login.str(3, "12345").str(5, "678")
	tc.Write(append([]byte{mcsVersion}, frame(tagLoginRequest, login.b)...))
	tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(tc)
	br.ReadByte()
	tag, payload, err := readFrame(br)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := parseMessage(payload)
	if tag != tagLoginResponse || !m.has(loginRespError) {
		t.Errorf("unknown device: tag %d %v, want a LoginResponse with an error", tag, m)
	}
}

func TestFrameLogCap(t *testing.T) {
	core := newFakeCore(t)
	l, err := AttachCore(core, Options{MaxFrames: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range 25 {
		l.record("fcm:1", Frame{Kind: "k" + strconv.Itoa(i), Tag: -1})
	}
	log := l.FrameLog("fcm:1")
	if len(log) > 10 || log[0].Kind != "log-truncated" || log[len(log)-1].Kind != "k24" {
		t.Errorf("capped log: %+v", log)
	}
	if log[0].Size+len(log)-1 != 25 {
		t.Errorf("dropped count %d + kept %d != 25", log[0].Size, len(log)-1)
	}
}

// Checkins without credentials mint devices up to MaxDevices, then get 503 with a message; a
// device that presents its credentials still checks in.
func TestCheckinDevicesBounded(t *testing.T) {
	core := newFakeCore(t)
	l, err := AttachCore(core, Options{Logf: testlog.Logf(t), MaxDevices: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	aid, tok := chromeCheckin(t, l, 0, 0)
	chromeCheckin(t, l, 0, 0)
	resp, err := http.Post(l.CheckinURL(), "application/x-protobuf", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "MaxDevices") {
		t.Errorf("third new device: %s %q, want 503 naming MaxDevices", resp.Status, body)
	}
	if a, k := chromeCheckin(t, l, aid, tok); a != aid || k != tok {
		t.Errorf("known device re-checked in as %d/%d, want %d/%d", a, k, aid, tok)
	}
}
