package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The peer is started once per test binary (the first benchmark that needs it) and stopped by
// TestMain; every benchmark run makes fresh subscriptions on it.
var (
	peerOnce sync.Once
	peer     *WebPushTesting
	peerErr  error
)

func sharedPeer(b *testing.B) *WebPushTesting {
	b.Helper()
	peerOnce.Do(func() {
		script, err := WebPushTestingScript()
		if err != nil {
			peerErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		peer, peerErr = StartWebPushTesting(ctx, script)
	})
	if peerErr != nil {
		b.Fatal(peerErr)
	}
	return peer
}

// summary keeps the last (largest) run of each push-accept benchmark for the table TestMain
// prints at the end.
var (
	summaryMu sync.Mutex
	summary   = map[string]map[int]loadFigures{} // service → senders → figures
)

type loadFigures struct {
	n               int
	rate            float64
	p50, p99, drain time.Duration
	lost, dup       int
	goCPU, peerCPU  float64 // CPU µs per accepted message: this process (the service), the node process
	genCPU          float64 // CPU µs per accepted message of the load generator
}

// projected is the rate an otherwise idle machine like this one would reach if CPU were the only
// limit: every core busy with this work, the single-threaded node process at most one core.
func (f loadFigures) projected() float64 {
	cores := float64(runtime.NumCPU())
	total := f.goCPU + f.peerCPU + f.genCPU
	if total <= 0 {
		return 0
	}
	p := cores * 1e6 / total
	if f.peerCPU > 0 {
		p = min(p, 1e6/f.peerCPU)
	}
	return p
}

func record(service string, senders int, f loadFigures) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	if summary[service] == nil {
		summary[service] = map[int]loadFigures{}
	}
	summary[service][senders] = f
}

func recorded(service string, senders int) (loadFigures, bool) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	f, ok := summary[service][senders]
	return f, ok
}

func TestMain(m *testing.M) {
	if ran, code := GeneratorMain(); ran { // this binary run again as the load generator
		os.Exit(code)
	}
	fmt.Println("machine:", Machine())
	code := m.Run()
	if peer != nil {
		peer.Close()
	}
	closeE2E()
	printSummary()
	fmt.Println("machine (after):", Machine())
	os.Exit(code)
}

func printSummary() {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	if len(e2eSummary) > 0 {
		var kinds []string
		for k := range e2eSummary {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Println("\nPOST → service-worker report (sequential pushes, last run):")
		fmt.Printf("%-10s %7s %9s %9s %9s %15s %15s\n", "browser", "pushes", "p50 ms", "p99 ms", "max ms", "launch s", "ready s")
		for _, k := range kinds {
			f := e2eSummary[k]
			fmt.Printf("%-10s %7d %9.1f %9.1f %9.1f %15.1f %15.1f\n", k, f.n, float64(f.p50.Microseconds())/1000, float64(f.p99.Microseconds())/1000,
				float64(f.max.Microseconds())/1000, f.startup.Launch.Seconds(), f.startup.Ready.Seconds())
		}
		fmt.Println("opening a client (fresh origin, service worker, subscription), once per browser:")
		for _, k := range kinds {
			var parts []string
			var total time.Duration
			for _, st := range e2eSummary[k].steps {
				parts = append(parts, fmt.Sprintf("%s %.0f ms", st.Name, float64(st.Duration.Microseconds())/1000))
				total += st.Duration
			}
			fmt.Printf("  %-10s %s (total %.0f ms)\n", k, strings.Join(parts, ", "), float64(total.Microseconds())/1000)
		}
	}
	if len(summary) == 0 {
		return
	}
	var senders []int
	seen := map[int]bool{}
	for _, bySenders := range summary {
		for n := range bySenders {
			if !seen[n] {
				seen[n] = true
				senders = append(senders, n)
			}
		}
	}
	sort.Ints(senders)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	fmt.Println("\npush accept (validated messages, same load to both; last run of each benchmark)")
	fmt.Printf("senders: a separate load generator process (GOMAXPROCS %d), raw keep-alive HTTP/1.1, requests serialized before the clock\n", genProcs())
	fmt.Println("cpu µs/msg: the service (+ node for the peer); gen: the generator's; projected: the CPU-bound rate of an idle machine like this one, generator included")
	fmt.Printf("%-8s %-17s %8s %10s %8s %8s %9s %5s %7s %11s %8s %10s %9s\n", "senders", "service", "messages", "msgs/s", "p50 ms", "p99 ms", "drain ms", "lost", "ratio", "cpu µs/msg", "gen µs", "projected", "proj ratio")
	for _, n := range senders {
		peerF, hasPeer := summary["web-push-testing"][n]
		for _, svc := range []string{"web-push-testing", "pushspec", "pushspec-link", "http-floor"} {
			f, ok := summary[svc][n]
			if !ok {
				continue
			}
			ratio, pratio := "", ""
			if strings.HasPrefix(svc, "pushspec") && hasPeer && peerF.rate > 0 {
				ratio = fmt.Sprintf("%.1f×", f.rate/peerF.rate)
				if peerF.projected() > 0 {
					pratio = fmt.Sprintf("%.1f×", f.projected()/peerF.projected())
				}
			}
			fmt.Printf("%-8d %-17s %8d %10.0f %8s %8s %9s %5d %7s %11.0f %8.0f %10.0f %9s\n", n, svc, f.n, f.rate, ms(f.p50), ms(f.p99), ms(f.drain), f.lost, ratio, f.goCPU+f.peerCPU, f.genCPU, f.projected(), pratio)
		}
	}
	fmt.Println()
}
