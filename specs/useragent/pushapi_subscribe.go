package useragent

// Push API subscribe(), getSubscription(), PushSubscription and PushSubscriptionOptions, in each
// browser of the Env. The shape of the subscription's keys, toJSON() and endpoint are in
// flow.go; this file covers options, re-subscription, key errors, getKey() and the
// encodings list.

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/pushspec/pushspec/harness"
	"github.com/pushspec/pushspec/harness/conformance"
	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

var _ = describe("Push API subscribe()", Label("needs:browser"), func() {
	for _, k := range kinds {
		tg := target(k)

		Describe(string(k), func() {
			// One subscription, read and re-subscribed from the page; the key change comes last
			// because a browser that wrongly accepts it changes the subscription.
			Describe("an active subscription", Ordered, ContinueOnFailure, func() {
				var c *harness.Client
				BeforeAll(func(ctx SpecContext) {
					c = newClient(ctx, nil, k)
				}, NodeTimeout(time.Minute))

				// Push API: "These options are optional, and user agents MAY choose to support only a
				// subset of them. A user agent MUST NOT expose options that it does not support." An
				// option the UA exposes "when getting, returns the value it was initialized with";
				// PushSubscription.options is [SameObject] (an interface type).
				conformance.It("options reflect the exposed options and the applicationServerKey bytes", tg, rules.SubscriptionOptionsReflect,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						var v optionsReflection
						err := evalInto(ctx, r, c, "options", `
const sub = await reg.pushManager.getSubscription();
const o = sub.options;
return {hasOptions: !!o, uvo: o.userVisibleOnly, hasUVO: "userVisibleOnly" in o, key: b64u(o.applicationServerKey),
  keyIsAB: o.applicationServerKey instanceof ArrayBuffer, sameOptions: sub.options === sub.options,
  sameKey: o.applicationServerKey === o.applicationServerKey};`, &v)
						Expect(err).To(BeNil(), "reading subscription.options")
						problem, notes := judgeOptionsReflect(v, webpush.Base64URL(env.VAPID.Public()))
						for _, n := range notes {
							r.Observe(rules.SubscriptionOptionsReflect, n)
						}
						Expect(problem).To(BeEmpty(), "subscription.options does not reflect the options subscribe() was given")
					}, specTimeout)

				conformance.It("exposes no subscription option it does not support", tg, rules.SubscriptionOptionsUnsupportedNotExposed,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						var v optionsProbe
						err := evalInto(ctx, r, c, "options.exposed", `
const exposed = Object.getOwnPropertyNames(PushSubscriptionOptions.prototype).filter(n => n !== "constructor");
const o = (await reg.pushManager.getSubscription()).options;
const ps = async (uvo) => { try { return await reg.pushManager.permissionState({userVisibleOnly: uvo}); } catch (e) { return "rejects with " + errv(e).name; } };
return {exposed, key: exposed.includes("applicationServerKey") ? b64u(o.applicationServerKey) : "", psTrue: await ps(true), psFalse: await ps(false)};`, &v)
						Expect(err).To(BeNil(), "reading PushSubscriptionOptions")
						r.Evidence("permissionState", fmt.Sprintf("{userVisibleOnly: true} → %s; {userVisibleOnly: false} → %s", v.PSTrue, v.PSFalse))
						problem, undecided, others := judgeOptionsExposure(v, webpush.Base64URL(env.VAPID.Public()))
						for _, name := range others {
							r.Evidence("exposed."+name, "not a member of PushSubscriptionOptionsInit")
						}
						Expect(problem).To(BeEmpty(), "an exposed option the user agent does not support")
						if len(undecided) > 0 {
							conformance.SkipBecause("cannot tell whether the option is supported: " + strings.Join(undecided, "; "))
						}
					}, specTimeout)

				conformance.It("supportedContentEncodings lists aes128gcm", tg, rules.SupportedEncodingsAES128GCM,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
						var v struct {
							List []string `json:"list"`
						}
						err := evalInto(ctx, r, c, "supportedContentEncodings", `return {list: Array.from(PushManager.supportedContentEncodings)};`, &v)
						Expect(err).To(BeNil(), "the supportedContentEncodings script threw %v in %s; PushManager.supportedContentEncodings is a plain static attribute", err, k)
						Expect(v.List).To(ContainElement("aes128gcm"), "PushManager.supportedContentEncodings is %q, without aes128gcm; the Push API requires the aes128gcm of RFC 8291", v.List)
					}, specTimeout)

				conformance.It("supportedContentEncodings is a frozen array", tg, rules.SupportedEncodingsFrozenSameObject,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
						var v encodingsProbe
						err := evalInto(ctx, r, c, "supportedContentEncodings", `
const a = PushManager.supportedContentEncodings;
return {frozen: Object.isFrozen(a), isArray: Array.isArray(a), same: a === PushManager.supportedContentEncodings};`, &v)
						Expect(err).To(BeNil(), "the supportedContentEncodings script threw %v in %s; PushManager.supportedContentEncodings is a plain static attribute", err, k)
						problem, note := judgeEncodingsFrozen(v)
						if note != "" {
							r.Observe(rules.SupportedEncodingsFrozenSameObject, note)
						}
						Expect(problem).To(BeEmpty(), "PushManager.supportedContentEncodings is not a frozen array")
					}, specTimeout)

				conformance.It("getKey() returns a new ArrayBuffer on every call", tg, rules.SubscriptionGetKeyFreshBuffer,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						var v map[string]struct {
							Different bool   `json:"different"`
							Intact    bool   `json:"intact"`
							Original  string `json:"original"`
						}
						err := evalInto(ctx, r, c, "getKey", `
const sub = await reg.pushManager.getSubscription();
const out = {};
for (const name of ["p256dh", "auth"]) {
  const a = sub.getKey(name);
  const original = b64u(a);
  new Uint8Array(a).fill(0);
  const b = sub.getKey(name);
  out[name] = {different: a !== b, intact: b64u(b) === original}; // not the key itself: evidence must not carry the auth secret
  // Put the bytes back: a browser that hands out one shared buffer must not keep the zeros.
  new Uint8Array(a).set(fromB64u(original));
}
return out;`, &v)
						Expect(err).To(BeNil(), "the getKey() script threw %v in %s; getKey() returns an ArrayBuffer or null", err, k)
						for _, name := range []string{"p256dh", "auth"} {
							Expect(v[name].Different).To(BeTrue(), "getKey(%q) returned the same object twice", name)
							Expect(v[name].Intact).To(BeTrue(), "overwriting getKey(%q)'s buffer changed the next call's bytes", name)
						}
					}, specTimeout)

				conformance.It("getKey() with a name outside PushEncryptionKeyName throws TypeError", tg, rules.SubscriptionGetKeyUnknownName,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						var v struct {
							Returned any `json:"returned"`
						}
						err := evalInto(ctx, r, c, "getKey-foo", `
const sub = await reg.pushManager.getSubscription();
const v = sub.getKey("foo");
return {returned: v === null ? "null" : String(v)};`, &v)
						Expect(err).NotTo(BeNil(), "getKey('foo') returned %v instead of throwing; the PushEncryptionKeyName enum has only p256dh and auth, so the binding throws a TypeError", v.Returned)
						Expect(err.Name).To(Equal("TypeError"), "getKey('foo') threw %s, not TypeError; the PushEncryptionKeyName enum has only p256dh and auth, so the binding throws a TypeError", err)
					}, specTimeout)

				conformance.It("permissionState() and permissions.query report granted", tg, rules.PermissionStateMatches,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						var v struct {
							PushManager string `json:"pushManager"`
							Query       string `json:"query"`
							QueryError  any    `json:"queryError"`
						}
						err := evalInto(ctx, r, c, "permissionState", `
const out = {pushManager: await reg.pushManager.permissionState({userVisibleOnly: true})};
try { out.query = (await navigator.permissions.query({name: "push", userVisibleOnly: true})).state; } catch (e) { out.queryError = errv(e); }
return out;`, &v)
						Expect(err).To(BeNil(), "the permissionState script threw %v in %s; pushManager.permissionState() must resolve", err, k)
						Expect(v.PushManager).To(Equal("granted"), "pushManager.permissionState() on a granted origin")
						if v.QueryError == nil {
							Expect(v.Query).To(Equal("granted"), "permissions.query({name: 'push'})")
						}
					}, specTimeout)

				conformance.It("subscribe() again with the same key (string or bytes) resolves the same subscription, as getSubscription() does", tg, rules.SubscribeSameOptionsSameSubscription,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						type subv struct {
							Endpoint string `json:"endpoint"`
							P256dh   string `json:"p256dh"`
							Auth     string `json:"auth"`
						}
						var v struct {
							AsString subv `json:"asString"`
							AsBytes  subv `json:"asBytes"`
							Get      subv `json:"get"`
						}
						key := webpush.Base64URL(env.VAPID.Public())
						err := evalInto(ctx, r, c, "resubscribe", fmt.Sprintf(`
const val = (s) => ({endpoint: s.endpoint, p256dh: b64u(s.getKey("p256dh")), auth: b64u(s.getKey("auth"))});
const asString = await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: %q});
const asBytes = await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: fromB64u(%q)});
const get = await reg.pushManager.getSubscription();
return {asString: val(asString), asBytes: val(asBytes), get: val(get)};`, key, key), &v)
						Expect(err).To(BeNil(), "subscribe() again with the same key rejected")
						want := subv{Endpoint: c.Subscription.Endpoint, P256dh: c.Subscription.JSON.Keys["p256dh"], Auth: c.Subscription.JSON.Keys["auth"]}
						Expect(v.Get).To(Equal(want), "getSubscription() after subscribe()")
						Expect(v.AsString).To(Equal(want), "subscribe() with the key as a base64url string")
						Expect(v.AsBytes).To(Equal(want), "subscribe() with the key as a Uint8Array")
					}, specTimeout)

				conformance.It("subscribe() with a different key while subscribed rejects with InvalidStateError and keeps the subscription", tg, rules.SubscribeKeyChangeInvalidState,
					func(ctx SpecContext, r *conformance.Recorder) {
						clientEvidence(r, c)
						other := webpush.Base64URL(anotherKey())
						r.Evidence("other key", other)
						var v struct {
							Resolved string `json:"resolved"`
							Error    *struct {
								Name    string `json:"name"`
								Message string `json:"message"`
							} `json:"err"`
							After string `json:"after"`
						}
						err := evalInto(ctx, r, c, "key-change", fmt.Sprintf(`
const out = {};
try { out.resolved = (await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: fromB64u(%q)})).endpoint; } catch (e) { out.err = errv(e); }
const s = await reg.pushManager.getSubscription();
out.after = s ? s.endpoint : null;
return out;`, other), &v)
						Expect(err).To(BeNil(), "the key-change script threw %v in %s; subscribe() must resolve or reject and getSubscription() must resolve", err, k)
						Expect(v.Error).NotTo(BeNil(), "subscribe() with a different key resolved (endpoint %s)", v.Resolved)
						Expect(v.Error.Name).To(Equal("InvalidStateError"), "subscribe() with a different key rejected with %s: %s, not InvalidStateError; the Push API requires an InvalidStateError", v.Error.Name, v.Error.Message)
						Expect(v.After).To(Equal(c.Subscription.Endpoint), "getSubscription() after the refused key change")
					}, specTimeout)
			})

			Describe("without the notifications permission", Ordered, ContinueOnFailure, func() {
				var c *harness.Client
				var permission string
				BeforeAll(func(ctx SpecContext) {
					c = noClient(ctx, k, harness.ClientOptions{NoGrant: true})
					var v struct {
						Permission string `json:"permission"`
					}
					if err := evalInto(ctx, nil, c, "permission", `return {permission: Notification.permission};`, &v); err != nil {
						Fail("harness: reading Notification.permission: " + err.Error())
					}
					permission = v.Permission
				}, NodeTimeout(time.Minute))

				conformance.It("permissionState() agrees with the permission the origin has", tg, rules.PermissionStateMatches,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("Notification.permission", permission)
						var v struct {
							State string `json:"state"`
						}
						Expect(evalInto(ctx, r, c, "permissionState", `return {state: await reg.pushManager.permissionState({userVisibleOnly: true})};`, &v)).To(BeNil(), "the permissionState script threw in %s (see the js evidence); pushManager.permissionState() must resolve", k)
						want := map[string]string{"default": "prompt", "denied": "denied", "granted": "granted"}[permission]
						Expect(v.State).To(Equal(want), "permissionState() with Notification.permission %q", permission)
					}, specTimeout)

				conformance.It("subscribe() without a granted permission rejects with NotAllowedError", tg, rules.SubscribePermissionDenied,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("Notification.permission", permission)
						if permission == "granted" {
							conformance.HarnessError(fmt.Errorf("the fresh origin already has the notifications permission"))
						}
						// Headless Chromium answers a permission request it cannot show by denying it;
						// pushspec's Firefox denies every origin it was not granted
						// (permissions.default.desktop-notification 2, the "block new requests"
						// setting). A browser that instead leaves the request pending (a prompt nobody
						// can answer) has not been denied: that is no verdict.
						var a struct {
							Pending  bool   `json:"pending"`
							Resolved string `json:"resolved"`
							Error    *struct {
								Name    string `json:"name"`
								Message string `json:"message"`
							} `json:"err"`
						}
						Expect(evalInto(ctx, r, c, "subscribe", fmt.Sprintf(`
const out = {};
const attempt = (async () => {
  try { const s = await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: fromB64u(%q)}); out.resolved = s.endpoint; await s.unsubscribe(); } catch (e) { out.err = errv(e); }
  return out;
})();
return await Promise.race([attempt, new Promise((res) => setTimeout(() => res({pending: true}), 3000))]);`, webpush.Base64URL(env.VAPID.Public())), &a)).To(BeNil(), "the subscribe script threw in %s (see the js evidence); subscribe() must resolve or reject", k)
						if a.Pending {
							conformance.SkipBecause(fmt.Sprintf("no denied permission to test: with Notification.permission %q, %s leaves subscribe() pending on a permission prompt headless mode never answers, and the Env can grant but not deny", permission, k))
						}
						Expect(a.Error).NotTo(BeNil(), "subscribe() resolved without the permission (%s)", a.Resolved)
						Expect(a.Error.Name).To(Equal("NotAllowedError"), "subscribe() without the permission rejected with %s: %s, not NotAllowedError; the Push API requires a NotAllowedError", a.Error.Name, a.Error.Message)
					}, specTimeout)
			})

			// subscribe() calls that must fail, on a registration without a subscription. A call
			// that wrongly succeeds is undone at once, so the next one starts clean.
			Describe("subscribe() errors", Ordered, ContinueOnFailure, func() {
				var c *harness.Client
				BeforeAll(func(ctx SpecContext) {
					c = noClient(ctx, k, harness.ClientOptions{})
				}, NodeTimeout(time.Minute))

				// attempt runs subscribe(options-expression) and undoes a success.
				type attempt struct {
					Resolved string `json:"resolved"`
					Error    *struct {
						Name    string `json:"name"`
						Message string `json:"message"`
					} `json:"err"`
				}
				try := func(ctx SpecContext, r *conformance.Recorder, name, options string) attempt {
					var a attempt
					err := evalInto(ctx, r, c, name, `
const out = {};
try {
  const s = await reg.pushManager.subscribe(`+options+`);
  out.resolved = s.endpoint;
  await s.unsubscribe();
} catch (e) { out.err = errv(e); }
return out;`, &a)
					Expect(err).To(BeNil(), "the subscribe script threw %v in %s; subscribe() must resolve or reject", err, k)
					return a
				}
				name := func(a attempt) string {
					if a.Error == nil {
						return "resolved " + a.Resolved
					}
					return a.Error.Name + ": " + a.Error.Message
				}

				conformance.It("getSubscription() resolves null before any subscribe()", tg, rules.GetSubscriptionNull,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
						var v struct {
							Null bool `json:"null"`
						}
						Expect(evalInto(ctx, r, c, "getSubscription", `return {null: (await reg.pushManager.getSubscription()) === null};`, &v)).To(BeNil(), "the getSubscription script threw in %s (see the js evidence); getSubscription() must resolve", k)
						Expect(v.Null).To(BeTrue(), "getSubscription() resolved with a subscription; the Push API resolves null when there is none")
					}, specTimeout)

				conformance.It("rejects an applicationServerKey that is not a P-256 point with InvalidAccessError", tg, rules.SubscribeKeyNotP256,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
						offCurve := make([]byte, 65)
						offCurve[0], offCurve[32], offCurve[64] = 4, 1, 1
						cases := []struct{ name, key string }{
							{"empty string", `""`},
							{"empty ArrayBuffer", `new ArrayBuffer(0)`},
							{"empty Uint8Array", `new Uint8Array(0)`},
							{"Uint8Array [1,2,3]", `new Uint8Array([1, 2, 3])`},
							{"65 × 0x04", `new Uint8Array(65).fill(4)`},
							{"0x04 ‖ x=1 ‖ y=1 (off the curve)", fmt.Sprintf(`fromB64u(%q)`, webpush.Base64URL(offCurve))},
						}
						got := map[string]string{}
						for i, tc := range cases {
							a := try(ctx, r, fmt.Sprintf("case%d", i), `{userVisibleOnly: true, applicationServerKey: `+tc.key+`}`)
							got[tc.name] = name(a)
						}
						// The compressed form of a valid key is a point on the curve in another
						// encoding: not in the rule's cases, so only recorded.
						pub := env.VAPID.Public()
						comp := try(ctx, r, "compressed", fmt.Sprintf(`{userVisibleOnly: true, applicationServerKey: fromB64u(%q)}`,
							webpush.Base64URL(append([]byte{2 | pub[64]&1}, pub[1:33]...))))
						r.Observe(rules.SubscribeKeyNotP256, "33-octet compressed form of a valid key: "+name(comp))
						r.Evidence("results", fmt.Sprint(got))
						for _, tc := range cases {
							Expect(got[tc.name]).To(HavePrefix("InvalidAccessError"), "subscribe() with the applicationServerKey %s gave %q, not InvalidAccessError; the Push API rejects a key that is not a P-256 point", tc.name, got[tc.name])
						}
					}, specTimeout)

				conformance.It("rejects an applicationServerKey string that is not base64url with InvalidCharacterError", tg, rules.SubscribeKeyBadBase64URL,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
						// A valid key whose standard base64 has '+' or '/'.
						var std string
						for i := 0; i < 64 && !strings.ContainsAny(std, "+/"); i++ {
							std = base64.RawStdEncoding.EncodeToString(anotherKey())
						}
						cases := []struct{ name, key string }{
							{"!!!", "!!!"},
							{"standard base64 with + or /", std},
						}
						got := map[string]string{}
						for i, tc := range cases {
							a := try(ctx, r, fmt.Sprintf("case%d", i), fmt.Sprintf(`{userVisibleOnly: true, applicationServerKey: %q}`, tc.key))
							got[tc.name] = name(a)
						}
						// Padded base64url is not in the rule; record what each browser does.
						padded := base64.URLEncoding.EncodeToString(anotherKey())
						p := try(ctx, r, "padded", fmt.Sprintf(`{userVisibleOnly: true, applicationServerKey: %q}`, padded))
						r.Observe(rules.SubscribeKeyBadBase64URL, "padded base64url key ("+padded+"): "+name(p))
						r.Evidence("results", fmt.Sprint(got))
						for _, tc := range cases {
							Expect(got[tc.name]).To(HavePrefix("InvalidCharacterError"), "subscribe() with the applicationServerKey %q gave %q, not InvalidCharacterError; the Push API rejects a string key that is not base64url", tc.key, got[tc.name])
						}
					}, specTimeout)

				conformance.It("without an applicationServerKey, resolves or rejects with NotSupportedError", tg, rules.SubscribeKeyRequired,
					func(ctx SpecContext, r *conformance.Recorder) {
						// The rule applies when the push service needs a key: a browser whose
						// service takes keyless subscriptions resolves (recorded), one whose
						// service does not must reject with NotSupportedError.
						r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
						a := try(ctx, r, "no-key", `{userVisibleOnly: true}`)
						r.Evidence("result", name(a))
						if a.Error == nil {
							r.Observe(rules.SubscribeKeyRequired, "subscribe() without a key resolved: this browser's push service takes keyless subscriptions")
							return
						}
						Expect(a.Error.Name).To(Equal("NotSupportedError"), "subscribe() without applicationServerKey rejected with %s", name(a))
					}, specTimeout)

				conformance.It("with userVisibleOnly false, resolves or rejects with NotAllowedError", tg, rules.SubscribeUserVisibleRequired,
					func(ctx SpecContext, r *conformance.Recorder) {
						r.Evidence("browser", string(k)+" "+env.Browser(k).Version())
						a := try(ctx, r, "uvo-false", fmt.Sprintf(`{userVisibleOnly: false, applicationServerKey: fromB64u(%q)}`, webpush.Base64URL(env.VAPID.Public())))
						r.Evidence("result", name(a))
						if a.Error == nil {
							r.Observe(rules.SubscribeUserVisibleRequired, "userVisibleOnly: false accepted: this browser does not require user-visible pushes")
							return
						}
						Expect(a.Error.Name).To(Equal("NotAllowedError"), "subscribe({userVisibleOnly: false}) rejected with %s", name(a))
					}, specTimeout)
			})
		})
	}
})
