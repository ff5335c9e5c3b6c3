package conformance

import (
	"errors"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// Nodes collects a suite's top-level ginkgo nodes (containers, suite set-up, top-level
// BeforeEach and report nodes) in declaration order instead of registering them with ginkgo at
// init: the pushspec binary links every suite, and ginkgo allows one suite (one BeforeSuite) per
// process. Register declares them in the process that runs the suite.
//
// A suite package wraps each method in a package-level function of its own (describe,
// beforeSuite, …) that calls it directly: the methods record the location two frames up, the
// spec file, so that reports point there and not at the wrapper.
type Nodes struct {
	nodes      []func()
	locations  []types.CodeLocation // where each node was declared, for tests
	registered bool
}

// Register declares the collected nodes with ginkgo and returns the suite's description for
// RunSpecs, or why it cannot run (suite returns its configuration error). Call it once, before
// RunSpecs.
func (n *Nodes) Register(suite func() (string, error)) (string, error) {
	description, err := suite()
	if err != nil {
		return "", err
	}
	if n.registered {
		return "", errors.New("the suite is registered already")
	}
	n.registered = true
	for _, declare := range n.nodes {
		declare()
	}
	return description, nil
}

// at prepends the location of the spec file to args: three frames up from here are the method,
// the suite's wrapper and the spec file that called it.
func (n *Nodes) at(args []any) []any {
	loc := types.NewCodeLocation(3)
	n.locations = append(n.locations, loc)
	return append([]any{loc}, args...)
}

// Describe is ginkgo's Describe, declared by Register.
func (n *Nodes) Describe(text string, args ...any) bool {
	args = n.at(args)
	n.nodes = append(n.nodes, func() { ginkgo.Describe(text, args...) })
	return true
}

// BeforeSuite is ginkgo's BeforeSuite, declared by Register.
func (n *Nodes) BeforeSuite(body any, args ...any) bool {
	args = n.at(args)
	n.nodes = append(n.nodes, func() { ginkgo.BeforeSuite(body, args...) })
	return true
}

// AfterSuite is ginkgo's AfterSuite, declared by Register.
func (n *Nodes) AfterSuite(body any, args ...any) bool {
	args = n.at(args)
	n.nodes = append(n.nodes, func() { ginkgo.AfterSuite(body, args...) })
	return true
}

// BeforeEach is a top-level ginkgo BeforeEach (it runs before every spec), declared by Register.
func (n *Nodes) BeforeEach(args ...any) bool {
	args = n.at(args)
	n.nodes = append(n.nodes, func() { ginkgo.BeforeEach(args...) })
	return true
}

// Node declares any other top-level node (a helper that calls ReportAfterEach, say) in Register.
func (n *Nodes) Node(declare func() bool) bool {
	n.nodes = append(n.nodes, func() { declare() })
	return true
}
