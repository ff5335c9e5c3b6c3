// Package bench holds pushspec's cross-cutting benchmarks: the push service under load next to
// the peer tool web-push-testing (the same load against both in one run, with the ratio), and the
// end-to-end latency from the push request to the service worker's report in real Chromium and
// Firefox. The codec's own benchmarks live in webpush, the push service's single-service
// BenchmarkPushAccept in fakepushservice; `make bench` (scripts/bench.sh) runs them all and prints
// the machine description (Machine) before and after. docs/benchmarks.md has the figures.
//
// The non-test files are the load generators (Run in this process; RunExternal in a separate
// process with its own GOMAXPROCS, which BenchmarkPushAccept uses so that the senders are not the
// bottleneck), the peer launcher (StartWebPushTesting) and Machine, usable from other packages'
// benchmarks. Benchmarks never assert speed: targets live in
// docs/benchmarks.md. They do assert correctness: every accepted message must reach its user
// agent (lost = 0 is a reported metric and a b.Fatal otherwise).
package bench
