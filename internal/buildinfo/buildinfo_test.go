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
	// A test binary has no dependency list: the checkout's go.mod answers.
	if got := Module("github.com/SherClockHolmes/webpush-go"); !regexp.MustCompile(`^v\d+\.\d+\.\d+`).MatchString(got) {
		t.Errorf("webpush-go from go.mod: %q", got)
	}
	if got := Module("example.com/not-required"); got != "" {
		t.Errorf("a module go.mod does not require: %q", got)
	}
}

func TestRequiredIn(t *testing.T) {
	gomod := []byte("module x\n\ngo 1.26\n\nrequire example.com/one v0.1.0\n\nrequire (\n\texample.com/a v1.2.3\n\texample.com/b v0.0.0-2020 // indirect\n)\n\nreplace example.com/c => ../c\n")
	for path, want := range map[string]string{"example.com/one": "v0.1.0", "example.com/a": "v1.2.3",
		"example.com/b": "v0.0.0-2020", "example.com/c": "", "x": ""} {
		if got := requiredIn(gomod, path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}
