// Package layers holds one test: that the packages README's layout table calls leaves, or says
// what they stand on, import only that. The push service (fakepushservice/...) and the shared user
// agent (useragent/...) must never reach the harness, the suites, the reports or the command:
// the harness builds on them, and a cycle or a heavy dependency there would be easy to add
// without noticing.
//
// The test reads each package's Go files (not its tests) with go/build, follows pushspec's own
// imports transitively and fails naming the import chain of every package outside what a rule
// allows.
//
//	go test ./internal/layers
package layers
