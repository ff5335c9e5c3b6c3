package fcm

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/pushspec/pushspec/fakepushservice"
)

// mcsVersion is the protocol version byte both sides send first. Chromium sends 41 and rejects a
// server version below 41 other than 38 (connection_handler_impl.cc).
const mcsVersion = 41

// MCS tags (google_apis/gcm/base/mcs_util.h, MCSProtoTag).
const (
	tagHeartbeatPing     = 0
	tagHeartbeatAck      = 1
	tagLoginRequest      = 2
	tagLoginResponse     = 3
	tagClose             = 4
	tagIqStanza          = 7
	tagDataMessageStanza = 8
)

var tagNames = []string{"HeartbeatPing", "HeartbeatAck", "LoginRequest", "LoginResponse", "Close",
	"MessageStanza", "PresenceStanza", "IqStanza", "DataMessageStanza", "BatchPresenceStanza",
	"StreamErrorStanza", "HttpRequest", "HttpResponse", "BindAccountRequest", "BindAccountResponse",
	"TalkMetadata"}

func tagName(tag byte) string {
	if int(tag) < len(tagNames) {
		return tagNames[tag]
	}
	return "tag" + strconv.Itoa(int(tag))
}

// Field numbers (mcs.proto).
const (
	loginReqUser                 = 3 // android id, decimal
	loginReqAuthToken            = 5 // security token, decimal
	loginReqReceivedPersistentID = 10

	loginRespID              = 1
	loginRespError           = 3 // ErrorInfo {1 code, 2 message}
	loginRespServerTimestamp = 8

	iqExtension            = 7 // Extension {1 id, 2 data}
	iqLastStreamIDReceived = 10
	extensionStreamAck     = 13
	extensionSelectiveAck  = 12 // data = SelectiveAck {repeated 1 id (persistent ids)}

	dataID                     = 2
	dataFrom                   = 3
	dataCategory               = 5
	dataAppData                = 7 // AppData {1 key, 2 value}
	dataPersistentID           = 9
	dataLastStreamIDReceived   = 11
	dataSent                   = 18
	dataRawData                = 21
	dataImmediateAck           = 24
	heartbeatLastStreamIDRecvd = 2
)

// lastStreamField is where each client frame may piggyback last_stream_id_received.
var lastStreamField = map[byte]protowire.Number{
	tagHeartbeatPing:     heartbeatLastStreamIDRecvd,
	tagHeartbeatAck:      heartbeatLastStreamIDRecvd,
	tagIqStanza:          iqLastStreamIDReceived,
	tagDataMessageStanza: dataLastStreamIDReceived,
}

const maxFrame = 4 << 20

// newMCSCertificate makes a self-signed ECDSA P-256 certificate for 127.0.0.1 and returns it with
// base64(SHA-256(SPKI DER)), what --ignore-certificate-errors-spki-list expects.
func newMCSCertificate() (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("fcm: MCS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("fcm: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "pushspec fake MCS"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("fcm: MCS certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("fcm: MCS certificate: %w", err)
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		base64.StdEncoding.EncodeToString(sum[:]), nil
}

func (l *Link) acceptLoop() {
	defer l.wg.Done()
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				l.logf("fcm: MCS accept: %v", err)
			}
			return
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			nc.Close()
			return
		}
		l.nextConn++
		c := &mcsConn{link: l, id: l.nextConn, nc: nc, pending: map[int]string{}}
		l.conns[c] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		go func() {
			defer l.wg.Done()
			c.serve()
			l.mu.Lock()
			delete(l.conns, c)
			l.mu.Unlock()
		}()
	}
}

// mcsConn is one MCS connection; it is the fakepushservice.UAConn handed to Connect after login.
type mcsConn struct {
	link *Link
	id   int
	nc   net.Conn
	ua   string // set once at login, before Connect; read-only afterwards

	wmu       sync.Mutex
	w         io.Writer      // the TLS connection, after the handshake
	sentVer   bool           // the server version byte precedes the first frame
	outStream int            // server frames sent (LoginResponse = 1)
	pending   map[int]string // server stream id → message id, data stanzas not yet acked
	inStream  int            // client frames received (LoginRequest = 1)
	early     []Frame        // frames before the login names the UA
}

