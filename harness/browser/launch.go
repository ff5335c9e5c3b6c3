package browser

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// launcher starts (or connects to) one browser of a kind.
type launcher func(ctx context.Context, o LaunchOptions) (Browser, error)

var (
	launchersMu sync.Mutex
	launchers   = map[Kind]launcher{}
)

// registerLauncher makes Launch able to start kind. Each driver file calls it from init, so
// adding a browser is adding a file; registering a kind twice panics.
func registerLauncher(kind Kind, fn launcher) {
	launchersMu.Lock()
	defer launchersMu.Unlock()
	if _, dup := launchers[kind]; dup {
		panic(fmt.Sprintf("browser: launcher for %q registered twice", kind))
	}
	launchers[kind] = fn
}

// Kinds lists the kinds Launch can start, sorted.
func Kinds() []Kind {
	launchersMu.Lock()
	defer launchersMu.Unlock()
	out := make([]Kind, 0, len(launchers))
	for k := range launchers {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Launch starts a browser of kind with o (or connects to o.Remote). The browser is loopback-only
// and ready for NewSession when Launch returns. ctx bounds the start only, not the browser's life:
// call Close.
func Launch(ctx context.Context, kind Kind, o LaunchOptions) (Browser, error) {
	launchersMu.Lock()
	fn := launchers[kind]
	launchersMu.Unlock()
	if fn == nil {
		return nil, fmt.Errorf("browser: no launcher for %q (have %v)", kind, Kinds())
	}
	return fn(ctx, o)
}

// call runs fn, which cannot be cancelled (a playwright-go call), and returns early with ctx's
// error if ctx ends first; fn then finishes in the background and its result is dropped.
func call[T any](ctx context.Context, what string, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return r.v, fmt.Errorf("%s: %w", what, r.err)
		}
		return r.v, nil
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("%s: %w", what, context.Cause(ctx))
	}
}

// timeoutMS turns ctx's deadline into a playwright timeout in milliseconds (0 = none), so that
// playwright gives up about when ctx does.
func timeoutMS(ctx context.Context) float64 {
	dl, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	ms := float64(time.Until(dl).Milliseconds())
	if ms < 1 {
		ms = 1
	}
	return ms
}
