package harness

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
)

// A browser that goes away mid-run (its process killed or crashed, its connection dropped) is
// not a conformance failure: the checks it was in are the harness's errors, and the Env starts
// a new browser of the same kind, with the same launch options (loopback-only flags and prefs),
// for the rest of the run.

// RestartTimeout bounds one restart: launch and the push client's connection.
var RestartTimeout = 2 * time.Minute

// MaxRestarts is how often a kind's browser is restarted in one Env; a browser that keeps
// going away is then left down, and the checks that need it are errors saying so.
var MaxRestarts = 3

// BrowserEvent is a browser going away, or the end of its restart.
type BrowserEvent struct {
	Kind browser.Kind
	// Lost is how the browser went away (a *browser.LostError); nil for a restart's end.
	Lost error
	// Restarted is the new browser; nil in a loss, and when the restart failed (RestartErr).
	Restarted  browser.Browser
	RestartErr error
	// At is when it happened; Took is how long the restart took.
	At   time.Time
	Took time.Duration
}

func (ev BrowserEvent) String() string {
	switch {
	case ev.Lost != nil:
		return fmt.Sprintf("pushspec: %v; the checks it was running are errors, not failures; restarting %s", ev.Lost, ev.Kind)
	case ev.RestartErr != nil:
		return fmt.Sprintf("pushspec: restarting %s failed after %v: %v", ev.Kind, ev.Took.Round(time.Millisecond), ev.RestartErr)
	default:
		pid := ""
		if w, ok := ev.Restarted.(browser.Watched); ok && w.PID() > 0 {
			pid = fmt.Sprintf(" (pid %d)", w.PID())
		}
		return fmt.Sprintf("pushspec: %s %s restarted%s in %v; the run goes on with it", ev.Kind, ev.Restarted.Version(), pid, ev.Took.Round(time.Millisecond))
	}
}

// OnBrowserEvent registers fn for every browser loss and restart end (the console, a report).
// fn runs on the Env's watcher goroutine and must not block. The returned func unregisters.
func (e *Env) OnBrowserEvent(fn func(BrowserEvent)) (unregister func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.listeners = append(e.listeners, fn)
	i := len(e.listeners) - 1
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.listeners[i] = nil
	}
}

// BrowserLosses lists the losses of kind's browsers so far, oldest first.
func (e *Env) BrowserLosses(kind browser.Kind) []BrowserEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st := e.states[kind]; st != nil {
		return append([]BrowserEvent(nil), st.losses...)
	}
	return nil
}

func (e *Env) emit(ev BrowserEvent) {
	e.logf("%s", ev)
	e.mu.Lock()
	ls := make([]func(BrowserEvent), len(e.listeners))
	copy(ls, e.listeners)
	e.mu.Unlock()
	for _, fn := range ls {
		if fn != nil {
			fn(ev)
		}
	}
}

// watch starts waiting for b (kind's current browser) to go away.
func (e *Env) watch(k browser.Kind, b browser.Browser) {
	w, ok := b.(browser.Watched)
	if !ok || !e.addWatcher() {
		return
	}
	go func() {
		defer e.watchers.Done()
		select {
		case <-e.done:
			return
		case <-w.Lost():
		}
		e.lost(k, b, w.LostErr())
	}()
}

