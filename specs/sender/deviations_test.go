package sender

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushspec/pushspec/harness/sender"
	"github.com/pushspec/pushspec/internal/modroot"
	"github.com/pushspec/pushspec/internal/suitetest"
	"github.com/pushspec/pushspec/rules"
)

// TestSuiteCatchesBrokenSenders proves that the sender suite can fail: it runs it (this test
// binary again, in a child process) with PUSHSPEC_SENDER=cmd and a deliberately broken sender
// (testdata/brokensender, built here), and with the npm web-push library, and checks which
// rules come out broken.
func TestSuiteCatchesBrokenSenders(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a sender and runs the suite again")
	}
	if os.Getenv("PUSHSPEC_SENDER") != "" || os.Getenv("PUSHSPEC_SENDER_CMD") != "" {
		t.Skip("the configuration names a sender already; this test chooses its own")
	}
	bin := filepath.Join(t.TempDir(), "brokensender")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/brokensender").CombinedOutput(); err != nil {
		t.Fatalf("building the broken sender: %v\n%s", err, out)
	}
	type want struct {
		broken map[string]rules.Outcome
		pass   []string
		skip   []string
		none   []rules.Outcome // outcomes no rule may have
		// notBroken: at least one pass, and no fail, non-strict or error (a skip is fine).
		notBroken []string
		// skipSays: some skip of the rule has a message containing this text.
		skipSays map[string]string
		// sentNothing: the sender sends nothing; every result must be error or skip, and some
		// must be errors.
		sentNothing bool
	}
	cases := []struct {
		name string
		env  []string
		want want
	}{
		{"no TTL, DER signature, exp 25 h", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -omit-ttl -der -exp-25h"}, want{
			broken: map[string]rules.Outcome{rules.TTLRequired.ID: rules.Fail, rules.JWSES256.ID: rules.Fail, rules.ExpMax24h.ID: rules.Fail},
			pass: []string{rules.AES128GCMOnly.ID, rules.KeyDerivation.ID, rules.PostToPushResource.ID,
				rules.SubContactURI.ID, rules.ASValidatesKey.ID, rules.InteropMozillaBridgeSize.ID, rules.SingleRecord.ID,
				rules.PayloadAsGiven.ID, rules.SenderHonoursRetryAfter.ID, rules.TopicSyntax.ID},
			// Interop rules are judged only on requests the vendor would otherwise accept: these
			// are refused for the missing TTL first.
			skipSays: map[string]string{rules.InteropAppleSubFormat.ID: "refuses this request for another reason (ttl-missing",
				rules.InteropWNSTTLZero.ID: "refuses this request for another reason (ttl-missing"},
		}},
		// A sender that sends nothing (its TLS trust is wrong) gets errors naming the cause, no
		// failure and no pass: refusing the off-curve key or the subject-less token proves nothing.
		{"sends nothing", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_NAME=tls-broken-sender", "PUSHSPEC_SENDER_CMD=" + bin + " -no-send"}, want{sentNothing: true}},
		// Says unsupported for aesgcm: those specs skip with its reason. JSON-quotes the payload:
		// rfc8030-5-payload-as-given breaks, the key derivation does not. TTL 0 sent as 60:
		// rfc8030-5.2-headers-as-asked (info). Topic padded with '=': rfc8030-5.4-topic-syntax fails.
		{"unsupported aesgcm, quoted payload, TTL 0 as 60, padded Topic", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_NAME=quoting-sender",
			"PUSHSPEC_SENDER_CMD=" + bin + " -unsupported-aesgcm -json-quote -ttl-default 60 -topic-pad"}, want{
			broken: map[string]rules.Outcome{rules.PayloadAsGiven.ID: rules.Info, rules.HeadersAsAsked.ID: rules.Info,
				rules.TopicSyntax.ID: rules.Fail},
			notBroken: []string{rules.KeyDerivation.ID, rules.EmptyAAD.ID, rules.EndToEndProtection.ID},
			skipSays:  map[string]string{rules.KeyDerivation.ID: "encrypts with aes128gcm only"},
		}},
		// Conformant but unusual: exp exactly 24 h after the sender's own now (RFC 8292 §2),
		// no sub (§2.1: MAY), aud as an array that includes the origin (RFC 7519 §4.1.3),
		// `vapid k=…, t=…` (auth-params are unordered, RFC 9110 §11.2), up to 40
		// octets of padding (less where the body would pass 4096 octets). No fail and no
		// non-strict; the exp at the bound is an interop note.
		{"exp now + 24 h, no sub, aud array, padding", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -exp-24h -no-sub -aud-array -k-first -pad 40 -pad-fit"}, want{
			broken: map[string]rules.Outcome{rules.InteropExpSkewMargin.ID: rules.Info, rules.SubOptional.ID: rules.Info},
			pass: []string{rules.ExpMax24h.ID, rules.AudOrigin.ID, rules.PaddingDelimiter.ID, rules.KeyDerivation.ID,
				rules.RestrictedNeedsJWT.ID, rules.VAPIDScheme.ID, rules.EndToEndProtection.ID},
			none: []rules.Outcome{rules.Fail, rules.NonStrict},
		}},
		// A wrong padding delimiter is the sender's fault, under its own rule; the keys were
		// derived right (the tag verifies).
		// RFC 8292 §3.2: k in base64url (RFC 7515: no '=' padding): a MUST (implied), failed
		// the same way by the live verdict and the suite; the token is otherwise sound.
		{"padded k", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -pad-k"}, want{
			broken: map[string]rules.Outcome{rules.KUncompressedBase64URL.ID: rules.Fail},
			pass:   []string{rules.JWSES256.ID, rules.ExpMax24h.ID, rules.VAPIDScheme.ID, rules.KeyDerivation.ID},
		}},
		{"padding delimiter 0x01", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -delimiter 1"}, want{
			broken: map[string]rules.Outcome{rules.PaddingDelimiter.ID: rules.Fail},
			pass:   []string{rules.KeyDerivation.ID, rules.ExpMax24h.ID, rules.EmptyAAD.ID, rules.EndToEndProtection.ID},
			// No plaintext comes out, but the payload was not changed: not a fault of that rule.
			notBroken: []string{rules.PayloadAsGiven.ID},
			skipSays:  map[string]string{rules.PayloadAsGiven.ID: "graded by " + rules.PaddingDelimiter.ID},
		}},
		// One fault, one rule: the draft coding and the draft scheme each fail their own rule;
		// the body is still protected end to end and the subscription's key still signs it.
		{"aesgcm and the draft WebPush scheme", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -aesgcm -webpush-scheme"}, want{
			broken: map[string]rules.Outcome{rules.AES128GCMOnly.ID: rules.Fail, rules.VAPIDScheme.ID: rules.Fail},
			pass: []string{rules.EndToEndProtection.ID, rules.KeyDerivation.ID, rules.RestrictedNeedsJWT.ID,
				rules.JWSES256.ID, rules.ExpMax24h.ID},
		}},
		{"aesgcm padded past 4096", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -aesgcm -pad 4100"}, want{
			broken: map[string]rules.Outcome{rules.AES128GCMOnly.ID: rules.Fail, rules.Fits4096.ID: rules.NonStrict,
				rules.InteropMozillaBridgeSize.ID: rules.Info},
			pass: []string{rules.TTLRequired.ID, rules.JWSES256.ID},
		}},
		// Non-empty AAD: the tag cannot tell which RFC 8188 step is wrong, so all three break
		// (and rfc8291-3.3-key-derivation with them). Retrying every non-2xx at once breaks the
		// gone and throttle interop rules; asking for receipts without passing the receipt
		// subscription back breaks rfc8030-5.1-sender-reuses-receipt-subscription.
		{"non-empty AAD, retries, receipt subscription dropped", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -aad -retry 2 -receipts"}, want{
			broken: map[string]rules.Outcome{rules.EmptyAAD.ID: rules.Fail, rules.CEKDerivation.ID: rules.Fail,
				rules.NonceDerivation.ID: rules.Fail, rules.KeyDerivation.ID: rules.Fail,
				rules.Interop404410BothMeanGone.ID: rules.Info, rules.InteropWNS406Throttle.ID: rules.Info,
				rules.SenderReusesReceiptSubscription.ID: rules.NonStrict, rules.SenderHonoursRetryAfter.ID: rules.NonStrict},
			pass: []string{rules.TTLRequired.ID, rules.JWSES256.ID, rules.HeaderLayout.ID, rules.InteropAppleTopicDecodable.ID},
		}},
		{"receipt subscription kept", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -receipt-state " + filepath.Join(t.TempDir(), "receipt")}, want{
			pass: []string{rules.SenderReusesReceiptSubscription.ID, rules.EmptyAAD.ID, rules.CEKDerivation.ID,
				rules.NonceDerivation.ID, rules.Interop404410BothMeanGone.ID, rules.InteropWNS406Throttle.ID, rules.InteropAppleUrgency.ID,
				rules.HeadersAsAsked.ID, rules.PayloadAsGiven.ID, rules.KeyDerivation.ID, rules.EndToEndProtection.ID,
				rules.InteropAppleSubFormat.ID, rules.InteropAcceptAny2xx.ID},
			// Judged, since the vendors would otherwise accept these requests: a token without
			// sub (Apple refuses it) and TTL 0 without X-WNS-Cache-Policy (WNS refuses it).
			broken: map[string]rules.Outcome{rules.InteropAppleSubRequired.ID: rules.Info, rules.InteropWNSTTLZero.ID: rules.Info},
		}},
		// RFC 8188 §4.3: a fresh random salt per message (SHOULD); a zero salt under a fresh ECDH
		// key each time reuses no keying material, so rfc8188-2.1-salt-not-reused holds.
		// RFC 8292 §3: the vapid scheme MUST NOT be used in Proxy-Authorization. RFC 8291 §7:
		// the sender MUST check p256dh is on P-256; this one encrypts to a key of its own and sends.
		{"zero salt, vapid in Proxy-Authorization, no key check", []string{"PUSHSPEC_SENDER=cmd",
			"PUSHSPEC_SENDER_CMD=" + bin + " -zero-salt -proxy-auth -no-key-check"}, want{
			broken: map[string]rules.Outcome{rules.RandomSalt.ID: rules.NonStrict, rules.NoProxyAuth.ID: rules.Fail,
				rules.ASValidatesKey.ID: rules.Fail},
			pass: []string{rules.SaltNotReused.ID, rules.KeyDerivation.ID, rules.VAPIDScheme.ID, rules.JWSES256.ID,
				rules.EndToEndProtection.ID},
		}},
		// Interop (MAY, info): a sender that drops the Urgency it is given (it never met Apple's
		// historical BadUrgency) and one that takes only 201 as success. Conformant: TTL 0 with
		// X-WNS-Cache-Policy: no-cache, which WNS accepts; a sub in every token (RFC 8292 §2.1).
		{"Urgency dropped, only 201 a success, TTL 0 with X-WNS-Cache-Policy", []string{"PUSHSPEC_SENDER=cmd",
			"PUSHSPEC_SENDER_CMD=" + bin + " -drop-urgency -only-201 -wns-no-cache"}, want{
			broken: map[string]rules.Outcome{rules.InteropAppleUrgency.ID: rules.Info, rules.InteropAcceptAny2xx.ID: rules.Info,
				rules.HeadersAsAsked.ID: rules.Info},
			pass: []string{rules.InteropWNSTTLZero.ID, rules.SubOptional.ID, rules.KeyDerivation.ID, rules.TTLRequired.ID,
				rules.RandomSalt.ID},
		}},
		// RFC 8030 §5: delivery is requested by a POST to the push resource, the endpoint URL as
		// given. This sender rewrites the path (the fake serves the subscription there too).
		{"endpoint path rewritten", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -fcm-path"}, want{
			broken: map[string]rules.Outcome{rules.PostToPushResource.ID: rules.Fail},
			pass:   []string{rules.KeyDerivation.ID, rules.TTLRequired.ID, rules.AudOrigin.ID, rules.PayloadAsGiven.ID},
		}},
		// RFC 8188 §2: no record is longer than rs. The header says rs 20, every record is longer;
		// RFC 8291 §4's rs above the record breaks with it. Read as one record, the body opens
		// with the subscription's keys: the key derivation holds.
		{"record longer than rs", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_CMD=" + bin + " -header-rs 20"}, want{
			broken:    map[string]rules.Outcome{rules.RecordLayout.ID: rules.Fail, rules.RSExceedsRecord.ID: rules.Fail},
			pass:      []string{rules.HeaderLayout.ID, rules.RSMin18.ID, rules.JWSES256.ID, rules.KeyDerivation.ID},
			notBroken: []string{rules.PayloadAsGiven.ID},
			skipSays:  map[string]string{rules.PayloadAsGiven.ID: "graded by " + rules.RecordLayout.ID},
		}},
	}
	if _, err := (sender.Node{}).Send(ctx, sender.Message{}); err != nil && strings.Contains(err.Error(), "not installed") {
		t.Logf("web-push (npm) not checked: %v", err)
	} else {
		cases = append(cases, struct {
			name string
			env  []string
			want want
		}{"web-push (npm)", []string{"PUSHSPEC_SENDER=web-push"}, want{
			pass: []string{rules.TTLRequired.ID, rules.AES128GCMOnly.ID, rules.KeyDerivation.ID, rules.JWSES256.ID,
				rules.AudOrigin.ID, rules.SubContactURI.ID, rules.SingleRecord.ID, rules.PaddingDelimiter.ID,
				rules.InteropAcceptAny2xx.ID, rules.EndToEndProtection.ID, rules.EmptyAAD.ID, rules.CEKDerivation.ID,
				rules.NonceDerivation.ID, rules.Interop404410BothMeanGone.ID, rules.InteropWNS406Throttle.ID, rules.InteropAppleTopicDecodable.ID,
				rules.InteropAppleUrgency.ID, rules.PayloadAsGiven.ID, rules.HeadersAsAsked.ID, rules.SenderHonoursRetryAfter.ID},
			skip: []string{rules.SenderReusesReceiptSubscription.ID},
		}})
		// The same library's CLI as a command sender, through testdata/webpush-cli.sh, as a user
		// would write it: it says unsupported for what the CLI cannot express (Urgency, Topic,
		// receipts, binary payloads), and the CLI's `if (args.ttl)` sends TTL 0 as its default
		// of 2419200 — recorded under rfc8030-5.2-headers-as-asked (info).
		script, err := filepath.Abs("testdata/webpush-cli.sh")
		if err != nil {
			t.Fatal(err)
		}
		npmBin := os.Getenv("PUSHSPEC_NPM_BIN")
		if root, err := modroot.Dir(); npmBin == "" && err == nil {
			npmBin = filepath.Join(root, ".cache", "npm", "node_modules", ".bin")
		}
		cases = append(cases, struct {
			name string
			env  []string
			want want
		}{"web-push CLI (command)", []string{"PUSHSPEC_SENDER=cmd", "PUSHSPEC_SENDER_NAME=web-push-cli", "PUSHSPEC_NPM_BIN=" + npmBin,
			"PUSHSPEC_SENDER_CMD=" + script}, want{
			pass: []string{rules.TTLRequired.ID, rules.AES128GCMOnly.ID, rules.JWSES256.ID, rules.AudOrigin.ID,
				rules.ASValidatesKey.ID, rules.InteropAppleSubRequired.ID, rules.InteropAcceptAny2xx.ID, rules.EndToEndProtection.ID,
				rules.EmptyAAD.ID, rules.SenderHonoursRetryAfter.ID},
			notBroken: []string{rules.KeyDerivation.ID, rules.PayloadAsGiven.ID},
			broken:    map[string]rules.Outcome{rules.HeadersAsAsked.ID: rules.Info},
			skip: []string{rules.SenderReusesReceiptSubscription.ID, rules.TopicSyntax.ID, rules.UrgencyValues.ID,
				rules.InteropAppleUrgency.ID},
			skipSays: map[string]string{rules.PayloadAsGiven.ID: "takes the payload as text (--payload), not binary",
				rules.HeadersAsAsked.ID: "has no option for Urgency or Topic"},
		}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, msgs := runSuite(t, c.env)
			if c.want.sentNothing {
				errors := 0
				for rule, outs := range got {
					for _, o := range outs {
						switch o {
						case rules.Error:
							errors++
						case rules.Skip:
						default:
							t.Errorf("%s: %s from a sender that sent nothing: %v", rule, o, msgs[rule])
						}
					}
				}
				if errors == 0 {
					t.Error("a sender that sent nothing got no error")
				}
				for _, rule := range []string{rules.ASValidatesKey.ID, rules.InteropAppleSubRequired.ID, rules.TTLRequired.ID} {
					if !suitetest.All(got[rule], rules.Error) || !strings.Contains(strings.Join(msgs[rule], " "), "certificate signed by unknown authority") {
						t.Errorf("%s: want error naming the cause, got %v %v", rule, got[rule], msgs[rule])
					}
				}
				return
			}
			for rule, o := range c.want.broken {
				if !suitetest.Has(got[rule], o) {
					t.Errorf("%s: want %s, got %v", rule, o, got[rule])
				}
			}
			for _, rule := range c.want.pass {
				if len(got[rule]) == 0 || !suitetest.All(got[rule], rules.Pass) {
					t.Errorf("%s: want pass, got %v", rule, got[rule])
				}
			}
			for _, rule := range c.want.skip {
				if len(got[rule]) == 0 || !suitetest.All(got[rule], rules.Skip) {
					t.Errorf("%s: want skip, got %v", rule, got[rule])
				}
			}
			for _, rule := range c.want.notBroken {
				outs := got[rule]
				if !suitetest.Has(outs, rules.Pass) || suitetest.Has(outs, rules.Fail) || suitetest.Has(outs, rules.NonStrict) || suitetest.Has(outs, rules.Error) {
					t.Errorf("%s: want pass (or skip), got %v %v", rule, outs, msgs[rule])
				}
			}
			for rule, text := range c.want.skipSays {
				found := false
				for i, o := range got[rule] {
					found = found || (o == rules.Skip && strings.Contains(msgs[rule][i], text))
				}
				if !found {
					t.Errorf("%s: want a skip saying %q, got %v %v", rule, text, got[rule], msgs[rule])
				}
			}
			for rule, outs := range got {
				if suitetest.Has(outs, rules.Error) {
					t.Errorf("%s: the harness broke: %v %v", rule, outs, msgs[rule])
				}
				for _, o := range c.want.none {
					if suitetest.Has(outs, o) {
						t.Errorf("%s: %s, which no rule may be for this sender", rule, o)
					}
				}
			}
		})
	}
}

// runSuite runs TestSenderSuite in a child process with env added and returns each rule's
// outcomes and their messages (same order).
func runSuite(t *testing.T, env []string) (map[string][]rules.Outcome, map[string][]string) {
	t.Helper()
	// Browserless: the browser-delivery specs start their own Env, which these checks do not need.
	res := suitetest.Run(t, "TestSenderSuite", append([]string{"PUSHSPEC_BROWSERS="}, env...), 50*time.Second)
	if name := envValue(env, "PUSHSPEC_SENDER_NAME"); name != "" {
		for rule, targets := range res.Targets {
			for _, target := range targets {
				if target != "sender:"+name {
					t.Errorf("%s: target %q, want sender:%s", rule, target, name)
				}
			}
		}
	}
	return res.Outcomes, res.Messages
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}
