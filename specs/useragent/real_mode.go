package useragent

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"

	"github.com/pushspec/pushspec/harness/conformance"
)

// PUSHSPEC_PUSH_SERVICE=real runs the browsers against their vendors' push services (Google's
// FCM, Mozilla's autopush) with their normal network. Only the specs labelled realOK run then:
// they need nothing but the browser, a send to its endpoint and the service worker's report.
// The others observe pushspec's own push service (acks, links, request records, injected
// faults) and skip with the reason. pushspec's tests and CI never use this mode.

// realOKLabel marks a spec that also runs against the real push services; realOK is its decorator.
const realOKLabel = "real-ok"

var realOK = Label(realOKLabel)

// realSkip is set by BeforeSuite when real mode was asked for and the services cannot be
// reached (no internet): every spec then skips with it.
var realSkip string

var _ = beforeEach(func() {
	if realSkip != "" {
		conformance.SkipBecause(realSkip)
	}
	if env != nil && env.Real() && !slices.Contains(CurrentSpecReport().Labels(), realOKLabel) {
		conformance.SkipBecause(env.RequiresOwnService())
	}
})