func (c *mcsConn) record(dir string, tag int, kind string, stream, size int, detail string) {
	f := Frame{Time: c.link.now(), Conn: c.id, Dir: dir, Kind: kind, Tag: tag, Stream: stream, Size: size, Detail: detail}
	if c.ua == "" {
		c.early = append(c.early, f)
		return
	}
	c.link.record(c.ua, f)
}

func (c *mcsConn) serve() {
	l := c.link
	defer c.nc.Close()
	defer func() {
		// A connection that never logged in still leaves its evidence, unattributed.
		for _, f := range c.early {
			l.record("", f)
		}
	}()

	tc := tls.Server(c.nc, l.tlsConf)
	hctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	err := tc.HandshakeContext(hctx)
	cancel()
	if err != nil {
		c.record("in", -1, "tls-handshake-failed", 0, 0, err.Error())
		return
	}
	c.w = tc
	br := bufio.NewReader(tc)

	// The login must come promptly; afterwards the connection idles between heartbeats (15 min).
	c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	ver, err := br.ReadByte()
	if err != nil {
		c.record("in", -1, "read-failed", 0, 0, err.Error())
		return
	}
	c.record("in", -1, "version", 0, 1, strconv.Itoa(int(ver)))
	tag, payload, err := readFrame(br)
	if err != nil {
		c.record("in", -1, "read-failed", 0, 0, err.Error())
		return
	}
	c.inStream++
	login, perr := parseMessage(payload)
	c.record("in", int(tag), tagName(tag), c.inStream, len(payload), login.String())
	if tag != tagLoginRequest || perr != nil {
		c.record("in", -1, "protocol-error", 0, 0, "expected a LoginRequest")
		return
	}

	aid, _ := strconv.ParseUint(login.str(loginReqUser), 10, 64)
	tok, _ := strconv.ParseUint(login.str(loginReqAuthToken), 10, 64)
	l.mu.Lock()
	known, ok := l.devices[aid]
	l.mu.Unlock()
	if !ok || known != tok {
		var resp, info builder
		info.varint(1, 401).str(2, "pushspec: unknown android id or security token")
		resp.str(loginRespID, "pushspec-login-"+strconv.Itoa(c.id)).msg(loginRespError, &info)
		c.writeFrame(tagLoginResponse, resp.b, "login refused")
		return
	}
	c.ua = uaName(aid)
	for _, f := range c.early {
		l.record(c.ua, f)
	}
	c.early = nil

	// Persistent ids Chromium received on an earlier connection without acking them: acked now,
	// before Connect, so that the core does not send them again.
	for _, pid := range login.all(loginReqReceivedPersistentID) {
		l.core.Ack(c.ua, string(pid), fakepushservice.AckDelivered, map[string]string{
			"link": "fcm", "mcs_ack": "login received_persistent_id", "conn": strconv.Itoa(c.id),
			"persistent_id": string(pid),
		})
	}

	// From its answer on, this login is the device's newest until another one is; numbered
	// before the answer, so that a client that logs in again once answered gets a later number.
	l.loginMu.Lock()
	l.loginSeq++
	seq := l.loginSeq
	if l.newestLogin == nil {
		l.newestLogin = map[string]int{}
	}
	before := l.newestLogin[c.ua]
	l.newestLogin[c.ua] = seq
	l.loginMu.Unlock()
	var resp builder
	resp.str(loginRespID, "pushspec-login-"+strconv.Itoa(c.id)).
		varint(loginRespServerTimestamp, uint64(l.now().UnixMilli()))
	if err := c.writeFrame(tagLoginResponse, resp.b, resp.String()); err != nil {
		// Not answered: the login before it is the newest again (unless a later one came).
		l.loginMu.Lock()
		if l.newestLogin[c.ua] == seq {
			l.newestLogin[c.ua] = before
		}
		l.loginMu.Unlock()
		return
	}
	c.nc.SetReadDeadline(time.Time{})

	// The newest connection wins in the core. Chromium drops its first connection right after
	// the login and logs in again; whatever was written to the first one is lost and is sent
	// again on the next Connect because it was never acked.
	if l.beforeJoin != nil {
		l.beforeJoin(c.ua, seq)
	}
	l.loginMu.Lock()
	if l.newestLogin[c.ua] != seq {
		l.loginMu.Unlock()
		c.record("out", -1, "superseded", 0, 0, "a newer login of this device joined first; this connection gets nothing")
		return
	}
	disconnect := l.core.Connect(c.ua, c, fakepushservice.ConnectOptions{})
	l.loginMu.Unlock()
	defer disconnect()

	for {
		tag, payload, err := readFrame(br)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.record("in", -1, "read-failed", 0, 0, err.Error())
			} else {
				c.record("in", -1, "closed", 0, 0, err.Error())
			}
			return
		}
		c.wmu.Lock()
		c.inStream++
		stream := c.inStream
		c.wmu.Unlock()
		m, perr := parseMessage(payload)
		detail := m.String()
		if perr != nil {
			detail = "unparsable: " + perr.Error()
		}
		c.record("in", int(tag), tagName(tag), stream, len(payload), detail)
		if perr != nil {
			continue
		}
		switch tag {
		case tagHeartbeatPing:
			var ack builder
			ack.varint(heartbeatLastStreamIDRecvd, uint64(stream))
			if err := c.writeFrame(tagHeartbeatAck, ack.b, ack.String()); err != nil {
				return
			}
		case tagIqStanza:
			ext := m.sub(iqExtension)
			if ext.uint(1) == extensionSelectiveAck {
				sel, _ := parseMessage(ext.bytes(2))
				var ids []string
				for _, id := range sel.all(1) {
					ids = append(ids, string(id))
				}
				c.ackPersistent(ids, "selective ack")
			}
		case tagClose:
			return
		}
		if n, ok := lastStreamField[tag]; ok && m.has(n) {
			c.ackThrough(int(m.uint(n)), tagName(tag))
		}
	}
}

