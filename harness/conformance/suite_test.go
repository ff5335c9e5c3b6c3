package conformance_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
)

// This file is the inner suite: a small ginkgo suite of conformance specs, one per way a spec
// can end. It runs only in the sub-process that TestWrapper starts (the test binary re-executed
// with innerSuiteEnv set), which writes ginkgo's JSON report for TestWrapper to inspect.

const innerSuiteEnv = "PUSHSPEC_CONFORMANCE_INNER_SUITE"

func TestInnerSuite(t *testing.T) {
	if os.Getenv(innerSuiteEnv) != "1" {
		t.Skip("the inner suite runs in the sub-process started by TestWrapper")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "conformance wrapper inner suite")
}

var (
	fake     = conformance.Target{ID: "fake:rfc", Kind: conformance.KindPushService, Name: "pushspec fakepushservice", Version: "test"}
	chromium = conformance.Target{ID: "chromium", Kind: conformance.KindUserAgent, Name: "Chromium", Version: "0"}
)

// deviant has a reviewed deviation from TTLMissing400 (registered before the tree is built).
var deviant = func() conformance.Target {
	conformance.AddKnownDeviation(conformance.Deviation{Target: "deviant", Rule: rules.TTLMissing400.ID, Reason: "answers 201 to a request without TTL"})
	return conformance.Target{ID: "deviant", Kind: conformance.KindPushService, Name: "a service with a reviewed deviation", Version: "1"}
}()

// narrowed has a reviewed deviation from TTLMissing400 in the specs "on a retry" only.
var narrowed = func() conformance.Target {
	conformance.AddKnownSpecDeviation(conformance.SpecDeviation{
		Deviation: conformance.Deviation{Target: "narrowed", Rule: rules.TTLMissing400.ID, Reason: "answers 201 to a retried request without TTL"},
		Spec:      "on a retry"})
	return conformance.Target{ID: "narrowed", Kind: conformance.KindPushService, Name: "a service with a reviewed deviation in one spec", Version: "1"}
}()

// lostUA is a target whose browser "went away" in every spec: a health check says so, as
// harness.Env.HealthCheck does for a browser killed mid-run.
var lostUA = conformance.Target{ID: "lostua", Kind: conformance.KindUserAgent, Name: "a browser that died", Version: "1"}

var _ = conformance.RegisterHealthCheck(func(t conformance.Target, start time.Time) error {
	if t.ID != lostUA.ID {
		return nil
	}
	return errors.New("the lostua browser (pid 4242) went away at 12:00:00.000: its process ended: signal: killed")
})

var _ = conformance.ReportNotRunAfterHarnessError()

// late is declared without a name or version, as a browser is before it launched; BeforeSuite
// identifies it, as the Env does once the browser reported its version.
var late = conformance.Target{ID: "late", Kind: conformance.KindUserAgent, Name: "late"}

var _ = BeforeSuite(func() {
	conformance.Identify(conformance.Target{ID: "late", Name: "Late Browser", Version: "42.0.1"})
})

