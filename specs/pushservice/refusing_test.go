package pushservice

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pushspec/pushspec/internal/suitetest"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// rejectionRules are the rules a push service passes by refusing a faulty request. A refusal
// proves that the service found the fault only when the same request made valid is accepted.
var rejectionRules = []rules.Rule{
	rules.RejectAbsent, rules.RejectMissingTOrK, rules.RejectBadSignature, rules.RejectExpired,
	rules.RejectExpOver24h, rules.RejectWrongAud, rules.RejectKeyMismatch, rules.Status401Absent,
	rules.Status403Invalid, rules.ServiceMay403, rules.SameKeys400, rules.InvalidTokenNotUsed,
	rules.TTLMissing400, rules.UrgencyMultiple400, rules.TopicInvalid400, rules.InvalidReceiptSubscription400,
	rules.MissingReceiptSubscription429, rules.ExpiredSubscription404, rules.UnknownPushResource,
	rules.Over4096May413, rules.RateLimit, rules.RetryAfterOn429, rules.Unauthorized401Challenge,
}

// refusingService is a broken push service double behind web-push-testing's control API: it
// subscribes (minting keys like a user agent would) and answers every push with status.
func refusingService(t *testing.T, status int) string {
	t.Helper()
	var srv *httptest.Server
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /subscribe", func(w http.ResponseWriter, r *http.Request) {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		auth := make([]byte, 16)
		rand.Read(auth)
		hash := make([]byte, 16)
		rand.Read(hash)
		id := hex.EncodeToString(hash)
		reply(w, map[string]any{"data": map[string]any{"endpoint": srv.URL + "/push/" + id, "clientHash": id,
			"keys": map[string]string{"p256dh": webpush.Base64URL(k.PublicKey().Bytes()), "auth": webpush.Base64URL(auth)}}})
	})
	mux.HandleFunc("POST /get-notifications", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"data": map[string]any{"messages": []string{}}})
	})
	mux.HandleFunc("POST /expire-subscription/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{})
	})
	mux.HandleFunc("/push/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "vapid")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%q}`, http.StatusText(status))
	})
	srv = httptest.NewUnstartedServer(mux) // assigned before it serves: the handlers read srv.URL
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRefusingServicesPassNoRejectionRule runs the suite against push services that refuse every
// push, with 400, with 401 (and a challenge) and with 403: they must pass no rejection rule (each
// is skipped, "the service refuses valid requests too"), and the refusal of valid pushes must
// fail rfc8030-5-accepted-201-location.
func TestRefusingServicesPassNoRejectionRule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite twice more")
	}
	if os.Getenv("PUSHSPEC_PUSH_SERVICE") != "" || os.Getenv("PUSHSPEC_PROFILE") != "" {
		t.Skip("the configuration names a target already; this test chooses its own")
	}
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			got := runSuite(t, []string{"PUSHSPEC_PUSH_SERVICE=control=" + refusingService(t, status)})
			for _, rule := range rejectionRules {
				if suitetest.Has(got[rule.ID], rules.Pass) {
					t.Errorf("%s passed against a service that refuses every push with %d: %v", rule.ID, status, got[rule.ID])
				}
			}
			if !suitetest.Has(got[rules.Accepted201Location.ID], rules.Fail) {
				t.Errorf("%s: want fail for a service that refuses every push, got %v", rules.Accepted201Location.ID, got[rules.Accepted201Location.ID])
			}
			var passed []string
			for id, outs := range got {
				if suitetest.Has(outs, rules.Pass) {
					passed = append(passed, id)
				}
			}
			sort.Strings(passed)
			t.Logf("passing against a service that refuses every push with %d: %s", status, strings.Join(passed, ", "))
		})
	}
}
