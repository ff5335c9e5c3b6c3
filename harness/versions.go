package harness

import (
	"fmt"

	"github.com/pushspec/pushspec/harness/browser"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/internal/buildinfo"
)

// browserNames are the products the report names browsers by.
var browserNames = map[browser.Kind]string{browser.Chromium: "Chromium", browser.Firefox: "Firefox"}

// BrowserTarget is browser b as a report target: ID its kind ("chromium"), name its product
// ("Chromium"), version as the browser itself reports it (CDP Browser.getVersion for Chromium,
// the driver's Browser.Version for Firefox).
func BrowserTarget(b browser.Browser) conformance.Target {
	k := b.Kind()
	name := browserNames[k]
	if name == "" {
		name = string(k)
	}
	v := b.Version()
	if v == "" {
		v = buildinfo.Unknown
	}
	return conformance.Target{ID: string(k), Kind: conformance.KindUserAgent, Name: name, Version: v}
}

// BrowserLabel names browser b with its version: "Chromium 156.0.8078.129".
func BrowserLabel(b browser.Browser) string {
	t := BrowserTarget(b)
	return t.Name + " " + t.Version
}

// identifyBrowser records b's product and version for the specs of its target that end from now
// on (conformance.Identify): the Env calls it whenever a browser has started, restarts included.
func identifyBrowser(b browser.Browser) {
	conformance.Identify(BrowserTarget(b))
}

// InteropTarget is the interop cell of browser k receiving from sender s (a sender kind:
// "webpush-go", "web-push", "raw") through the Env's push service in profile: ID
// "<k>/<s>/<profile>", its version "<browser version> ← <s> <sender version>" once the browser
// has started in this process.
func InteropTarget(k browser.Kind, s, profile string) conformance.Target {
	t := conformance.Target{ID: string(k) + "/" + s + "/" + profile, Kind: conformance.KindUserAgent,
		Name: fmt.Sprintf("%s ← %s via the %s profile", k, s, profile)}
	sv := sender.Version(s, "")
	conformance.IdentifyFunc(t.ID, func() conformance.Target {
		b := conformance.Identified(conformance.Target{ID: string(k)})
		if b.Version == "" {
			return conformance.Target{} // not started: the version stays unknown
		}
		return conformance.Target{Version: b.Version + " ← " + s + " " + sv}
	})
	return t
}

// VirtualUAInteropVersion is the version of an interop cell of pushspec's virtual user agent
// receiving from sender s: "<pushspec version> ← <s> <sender version>".
func VirtualUAInteropVersion(s string) string {
	return buildinfo.Pushspec() + " ← " + s + " " + sender.Version(s, "")
}
