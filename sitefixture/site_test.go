package sitefixture

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func startSite(t *testing.T) *Site {
	t.Helper()
	s := New()
	s.Logf = t.Logf
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestServesPageAndWorker(t *testing.T) {
	s := startSite(t)
	if !strings.HasPrefix(s.URL(), "http://localhost:") {
		t.Fatalf("URL = %q, want http://localhost:PORT", s.URL())
	}
	for path, want := range map[string]string{"/": "window.pushspec", "/page.js": "window.pushspec", "/sw.js": "pushsubscriptionchange"} {
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if path == "/" {
			want = "/page.js"
		}
		if !strings.Contains(string(body), want) {
			t.Errorf("GET %s: body lacks %q", path, want)
		}
		if strings.HasSuffix(path, ".js") && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("GET %s: Content-Type %q", path, resp.Header.Get("Content-Type"))
		}
	}
	resp, err := http.Get(s.URL() + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || len(s.Default().Unhandled()) != 1 {
		t.Errorf("unknown route: status %d, unhandled %v", resp.StatusCode, s.Default().Unhandled())
	}
}

const pushBeacon = `{"kind":"push","id":"m1","hasData":true,"handlerStartMs":1700000000000,
 "data":{"text":"{\"pushspec\":{\"id\":\"m1\"}}","jsonOK":true,"json":{"pushspec":{"id":"m1"}},"base64":"aGk=","size":2},
 "show":{"called":true,"ok":true,"error":null,"title":"hi"},
 "notifications":[{"title":"hi","body":"b","tag":"","data":null,"actions":[]}]}`

func TestBeaconBecomesReport(t *testing.T) {
	s := startSite(t)
	other, err := s.NewOrigin()
	if err != nil {
		t.Fatal(err)
	}
	if other.URL() == s.URL() {
		t.Fatal("NewOrigin returned the same origin")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	got := make(chan Report, 1)
	go func() {
		r, err := other.AwaitID(ctx, "m1")
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	resp, err := http.Post(other.URL()+BeaconPath, "application/json", strings.NewReader(pushBeacon))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("beacon: %d", resp.StatusCode)
	}
	r := <-got
	if r.Kind != KindPush || r.Origin != other.URL() || r.ReceivedAt.IsZero() {
		t.Errorf("report = %+v", r)
	}
	if b, _ := r.Data.Bytes(); string(b) != "hi" || r.Data.Size != 2 {
		t.Errorf("data bytes %q size %d", b, r.Data.Size)
	}
	if !r.Show.OK || len(r.Notifications) != 1 || r.Notifications[0].Title != "hi" {
		t.Errorf("show %+v notifications %+v", r.Show, r.Notifications)
	}
	select {
	case c := <-other.Reports():
		if c.ID != "m1" {
			t.Errorf("channel report id %q", c.ID)
		}
	default:
		t.Error("nothing on Reports()")
	}
	if len(s.Default().All()) != 0 {
		t.Error("the default origin got another origin's report")
	}
	// Already-received reports satisfy later waiters too.
	if _, err := other.AwaitID(ctx, "m1"); err != nil {
		t.Error(err)
	}
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if _, err := other.AwaitID(short, "m2"); err == nil {
		t.Error("AwaitID for a report never sent returned no error")
	}
}

func TestBadBeaconRejected(t *testing.T) {
	s := startSite(t)
	resp, err := http.Post(s.URL()+BeaconPath, "application/json", strings.NewReader(`{"id":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(s.Default().All()) != 0 {
		t.Errorf("status %d, reports %d", resp.StatusCode, len(s.Default().All()))
	}
}

// TestScriptsParse catches syntax errors in the embedded scripts before a browser does (which
// would surface only as a register() or Eval failure). Skipped without node.
func TestScriptsParse(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	for _, f := range []string{"static/page.js", "static/sw.js"} {
		if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
}

// Host and ListenIP: the origin's URL carries Host, and it listens on ListenIP alone.
func TestHostAndListenIP(t *testing.T) {
	s := New()
	s.Logf = t.Logf
	s.Host, s.ListenIP = "push.pushspec.test", "127.0.0.2"
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := url.Parse(s.URL())
	if err != nil || u.Hostname() != "push.pushspec.test" || u.Port() == "" {
		t.Fatalf("URL %s %v", s.URL(), err)
	}
	resp, err := http.Get("http://127.0.0.2:" + u.Port() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET / on 127.0.0.2: %d", resp.StatusCode)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+u.Port(), time.Second); err == nil {
		c.Close()
		t.Error("the origin also answers on 127.0.0.1")
	}
}
