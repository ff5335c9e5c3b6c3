package useragent

// Decisions of the user agent specs that need no browser, kept apart so that they are tested both
// ways in judge_unit_test.go (a conforming browser's observations pass, a violating one's fail).

import (
	"fmt"
)

// optionsProbe is what the page reads of PushSubscriptionOptions: the attribute names on its
// prototype, the key it returns, and permissionState() for userVisibleOnly true and false
// ("rejects with <name>" when it rejects).
type optionsProbe struct {
	Exposed []string `json:"exposed"`
	Key     string   `json:"key"`
	PSTrue  string   `json:"psTrue"`
	PSFalse string   `json:"psFalse"`
}

// judgeOptionsExposure applies the Push API's "These options are optional, and user agents MAY
// choose to support only a subset of them. A user agent MUST NOT expose options that it does not
// support." to p, for a subscription made with the key wantKey (base64url). problem is a
// violation seen; undecided lists exposed options whose support cannot be told from outside (the
// caller skips with them); others lists attributes that are no member of
// PushSubscriptionOptionsInit (evidence).
func judgeOptionsExposure(p optionsProbe, wantKey string) (problem string, undecided, others []string) {
	for _, name := range p.Exposed {
		switch name {
		case "applicationServerKey":
			// subscribe() was given the key and the push service checks tokens against it: a UA
			// that exposes the option returns that key.
			if p.Key != wantKey {
				return fmt.Sprintf("applicationServerKey is exposed but returns %q, not the key subscribe() used", p.Key), nil, nil
			}
		case "userVisibleOnly":
			// A UA that supports the option acts on it; one that answers both values alike may
			// still enforce it on incoming messages, which cannot be seen from the page.
			if p.PSTrue == p.PSFalse {
				undecided = append(undecided, fmt.Sprintf("userVisibleOnly is exposed and permissionState() answers %s whatever its value", p.PSTrue))
			}
		default:
			others = append(others, name)
		}
	}
	return "", undecided, others
}

// optionsReflection is what the page reads of subscription.options.
type optionsReflection struct {
	HasOption bool   `json:"hasOptions"`
	HasUVO    bool   `json:"hasUVO"`
	UVO       bool   `json:"uvo"`
	Key       string `json:"key"`
	KeyIsAB   bool   `json:"keyIsAB"`
	SameOpts  bool   `json:"sameOptions"`
	SameKey   bool   `json:"sameKey"`
}

// judgeOptionsReflect checks subscription.options of a subscription made with userVisibleOnly
// true and the key wantKey: each attribute the UA exposes "when getting, returns the value it was
// initialized with"; PushSubscription.options is [SameObject] (an interface type). userVisibleOnly
// may be absent ("A user agent MUST NOT expose options that it does not support"). The identity of
// applicationServerKey across reads is only noted: Web IDL allows [SameObject] on nothing but an
// interface type or object, and ArrayBuffer is neither.
func judgeOptionsReflect(v optionsReflection, wantKey string) (problem string, notes []string) {
	switch {
	case !v.HasOption:
		return "subscription.options is missing", nil
	case !v.SameOpts:
		return "subscription.options is a different object on each read; PushSubscription.options is [SameObject]", nil
	case v.HasUVO && !v.UVO:
		return "options.userVisibleOnly is false; subscribe() was given true", nil
	case v.Key != wantKey:
		return fmt.Sprintf("options.applicationServerKey is %q, not the key subscribe() was given", v.Key), nil
	case !v.KeyIsAB:
		return "options.applicationServerKey is not an ArrayBuffer", nil
	}
	if !v.HasUVO {
		notes = append(notes, "userVisibleOnly is not exposed, as a user agent that does not support the option must do")
	}
	if v.SameKey {
		notes = append(notes, "options.applicationServerKey is the same ArrayBuffer on every read")
	} else {
		notes = append(notes, "options.applicationServerKey is a new ArrayBuffer on every read (Web IDL does not allow [SameObject] on an ArrayBuffer attribute)")
	}
	return "", notes
}

// encodingsProbe is what the page reads of PushManager.supportedContentEncodings.
type encodingsProbe struct {
	IsArray bool `json:"isArray"`
	Frozen  bool `json:"frozen"`
	Same    bool `json:"same"`
}

// judgeEncodingsFrozen: the IDL type FrozenArray<DOMString> is the requirement. The IDL's
// [SameObject] is not: Web IDL says "The [SameObject] extended attribute must not be used on
// anything other than a read only attribute whose type is an interface type or object", and a
// FrozenArray is neither, so identity across reads is a note.
func judgeEncodingsFrozen(v encodingsProbe) (problem, note string) {
	switch {
	case !v.IsArray:
		return "PushManager.supportedContentEncodings is not an array; its IDL type is FrozenArray<DOMString>", ""
	case !v.Frozen:
		return "PushManager.supportedContentEncodings is not frozen; its IDL type is FrozenArray<DOMString>", ""
	case v.Same:
		return "", "PushManager.supportedContentEncodings is the same array on every read"
	}
	return "", "PushManager.supportedContentEncodings is a new frozen array on every read (Web IDL does not allow [SameObject] on a FrozenArray attribute)"
}

// judgeTimestampDefault checks a notification's default timestamp ts against Date.now() read just
// before showNotification() was called and just after it resolved. Notifications, create a
// notification with a settings object: "Let fallbackTimestamp be the number of milliseconds from
// the Unix epoch to settings's current wall time, rounded to the nearest integer." Date.now()
// rounds down, so the rounded creation time can be 1 ms past the last Date.now() reading.
func judgeTimestampDefault(before, after, ts float64) string {
	switch {
	case ts < before:
		return fmt.Sprintf("timestamp %.0f is %.0f ms before showNotification() was called (Date.now() %.0f); it must be the creation time", ts, before-ts, before)
	case ts > after+1:
		return fmt.Sprintf("timestamp %.0f is %.0f ms after showNotification() resolved (Date.now() %.0f); the creation time rounded to the nearest ms is at most 1 ms later", ts, ts-after, after)
	}
	return ""
}

// dwpProbe is what a declarative probe message did: whether a push event fired for it, and
// whether a notification with its title was shown (by the UA, since the push event did not).
type dwpProbe struct {
	Dispatched bool // a push event fired for the probe
	Shown      bool // a notification titled as the probe is listed, without a push event
}

// judgeDWPSupport decides from the probe's outcome whether the browser implements Declarative
// Web Push: a browser that does shows a declarative message without firing push; one that does
// not dispatches it to the push event. Anything else decides nothing (supported false, with the
// reason for the skip).
func judgeDWPSupport(p dwpProbe) (supported bool, reason string) {
	switch {
	case p.Dispatched:
		return false, "a declarative message (web_push 8030, a title and navigate) was dispatched to the push event"
	case p.Shown:
		return true, "a declarative message was shown without a push event"
	}
	return false, "the declarative probe fired no push event and showed no notification: support cannot be told"
}