// ackThrough acks every data stanza sent with a server stream id ≤ last.
func (c *mcsConn) ackThrough(last int, via string) {
	type acked struct {
		stream int
		msg    string
	}
	var done []acked
	c.wmu.Lock()
	for s, msg := range c.pending {
		if s <= last {
			done = append(done, acked{s, msg})
			delete(c.pending, s)
		}
	}
	c.wmu.Unlock()
	slices.SortFunc(done, func(a, b acked) int { return a.stream - b.stream })
	for _, a := range done {
		c.link.core.Ack(c.ua, a.msg, fakepushservice.AckDelivered, map[string]string{
			"link": "fcm", "mcs_ack": "stream ack (" + via + ")", "conn": strconv.Itoa(c.id),
			"last_stream_id_received": strconv.Itoa(last), "stream_id": strconv.Itoa(a.stream),
			"persistent_id": a.msg,
		})
	}
}

// ackPersistent acks data stanzas by persistent id (SelectiveAck).
func (c *mcsConn) ackPersistent(ids []string, via string) {
	c.wmu.Lock()
	for s, msg := range c.pending {
		if slices.Contains(ids, msg) {
			delete(c.pending, s)
		}
	}
	c.wmu.Unlock()
	for _, id := range ids {
		c.link.core.Ack(c.ua, id, fakepushservice.AckDelivered, map[string]string{
			"link": "fcm", "mcs_ack": via, "conn": strconv.Itoa(c.id), "persistent_id": id,
		})
	}
}

