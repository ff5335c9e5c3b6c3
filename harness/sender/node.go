package sender

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/pushspec/pushspec/internal/modroot"
)

//go:embed node_send.js
var nodeSendScript []byte

// Node sends with the npm library web-push (installed by `pushspec deps`; `make deps` puts it
// under .cache/npm). The library always speaks HTTPS, so endpoints must be https:// (pushspec's push service serves both) and
// CAFile must name the CA that signed the service's certificate.
type Node struct {
	// ModulesDir holds node_modules/web-push; "" means $PUSHSPEC_NPM_BIN/.. or <module root>/.cache/npm/node_modules.
	ModulesDir string
	CAFile     string // passed as NODE_EXTRA_CA_CERTS
	NodePath   string // "" finds node on PATH
}

func (Node) Name() string { return "web-push (npm)" }

func (Node) Capabilities() Capabilities {
	return Capabilities{NoPayload: true, AESGCM: true, Urgency: true, Topic: true, Status: true}
}

type nodeMessage struct {
	Subscription Subscription `json:"subscription"`
	PayloadB64   *string      `json:"payload_b64"`
	TTL          int          `json:"ttl"`
	Urgency      string       `json:"urgency,omitempty"`
	Topic        string       `json:"topic,omitempty"`
	Encoding     string       `json:"encoding,omitempty"`
	VAPID        *nodeVAPID   `json:"vapid,omitempty"`
}

type nodeVAPID struct {
	Subject string `json:"subject"`
	Public  string `json:"public"`
	Private string `json:"private"`
}

type nodeAnswer struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Error   string            `json:"error"`
}

func (s Node) Send(ctx context.Context, m Message) (*Result, error) {
	if m.Receipt {
		// web-push has no receipt support: its generic headers option would make this adapter,
		// not the library, the one that keeps and passes back the receipt subscription.
		return nil, &UnsupportedError{Reason: "web-push (npm) has no delivery receipts (Prefer: respond-async)"}
	}
	modules, err := s.modulesDir()
	if err != nil {
		return nil, err
	}
	node := s.NodePath
	if node == "" {
		if node, err = exec.LookPath("node"); err != nil {
			return nil, fmt.Errorf("sender: node not found: %w", err)
		}
	}
	in := nodeMessage{Subscription: m.Subscription, TTL: m.TTL, Urgency: m.Urgency, Topic: m.Topic, Encoding: m.Encoding}
	if m.Payload != nil {
		p := base64.StdEncoding.EncodeToString(m.Payload)
		in.PayloadB64 = &p
	}
	if m.VAPID != nil {
		in.VAPID = &nodeVAPID{Subject: m.VAPID.Subject, Public: m.VAPID.Public, Private: m.VAPID.Private}
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, node, "-e", string(nodeSendScript))
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	if s.CAFile != "" {
		cmd.Env = append(cmd.Env, "NODE_EXTRA_CA_CERTS="+s.CAFile)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := cmd.Run()
	output := stdout.String() + stderr.String()
	var ans nodeAnswer
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &ans); err != nil || ans.Error != "" || runErr != nil {
		return &Result{Output: output}, fmt.Errorf("sender: web-push (npm) failed: %v %s", runErr, output)
	}
	h := http.Header{}
	for k, v := range ans.Headers {
		h.Set(k, v)
	}
	return &Result{Status: ans.Status, Header: h, Body: []byte(ans.Body), Elapsed: time.Since(start), Output: output}, nil
}

func (s Node) modulesDir() (string, error) {
	candidates := []string{s.ModulesDir}
	if bin := os.Getenv("PUSHSPEC_NPM_BIN"); bin != "" {
		candidates = append(candidates, filepath.Dir(bin)) // .../node_modules/.bin → .../node_modules
	}
	if root, err := modroot.Dir(); err == nil {
		candidates = append(candidates, filepath.Join(root, ".cache", "npm", "node_modules"))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(c, "web-push", "package.json")); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("sender: npm web-push not installed (run `pushspec deps` or `make deps`)")
}
