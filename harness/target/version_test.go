package target

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/harness/conformance"
)

func TestIdentifyAsksRemoteServices(t *testing.T) {
	dockerflow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__version__" {
			w.Write([]byte(`{"source":"https://github.com/mozilla-services/autopush-rs","version":"1.72.1","commit":"abc"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer dockerflow.Close()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "ExamplePush/2.1")
		http.NotFound(w, r)
	}))
	defer server.Close()
	silent := httptest.NewServer(http.NotFoundHandler())
	defer silent.Close()

	ctx := context.Background()
	for _, c := range []struct {
		svc  PushService
		want string
	}{
		{NewAutopush("ws"+strings.TrimPrefix(dockerflow.URL, "http")+"/", conformance.Target{}), "1.72.1"},
		{NewControl(server.URL, nil), "ExamplePush/2.1"},
		{NewControl(silent.URL, nil), "unknown"},
	} {
		if got := Identify(ctx, c.svc); got.Version != c.want || got.ID != c.svc.Target().ID {
			t.Errorf("%s: identified as %+v, want version %q", c.svc.Target().ID, got, c.want)
		}
	}

	f, err := NewFake(FakeOptions{Profile: "apple"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := Identify(ctx, f); !strings.HasSuffix(got.Version, ", apple profile") || got.Version == ", apple profile" {
		t.Errorf("fake identified as %+v, want its profile and pushspec's version", got)
	}
}
