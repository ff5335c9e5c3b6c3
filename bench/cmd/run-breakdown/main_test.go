package main

import (
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

func TestBreakdown(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	spec := func(typ types.NodeType, text string, from, to float64, labels ...string) types.SpecReport {
		return types.SpecReport{LeafNodeType: typ, LeafNodeText: text, LeafNodeLabels: labels,
			StartTime: at(from), EndTime: at(to), RunTime: at(to).Sub(at(from)), State: types.SpecStatePassed}
	}
	before := spec(types.NodeTypeBeforeSuite, "", 10, 40)
	before.ReportEntries = types.ReportEntries{{Name: "startup firefox", Value: types.WrapEntryValue("firefox 153: launched in 30s")}}
	suites := []types.Report{{
		SuiteDescription: "user agent suite", SuiteSucceeded: true, StartTime: at(10), EndTime: at(100), RunTime: 90 * time.Second,
		SpecReports: types.SpecReports{
			before,
			spec(types.NodeTypeIt, "shows a notification", 40, 90, "needs:browser", "firefox"),
			spec(types.NodeTypeIt, "parses", 40, 41),
			spec(types.NodeTypeCleanupAfterSuite, "", 90, 100),
		},
	}}
	out := breakdown(suites, t0, at(105), 1)
	for _, want := range []string{
		"pushspec run (wall)", "105.0 s",
		"before user agent suite", "10.0 s", // the compile gap
		"set-up (BeforeSuite, slowest process)", "30.0 s", "firefox 153: launched in 30s",
		"on firefox", "50.0 s", "browserless", "1.00 s",
		"tear-down", "after the last suite", "5.00 s",
		"slowest specs", "shows a notification",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("breakdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "| parses") {
		t.Errorf("-top 1 listed more than one spec:\n%s", out)
	}
}
