package reports_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/rules"
)

// The contract between harness/conformance and this package, checked end to end: a real ginkgo
// suite of conformance specs runs in a sub-process (this test binary re-executed), which builds
// the report in-process from ReportAfterSuite, where entries carry raw Go values, and also writes
// ginkgo's JSON report, where they carry only JSON. Both must give the same results, with the
// outcomes the wrapper graded.

const innerEnv = "PUSHSPEC_REPORTS_INNER_SUITE"

func TestInnerSuite(t *testing.T) {
	if os.Getenv(innerEnv) == "" {
		t.Skip("runs in the sub-process started by TestConformanceWrapperContract")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "reports inner suite")
}

var (
	innerFake    = conformance.Target{ID: "fake:rfc", Kind: conformance.KindPushService, Name: "pushspec push service", Version: "test"}
	innerFirefox = conformance.Target{ID: "firefox", Kind: conformance.KindUserAgent, Name: "Firefox ESR", Version: "0"}
)

var _ = Describe("reports inner suite", func() {
	conformance.It("passes", innerFake, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		r.Evidence("latency_ms", "42")
		Expect(400).To(Equal(400))
	})
	conformance.It("breaks a MUST", innerFirefox, rules.PMDJSON, func(ctx SpecContext, r *conformance.Recorder) {
		r.Evidence("observed", "SyntaxError")
		Expect("SyntaxError").To(Equal(`{"a":1}`), "data.json()")
	})
	conformance.It("breaks a SHOULD", innerFake, rules.TTL31Bit, func(ctx SpecContext, r *conformance.Recorder) {
		Expect(400).To(BeNumerically("<", 300), "status for TTL: 2147483647")
	})
	conformance.It("skips", innerFirefox, rules.TTLMissing400, func(ctx SpecContext, r *conformance.Recorder) {
		conformance.SkipBecause("unsupported: no control API")
	})
	conformance.It("breaks the harness", innerFake, rules.Over4096May413, func(ctx SpecContext, r *conformance.Recorder) {
		conformance.HarnessError(errors.New("fixture did not start"))
	})
	When("a BeforeEach breaks the harness", func() {
		BeforeEach(func() { conformance.HarnessError(errors.New("no browser")) })
		conformance.It("never runs its body", innerFirefox, rules.TTL31Bit, func(ctx SpecContext, r *conformance.Recorder) {
			Fail("unreachable")
		})
	})
	It("is not a conformance spec and fails", func() {
		Fail("setup broke")
	})
})

var _ = ReportAfterSuite("reports from the live report", func(r Report) {
	res, err := reports.Build(r, reports.Meta{Tool: reports.Tool{Name: "pushspec", Version: "inner"}})
	Expect(err).NotTo(HaveOccurred())
	_, err = reports.WriteAll(os.Getenv(innerEnv), res)
	Expect(err).NotTo(HaveOccurred())
})

func TestConformanceWrapperContract(t *testing.T) {
	if os.Getenv(innerEnv) != "" {
		t.Skip("inside the inner suite")
	}
	dir := t.TempDir()
	live := filepath.Join(dir, "live")
	jsonReport := filepath.Join(dir, "ginkgo.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestInnerSuite$", "-ginkgo.json-report="+jsonReport)
	cmd.Env = append(os.Environ(), innerEnv+"="+live)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("inner suite: %v\n%s", err, out)
	}
	// The inner suite fails on purpose (a broken MUST, harness errors); its reports must exist.
	fromLive, err := reports.ReadJSONFile(filepath.Join(live, reports.JSONFile))
	if err != nil {
		t.Fatalf("no report from ReportAfterSuite: %v\n%s", err, out)
	}
	fromJSON, err := reports.FromGinkgoJSON(reports.Meta{Tool: reports.Tool{Name: "pushspec", Version: "inner"}}, jsonReport)
	if err != nil {
		t.Fatal(err)
	}

	want := map[[2]string]rules.Outcome{
		{rules.TTLMissing400.ID, "fake:rfc"}:  rules.Pass,
		{rules.PMDJSON.ID, "firefox"}:         rules.Fail,
		{rules.TTL31Bit.ID, "fake:rfc"}:       rules.NonStrict,
		{rules.TTLMissing400.ID, "firefox"}:   rules.Skip,
		{rules.Over4096May413.ID, "fake:rfc"}: rules.Error,
		{rules.TTL31Bit.ID, "firefox"}:        rules.Error,
	}
	for name, res := range map[string]*reports.Results{"ReportAfterSuite": fromLive, "ginkgo JSON": fromJSON} {
		got := map[[2]string]rules.Outcome{}
		for _, r := range res.Results {
			got[[2]string{r.Rule, r.Target}] = r.Outcome
		}
		for k, o := range want {
			if got[k] != o {
				t.Errorf("%s: %s on %s = %q, want %q", name, k[0], k[1], got[k], o)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d results, want %d: %v", name, len(got), len(want), got)
		}
		if len(res.Problems) != 1 || res.Problems[0].Message != "setup broke" {
			t.Errorf("%s: problems %+v, want the failing non-conformance spec", name, res.Problems)
		}
		var firefox reports.Target
		for _, tg := range res.Targets {
			if tg.ID == "firefox" {
				firefox = tg
			}
		}
		if firefox.Kind != "user-agent" || firefox.Name != "Firefox ESR" {
			t.Errorf("%s: firefox target %+v", name, firefox)
		}
	}
	if len(fromLive.Results) == len(fromJSON.Results) {
		for i := range fromLive.Results {
			a, b := fromLive.Results[i], fromJSON.Results[i]
			if a.Rule != b.Rule || a.Target != b.Target || a.Outcome != b.Outcome || a.Message != b.Message {
				t.Errorf("live and JSON reports differ: %+v vs %+v", a, b)
			}
		}
	}
}
