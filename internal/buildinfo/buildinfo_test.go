package buildinfo

import (
	"regexp"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, c := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"tagged", debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "v0.3.0"},
		{"revision", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}}, "0123456789ab"},
		{"dirty", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, "0123456789ab+dirty"},
		{"nothing", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, ""},
	} {
		if got := fromBuildInfo(&c.bi); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// A test binary is built without VCS stamping; the version then comes from the checkout.
func TestPushspecInCheckout(t *testing.T) {
	v := Pushspec()
	if !regexp.MustCompile(`^([0-9a-f]{12}(\+dirty)?|v\d.*|devel)$`).MatchString(v) {
		t.Errorf("Pushspec() = %q", v)
	}
	t.Logf("pushspec %s", v)
}

func TestModule(t *testing.T) {
	bi := &debug.BuildInfo{Deps: []*debug.Module{
		{Path: "example.com/a", Version: "v1.2.3"},
		{Path: "example.com/b", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1"}},
		{Path: "example.com/c", Version: "v1.0.0", Replace: &debug.Module{Path: "../c"}},
	}}
	for path, want := range map[string]string{"example.com/a": "v1.2.3", "example.com/b": "v1.0.1",
		"example.com/c": "(replaced by ../c)", "example.com/none": ""} {
		if got := moduleIn(bi, path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	// This test binary links only the standard library: a dependency of the module that it
	// does not link has no version here.
	if got := Module("github.com/SherClockHolmes/webpush-go"); got != "" {
		t.Errorf("webpush-go is not linked into this test, got %q", got)
	}
}
