package target

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/internal/buildinfo"
)

// fakeVersion is the version of the in-process fake in a profile: pushspec's own version (the
// fake is part of it) and the profile.
func fakeVersion(profile string) string {
	return buildinfo.Pushspec() + ", " + profile + " profile"
}

// Identify asks the push service p what it is, records it for the report
// (conformance.Identify) and returns p's target with its version. The in-process fake knows
// its version already; a remote service (control API, autopush) is asked over HTTP: the
// "version" of its Dockerflow /__version__ document (autopush serves one), else its Server
// header, else the version is "unknown". Suites call it once the target is up.
func Identify(ctx context.Context, p PushService) conformance.Target {
	t := p.Target()
	if t.Version == "" {
		t.Version = buildinfo.Unknown
		if base := httpBase(p); base != "" {
			if v := probeVersion(ctx, p.Client(), base); v != "" {
				t.Version = v
			}
		}
	}
	conformance.Identify(t)
	return t
}

// httpBase is the HTTP origin a remote target answers on; "" for the others.
func httpBase(p PushService) string {
	switch s := p.(type) {
	case *Control:
		return s.base
	case *Autopush:
		u, err := url.Parse(s.url)
		if err != nil {
			return ""
		}
		switch u.Scheme {
		case "ws":
			u.Scheme = "http"
		case "wss":
			u.Scheme = "https"
		}
		return u.Scheme + "://" + u.Host
	}
	return ""
}

// probeVersion asks base for /__version__, then for its Server header; "" when neither says.
func probeVersion(ctx context.Context, client *http.Client, base string) string {
	if client == nil {
		client = http.DefaultClient
	}
	get := func(path string) (*http.Response, []byte) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+path, nil)
		if err != nil {
			return nil, nil
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp, body
	}
	resp, body := get("/__version__")
	if resp != nil && resp.StatusCode == http.StatusOK {
		var doc struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(body, &doc) == nil && strings.TrimSpace(doc.Version) != "" {
			return strings.TrimSpace(doc.Version)
		}
	}
	if resp != nil && resp.Header.Get("Server") != "" {
		return resp.Header.Get("Server")
	}
	if resp, _ := get("/"); resp != nil {
		return resp.Header.Get("Server")
	}
	return ""
}
