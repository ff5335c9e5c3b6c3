package sender

import (
	"bytes"
	"context"
	"errors"
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
//
// A program that cannot express the message (no aesgcm, no payload-less push, no receipts) says
// so: it exits with status 3, or prints a line `unsupported: <reason>`. Send then returns an
// *UnsupportedError (errors.Is ErrUnsupported) with that reason, and the specs that need the
// message skip instead of failing.
type Command struct {
	Cmd    string // the shell command line
	CAFile string
	// Label names the sender in reports ("" gives "cmd: <Cmd>").
	Label string
}

func (c Command) Name() string {
	if c.Label != "" {
		return c.Label
	}
	return "cmd: " + c.Cmd
}

// ExitUnsupported is the exit status by which a command says it cannot send the message.
const ExitUnsupported = 3

// MaxOutput bounds what is kept of a command's output (stdout and stderr together). Beyond it
// the start and, above all, the end are kept — errors are printed last.
const MaxOutput = 64 << 10

var unsupportedLine = regexp.MustCompile(`(?m)^unsupported:[ \t]*(.*?)[ \t\r]*$`)

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
	out := &boundedOutput{max: MaxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	err = cmd.Run()
	output := out.String()
	res := &Result{Output: output, Elapsed: time.Since(start)}
	if mm := statusLine.FindStringSubmatch(output); mm != nil {
		res.Status, _ = strconv.Atoi(mm[1])
	}
	var exit *exec.ExitError
	switch mm := unsupportedLine.FindStringSubmatch(output); {
	case mm != nil:
		reason := mm[1]
		if reason == "" {
			reason = "the command printed \"unsupported:\" without a reason"
		}
		return res, &UnsupportedError{Reason: reason}
	case errors.As(err, &exit) && exit.ExitCode() == ExitUnsupported:
		return res, &UnsupportedError{Reason: fmt.Sprintf("the command exited with status %d (unsupported) without printing \"unsupported: <reason>\"", ExitUnsupported)}
	case err != nil:
		return res, fmt.Errorf("sender: %q failed: %v: %s", c.Cmd, err, Tail(strings.TrimSpace(output), 2000))
	}
	return res, nil
}

// boundedOutput keeps the first head octets and the last max-head octets written to it, and
// counts the rest.
type boundedOutput struct {
	max     int
	head    []byte
	tail    []byte
	dropped int
}

const outputHead = 4 << 10

func (b *boundedOutput) Write(p []byte) (int, error) {
	n := len(p)
	if room := outputHead - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	b.tail = append(b.tail, p...)
	if keep := b.max - outputHead; len(b.tail) > 2*keep {
		b.dropped += len(b.tail) - keep
		b.tail = append(b.tail[:0:0], b.tail[len(b.tail)-keep:]...)
	}
	return n, nil
}

func (b *boundedOutput) String() string {
	tail := b.tail
	dropped := b.dropped
	if keep := b.max - outputHead; len(tail) > keep {
		dropped += len(tail) - keep
		tail = tail[len(tail)-keep:]
	}
	if dropped == 0 {
		return string(b.head) + string(tail)
	}
	return string(b.head) + fmt.Sprintf("\n… [%d octets of output left out by pushspec] …\n", dropped) + string(tail)
}

// Tail returns s when it is at most n octets, else its last n octets (cut at a UTF-8 boundary)
// after a note of how much was left out: a sender prints its error last.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && s[i]&0xC0 == 0x80 {
		i++
	}
	return fmt.Sprintf("… [first %d of %d octets left out] …\n", i, len(s)) + s[i:]
}
