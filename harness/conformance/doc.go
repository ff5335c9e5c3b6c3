// Package conformance is the one wrapper every pushspec spec is declared with, in the spirit of
// Kubernetes' framework.ConformanceIt and h2spec's Requirement: a ginkgo v2 It that names the
// rule it checks and the target it checks it against, labels itself from the rule, grades the
// outcome by the rule's level and attaches a machine-readable result to the ginkgo report.
//
//	var _ = Describe("RFC 8030 §5.2 Push Message Time-To-Live", func() {
//		conformance.It("rejects a push request without TTL", fake, rules.TTLMissing400,
//			func(ctx SpecContext, r *conformance.Recorder) {
//				resp := send(ctx, withoutTTL)
//				r.Evidence("status", resp.Status)
//				Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
//			})
//	})
//
// Grading (see It): a gomega failure in the body breaks the rule — MUST → fail, SHOULD →
// non-strict, MAY → info; only fail (and non-strict in strict mode) fails the ginkgo spec.
// SkipBecause → skip with its reason; HarnessError → error, and the spec fails, because a broken
// harness must be visible but says nothing about the target. Each decided rule becomes one report
// entry named "pushspec.result" holding a Result; each spec also carries one "pushspec.target".
// Results recovers them (or synthesises them for specs that failed before their body ran) from a
// types.SpecReport, which is what the reports package reads.
//
// What it is not: it starts nothing (no push service, browser or sender); specs get those from
// the harness environment. It imports only rules of pushspec's.
package conformance
