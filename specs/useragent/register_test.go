package useragent

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// TestUserAgentSuite runs the suite under go test (make test); pushspec run runs it in its own process
// through the same Register.
func TestUserAgentSuite(t *testing.T) {
	description, err := Register()
	if err != nil {
		t.Fatal(err)
	}
	gomega.RegisterFailHandler(Fail)
	RunSpecs(t, description)
}
