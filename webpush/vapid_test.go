package webpush

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pushspec/pushspec/rules"
)

func freshVAPID(t testing.TB) *VAPIDKeys {
	t.Helper()
	k, err := NewVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const testAudience = "https://push.example.net"

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// signAndVerify signs with o, parses, and verifies at testNow against testAudience and k.
func signAndVerify(t *testing.T, k *VAPIDKeys, sub string, exp time.Time, o *SignOptions, vo VerifyOptions) ([]Problem, error) {
	t.Helper()
	h, err := k.Headers(testAudience, sub, exp, o)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVAPID(h.Get("Authorization"), h.Get("Crypto-Key"))
	if err != nil {
		return nil, err
	}
	if vo.Audience == "" {
		vo.Audience = testAudience
	}
	if vo.Now.IsZero() {
		vo.Now = testNow
	}
	if vo.SubscriptionKey == nil {
		vo.SubscriptionKey = k.Public()
	}
	return v.Verify(vo), nil
}

func TestVAPIDSignVerify(t *testing.T) {
	k := freshVAPID(t)
	other := freshVAPID(t)
	ecdhKey := freshKeys(t).P256dh()
	exp := testNow.Add(12 * time.Hour)
	tests := []struct {
		name  string
		sub   string
		exp   time.Time
		o     *SignOptions
		vo    VerifyOptions
		rules []string // expected problems, in order; nil = valid
		level string   // level of the first problem
	}{
		{"conformant", "mailto:ops@example.com", exp, nil, VerifyOptions{}, nil, ""},
		{"https contact", "https://example.com/contact", exp, nil, VerifyOptions{}, nil, ""},
		{"no space after comma", "mailto:ops@example.com", exp, &SignOptions{NoSpace: true}, VerifyOptions{}, nil, ""},
		{"k before t", "mailto:ops@example.com", exp, &SignOptions{KeyFirst: true}, VerifyOptions{}, nil, ""},
		{"k before t, no space", "mailto:ops@example.com", exp, &SignOptions{KeyFirst: true, NoSpace: true}, VerifyOptions{}, nil, ""},
		{"unknown params and realm ignored", "mailto:ops@example.com", exp, &SignOptions{ExtraParams: `realm="x", foo=bar`}, VerifyOptions{}, nil, ""},
		{"exactly 24 h ahead", "mailto:ops@example.com", testNow.Add(24 * time.Hour), nil, VerifyOptions{}, nil, ""},
		{"draft WebPush scheme", "mailto:ops@example.com", exp, &SignOptions{Scheme: SchemeWebPush}, VerifyOptions{}, []string{rules.VAPIDScheme.ID}, LevelMust},
		{"padded k", "mailto:ops@example.com", exp, &SignOptions{PadKey: true}, VerifyOptions{}, []string{rules.KUncompressedBase64URL.ID}, LevelMust},
		{"DER signature", "mailto:ops@example.com", exp, &SignOptions{DERSignature: true}, VerifyOptions{}, []string{rules.JWSES256.ID}, LevelMust},
		{"corrupt signature", "mailto:ops@example.com", exp, &SignOptions{CorruptSignature: true}, VerifyOptions{}, []string{rules.JWSES256.ID}, LevelMust},
		{"alg HS256", "mailto:ops@example.com", exp, &SignOptions{Alg: "HS256"}, VerifyOptions{}, []string{rules.JWSES256.ID}, LevelMust},
		{"no exp", "mailto:ops@example.com", exp, &SignOptions{OmitExp: true}, VerifyOptions{}, []string{rules.ExpRequired.ID}, LevelMust},
		{"exp as a string", "mailto:ops@example.com", exp, &SignOptions{ExpAsString: true}, VerifyOptions{}, []string{rules.ExpRequired.ID}, LevelMust},
		// The sender's expired token is the sender's fault: its exp rule, not the push
		// service's rfc8292-4.2-reject-expired. ExpLeeway allows for clock skew either way.
		{"expired", "mailto:ops@example.com", testNow.Add(-time.Minute), nil, VerifyOptions{}, []string{rules.ExpMax24h.ID}, LevelMust},
		{"expired an hour ago", "mailto:ops@example.com", testNow.Add(-time.Hour), nil, VerifyOptions{}, []string{rules.ExpMax24h.ID}, LevelMust},
		{"expired within the leeway", "mailto:ops@example.com", testNow.Add(-59 * time.Second), nil, VerifyOptions{}, nil, ""},
		{"exp is now", "mailto:ops@example.com", testNow, nil, VerifyOptions{}, nil, ""},
		{"24 h and the leeway ahead", "mailto:ops@example.com", testNow.Add(24*time.Hour + ExpLeeway), nil, VerifyOptions{}, nil, ""},
		{"just beyond 24 h and the leeway", "mailto:ops@example.com", testNow.Add(24*time.Hour + ExpLeeway + time.Second), nil, VerifyOptions{}, []string{rules.ExpMax24h.ID}, LevelMust},
		{"more than 24 h ahead", "mailto:ops@example.com", testNow.Add(24*time.Hour + 2*time.Minute), nil, VerifyOptions{}, []string{rules.ExpMax24h.ID}, LevelMust},
		{"no aud", "mailto:ops@example.com", exp, &SignOptions{OmitAud: true}, VerifyOptions{}, []string{rules.AudOrigin.ID}, LevelMust},
		{"aud of another origin", "mailto:ops@example.com", exp, nil, VerifyOptions{Audience: "https://push.example.net:8443"}, []string{rules.AudOrigin.ID}, LevelMust},
		{"aud with a path", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"aud": testAudience + "/"}}, VerifyOptions{}, []string{rules.AudOrigin.ID}, LevelMust},
		// RFC 8292 §2: aud "MUST include" the origin; RFC 7519 §4.1.3 allows an array.
		{"aud array including the origin", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"aud": []string{"https://app.example", testAudience}}}, VerifyOptions{}, nil, ""},
		{"aud array of the origin alone", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"aud": []string{testAudience}}}, VerifyOptions{}, nil, ""},
		{"aud array without the origin", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"aud": []string{"https://app.example", testAudience + "/"}}}, VerifyOptions{}, []string{rules.AudOrigin.ID}, LevelMust},
		{"aud empty array", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"aud": []string{}}}, VerifyOptions{}, []string{rules.AudOrigin.ID}, LevelMust},
		{"aud array with a number", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"aud": []any{testAudience, 1}}}, VerifyOptions{}, []string{rules.AudOrigin.ID}, LevelMust},
		{"aud a number", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"aud": 1}}, VerifyOptions{}, []string{rules.AudOrigin.ID}, LevelMust},
		// RFC 8292 §2.1: sub is a MAY; leaving it out is no problem at all.
		{"no sub", "", exp, nil, VerifyOptions{}, nil, ""},
		{"empty sub", "", exp, &SignOptions{ExtraClaims: map[string]any{"sub": ""}}, VerifyOptions{}, []string{rules.SubContactURI.ID}, LevelShould},
		{"sub not a string", "", exp, &SignOptions{ExtraClaims: map[string]any{"sub": 7}}, VerifyOptions{}, []string{rules.SubContactURI.ID}, LevelShould},
		{"bare address as sub", "ops@example.com", exp, nil, VerifyOptions{}, []string{rules.SubContactURI.ID}, LevelShould},
		{"mailto:mailto:", "mailto:mailto:ops@example.com", exp, nil, VerifyOptions{}, []string{rules.SubContactURI.ID}, LevelShould},
		{"empty mailto:", "mailto:", exp, nil, VerifyOptions{}, []string{rules.SubContactURI.ID}, LevelShould},
		{"mailto with angle brackets", "mailto: <ops@example.com>", exp, nil, VerifyOptions{}, []string{rules.SubContactURI.ID}, LevelShould},
		{"http contact", "http://example.com/", exp, nil, VerifyOptions{}, []string{rules.SubContactURI.ID}, LevelShould},
		{"big claims", "mailto:ops@example.com", exp, &SignOptions{ExtraClaims: map[string]any{"x": strings.Repeat("y", 1100)}}, VerifyOptions{}, []string{rules.ClaimsSmall.ID}, LevelShould},
		{"k of another key", "mailto:ops@example.com", exp, &SignOptions{Key: other.Public()}, VerifyOptions{SubscriptionKey: other.Public()}, []string{rules.JWSES256.ID}, LevelMust},
		{"subscription restricted to another key", "mailto:ops@example.com", exp, nil, VerifyOptions{SubscriptionKey: other.Public()}, []string{rules.RestrictedNeedsJWT.ID}, LevelMust},
		{"k not a P-256 point", "mailto:ops@example.com", exp, &SignOptions{Key: offCurvePoint()}, VerifyOptions{SubscriptionKey: offCurvePoint()}, []string{rules.P256SigningKey.ID}, LevelMust},
		{"k equal to the ECDH key", "mailto:ops@example.com", exp, &SignOptions{Key: ecdhKey}, VerifyOptions{SubscriptionKey: ecdhKey, ECDHKey: ecdhKey}, []string{rules.JWSES256.ID, rules.DistinctKeys.ID}, LevelMust},
		{"signing key reused for ECDH", "mailto:ops@example.com", exp, nil, VerifyOptions{ECDHKey: k.Public()}, []string{rules.DistinctKeys.ID}, LevelMust},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, err := signAndVerify(t, k, tt.sub, tt.exp, tt.o, tt.vo)
			if err != nil {
				t.Fatal(err)
			}
			got := rulesOf(problems)
			if strings.Join(got, ",") != strings.Join(tt.rules, ",") {
				t.Fatalf("problems %v (%+v), want %v", got, problems, tt.rules)
			}
			if len(problems) > 0 && problems[0].Level != tt.level {
				t.Errorf("level %s, want %s", problems[0].Level, tt.level)
			}
			for _, p := range problems {
				if p.Reason == "" {
					t.Errorf("problem %s has no reason", p.Rule)
				}
			}
		})
	}
}

