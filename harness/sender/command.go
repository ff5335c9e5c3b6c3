package sender

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Command sends by running any program — a library in any language — through `sh -c`. The message
// is given in environment variables:
//
//	PUSHSPEC_SEND_ENDPOINT       the subscription's endpoint URL
//	PUSHSPEC_SEND_P256DH         the subscription's p256dh key (base64url)
//	PUSHSPEC_SEND_AUTH           the subscription's auth secret (base64url)
//	PUSHSPEC_SEND_PAYLOAD_FILE   a file holding the payload bytes (absent: send no payload)
//	PUSHSPEC_SEND_PAYLOAD        the payload as text, when it is valid UTF-8
//	PUSHSPEC_SEND_TTL            TTL in seconds
//	PUSHSPEC_SEND_URGENCY        urgency, or empty
//	PUSHSPEC_SEND_TOPIC          topic, or empty
//	PUSHSPEC_SEND_ENCODING       aes128gcm or aesgcm
//	PUSHSPEC_SEND_VAPID_PUBLIC   VAPID public key (base64url, 65 bytes)
//	PUSHSPEC_SEND_VAPID_PRIVATE  VAPID private key (base64url, 32 bytes)
//	PUSHSPEC_SEND_VAPID_SUBJECT  VAPID subject (mailto: or https:)
//	PUSHSPEC_SEND_CA_FILE        PEM CA that signed the push service's HTTPS certificate
//	PUSHSPEC_SEND_RECEIPT        "1": ask for a delivery receipt (RFC 8030 §5.1, Prefer: respond-async)
//	                             and pass back, on later receipt requests, the receipt subscription a
//	                             202 gave (Link rel="urn:ietf:params:push:receipt"); the program keeps
//	                             it itself, as an application server would. Empty: no receipt.
//
// The program exits 0 when it sent the message. If it prints a line `status=NNN` (the push
// service's HTTP status), whatever its exit status, specs that need the status can use it (how
// the sender reports a 404, 410 or 406 is observable only so); otherwise the push service's own
// record is the evidence.
type Command struct {
	Cmd    string // the shell command line
	CAFile string
}

func (c Command) Name() string { return "cmd: " + c.Cmd }

func (Command) Capabilities() Capabilities {
	return Capabilities{NoPayload: true, AESGCM: true, Urgency: true, Topic: true, Receipts: true}
}

var statusLine = regexp.MustCompile(`(?m)^status=(\d{3})\s*$`)

func (c Command) Send(ctx context.Context, m Message) (*Result, error) {
	dir, err := os.MkdirTemp("", "pushspec-send-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	enc := m.Encoding
	if enc == "" {
		enc = "aes128gcm"
	}
	env := []string{
		"PUSHSPEC_SEND_ENDPOINT=" + m.Subscription.Endpoint,
		"PUSHSPEC_SEND_P256DH=" + m.Subscription.Keys.P256dh,
		"PUSHSPEC_SEND_AUTH=" + m.Subscription.Keys.Auth,
		"PUSHSPEC_SEND_TTL=" + strconv.Itoa(m.TTL),
		"PUSHSPEC_SEND_URGENCY=" + m.Urgency,
		"PUSHSPEC_SEND_TOPIC=" + m.Topic,
		"PUSHSPEC_SEND_ENCODING=" + enc,
		"PUSHSPEC_SEND_CA_FILE=" + c.CAFile,
	}
	if m.Receipt {
		env = append(env, "PUSHSPEC_SEND_RECEIPT=1")
	} else {
		env = append(env, "PUSHSPEC_SEND_RECEIPT=")
	}
	if m.Payload != nil {
		f := filepath.Join(dir, "payload")
		if err := os.WriteFile(f, m.Payload, 0o600); err != nil {
			return nil, err
		}
		env = append(env, "PUSHSPEC_SEND_PAYLOAD_FILE="+f)
		if utf8.Valid(m.Payload) && !bytes.ContainsRune(m.Payload, 0) {
			env = append(env, "PUSHSPEC_SEND_PAYLOAD="+string(m.Payload))
		}
	}
	if m.VAPID != nil {
		env = append(env, "PUSHSPEC_SEND_VAPID_PUBLIC="+m.VAPID.Public,
			"PUSHSPEC_SEND_VAPID_PRIVATE="+m.VAPID.Private, "PUSHSPEC_SEND_VAPID_SUBJECT="+m.VAPID.Subject)
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", c.Cmd)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	res := &Result{Output: out.String(), Elapsed: time.Since(start)}
	if mm := statusLine.FindStringSubmatch(out.String()); mm != nil {
		res.Status, _ = strconv.Atoi(mm[1])
	}
	if err != nil {
		return res, fmt.Errorf("sender: %q failed: %v: %s", c.Cmd, err, strings.TrimSpace(out.String()))
	}
	return res, nil
}