// lost replaces b, which went away with err, unless it was replaced already.
func (e *Env) lost(k browser.Kind, b browser.Browser, err error) {
	st := e.states[k]
	e.mu.Lock()
	if st.browser != b || st.restarting != nil || st.restartErr != nil {
		e.mu.Unlock()
		return
	}
	select {
	case <-e.done:
		e.mu.Unlock()
		return
	default:
	}
	if err == nil {
		err = &browser.LostError{Kind: k, At: time.Now(), How: "it went away"}
	}
	ev := BrowserEvent{Kind: k, Lost: err, At: time.Now()}
	if le := (*browser.LostError)(nil); errors.As(err, &le) {
		ev.At = le.At
	}
	st.losses = append(st.losses, ev)
	if len(st.losses) > MaxRestarts {
		rerr := fmt.Errorf("%w; it went away %d times, more than the %d restarts pushspec makes", err, len(st.losses), MaxRestarts)
		st.restartErr = rerr
		e.mu.Unlock()
		e.emit(ev)
		e.emit(BrowserEvent{Kind: k, RestartErr: rerr, At: time.Now()})
		e.closeLater(b)
		return
	}
	done := make(chan struct{})
	st.restarting = done
	e.mu.Unlock()
	e.emit(ev)

	// The old browser's remains (profile, driver) go in the background: they must not hold
	// up the restart. It stays kind's browser until the new one is ready, so that callers of
	// Browser get a browser whose calls fail, never nil.
	e.closeLater(b)

	ctx, cancel := context.WithTimeout(context.Background(), RestartTimeout)
	go func() {
		select {
		case <-e.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	t0 := time.Now()
	nb, _, rerr := e.launchKind(ctx, k, st)
	cancel()
	if rerr != nil && nb != nil {
		e.closeLater(nb)
		nb = nil
	}
	end := BrowserEvent{Kind: k, Restarted: nb, RestartErr: rerr, At: time.Now(), Took: time.Since(t0)}
	e.mu.Lock()
	if nb != nil {
		st.browser = nb // also when the Env is closing: Close closes it after the watchers end
	} else {
		st.restartErr = fmt.Errorf("%w; restarting it failed: %w", err, rerr)
	}
	st.restarting = nil
	close(done)
	closing := e.closing
	e.mu.Unlock()
	if closing {
		return // a restart cut short by Close is no news
	}
	e.emit(end)
	if nb != nil {
		e.watch(k, nb)
	}
}

// closeLater closes a browser that is no longer kind's in the background (a dead one's profile
// can take seconds to remove); Env.Close waits for it.
func (e *Env) closeLater(b browser.Browser) {
	e.cleanups.Add(1)
	go func() {
		defer e.cleanups.Done()
		if err := b.Close(); err != nil {
			e.logf("harness: closing the %s browser that went away: %v", b.Kind(), err)
		}
	}()
}

// AwaitBrowser returns kind's browser, waiting (within ctx) for a restart under way to end. It
// errs when the Env has no such browser or its restart failed.
func (e *Env) AwaitBrowser(ctx context.Context, kind browser.Kind) (browser.Browser, error) {
	for {
		e.mu.Lock()
		st := e.states[kind]
		if st == nil {
			e.mu.Unlock()
			return nil, fmt.Errorf("harness: the Env has no %s (it has %v)", kind, e.kinds)
		}
		b, wait, rerr := st.browser, st.restarting, st.restartErr
		e.mu.Unlock()
		switch {
		case wait != nil:
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("harness: waiting for %s to restart: %w", kind, context.Cause(ctx))
			}
		case rerr != nil:
			return nil, fmt.Errorf("harness: %w", rerr)
		case b != nil:
			return b, nil
		default:
			return nil, fmt.Errorf("harness: the Env's %s did not start", kind)
		}
	}
}

// lostSince returns the first loss of kind's browsers at or after since, or of b (the browser
// a check uses) if it is gone now, noticed or not; nil when there is none.
func (e *Env) lostSince(kind browser.Kind, b browser.Browser, since time.Time) error {
	if w, ok := b.(browser.Watched); ok {
		if err := w.LostErr(); err != nil {
			// Make sure the restart runs even if the watcher has not got there yet.
			e.lostAsync(kind, b, err)
			// A loss noticed before the check began is not the check's: it waited for the
			// restart (Browser, NewClient) or did not use the browser at all.
			var le *browser.LostError
			if !errors.As(err, &le) || !le.At.Before(since) {
				return err
			}
		}
	}
	for _, ev := range e.BrowserLosses(kind) {
		if !ev.At.Before(since) {
			return ev.Lost
		}
	}
	return nil
}

// lostAsync starts the replacement of b if nothing has started it yet.
func (e *Env) lostAsync(kind browser.Kind, b browser.Browser, err error) {
	if !e.addWatcher() {
		return
	}
	go func() {
		defer e.watchers.Done()
		e.lost(kind, b, err)
	}()
}

// addWatcher counts one more watcher goroutine, unless Close has begun (it then waits for
// those counted).
func (e *Env) addWatcher() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done == nil || e.closing {
		return false
	}
	e.watchers.Add(1)
	return true
}

// HealthCheck is a conformance.HealthCheck for specs that use this Env's browsers. A check is
// an error when a browser it depended on went away while it ran: the browser its target is (a
// user-agent check on "firefox"), or the browser of any client opened during the check (a
// sender or interop check that delivers through a browser). Register it with
// conformance.RegisterHealthCheck.
func (e *Env) HealthCheck(t conformance.Target, start time.Time) error {
	for _, k := range e.Kinds() {
		if string(k) != t.ID {
			continue
		}
		e.mu.Lock()
		b := e.states[k].browser
		e.mu.Unlock()
		if err := e.lostSince(k, b, start); err != nil {
			return lostCheck(err)
		}
	}
	e.mu.Lock()
	var used []clientUse
	for i := len(e.used) - 1; i >= 0 && !e.used[i].at.Before(start); i-- {
		used = append(used, e.used[i])
	}
	e.mu.Unlock()
	for _, u := range used {
		if w, ok := u.b.(browser.Watched); ok {
			if err := w.LostErr(); err != nil {
				e.lostAsync(u.kind, u.b, err)
				return lostCheck(err)
			}
		}
	}
	return nil
}

func lostCheck(err error) error {
	return fmt.Errorf("%w; the check could not be made, and pushspec restarts the browser for the rest of the run", err)
}

// clientUse is a client opened on a browser, for HealthCheck.
type clientUse struct {
	at   time.Time
	kind browser.Kind
	b    browser.Browser
}

// noteClient records that a client was opened on b now.
func (e *Env) noteClient(kind browser.Kind, b browser.Browser) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.used = append(e.used, clientUse{at: time.Now(), kind: kind, b: b})
	if len(e.used) > 4096 {
		e.used = append([]clientUse(nil), e.used[len(e.used)-2048:]...)
	}
}

// Restarts reports, for evidence, how often kind's browser was restarted and why; "" when never.
func (e *Env) Restarts(kind browser.Kind) string {
	losses := e.BrowserLosses(kind)
	if len(losses) == 0 {
		return ""
	}
	return fmt.Sprintf("restarted %d time(s) in this run; the last time because %v", len(losses), losses[len(losses)-1].Lost)
}