// Deliver writes one push as a DataMessageStanza with exactly the fields Chromium needs
// (docs/chromium-fcm.md §8): from = the register3 sender (the subscription's keys are stored
// under it), category = the register3 app (subtype app data is trusted only then), app_data
// subtype and encoding headers, persistent_id = the message id (DevTools shows it; acks refer to
// it), raw_data = the body.
func (c *mcsConn) Deliver(ctx context.Context, d fakepushservice.Delivery) error {
	l := c.link
	l.mu.Lock()
	reg, ok := l.regs[d.SubscriptionID]
	l.nextMsg++
	seq := l.nextMsg
	l.mu.Unlock()
	if !ok {
		return fmt.Errorf("fcm: no register3 registration for subscription %s", d.SubscriptionID)
	}
	appData := [][2]string{{"subtype", reg.Subtype}}
	if d.ContentEncoding != "" {
		appData = append(appData, [2]string{"content-encoding", d.ContentEncoding})
	}
	if d.Encryption != "" {
		appData = append(appData, [2]string{"encryption", d.Encryption})
	}
	if d.CryptoKey != "" {
		appData = append(appData, [2]string{"crypto-key", d.CryptoKey})
	}
	var st builder
	st.str(dataID, "pushspec-"+strconv.FormatUint(seq, 10)).
		str(dataFrom, reg.Sender).
		str(dataCategory, reg.App)
	var details []string
	for _, kv := range appData {
		var ad builder
		ad.str(1, kv[0]).str(2, kv[1])
		st.msg(dataAppData, &ad)
		details = append(details, kv[0]+"="+kv[1])
	}
	st.str(dataPersistentID, d.MessageID).
		varint(dataSent, uint64(l.now().Unix()))
	if len(d.Body) > 0 {
		st.bytes(dataRawData, d.Body)
	}
	st.varint(dataImmediateAck, 1)

	detail := fmt.Sprintf("id=pushspec-%d persistent_id=%s from=%s category=%s app_data{%s} raw_data=%dB attempt=%d",
		seq, d.MessageID, reg.Sender, reg.App, strings.Join(details, " "), len(d.Body), d.Attempt)
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	return c.writeFrameTracked(tagDataMessageStanza, st.b, detail, d.MessageID, deadline)
}

func (c *mcsConn) writeFrame(tag byte, payload []byte, detail string) error {
	return c.writeFrameTracked(tag, payload, detail, "", time.Now().Add(10*time.Second))
}

// writeFrameTracked writes one frame under the write lock, counting it in the server stream; a
// data stanza (messageID ≠ "") is remembered until a stream ack covers it. The frame is logged
// before it is written, so the log never shows Chromium's answer ahead of it.
func (c *mcsConn) writeFrameTracked(tag byte, payload []byte, detail, messageID string, deadline time.Time) error {
	buf := make([]byte, 0, len(payload)+8)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.sentVer {
		buf = append(buf, mcsVersion)
	}
	buf = append(buf, tag)
	buf = binary.AppendUvarint(buf, uint64(len(payload)))
	buf = append(buf, payload...)
	c.outStream++
	stream := c.outStream
	if messageID != "" {
		c.pending[stream] = messageID
	}
	c.record("out", int(tag), tagName(tag), stream, len(payload), detail)
	c.nc.SetWriteDeadline(deadline)
	if _, err := c.w.Write(buf); err != nil {
		delete(c.pending, stream)
		c.record("out", -1, "write-failed", stream, 0, err.Error())
		return fmt.Errorf("fcm: MCS write: %w", err)
	}
	c.sentVer = true
	return nil
}

// readFrame reads [tag][varint length][payload].
func readFrame(br *bufio.Reader) (byte, []byte, error) {
	tag, err := br.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, nil, fmt.Errorf("frame length: %w", err)
	}
	if n > maxFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes exceeds %d", n, maxFrame)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return 0, nil, fmt.Errorf("frame payload: %w", err)
	}
	return tag, payload, nil
}
