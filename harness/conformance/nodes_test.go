package conformance

import (
	"path/filepath"
	"runtime"
	"testing"
)

var testNodes Nodes

// describeHere is how a suite package wraps Nodes.Describe (specs/*/register.go).
func describeHere(text string, args ...any) bool { return testNodes.Describe(text, args...) }

func beforeSuiteHere(body any) bool { return testNodes.BeforeSuite(body) }

// The nodes a suite collects report the line of the spec file that declared them, not the
// suite's wrapper or this package: reports and the proof table point readers there.
func TestNodesRecordTheDeclaringLine(t *testing.T) {
	_, _, line, _ := runtime.Caller(0)
	describeHere("a container", func() {})
	beforeSuiteHere(func() {})
	if len(testNodes.locations) != 2 {
		t.Fatalf("%d locations recorded, want 2", len(testNodes.locations))
	}
	for _, loc := range testNodes.locations {
		if filepath.Base(loc.FileName) != "nodes_test.go" || loc.LineNumber != line+1 && loc.LineNumber != line+2 {
			t.Errorf("node declared at %s:%d, want nodes_test.go:%d or :%d", filepath.Base(loc.FileName), loc.LineNumber, line+1, line+2)
		}
	}
}
