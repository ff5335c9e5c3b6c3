package harness

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
)

// KindEnvs gives each browser kind an Env of its own (the configured options, EnvOptionsFromConfig,
// with that kind alone as its browser), started once, on first use or from Start. StartEnv
// returns when every browser of its Env is ready, and Chromium is ready seconds before Firefox: a
// suite whose browser specs each need one browser lets each run as soon as its browser is up.
// Specs that need two browsers in one Env use SharedEnv.
type KindEnvs struct {
	kinds []browser.Kind
	envs  map[browser.Kind]*kindEnv
}

// kindEnv is one kind's Env.
type kindEnv struct {
	mu   sync.Mutex // held while the Env starts
	once sync.Once
	env  *Env
	err  error
}

// NewKindEnvs returns KindEnvs for kinds (ConfiguredBrowsers); nothing starts yet.
func NewKindEnvs(kinds []browser.Kind) *KindEnvs {
	k := &KindEnvs{kinds: kinds, envs: map[browser.Kind]*kindEnv{}}
	for _, kind := range kinds {
		k.envs[kind] = &kindEnv{}
	}
	return k
}

// Env returns kind's Env, starting it on first use; its error is kept and returned to every
// caller. A kind NewKindEnvs was not given has none. With the real push services, every kind's
// service must be reachable, as for one Env of all the kinds: one that is not fails every kind's
// Env with ErrRealUnavailable.
func (k *KindEnvs) Env(ctx context.Context, kind browser.Kind) (*Env, error) {
	ke := k.envs[kind]
	if ke == nil {
		return nil, errors.New("harness: no Env for browser " + string(kind))
	}
	ke.mu.Lock()
	defer ke.mu.Unlock()
	ke.once.Do(func() {
		o, err := EnvOptionsFromConfig()
		if err != nil {
			ke.err = err
			return
		}
		if o.RealPushServices {
			if err := CheckRealServices(ctx, k.kinds, o.RealDial); err != nil {
				ke.err = err
				return
			}
		}
		o.Browsers = []browser.Kind{kind}
		ke.env, ke.err = StartEnv(ctx, o)
	})
	return ke.env, ke.err
}

// Start starts every kind's Env in the background, each bounded by timeout; Env waits for it.
func (k *KindEnvs) Start(timeout time.Duration) {
	for kind := range k.envs {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			k.Env(ctx, kind)
		}()
	}
}

// HealthCheck is Env.HealthCheck of every kind's Env, a conformance.HealthCheck: a check whose
// browser went away while it ran is an error, not the target's failure. An Env not started yet, or
// starting (no check can have used its browser), reports nothing.
func (k *KindEnvs) HealthCheck(t conformance.Target, start time.Time) error {
	var errs []error
	for _, ke := range k.envs {
		if !ke.mu.TryLock() {
			continue
		}
		e := ke.env
		ke.mu.Unlock()
		if e != nil {
			errs = append(errs, e.HealthCheck(t, start))
		}
	}
	return errors.Join(errs...)
}

// Close closes every started Env, in parallel (Firefox closes gracefully, in about a second),
// waiting for any that is still starting.
func (k *KindEnvs) Close() error {
	var wg sync.WaitGroup
	errs := make(chan error, len(k.envs))
	for _, ke := range k.envs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ke.mu.Lock()
			defer ke.mu.Unlock()
			if ke.env != nil {
				errs <- ke.env.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}
