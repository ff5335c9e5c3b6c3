package reports

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites the golden files instead of comparing: go test ./reports -update
var update = flag.Bool("update", false, "rewrite reports/testdata/*.golden.* from the fixture")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		out := filepath.Join(t.TempDir(), name)
		_ = os.WriteFile(out, got, 0o644)
		t.Errorf("%s differs from the golden file; got written to %s\ndiff %s %s\n(run go test ./reports -update if the change is intended)", name, out, path, out)
	}
}

func fixtureResults(t *testing.T) *Results {
	t.Helper()
	res, err := Build(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return res
}

func render(t *testing.T, write func(io.Writer, *Results) error, res *Results) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGoldenResultsJSON(t *testing.T) {
	golden(t, "results.golden.json", render(t, WriteJSON, fixtureResults(t)))
}

func TestGoldenJUnit(t *testing.T) {
	golden(t, "junit.golden.xml", render(t, WriteJUnit, fixtureResults(t)))
}

func TestGoldenHTML(t *testing.T) {
	golden(t, "index.golden.html", render(t, WriteHTML, fixtureResults(t)))
}

// The same input gives the same bytes: nothing depends on map order or spec order.
func TestOutputIsStable(t *testing.T) {
	rep := fixtureReport()
	a := fixtureResults(t)
	// Reverse the specs: ginkgo randomises the order, the report must not care.
	for i, j := 0, len(rep.SpecReports)-1; i < j; i, j = i+1, j-1 {
		rep.SpecReports[i], rep.SpecReports[j] = rep.SpecReports[j], rep.SpecReports[i]
	}
	b, err := Build(rep, fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name  string
		write func(io.Writer, *Results) error
	}{{"json", WriteJSON}, {"junit", WriteJUnit}, {"html", WriteHTML}} {
		if !bytes.Equal(render(t, w.write, a), render(t, w.write, b)) {
			t.Errorf("%s output depends on spec order", w.name)
		}
	}
}
