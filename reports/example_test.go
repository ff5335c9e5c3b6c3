package reports_test

import (
	"fmt"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/rules"
)

// A ginkgo report with one spec that recorded a verdict and one that broke without any: the
// second becomes an error for the rule in its labels.
func ExampleBuild() {
	rep := types.Report{StartTime: time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), RunTime: 3 * time.Second}
	rep.SpecReports = types.SpecReports{
		{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "rejects a push request without TTL", State: types.SpecStatePassed,
			ReportEntries: types.ReportEntries{
				{Name: reports.TargetEntry, Value: types.WrapEntryValue(map[string]string{"id": "fake:rfc", "kind": "push-service", "name": "pushspec push service"})},
				{Name: reports.ResultEntry, Value: types.WrapEntryValue(map[string]any{
					"rule": rules.TTLMissing400.ID, "target": "fake:rfc", "outcome": "pass", "message": "400 Bad Request", "duration_ms": 4})},
			},
		},
		{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "rejects two Urgency values", State: types.SpecStatePanicked,
			LeafNodeLabels: []string{rules.UrgencyMultiple400.ID, "target:fake:rfc"},
			Failure:        types.Failure{Message: "Test Panicked", ForwardedPanic: "nil map"},
		},
	}
	res, err := reports.Build(rep, reports.Meta{Tool: reports.Tool{Name: "pushspec", Version: "example"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Results {
		fmt.Println(r.Rule, r.Target, r.Outcome)
	}
	fmt.Println("green:", res.Green(false))
	// Output:
	// rfc8030-5.2-ttl-missing-400 fake:rfc pass
	// rfc8030-5.3-urgency-multiple-400 fake:rfc error
	// green: false
}
