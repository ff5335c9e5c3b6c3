package interop

import "github.com/pushspec/pushspec/harness/conformance"

// nodes holds the suite's top-level nodes until Register declares them (conformance.Nodes: the
// pushspec binary links every suite, and ginkgo allows one suite per process).
var nodes conformance.Nodes

// Register declares the suite's nodes with ginkgo and returns its description for RunSpecs, or
// why it cannot run (its configuration). Call it once, before RunSpecs.
func Register() (string, error) { return nodes.Register(suite) }

// The suite's spellings of ginkgo's top-level nodes; each calls its method directly, so that
// reports point at the spec file that declared the node.
func describe(text string, args ...any) bool { return nodes.Describe(text, args...) }
func beforeSuite(body any, args ...any) bool { return nodes.BeforeSuite(body, args...) }
func afterSuite(body any, args ...any) bool  { return nodes.AfterSuite(body, args...) }
