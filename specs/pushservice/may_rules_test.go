package pushservice

import (
	"os"
	"testing"

	"github.com/pushspec/pushspec/internal/suitetest"
	"github.com/pushspec/pushspec/rules"
)

// TestMayRulesTaken proves the passing side of MAY rules whose specs also record observations
// (info) of the same rule from other specs, so that TestSuiteCatchesDeviations's pass lists,
// which need every result of a rule to pass, cannot name them: against a double that takes the
// MAY behaviour, some spec of the rule must pass and none may fail.
func TestMayRulesTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once more")
	}
	if os.Getenv("PUSHSPEC_PUSH_SERVICE") != "" || os.Getenv("PUSHSPEC_PROFILE") != "" {
		t.Skip("the configuration names a target already; this test chooses its own")
	}
	cases := []struct {
		name  string
		env   []string
		rules []string
	}{
		{
			// TTLs capped at four weeks, the cap echoed: RFC 8030 §5.2 "the push service MAY
			// retain the message for a shorter duration". Profile rfc answers an invalid token
			// 403, as RFC 8292 §4.2 allows. (rfc8030-5.2-ttl-31-bit records the capped TTL as
			// info; each rejection spec records its 403 as info.)
			name:  "fake with 120-bit tokens and TTLs capped at four weeks",
			env:   []string{doubleEnv + "=tokens-120-ttl-4w"},
			rules: []string{rules.TTLShorterRetention.ID, rules.Status403Invalid.ID},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runSuite(t, c.env)
			for _, rule := range c.rules {
				outs := got[rule]
				if !suitetest.Has(outs, rules.Pass) || suitetest.Has(outs, rules.Fail) || suitetest.Has(outs, rules.NonStrict) || suitetest.Has(outs, rules.Error) {
					t.Errorf("%s: want pass in some spec and no fail, got %v", rule, outs)
				}
			}
		})
	}
}
