package useragent

import (
	"strings"
	"testing"

	"github.com/pushspec/pushspec/harness/browser"
)

// TestJudgeOptionsExposure: Chromium (both options, userVisibleOnly: false refused) and Firefox
// (applicationServerKey only) conform; a UA that exposes a key it did not keep, or
// userVisibleOnly while treating both values alike, does not or cannot be told.
func TestJudgeOptionsExposure(t *testing.T) {
	const key = "BKey"
	for _, tc := range []struct {
		name      string
		p         optionsProbe
		problem   string // substring; "" for none
		undecided int
		others    int
	}{
		{"chromium: both, false refused", optionsProbe{Exposed: []string{"userVisibleOnly", "applicationServerKey"}, Key: key, PSTrue: "granted", PSFalse: "rejects with NotSupportedError"}, "", 0, 0},
		{"firefox: key only", optionsProbe{Exposed: []string{"applicationServerKey"}, Key: key, PSTrue: "granted", PSFalse: "granted"}, "", 0, 0},
		{"nothing exposed", optionsProbe{PSTrue: "granted", PSFalse: "granted"}, "", 0, 0},
		{"key exposed but not kept", optionsProbe{Exposed: []string{"applicationServerKey"}, Key: "", PSTrue: "granted", PSFalse: "granted"}, "applicationServerKey is exposed", 0, 0},
		{"key exposed, another key", optionsProbe{Exposed: []string{"applicationServerKey"}, Key: "BOther"}, "not the key subscribe() used", 0, 0},
		{"userVisibleOnly exposed, no difference", optionsProbe{Exposed: []string{"userVisibleOnly", "applicationServerKey"}, Key: key, PSTrue: "granted", PSFalse: "granted"}, "", 1, 0},
		{"a member the dictionary lacks", optionsProbe{Exposed: []string{"applicationServerKey", "topic"}, Key: key}, "", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problem, undecided, others := judgeOptionsExposure(tc.p, key)
			if (tc.problem == "") != (problem == "") || !strings.Contains(problem, tc.problem) {
				t.Errorf("problem = %q, want one containing %q", problem, tc.problem)
			}
			if len(undecided) != tc.undecided || len(others) != tc.others {
				t.Errorf("undecided = %v, others = %v; want %d and %d", undecided, others, tc.undecided, tc.others)
			}
		})
	}
}

// TestJudgeOptionsReflect: Firefox's options (no userVisibleOnly) and Chromium's conform; wrong
// values, a missing key and a changing options object do not. ArrayBuffer identity never fails.
func TestJudgeOptionsReflect(t *testing.T) {
	const key = "BKey"
	good := optionsReflection{HasOption: true, HasUVO: true, UVO: true, Key: key, KeyIsAB: true, SameOpts: true, SameKey: true}
	with := func(f func(*optionsReflection)) optionsReflection { v := good; f(&v); return v }
	for _, tc := range []struct {
		name    string
		v       optionsReflection
		problem string
	}{
		{"chromium", good, ""},
		{"firefox: userVisibleOnly not exposed", with(func(v *optionsReflection) { v.HasUVO, v.UVO = false, false }), ""},
		{"a new key buffer on every read", with(func(v *optionsReflection) { v.SameKey = false }), ""},
		{"no options", with(func(v *optionsReflection) { v.HasOption = false }), "missing"},
		{"options not [SameObject]", with(func(v *optionsReflection) { v.SameOpts = false }), "[SameObject]"},
		{"userVisibleOnly false", with(func(v *optionsReflection) { v.UVO = false }), "userVisibleOnly is false"},
		{"another key", with(func(v *optionsReflection) { v.Key = "BOther" }), "not the key"},
		{"key not an ArrayBuffer", with(func(v *optionsReflection) { v.KeyIsAB = false }), "not an ArrayBuffer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problem, notes := judgeOptionsReflect(tc.v, key)
			if (tc.problem == "") != (problem == "") || !strings.Contains(problem, tc.problem) {
				t.Errorf("problem = %q, want one containing %q", problem, tc.problem)
			}
			if problem == "" && len(notes) == 0 {
				t.Errorf("no note on the key's identity")
			}
		})
	}
}

