package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// parallelServer is the host side of ginkgo's protocol for one suite run by several processes
// (its HTTP flavour, which ginkgo's processes speak when GINKGO_PARALLEL_PROTOCOL=HTTP): the
// processes draw specs from one counter, process 1 runs BeforeSuite's first half and the Serial
// specs once the others are done, and writes the report with theirs. It does what the ginkgo
// CLI's server does (ginkgo's internal/parallel_support, for the version in go.mod), so that the
// pushspec binary runs a suite in parallel without the ginkgo CLI. The suite's verbose output goes
// to reporter.
type parallelServer struct {
	total    int
	reporter reporters.Reporter
	out      io.Writer
	ln       net.Listener
	done     chan struct{}

	mu                sync.Mutex
	alive             []func() bool
	beforeSuite       beforeSuiteState
	reportBeforeSuite types.SpecState
	counter           int
	abort             bool
	begins, ends      int
	ended             []bool
	aggregated        types.Report
	held              []types.SpecReport
}

// beforeSuiteState is ginkgo's parallel_support.BeforeSuiteState on the wire.
type beforeSuiteState struct {
	Data  []byte
	State types.SpecState
}

func newParallelServer(total int, reporter reporters.Reporter, out io.Writer) (*parallelServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &parallelServer{total: total, reporter: reporter, out: out, ln: ln, done: make(chan struct{}),
		alive: make([]func() bool, total), ended: make([]bool, total),
		beforeSuite: beforeSuiteState{State: types.SpecStateInvalid}}
	mux := http.NewServeMux()
	mux.HandleFunc("/up", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/suite-will-begin", posted(s, s.suiteWillBegin))
	mux.HandleFunc("/did-run", posted(s, s.didRun))
	mux.HandleFunc("/suite-did-end", posted(s, s.suiteDidEnd))
	mux.HandleFunc("/emit-output", s.emitOutput)
	mux.HandleFunc("/progress-report", posted(s, s.reporter.EmitProgressReport))
	mux.HandleFunc("/report-before-suite-completed", posted(s, func(st types.SpecState) { s.reportBeforeSuite = st }))
	mux.HandleFunc("/report-before-suite-state", s.fromPrimary(func() (any, bool) {
		return s.reportBeforeSuite, s.reportBeforeSuite != types.SpecStateInvalid
	}))
	mux.HandleFunc("/before-suite-completed", posted(s, func(st beforeSuiteState) { s.beforeSuite = st }))
	mux.HandleFunc("/before-suite-state", s.fromPrimary(func() (any, bool) {
		return s.beforeSuite, s.beforeSuite.State != types.SpecStateInvalid
	}))
	mux.HandleFunc("/have-nonprimary-procs-finished", s.haveNonprimaryFinished)
	mux.HandleFunc("/aggregated-nonprimary-procs-report", s.aggregatedReport)
	mux.HandleFunc("/counter", s.nextCounter)
	mux.HandleFunc("/abort", s.handleAbort)
	go http.Serve(ln, mux)
	return s, nil
}

// address is what the processes get as ParallelHost.
func (s *parallelServer) address() string { return "http://" + s.ln.Addr().String() }

func (s *parallelServer) close() { s.ln.Close() }

// setAlive tells the server how to know whether process proc (from 1) still runs.
func (s *parallelServer) setAlive(proc int, alive func() bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alive[proc-1] = alive
}

// posted handles a process's POST of a T (JSON): apply runs with s.mu held.
func posted[T any](s *parallelServer, apply func(T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer r.Body.Close()
		var v T
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		apply(v)
	}
}

// fromPrimary answers a process that asks for what process 1 published: get (run with s.mu
// held) gives it and whether it was set. Until it is, the answer is "too early" while process 1
// runs and "gone" once it has died.
func (s *parallelServer) fromPrimary(get func() (v any, set bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		alive := s.procAlive(1)
		s.mu.Lock()
		v, set := get()
		s.mu.Unlock()
		switch {
		case set:
			reply(w, v)
		case alive:
			w.WriteHeader(http.StatusTooEarly)
		default:
			w.WriteHeader(http.StatusGone)
		}
	}
}

func reply(w http.ResponseWriter, v any) {
	json.NewEncoder(w).Encode(v)
}

func (s *parallelServer) suiteWillBegin(rep types.Report) {
	s.begins++
	// Every process sends the same summary: report it once all have begun, with the specs
	// that ended before.
	if s.begins == s.total {
		s.reporter.SuiteWillBegin(rep)
		for _, sr := range s.held {
			s.reporter.WillRun(sr)
			s.reporter.DidRun(sr)
		}
		s.held = nil
	}
}

func (s *parallelServer) didRun(sr types.SpecReport) {
	if s.begins == s.total {
		s.reporter.WillRun(sr)
		s.reporter.DidRun(sr)
	} else {
		s.held = append(s.held, sr)
	}
}

func (s *parallelServer) suiteDidEnd(rep types.Report) {
	s.ends++
	if p := rep.SuiteConfig.ParallelProcess; p >= 1 && p <= s.total {
		s.ended[p-1] = true
	}
	if s.ends == 1 {
		s.aggregated = rep
	} else {
		s.aggregated = s.aggregated.Add(rep)
	}
	if s.ends == s.total {
		s.reporter.SuiteDidEnd(s.aggregated)
		close(s.done)
	}
}

func (s *parallelServer) emitOutput(w http.ResponseWriter, r *http.Request) {
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out.Write(b)
}

// procAlive: callers must not hold s.mu.
func (s *parallelServer) procAlive(proc int) bool {
	s.mu.Lock()
	alive := s.alive[proc-1]
	s.mu.Unlock()
	return alive == nil || alive()
}

func (s *parallelServer) nonprimaryFinished() bool {
	for p := 2; p <= s.total; p++ {
		s.mu.Lock()
		ended := s.ended[p-1]
		s.mu.Unlock()
		if !ended && s.procAlive(p) {
			return false
		}
	}
	return true
}

func (s *parallelServer) haveNonprimaryFinished(w http.ResponseWriter, r *http.Request) {
	if !s.nonprimaryFinished() {
		w.WriteHeader(http.StatusTooEarly)
	}
}

func (s *parallelServer) aggregatedReport(w http.ResponseWriter, r *http.Request) {
	if !s.nonprimaryFinished() {
		w.WriteHeader(http.StatusTooEarly)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ends != s.total-1 {
		w.WriteHeader(http.StatusGone) // a process went away without its report
		return
	}
	reply(w, s.aggregated)
}

func (s *parallelServer) nextCounter(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := s.counter
	s.counter++
	s.mu.Unlock()
	reply(w, struct{ Index int }{n})
}

func (s *parallelServer) handleAbort(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method == http.MethodGet {
		if s.abort {
			w.WriteHeader(http.StatusGone)
		}
		return
	}
	s.abort = true
}