func TestVAPIDAuthorizationShape(t *testing.T) {
	k := freshVAPID(t)
	exp := testNow.Add(time.Hour)
	auth, err := k.Authorization(testAudience, "mailto:a@b.c", exp, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "vapid t="
	if !strings.HasPrefix(auth, want) || !strings.Contains(auth, ", k="+Base64URL(k.Public())) {
		t.Errorf("Authorization = %q", auth)
	}
	v, err := ParseVAPID(auth, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Signature) != 64 || v.Header["alg"] != "ES256" || v.Header["typ"] != "JWT" {
		t.Errorf("token: %d-octet signature, header %v", len(v.Signature), v.Header)
	}
	if got, _ := v.Claims["exp"].(json.Number); got.String() != strconv.FormatInt(exp.Unix(), 10) {
		t.Errorf("exp claim %v, want %d", got, exp.Unix())
	}
	legacy, err := k.Authorization(testAudience, "mailto:a@b.c", exp, &SignOptions{Scheme: SchemeWebPush})
	if err != nil || !strings.HasPrefix(legacy, "WebPush ey") {
		t.Errorf("WebPush scheme: %q, %v", legacy, err)
	}
	if got := k.CryptoKey(nil); got != "p256ecdsa="+Base64URL(k.Public()) {
		t.Errorf("CryptoKey = %q", got)
	}
	if _, err := k.Authorization(testAudience, "", exp, &SignOptions{Scheme: "bearer"}); err == nil {
		t.Error("unknown scheme accepted by Authorization")
	}
	again, err := VAPIDKeysFromBytes(k.PrivateBytes())
	if err != nil || string(again.Public()) != string(k.Public()) {
		t.Errorf("VAPIDKeysFromBytes: %v", err)
	}
}

func TestParseVAPIDErrors(t *testing.T) {
	k := freshVAPID(t)
	token, err := k.Token(testAudience, "mailto:a@b.c", testNow.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	key := Base64URL(k.Public())
	tests := []struct {
		name, authorization, cryptoKey, rule string
	}{
		{"absent", "", "", rules.RejectAbsent.ID},
		{"blank", "   ", "", rules.RejectAbsent.ID},
		{"Bearer", "Bearer " + token, "", rules.VAPIDScheme.ID},
		{"Basic", "Basic dXNlcjpwYXNz", "", rules.VAPIDScheme.ID},
		{"t only", "vapid t=" + token, "", rules.RejectMissingTOrK.ID},
		{"k only", "vapid k=" + key, "", rules.RejectMissingTOrK.ID},
		{"t twice", "vapid t=" + token + ", t=" + token + ", k=" + key, "", rules.RejectMissingTOrK.ID},
		{"empty t", "vapid t=, k=" + key, "", rules.RejectMissingTOrK.ID},
		{"param without value", "vapid t=" + token + ", k=" + key + ", junk", "", rules.VAPIDScheme.ID},
		{"WebPush without Crypto-Key", "WebPush " + token, "", rules.RejectMissingTOrK.ID},
		{"WebPush with only dh", "WebPush " + token, "dh=" + key, rules.RejectMissingTOrK.ID},
		{"k not base64", "vapid t=" + token + ", k=!!!", "", rules.KUncompressedBase64URL.ID},
		{"two-part token", "vapid t=a.b, k=" + key, "", rules.JWSES256.ID},
		{"header not base64", "vapid t=!.e30.AA, k=" + key, "", rules.JWSES256.ID},
		{"header not JSON", "vapid t=" + Base64URL([]byte("nope")) + ".e30.AA, k=" + key, "", rules.JWSES256.ID},
		{"claims not an object", "vapid t=e30." + Base64URL([]byte("[1]")) + ".AA, k=" + key, "", rules.JWSES256.ID},
		{"claims null", "vapid t=e30." + Base64URL([]byte("null")) + ".AA, k=" + key, "", rules.JWSES256.ID},
		{"trailing JSON", "vapid t=e30." + Base64URL([]byte("{}{}")) + ".AA, k=" + key, "", rules.JWSES256.ID},
		{"signature not base64", "vapid t=e30.e30.!, k=" + key, "", rules.JWSES256.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseVAPID(tt.authorization, tt.cryptoKey)
			if err == nil {
				t.Fatalf("parsed %+v", v)
			}
			wantRule(t, err, tt.rule)
		})
	}
	// Accepted variants: case-insensitive scheme and names, quoted values, any order, tabs.
	for _, auth := range []string{
		"VAPID T=" + token + ", K=" + key,
		"vapid k=" + key + ",t=" + token,
		`vapid t="` + token + `", k="` + key + `"`,
		"vapid\tt=" + token + ",\tk=" + key,
	} {
		if _, err := ParseVAPID(auth, ""); err != nil {
			t.Errorf("ParseVAPID(%q): %v", auth, err)
		}
	}
	v, err := ParseVAPID("webpush "+token, "dh=abc; p256ecdsa="+key)
	if err != nil || v.Scheme != SchemeWebPush || string(v.Key) != string(k.Public()) {
		t.Errorf("WebPush with dh and p256ecdsa in one Crypto-Key: %+v, %v", v, err)
	}
}

// The sender's exp is judged against the time of the request; the message says what was seen
// against what RFC 8292 allows.
func TestVerifyExpMessages(t *testing.T) {
	k := freshVAPID(t)
	for exp, want := range map[time.Time]string{
		testNow.Add(24*time.Hour + 2*time.Minute): "exp is 24 h 2 min after the request; RFC 8292 §2 allows at most 24 h (pushspec allows 1 min for clock skew)",
		testNow.Add(-3 * time.Minute):             "exp 2026-11-26T11:57:00Z passed 3 min before the request; a token is valid only until its exp (RFC 8292 §2, §4.2)",
	} {
		problems, err := signAndVerify(t, k, "mailto:ops@example.com", exp, nil, VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || problems[0].Reason != want {
			t.Errorf("exp %s: %+v, want one problem %q", exp, problems, want)
		}
	}
}

// The push service's own exp check (RFC 8292 §4.2) runs on its own clock: a sender signing its
// now + 24 h passes its rule, and a service whose clock lags refuses the token all the same.
func TestServiceExpProblem(t *testing.T) {
	k := freshVAPID(t)
	token := func(exp time.Time) *VAPID {
		auth, err := k.Authorization(testAudience, "mailto:a@b.example", exp, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ParseVAPID(auth, "")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	day := token(testNow.Add(24 * time.Hour))
	if p := day.Verify(VerifyOptions{Audience: testAudience, Now: testNow}); len(p) != 0 {
		t.Errorf("exp = now + 24 h: sender problems %+v", p)
	}
	for _, tc := range []struct {
		name       string
		v          *VAPID
		serviceNow time.Time
		want       string
	}{
		{"24 h, service clock right", day, testNow, ""},
		{"24 h, service clock 2 min behind", day, testNow.Add(-2 * time.Minute), rules.RejectExpOver24h.ID},
		{"24 h and a rounded-up second", token(testNow.Add(24*time.Hour + time.Second)), testNow, ""},
		{"exp is now", token(testNow), testNow, rules.RejectExpired.ID},
		{"an hour left", token(testNow.Add(time.Hour)), testNow, ""},
		{"an hour left, service clock 2 h ahead", token(testNow.Add(time.Hour)), testNow.Add(2 * time.Hour), rules.RejectExpired.ID},
	} {
		rule, why := tc.v.ServiceExpProblem(tc.serviceNow)
		if rule != tc.want || (rule != "") != (why != "") {
			t.Errorf("%s: %q (%s), want %q", tc.name, rule, why, tc.want)
		}
	}
	noExp, _ := ParseVAPID(mustAuth(t, k, &SignOptions{OmitExp: true}), "")
	if rule, _ := noExp.ServiceExpProblem(testNow); rule != "" {
		t.Errorf("no exp: %q; graded by %s instead", rule, rules.ExpRequired.ID)
	}
}

func mustAuth(t *testing.T, k *VAPIDKeys, o *SignOptions) string {
	t.Helper()
	auth, err := k.Authorization(testAudience, "mailto:a@b.example", testNow.Add(time.Hour), o)
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24*time.Hour + 2*time.Minute: "24 h 2 min", 90 * time.Second: "1 min 30 s", 0: "0 s",
		-45 * time.Second: "-45 s", 24*time.Hour + 1500*time.Millisecond: "24 h 2 s",
		3 * time.Hour: "3 h", 2*time.Hour + 5*time.Second: "2 h 5 s", -90 * time.Minute: "-1 h 30 min",
		7 * time.Minute: "7 min",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestVerifyCache(t *testing.T) {
	k := freshVAPID(t)
	exp := testNow.Add(time.Hour)
	auth, err := k.Authorization(testAudience, "a@b.example", exp, nil) // sub not a URI: one SHOULD finding
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVAPID(auth, "")
	if err != nil {
		t.Fatal(err)
	}
	c := NewVerifyCache(2)
	o := VerifyOptions{Audience: testAudience, Now: testNow, SubscriptionKey: k.Public()}
	first := rulesOf(c.Verify(v, o))
	if strings.Join(first, ",") != rules.SubContactURI.ID || c.Len() != 1 {
		t.Fatalf("first verify: %v, %d cached", first, c.Len())
	}
	// A hit returns the cached finding and still runs the per-request checks.
	o2 := o
	o2.Now = testNow.Add(time.Minute)
	o2.SubscriptionKey = freshVAPID(t).Public()
	if got := rulesOf(c.Verify(v, o2)); strings.Join(got, ",") != rules.SubContactURI.ID+","+rules.RestrictedNeedsJWT.ID {
		t.Errorf("hit with another subscription key: %v", got)
	}
	// Once exp has passed, the entry no longer answers.
	o3 := o
	o3.Now = exp.Add(ExpLeeway)
	if got := rulesOf(c.Verify(v, o3)); !contains(got, rules.ExpMax24h.ID) {
		t.Errorf("after exp: %v, want %s", got, rules.ExpMax24h.ID)
	}
	if c.Len() != 0 {
		t.Errorf("expired entry kept: %d", c.Len())
	}
	// A clock before the verification (24 h bound) is verified afresh.
	c.Verify(v, o)
	early := o
	early.Now = exp.Add(-25 * time.Hour)
	if got := rulesOf(c.Verify(v, early)); !contains(got, rules.ExpMax24h.ID) {
		t.Errorf("clock moved back: %v, want %s", got, rules.ExpMax24h.ID)
	}
	// Another audience is another key: no hit.
	wrongAud := o
	wrongAud.Audience = "https://other.example"
	if got := rulesOf(c.Verify(v, wrongAud)); !contains(got, rules.AudOrigin.ID) {
		t.Errorf("other audience: %v", got)
	}
	// Failures are never cached.
	bad, _ := k.Authorization(testAudience, "mailto:a@b.c", exp, &SignOptions{CorruptSignature: true})
	bv, _ := ParseVAPID(bad, "")
	for i := 0; i < 2; i++ {
		if got := rulesOf(c.Verify(bv, o)); !contains(got, rules.JWSES256.ID) {
			t.Errorf("bad signature, round %d: %v", i, got)
		}
	}
	// The cache holds at most max entries.
	for i := 0; i < 5; i++ {
		a, _ := k.Authorization(testAudience, "mailto:a@b.c", exp.Add(time.Duration(i)*time.Second), nil)
		pv, _ := ParseVAPID(a, "")
		if got := c.Verify(pv, o); len(got) != 0 {
			t.Errorf("fresh token %d: %v", i, got)
		}
	}
	if c.Len() > 2 {
		t.Errorf("cache holds %d entries, max 2", c.Len())
	}
}

func TestVerifyCacheHeader(t *testing.T) {
	k := freshVAPID(t)
	exp := testNow.Add(time.Hour)
	auth, err := k.Authorization(testAudience, "mailto:a@b.c", exp, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := NewVerifyCache(0)
	o := VerifyOptions{Audience: testAudience, Now: testNow, SubscriptionKey: k.Public()}
	v1, p1, err := c.VerifyHeader(auth, "dh=first", o)
	if err != nil || len(p1) != 0 {
		t.Fatalf("first: %v, %v", p1, err)
	}
	// The aesgcm dh in Crypto-Key changes per message; it must not defeat the cache.
	v2, p2, err := c.VerifyHeader(auth, "dh=second", o)
	if err != nil || len(p2) != 0 || v2 != v1 {
		t.Errorf("second: same parse %v, %v, %v", v2 == v1, p2, err)
	}
	// Per-request checks still run on a hit.
	o.ECDHKey = k.Public()
	if _, p, _ := c.VerifyHeader(auth, "", o); !contains(rulesOf(p), rules.DistinctKeys.ID) {
		t.Errorf("hit skipped the ECDH key check: %v", p)
	}
	o.ECDHKey = nil
	// Draft scheme: the key comes from Crypto-Key, so another p256ecdsa is another entry.
	legacy, err := k.Authorization(testAudience, "mailto:a@b.c", exp, &SignOptions{Scheme: SchemeWebPush})
	if err != nil {
		t.Fatal(err)
	}
	o.SubscriptionKey = nil
	if _, p, err := c.VerifyHeader(legacy, k.CryptoKey(nil), o); err != nil || strings.Join(rulesOf(p), ",") != rules.VAPIDScheme.ID {
		t.Errorf("WebPush with its key: %v, %v", p, err)
	}
	other := freshVAPID(t)
	if _, p, err := c.VerifyHeader(legacy, other.CryptoKey(nil), o); err != nil || !contains(rulesOf(p), rules.JWSES256.ID) {
		t.Errorf("WebPush with another key: %v, %v", p, err)
	}
	// Parse errors come back as errors, every time.
	for i := 0; i < 2; i++ {
		if _, _, err := c.VerifyHeader("Bearer x", "", o); err == nil {
			t.Error("Bearer accepted")
		}
	}
}

// TestVAPIDTokenWithGolangJWT checks tokens both ways against golang-jwt (what webpush-go signs
// with): it accepts ours, and it rejects the DER-signed fault knob that Verify also rejects.
func TestVAPIDTokenWithGolangJWT(t *testing.T) {
	k := freshVAPID(t)
	exp := time.Now().Add(time.Hour)
	token, err := k.Token(testAudience, "mailto:a@b.c", exp, nil)
	if err != nil {
		t.Fatal(err)
	}
	keyFunc := func(*jwt.Token) (any, error) { return &k.Private.PublicKey, nil }
	parsed, err := jwt.Parse(token, keyFunc, jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(testAudience), jwt.WithExpirationRequired())
	if err != nil || !parsed.Valid {
		t.Fatalf("golang-jwt rejects our token: %v", err)
	}
	der, err := k.Token(testAudience, "mailto:a@b.c", exp, &SignOptions{DERSignature: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.Parse(der, keyFunc, jwt.WithValidMethods([]string{"ES256"})); err == nil {
		t.Error("golang-jwt accepts a DER-encoded ES256 signature")
	}
	// And a token golang-jwt signs passes Verify.
	signed, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"aud": testAudience, "exp": exp.Unix(), "sub": "https://example.com"}).SignedString(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVAPID("vapid t="+signed+", k="+Base64URL(k.Public()), "")
	if err != nil {
		t.Fatal(err)
	}
	if p := v.Verify(VerifyOptions{Audience: testAudience, SubscriptionKey: k.Public()}); len(p) != 0 {
		t.Errorf("golang-jwt's token: %+v", p)
	}
}
