package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/config"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/specs/interop"
	"github.com/pushspec/pushspec/specs/pushservice"
	sendersuite "github.com/pushspec/pushspec/specs/sender"
	"github.com/pushspec/pushspec/specs/useragent"
)

// suiteCommand is the hidden subcommand `pushspec run` starts once per suite: it runs one suite
// in this process (ginkgo runs one suite per process).
const suiteCommand = "__suite"

func init() {
	register(suiteCommand, "", suiteCmd)
}

// suiteDef is one conformance suite linked into the binary.
type suiteDef struct {
	name     string
	register func() (string, error)
}

// suiteDefs are the suites, in the order `pushspec run` lists them.
var suiteDefs = []suiteDef{
	{name: "pushservice", register: pushservice.Register},
	{name: "sender", register: sendersuite.Register},
	{name: "interop", register: interop.Register},
	{name: "useragent", register: useragent.Register},
}

func lookupSuite(name string) (suiteDef, bool) {
	for _, s := range suiteDefs {
		if s.name == name {
			return s, true
		}
	}
	return suiteDef{}, false
}

// suiteNames lists the suites for messages.
func suiteNames() string {
	var names []string
	for _, s := range suiteDefs {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

// event is one line of the progress stream a suite process writes for `pushspec run`: first
// the number of specs that will run, then one line per spec that ran.
type event struct {
	Total *int   `json:"total,omitempty"` // specs that will run (the first event)
	State string `json:"state,omitempty"` // a spec ended: ginkgo's state (passed, failed, skipped, …)
	Fail  int    `json:"fail,omitempty"`  // its results with outcome fail, not known deviations
	Known int    `json:"known,omitempty"` // its fail and non-strict results that are known deviations
	Error int    `json:"error,omitempty"` // its results with outcome error
}

// suiteT is the testing.T stand-in ginkgo's RunSpecs needs.
type suiteT struct{ failed bool }

func (t *suiteT) Fail() { t.failed = true }

func suiteCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(suiteCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonReport := fs.String("json-report", "", "write ginkgo's JSON report to this file")
	eventsFD := fs.Int("events-fd", 0, "write progress events (JSON lines) to this inherited file descriptor")
	proc := fs.Int("parallel-process", 1, "this process's number (from 1) among the suite's processes")
	total := fs.Int("parallel-total", 1, "the suite's processes")
	host := fs.String("parallel-host", "", "the address of pushspec run's parallel server")
	seed := fs.Int64("seed", 0, "ginkgo's random seed (0: ginkgo's own, from the clock); the processes of one suite must share it")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintf(stderr, "usage: pushspec %s [--json-report file] [--events-fd n] <suite: %s>\n", suiteCommand, suiteNames())
		return 2
	}
	s, ok := lookupSuite(fs.Arg(0))
	if !ok {
		fmt.Fprintf(stderr, "pushspec %s: no suite %q (%s)\n", suiteCommand, fs.Arg(0), suiteNames())
		return 2
	}
	// The configuration comes from the PUSHSPEC_* variables `pushspec run` set from its flags.
	cfg, err := config.FromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "pushspec:", err)
		return 2
	}
	timeout, err := time.ParseDuration(cfg.Timeout)
	if err != nil {
		fmt.Fprintln(stderr, "pushspec: timeout:", err)
		return 2
	}
	description, err := s.register()
	if err != nil {
		fmt.Fprintf(stderr, "pushspec: suite %s: %v\n", s.name, err)
		return 2
	}
	if *eventsFD > 0 {
		// Not for the browsers and tools the suite starts: the stream ends when the suite does.
		syscall.CloseOnExec(*eventsFD)
		reportProgress(os.NewFile(uintptr(*eventsFD), "events"))
	}
	suiteConfig, reporterConfig := GinkgoConfiguration()
	suiteConfig.LabelFilter = cfg.LabelFilter
	suiteConfig.Timeout = timeout
	suiteConfig.PollProgressAfter = time.Minute
	suiteConfig.ParallelProcess, suiteConfig.ParallelTotal, suiteConfig.ParallelHost = *proc, *total, *host
	if *seed != 0 {
		suiteConfig.RandomSeed = *seed
	}
	reporterConfig.NoColor = true
	reporterConfig.Verbose = true
	reporterConfig.JSONReport = *jsonReport
	gomega.RegisterFailHandler(Fail)
	t := &suiteT{}
	RunSpecs(t, description, suiteConfig, reporterConfig)
	if t.failed {
		return 1
	}
	return 0
}

// reportProgress declares the report nodes that write the progress events to w.
func reportProgress(w io.Writer) {
	var mu sync.Mutex
	emit := func(e event) {
		b, _ := json.Marshal(e)
		mu.Lock()
		defer mu.Unlock()
		w.Write(append(b, '\n'))
	}
	ReportBeforeSuite(func(r Report) {
		n := r.PreRunStats.SpecsThatWillRun
		emit(event{Total: &n})
	})
	ReportAfterEach(func(sr SpecReport) {
		if sr.State == types.SpecStateSkipped && sr.Failure.Message == "" && sr.RunTime == 0 {
			return // left out by the label filter: it does not run
		}
		e := event{State: sr.State.String()}
		for _, entry := range sr.ReportEntries {
			if entry.Name != conformance.ResultEntry {
				continue
			}
			res, ok := entry.GetRawValue().(conformance.Result)
			if !ok {
				continue
			}
			_, known := res.Evidence[conformance.EvidenceKnownDeviation]
			known = known && !strings.HasPrefix(res.Evidence[conformance.EvidenceKnownDeviation], "stale: ")
			switch {
			case (res.Outcome == rules.Fail || res.Outcome == rules.NonStrict) && known:
				e.Known++
			case res.Outcome == rules.Fail:
				e.Fail++
			case res.Outcome == rules.Error:
				e.Error++
			}
		}
		emit(e)
	})
}
