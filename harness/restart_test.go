package harness

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
)

// stubBrowser is a browser.Watched that goes away when told to.
type stubBrowser struct {
	kind browser.Kind
	once sync.Once
	ch   chan struct{}
	err  error
}

func newStub(kind browser.Kind) *stubBrowser {
	return &stubBrowser{kind: kind, ch: make(chan struct{})}
}

func (s *stubBrowser) Kind() browser.Kind { return s.kind }
func (s *stubBrowser) Version() string    { return "1.0" }
func (s *stubBrowser) NewSession(context.Context) (browser.Session, error) {
	return nil, errors.New("stub")
}
func (s *stubBrowser) Close() error          { return nil }
func (s *stubBrowser) Lost() <-chan struct{} { return s.ch }
func (s *stubBrowser) PID() int              { return 4242 }
func (s *stubBrowser) LostErr() error {
	select {
	case <-s.ch:
		return s.err
	default:
		return nil
	}
}
func (s *stubBrowser) die() {
	s.once.Do(func() {
		s.err = &browser.LostError{Kind: s.kind, PID: 4242, At: time.Now(), How: "its process ended: signal: killed"}
		close(s.ch)
	})
}

// stubEnv is an Env with one browser of a kind nothing can launch, so that its restart fails.
func stubEnv(t *testing.T) (*Env, *stubBrowser) {
	const kind browser.Kind = "stubua"
	b := newStub(kind)
	e := &Env{logs: newRing(100), kinds: []browser.Kind{kind}, done: make(chan struct{}),
		states: map[browser.Kind]*kindState{kind: {browser: b}}}
	t.Cleanup(func() { e.Close() })
	return e, b
}

// A browser that goes away while a check runs makes the check an error naming the loss: for a
// check on that browser, and for a check on another target that opened a client on it. A check
// that started after the loss, or used no browser, is not touched.
func TestHealthCheckNamesTheLoss(t *testing.T) {
	e, b := stubEnv(t)
	ua := conformance.Target{ID: "stubua", Kind: conformance.KindUserAgent}
	sender := conformance.Target{ID: "sender:x", Kind: conformance.KindSender}
	start := time.Now()
	e.noteClient("stubua", b)
	if err := e.HealthCheck(ua, start); err != nil {
		t.Fatalf("alive: %v", err)
	}
	events := make(chan BrowserEvent, 4)
	e.OnBrowserEvent(func(ev BrowserEvent) { events <- ev })
	e.watch("stubua", b)
	b.die()

	for _, tg := range []conformance.Target{ua, sender} {
		err := e.HealthCheck(tg, start)
		var le *browser.LostError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "(pid 4242) went away") || !strings.Contains(err.Error(), "signal: killed") {
			t.Errorf("%s: HealthCheck = %v, want the loss", tg.ID, err)
		}
	}
	if err := e.HealthCheck(sender, time.Now()); err != nil {
		t.Errorf("a check that opened no client: %v", err)
	}
	if err := e.HealthCheck(ua, time.Now()); err != nil {
		t.Errorf("a check on the browser that began after its loss was noticed: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lost, end BrowserEvent
	for _, ev := range []*BrowserEvent{&lost, &end} {
		select {
		case *ev = <-events:
		case <-ctx.Done():
			t.Fatal("no browser event")
		}
	}
	if lost.Lost == nil || !strings.Contains(lost.String(), "errors, not failures; restarting stubua") {
		t.Errorf("loss event %q", lost)
	}
	if end.RestartErr == nil || !strings.Contains(end.String(), "restarting stubua failed") {
		t.Errorf("restart event %q, want a failed restart (nothing launches stubua)", end)
	}
	if _, err := e.AwaitBrowser(ctx, "stubua"); err == nil || !strings.Contains(err.Error(), "restarting it failed") {
		t.Errorf("AwaitBrowser after a failed restart: %v", err)
	}
	if got := e.Browser("stubua"); got != b {
		t.Errorf("Browser after a failed restart = %v, want the browser that went away (never nil)", got)
	}
	if r := e.Restarts("stubua"); !strings.Contains(r, "pid 4242") {
		t.Errorf("Restarts = %q", r)
	}
}

// A browser that keeps going away is restarted MaxRestarts times, then left down.
func TestRestartsAreCapped(t *testing.T) {
	defer func(n int) { MaxRestarts = n }(MaxRestarts)
	MaxRestarts = 0
	e, b := stubEnv(t)
	events := make(chan BrowserEvent, 4)
	e.OnBrowserEvent(func(ev BrowserEvent) { events <- ev })
	e.watch("stubua", b)
	b.die()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 2; i++ {
		select {
		case <-events:
		case <-ctx.Done():
			t.Fatal("no browser event")
		}
	}
	if _, err := e.AwaitBrowser(ctx, "stubua"); err == nil || !strings.Contains(err.Error(), "more than the 0 restarts") {
		t.Errorf("AwaitBrowser = %v, want the cap", err)
	}
}
