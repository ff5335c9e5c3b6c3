package interop

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// The suite's top-level nodes (containers, suite set-up, top-level BeforeEach and report nodes)
// are collected here in declaration order instead of registering with ginkgo at init: the
// pushspec binary links every suite, and ginkgo allows one suite (one BeforeSuite) per process.
// Register declares them in the process that runs this suite.
var (
	nodes      []func()
	registered bool
)

// Register declares the suite's nodes with ginkgo and returns its description for RunSpecs, or
// why it cannot run (its configuration). Call it once, before RunSpecs.
func Register() (string, error) {
	description, err := suite()
	if err != nil {
		return "", err
	}
	if registered {
		return "", errors.New("the suite is registered already")
	}
	registered = true
	for _, n := range nodes {
		n()
	}
	return description, nil
}

// describe is ginkgo's Describe, declared by Register. Each helper keeps its caller's location,
// so that reports point at the spec file, not at this one.
func describe(text string, args ...any) bool {
	args = append([]any{types.NewCodeLocation(1)}, args...)
	nodes = append(nodes, func() { Describe(text, args...) })
	return true
}

// beforeSuite is ginkgo's BeforeSuite, declared by Register.
func beforeSuite(body any, args ...any) bool {
	args = append([]any{types.NewCodeLocation(1)}, args...)
	nodes = append(nodes, func() { BeforeSuite(body, args...) })
	return true
}

// afterSuite is ginkgo's AfterSuite, declared by Register.
func afterSuite(body any, args ...any) bool {
	args = append([]any{types.NewCodeLocation(1)}, args...)
	nodes = append(nodes, func() { AfterSuite(body, args...) })
	return true
}

// beforeEach is a top-level ginkgo BeforeEach (it runs before every spec), declared by Register.
func beforeEach(args ...any) bool {
	args = append([]any{types.NewCodeLocation(1)}, args...)
	nodes = append(nodes, func() { BeforeEach(args...) })
	return true
}

// node declares any other top-level node (a helper that calls ReportAfterEach, say) in Register.
func node(declare func() bool) bool {
	nodes = append(nodes, func() { declare() })
	return true
}