// TestJudgeEncodingsFrozen: Firefox's new frozen array on every read passes with a note; an array
// that is not frozen, or no array, fails.
func TestJudgeEncodingsFrozen(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v       encodingsProbe
		problem string
		note    string
	}{
		{"chromium: same frozen array", encodingsProbe{IsArray: true, Frozen: true, Same: true}, "", "same array"},
		{"firefox: new frozen array each read", encodingsProbe{IsArray: true, Frozen: true}, "", "new frozen array"},
		{"not frozen", encodingsProbe{IsArray: true, Same: true}, "not frozen", ""},
		{"not an array", encodingsProbe{Frozen: true, Same: true}, "not an array", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problem, note := judgeEncodingsFrozen(tc.v)
			if (tc.problem == "") != (problem == "") || !strings.Contains(problem, tc.problem) || !strings.Contains(note, tc.note) {
				t.Errorf("judgeEncodingsFrozen = %q, %q; want %q, %q", problem, note, tc.problem, tc.note)
			}
		})
	}
}

// TestJudgeTimestampDefault: a creation time rounded up to 1 ms past the last Date.now() passes;
// 2 ms past, or before the call, fails.
func TestJudgeTimestampDefault(t *testing.T) {
	for _, tc := range []struct {
		before, after, ts float64
		ok                bool
	}{
		{1000, 1005, 1000, true},
		{1000, 1005, 1005, true},
		{1000, 1005, 1006, true}, // rounded to the nearest ms, Date.now() rounds down
		{1000, 1000, 1001, true},
		{1000, 1005, 1007, false},
		{1000, 1005, 999, false},
		{1000, 1005, 0, false},
	} {
		if got := judgeTimestampDefault(tc.before, tc.after, tc.ts); (got == "") != tc.ok {
			t.Errorf("judgeTimestampDefault(%v, %v, %v) = %q, want ok %v", tc.before, tc.after, tc.ts, got, tc.ok)
		}
	}
}

// TestJudgeDWPSupport: a probe shown without a push event means support, one dispatched to push
// means none; a lost probe decides nothing.
func TestJudgeDWPSupport(t *testing.T) {
	if ok, why := judgeDWPSupport(dwpProbe{Shown: true}); !ok {
		t.Errorf("shown without push: unsupported (%s)", why)
	}
	if ok, why := judgeDWPSupport(dwpProbe{Dispatched: true}); ok || !strings.Contains(why, "dispatched") {
		t.Errorf("dispatched to push: %v, %q", ok, why)
	}
	// A browser whose push handler shows the probe's title dispatched it: not support.
	if ok, _ := judgeDWPSupport(dwpProbe{Dispatched: true, Shown: true}); ok {
		t.Errorf("dispatched and shown by the handler: supported")
	}
	if ok, why := judgeDWPSupport(dwpProbe{}); ok || !strings.Contains(why, "cannot be told") {
		t.Errorf("lost probe: %v, %q", ok, why)
	}
}

// TestVerdictMissing: a verdict is relied on only once seen. The zero verdict (nothing read), a
// missing ack and a missing DevTools record are errors; an ack or a record is not, whatever it
// says.
func TestVerdictMissing(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    verdict
		want string // substring of the error; "" for none
	}{
		{"nothing read", verdict{}, "never read"},
		{"no DevTools record", verdict{Missing: `DevTools recorded no "Push message received"`}, "DevTools recorded no"},
		{"no ack", verdict{Missing: "firefox sent no ack"}, "no ack"},
		{"a record: not delivered", verdict{Observed: true, DevTools: &browser.Event{}}, ""},
		{"an ack: 101", verdict{Observed: true, HasAck: true, Ack: 101}, ""},
		{"a record: delivered", verdict{Observed: true, Delivered: true}, ""},
	} {
		err := verdictMissing(tc.v)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: verdictMissing = %v, want %q", tc.name, err, tc.want)
		}
	}
}