var _ = Describe("wrapper", func() {
	// A wait on a dead browser fails its assertion: no failure of the target, an error.
	conformance.It("loses its browser while waiting", lostUA, rules.PushEventFired, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(errors.New("context canceled")).NotTo(HaveOccurred(), "no service-worker report within 15s")
	})

	// A check that passes while its browser died proves nothing either.
	conformance.It("passes while its browser dies", lostUA, rules.PushEventFired, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(true).To(BeTrue())
	})

	conformance.It("breaks a MUST on a retry, where its deviation is known", narrowed, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(201).To(Equal(400), "status for a retried request without TTL")
	})

	conformance.It("passes another check of the rule its deviation is known for", narrowed, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(400).To(Equal(400))
	})

	conformance.It("breaks the rule in a check its deviation does not name", narrowed, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(201).To(Equal(400), "status for a request without TTL")
	})

	conformance.It("breaks a MUST it is known to break", deviant, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(201).To(Equal(400), "status for a request without TTL")
	})

	conformance.It("passes a check listed as a known deviation", deviant, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(400).To(Equal(400))
	})

	conformance.It("passes", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		r.Evidence("status", "400 Bad Request")
		r.Observe(rules.TTLShorterRetention, "echoed TTL: 60")
		Expect(400).To(Equal(400))
	}, Label("needs:nothing"))

	// Same text, other target: allowed, names are unique per target.
	conformance.It("passes", chromium, rules.PMDJSON, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(`{"a":1}`).To(MatchJSON(`{"a": 1}`))
	})

	conformance.It("passes", late, rules.PMDJSON, func(ctx SpecContext, r *conformance.Recorder) {})

	conformance.It("finds the catalogue frozen", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(rules.Frozen()).To(BeTrue(), "conformance.It freezes the rule catalogue")
	})

	conformance.It("breaks a MUST", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		r.Evidence("status", "201 Created")
		r.Observe(rules.Accepted201Location, "201 with Location")
		Expect(201).To(Equal(400), "status for a request without TTL")
	})

	conformance.It("breaks a SHOULD", fake, rules.TTL31Bit, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(400).To(BeNumerically("<", 300), "status for TTL: 2147483647")
		r.Evidence("not reached", "the body stops at the first failure")
	})

	conformance.It("breaks a MAY", fake, rules.Over4096May413, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(400).To(Equal(413), "status for a 5000-byte body")
	})

	conformance.It("breaks a SHOULD and, with it, a MUST", fake, rules.TTL31Bit, func(ctx SpecContext, r *conformance.Recorder) {
		r.Also(rules.TTLOverflowAs2Pow31)
		Expect(400).To(BeNumerically("<", 300), "status for TTL: 99999999999999999999")
	})

	conformance.It("skips", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		conformance.SkipBecause("unsupported: the target has no control API")
	})

	conformance.It("cannot decide", fake, rules.TTL31Bit, func(ctx SpecContext, r *conformance.Recorder) {
		conformance.InfoBecause("1500 messages accepted: no limit seen below that")
	})

	// A SHOULD rule, so that the body runs under InterceptGomegaFailure: a harness error must
	// not be swallowed there.
	conformance.It("breaks the harness", fake, rules.TTL31Bit, func(ctx SpecContext, r *conformance.Recorder) {
		conformance.HarnessError(errors.New("fixture did not start"))
	})

	conformance.It("panics", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		var m map[string]int
		m["boom"] = 1
	})

	conformance.It("keeps evidence small", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		r.Evidence("big", strings.Repeat("a", conformance.MaxEvidence+100))
	})

	conformance.It("breaks in its own cleanup", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		DeferCleanup(func() { Fail("teardown broke") })
	})

	When("a BeforeEach skips", func() {
		BeforeEach(func() { conformance.SkipBecause("needs network") })
		conformance.It("never runs its body", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
			Fail("unreachable")
		})
	})

	When("an ordered container's BeforeAll loses its browser", Ordered, func() {
		BeforeAll(func() { conformance.HarnessError(errors.New("the lostua browser (pid 4242) went away")) })
		conformance.It("has its first check fail in the set-up", chromium, rules.PMDJSON, func(ctx SpecContext, r *conformance.Recorder) {})
		conformance.It("never makes its second check", chromium, rules.PMDTextUTF8, func(ctx SpecContext, r *conformance.Recorder) {})
	})

	When("an ordered container's first check fails the target", Ordered, func() {
		conformance.It("fails a MUST", chromium, rules.PMDJSON, func(ctx SpecContext, r *conformance.Recorder) {
			Expect(1).To(Equal(2), "a target's failure")
		})
		conformance.It("skips the next check", chromium, rules.PMDTextUTF8, func(ctx SpecContext, r *conformance.Recorder) {})
	})

	When("a BeforeEach breaks the harness", func() {
		BeforeEach(func() { conformance.HarnessError(errors.New("no browser")) })
		conformance.It("never runs its body", fake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
			Fail("unreachable")
		})
	})
})
