package rules

// W3C Push API (editor's draft 53fc465, 2024-09-03). W3C documents renumber, so these IDs carry
// no section number and Section holds the heading name.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

// SecureContextOnly — Push API, "IDL `[SecureContext]`; Security and privacy", paraphrased: The
// Push API exists only in secure contexts.
var SecureContextOnly = Register(Rule{
	ID: "pushapi-secure-context-only", Doc: PushAPI, Section: "IDL `[SecureContext]`; Security and privacy",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The Push API exists only in secure contexts.",
	Check:   "Load the fixture from a non-loopback `http://` origin (a test host name resolved to 127.0.0.1); `'PushManager' in self` is false and `registration.pushManager` undefined.",
})

// SupportedEncodingsAES128GCM — Push API, "PushManager", paraphrased: supportedContentEncodings
// lists aes128gcm (older draft codings may follow).
var SupportedEncodingsAES128GCM = Register(Rule{
	ID: "pushapi-supported-encodings-aes128gcm", Doc: PushAPI, Section: "PushManager",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`supportedContentEncodings` lists `aes128gcm` (older draft codings may follow).",
	Check:   "Read it; contains `\"aes128gcm\"`; record the rest.",
})

// SupportedEncodingsFrozenSameObject — Push API, "PushManager (IDL)": `[SameObject] static
// readonly attribute FrozenArray<DOMString> supportedContentEncodings;`. The FrozenArray type is
// the requirement. The [SameObject] annotation is not: Web IDL says "The [SameObject] extended
// attribute must not be used on anything other than a read only attribute whose type is an
// interface type or object", and a FrozenArray is neither, so identity across reads is recorded
// (info), not graded. The ID keeps its old name; IDs are stable.
var SupportedEncodingsFrozenSameObject = Register(Rule{
	ID: "pushapi-supported-encodings-frozen-same-object", Doc: PushAPI, Section: "PushManager (IDL)",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "It is a frozen array (whether every read returns the same array is recorded: Web IDL does not allow `[SameObject]` on a FrozenArray attribute).",
	Check:   "`Array.isArray(a)` and `Object.isFrozen(a)`; record whether `a === PushManager.supportedContentEncodings`.",
})

// SubscribePermissionDenied — Push API, "subscribe()", paraphrased: With permission denied,
// subscribe() rejects with NotAllowedError.
var SubscribePermissionDenied = Register(Rule{
	ID: "pushapi-subscribe-permission-denied", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "With permission denied, `subscribe()` rejects with `NotAllowedError`.",
	Check:   "Denied profile; expect `NotAllowedError`.",
})

// SubscribeNoActiveWorker — Push API, "subscribe()", paraphrased: Without an active worker,
// subscribe() rejects with InvalidStateError.
var SubscribeNoActiveWorker = Register(Rule{
	ID: "pushapi-subscribe-no-active-worker", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Without an active worker, `subscribe()` rejects with `InvalidStateError`.",
	Check:   "Call it from the SW's `install` handler (no active worker yet), as WPT does.",
})

// SubscribeUserVisibleRequired — Push API, "subscribe()", paraphrased: If the UA requires
// userVisibleOnly: true and gets false, it rejects with NotAllowedError.
var SubscribeUserVisibleRequired = Register(Rule{
	ID: "pushapi-subscribe-user-visible-required", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "If the UA requires `userVisibleOnly: true` and gets `false`, it rejects with `NotAllowedError`.",
	Check:   "`subscribe({userVisibleOnly: false, applicationServerKey})`. Chromium requires `true` → expect `NotAllowedError`; Firefox accepts → pass.",
})

// SubscribeKeyRequired — Push API, "subscribe()", paraphrased: If the push service needs an
// applicationServerKey and none is given, it rejects with NotSupportedError.
var SubscribeKeyRequired = Register(Rule{
	ID: "pushapi-subscribe-key-required", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "If the push service needs an applicationServerKey and none is given, it rejects with `NotSupportedError`.",
	Check:   "`subscribe({userVisibleOnly: true})`. Chromium historically rejects with `AbortError` \"Registration failed - missing applicationServerKey, and manifest empty or missing\" → record the name; Firefox accepts.",
})

// SubscribeKeyBadBase64URL — Push API, "subscribe()", paraphrased: A string key that does not
// base64url-decode rejects with InvalidCharacterError.
var SubscribeKeyBadBase64URL = Register(Rule{
	ID: "pushapi-subscribe-key-bad-base64url", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A string key that does not base64url-decode rejects with `InvalidCharacterError`.",
	Check:   "Keys `\"!!!\"` and standard base64 with `+` or `/`; expect `InvalidCharacterError`. Record how padded input is treated.",
})

// SubscribeKeyNotP256 — Push API, "subscribe()", paraphrased: A key that is not a valid P-256
// point rejects with InvalidAccessError.
var SubscribeKeyNotP256 = Register(Rule{
	ID: "pushapi-subscribe-key-not-p256", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A key that is not a valid P-256 point rejects with `InvalidAccessError`.",
	Check:   "`\"\"`, empty ArrayBuffer, empty Uint8Array, `[1,2,3]`, 65 × 0x04; expect `InvalidAccessError` each.",
})

// SubscribeKeyChangeInvalidState — Push API, "subscribe()", paraphrased: Subscribing again with a
// different key while subscribed rejects with InvalidStateError.
var SubscribeKeyChangeInvalidState = Register(Rule{
	ID: "pushapi-subscribe-key-change-invalid-state", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Subscribing again with a different key while subscribed rejects with `InvalidStateError`.",
	Check:   "subscribe(K1), then subscribe(K2); error; `getSubscription()` unchanged.",
})

// SubscribeSameOptionsSameSubscription — Push API, "subscribe()", paraphrased: Subscribing again
// with equal options resolves with the existing subscription (key bytes compared, not objects).
var SubscribeSameOptionsSameSubscription = Register(Rule{
	ID: "pushapi-subscribe-same-options-same-subscription", Doc: PushAPI, Section: "subscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Subscribing again with equal options resolves with the existing subscription (key bytes compared, not objects).",
	Check:   "subscribe(K1 as string), then subscribe(K1 as Uint8Array); same endpoint and keys.",
})

// SubscribePushServiceError — Push API, "subscribe(); getSubscription()", paraphrased: A failing
// push service makes the promise reject (AbortError for retrieval errors; the creation exception
// otherwise).
var SubscribePushServiceError = Register(Rule{
	ID: "pushapi-subscribe-push-service-error", Doc: PushAPI, Section: "subscribe(); getSubscription()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A failing push service makes the promise reject (`AbortError` for retrieval errors; the creation exception otherwise).",
	Check:   "The fake refuses registration on the UA link (autopush `register` with an error status; MCS error); expect a rejection; record its name.",
})

// GetSubscriptionNull — Push API, "getSubscription()", paraphrased: getSubscription() resolves
// null when there is no subscription.
var GetSubscriptionNull = Register(Rule{
	ID: "pushapi-getsubscription-null", Doc: PushAPI, Section: "getSubscription()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`getSubscription()` resolves `null` when there is no subscription.",
	Check:   "Before the first subscribe and after unsubscribe.",
})

// PermissionStateMatches — Push API, "permissionState(); Permission", paraphrased:
// permissionState() reports the push permission: granted, denied or prompt.
var PermissionStateMatches = Register(Rule{
	ID: "pushapi-permissionstate-matches", Doc: PushAPI, Section: "permissionState(); Permission",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`permissionState()` reports the `push` permission: `granted`, `denied` or `prompt`.",
	Check:   "Granted, denied and fresh profiles; also `permissions.query({name: \"push\", userVisibleOnly: true})`.",
})

// SubscriptionEndpointAbsolute — Push API, "Push subscription; PushSubscription", paraphrased:
// endpoint is an absolute URL that uniquely identifies the subscription.
var SubscriptionEndpointAbsolute = Register(Rule{
	ID: "pushapi-subscription-endpoint-absolute", Doc: PushAPI, Section: "Push subscription; PushSubscription",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`endpoint` is an absolute URL that uniquely identifies the subscription.",
	Check:   "`new URL(endpoint)` works; equals the endpoint the push service issued; differs between registrations.",
})

// SubscriptionP256DH65Octets — Push API, "PushSubscription getKey()", paraphrased:
// getKey('p256dh') is the 65-octet uncompressed P-256 public key.
var SubscriptionP256DH65Octets = Register(Rule{
	ID: "pushapi-subscription-p256dh-65-octets", Doc: PushAPI, Section: "PushSubscription getKey()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`getKey('p256dh')` is the 65-octet uncompressed P-256 public key.",
	Check:   "`byteLength` 65, first byte 0x04, on the curve (checked in Go).",
})

// SubscriptionAuth16Octets — Push API, "PushSubscription getKey()", paraphrased: getKey('auth') is
// the 16-octet authentication secret.
var SubscriptionAuth16Octets = Register(Rule{
	ID: "pushapi-subscription-auth-16-octets", Doc: PushAPI, Section: "PushSubscription getKey()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`getKey('auth')` is the 16-octet authentication secret.",
	Check:   "`byteLength` 16.",
})

// SubscriptionGetKeyFreshBuffer — Push API, "PushSubscription getKey()", paraphrased: Every
// getKey() call returns a new ArrayBuffer.
var SubscriptionGetKeyFreshBuffer = Register(Rule{
	ID: "pushapi-subscription-getkey-fresh-buffer", Doc: PushAPI, Section: "PushSubscription getKey()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Every `getKey()` call returns a new ArrayBuffer.",
	Check:   "Overwrite the bytes of one result; a second call still returns the original bytes and is a different object.",
})

// SubscriptionGetKeyUnknownName — Push API, "PushEncryptionKeyName (IDL enum)", paraphrased: Names
// other than p256dh and auth are refused by the IDL binding.
var SubscriptionGetKeyUnknownName = Register(Rule{
	ID: "pushapi-subscription-getkey-unknown-name", Doc: PushAPI, Section: "PushEncryptionKeyName (IDL enum)",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Names other than `p256dh` and `auth` are refused by the IDL binding.",
	Check:   "`getKey('foo')` throws `TypeError`.",
})

// SubscriptionToJSONShape — Push API, "PushSubscription toJSON()", paraphrased: toJSON() gives
// {endpoint, expirationTime, keys: {auth, p256dh}}, keys as unpadded base64url, options not
// serialized.
var SubscriptionToJSONShape = Register(Rule{
	ID: "pushapi-subscription-tojson-shape", Doc: PushAPI, Section: "PushSubscription toJSON()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`toJSON()` gives `{endpoint, expirationTime, keys: {auth, p256dh}}`, keys as unpadded base64url, options not serialized.",
	Check:   "Parse in Go: no `=`, `+` or `/` in keys; bytes equal `getKey()`; no `options` member.",
})

// SubscriptionExpirationTime — Push API, "PushSubscription", paraphrased: expirationTime is null
// or the epoch-ms time the push service gave.
var SubscriptionExpirationTime = Register(Rule{
	ID: "pushapi-subscription-expiration-time", Doc: PushAPI, Section: "PushSubscription",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`expirationTime` is `null` or the epoch-ms time the push service gave.",
	Check:   "The autopush link and FCM emulation give none → expect `null`; a link that sends one → equal.",
})

// SubscriptionOptionsReflect — Push API, "PushSubscriptionOptions": each attribute "when getting,
// returns the value it was initialized with", and PushSubscription has `[SameObject] readonly
// attribute PushSubscriptionOptions options`. Only the options the UA exposes are compared: "These
// options are optional, and user agents MAY choose to support only a subset of them. A user agent
// MUST NOT expose options that it does not support." (SubscriptionOptionsUnsupportedNotExposed).
// Identity of applicationServerKey across reads is recorded, not graded: Web IDL allows
// [SameObject] only on an interface type or object, and ArrayBuffer is neither.
var SubscriptionOptionsReflect = Register(Rule{
	ID: "pushapi-subscription-options-reflect", Doc: PushAPI, Section: "PushSubscriptionOptions",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`subscription.options` (`[SameObject]`) reflects the options the UA exposes: `userVisibleOnly` as given, the key as an ArrayBuffer of the same bytes.",
	Check:   "`sub.options === sub.options`; compare the key bytes; compare `userVisibleOnly` when exposed (its absence is allowed); record whether `options.applicationServerKey` is the same object on every read.",
})

// SubscriptionOptionsUnsupportedNotExposed — Push API, "PushSubscriptionOptionsInit": "These
// options are optional, and user agents MAY choose to support only a subset of them. A user agent
// MUST NOT expose options that it does not support."
var SubscriptionOptionsUnsupportedNotExposed = Register(Rule{
	ID: "pushapi-subscription-options-unsupported-not-exposed", Doc: PushAPI, Section: "PushSubscriptionOptionsInit",
	Level: MustNot, Actor: UserAgent, Seen: Browser,
	Summary: "A UA does not expose options it does not support (each option is optional).",
	Check:   "List the attributes of `PushSubscriptionOptions.prototype`. `applicationServerKey` exposed: it returns the key `subscribe()` used. `userVisibleOnly` exposed: `permissionState()` answers `{userVisibleOnly: false}` differently from `true` (else skip: support cannot be told from outside).",
})

// SubscriptionFreshKeys — Push API, "Push subscription (create)", paraphrased: Each new
// subscription gets a fresh key pair and auth secret.
var SubscriptionFreshKeys = Register(Rule{
	ID: "pushapi-subscription-fresh-keys", Doc: PushAPI, Section: "Push subscription (create)",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Each new subscription gets a fresh key pair and auth secret.",
	Check:   "Subscribe, unsubscribe, subscribe: `p256dh` and `auth` both change.",
})

// DeactivatedEndpointNotReused — Push API, "Security and privacy", paraphrased: The endpoint of a
// deactivated subscription is never reused for a new one.
var DeactivatedEndpointNotReused = Register(Rule{
	ID: "pushapi-deactivated-endpoint-not-reused", Doc: PushAPI, Section: "Security and privacy",
	Level: MustNot, Actor: UserAgent, Seen: Browser,
	Summary: "The endpoint of a deactivated subscription is never reused for a new one.",
	Check:   "Same cycle: new endpoint ≠ old; the old one now gets 404/410 from the service.",
})

// UnsubscribeTrueThenFalse — Push API, "PushSubscription unsubscribe()", paraphrased:
// unsubscribe() resolves true; on an already deactivated subscription it resolves false.
var UnsubscribeTrueThenFalse = Register(Rule{
	ID: "pushapi-unsubscribe-true-then-false", Doc: PushAPI, Section: "PushSubscription unsubscribe()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`unsubscribe()` resolves `true`; on an already deactivated subscription it resolves `false`.",
	Check:   "Call twice on the same object.",
})

// UnsubscribeStopsDelivery — Push API, "unsubscribe(); Subscription Deactivation", paraphrased:
// After unsubscribing, no further messages are delivered for that subscription.
var UnsubscribeStopsDelivery = Register(Rule{
	ID: "pushapi-unsubscribe-stops-delivery", Doc: PushAPI, Section: "unsubscribe(); Subscription Deactivation",
	Level: MustNot, Actor: UserAgent, Seen: Browser,
	Summary: "After unsubscribing, no further messages are delivered for that subscription.",
	Check:   "The fake sees the UA's unregister (autopush `unregister`); a POST to the old endpoint gets 404/410 and the SW reports nothing (sentinel on a new subscription).",
})

// UnsubscribeRetries — Push API, "unsubscribe()", paraphrased: If telling the push service fails,
// the UA retries for a reasonable time.
var UnsubscribeRetries = Register(Rule{
	ID: "pushapi-unsubscribe-retries", Doc: PushAPI, Section: "unsubscribe()",
	Level: Should, Actor: UserAgent, Seen: Browser,
	Summary: "If telling the push service fails, the UA retries for a reasonable time.",
	Check:   "The fake drops the unregister; record later retries.",
})

// SWUnregisterDeactivates — Push API, "Security and privacy; Subscription Deactivation",
// paraphrased: Unregistering the service worker registration deactivates its subscription.
var SWUnregisterDeactivates = Register(Rule{
	ID: "pushapi-sw-unregister-deactivates", Doc: PushAPI, Section: "Security and privacy; Subscription Deactivation",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Unregistering the service worker registration deactivates its subscription.",
	Check:   "`registration.unregister()`; unregister seen on the link; old endpoint dead; a new registration's `getSubscription()` is `null`.",
})

// PushEventFired — Push API, "Receiving a Push Message", paraphrased: A message that decrypts
// fires push at the registration's SW with data holding the decrypted bytes.
var PushEventFired = Register(Rule{
	ID: "pushapi-push-event-fired", Doc: PushAPI, Section: "Receiving a Push Message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A message that decrypts fires `push` at the registration's SW with `data` holding the decrypted bytes.",
	Check:   "Send \"hello\" with the reference sender; SW beacons `event.data.text()`.",
})

// PushDataNullWithoutPayload — Push API, "Receiving a Push Message; PushEvent", paraphrased: A
// message without a payload fires push with data === null.
var PushDataNullWithoutPayload = Register(Rule{
	ID: "pushapi-push-data-null-without-payload", Doc: PushAPI, Section: "Receiving a Push Message; PushEvent",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A message without a payload fires `push` with `data === null`.",
	Check:   "POST with no body and only `TTL`; SW reports `null`.",
})

// PushDataEmptyPayload — Push API, "Receiving a Push Message", paraphrased: An encrypted empty
// plaintext gives data with zero bytes, not null.
// † Stated without a BCP 14 keyword; the level is pushspec's reading.
var PushDataEmptyPayload = Register(Rule{
	ID: "pushapi-push-data-empty-payload", Doc: PushAPI, Section: "Receiving a Push Message",
	Level: Must, Implied: true, Actor: UserAgent, Seen: Browser,
	Summary: "An encrypted empty plaintext gives `data` with zero bytes, not `null`.",
	Check:   "Deliver the `empty-plaintext` vector; expect non-null data with `arrayBuffer().byteLength === 0`.",
})

// UndecryptableNoEvent — Push API, "Receiving a Push Message", paraphrased: A message that fails
// to decrypt fires no push event.
var UndecryptableNoEvent = Register(Rule{
	ID: "pushapi-undecryptable-no-event", Doc: PushAPI, Section: "Receiving a Push Message",
	Level: MustNot, Actor: UserAgent, Seen: Browser,
	Summary: "A message that fails to decrypt fires no `push` event.",
	Check:   "Corrupt ciphertext, then a sentinel; only the sentinel.",
})

// UndecryptableAcknowledged — Push API, "Receiving a Push Message": "If the push message payload
// could not be decrypted for any reason: Acknowledge the receipt of the push message according to
// [RFC8030]." Any acknowledgement; autopush's code 101 is its own and only recorded.
var UndecryptableAcknowledged = Register(Rule{
	ID: "pushapi-undecryptable-acknowledged", Doc: PushAPI, Section: "Receiving a Push Message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The undecryptable message is still acknowledged so the service stops retrying it.",
	Check:   "Corrupt ciphertext: an ack arrives (its code recorded; autopush says 101) and the push service no longer stores the message. Chromium's MCS stream ack carries no code: its DevTools record must show the message was not decrypted.",
})

// AckAfterWaitUntil — Push API, "Receiving a Push Message": "If all the promises resolve
// successfully, acknowledge the receipt of the push message according to [RFC8030]". Only a link
// whose ack follows the push event can show it: Chromium's MCS stream ack is transport receipt.
var AckAfterWaitUntil = Register(Rule{
	ID: "pushapi-ack-after-waituntil", Doc: PushAPI, Section: "Receiving a Push Message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Once the event's lifetime promises resolve, the message is acknowledged.",
	Check:   "SW holds `waitUntil` 1 s and beacons \"done\"; the ack arrives after the beacon. Chromium: skip (its MCS stream ack acknowledges receipt on the connection, not the push event).",
})

// RejectedWaitUntilRetries — Push API, "Receiving a Push Message", paraphrased: If waitUntil
// rejects, several attempts (three recommended) come before the UA acknowledges anyway.
var RejectedWaitUntilRetries = Register(Rule{
	ID: "pushapi-rejected-waituntil-retries", Doc: PushAPI, Section: "Receiving a Push Message",
	Level: Should, Actor: UserAgent, Seen: Browser,
	Summary: "If `waitUntil` rejects, several attempts (three recommended) come before the UA acknowledges anyway.",
	Check:   "SW rejects for a marked message; count deliveries before the ack.",
})

// PMDTextUTF8 — Push API, "PushMessageData", paraphrased: text() is UTF-8 decode: a leading BOM is
// dropped, invalid bytes become U+FFFD.
var PMDTextUTF8 = Register(Rule{
	ID: "pushapi-pmd-text-utf8", Doc: PushAPI, Section: "PushMessageData",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`text()` is UTF-8 decode: a leading BOM is dropped, invalid bytes become U+FFFD.",
	Check:   "Bytes `EF BB BF 41` → `\"A\"`; `FF` → `\"\\uFFFD\"`.",
})

// PMDJSON — Push API, "PushMessageData", paraphrased: json() parses the bytes as JSON; invalid
// JSON throws SyntaxError.
var PMDJSON = Register(Rule{
	ID: "pushapi-pmd-json", Doc: PushAPI, Section: "PushMessageData",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`json()` parses the bytes as JSON; invalid JSON throws `SyntaxError`.",
	Check:   "`{\"a\":1}` → object; `{` → `SyntaxError`.",
})

// PMDArrayBuffer — Push API, "PushMessageData", paraphrased: arrayBuffer() returns the exact bytes
// (binary-safe).
var PMDArrayBuffer = Register(Rule{
	ID: "pushapi-pmd-arraybuffer", Doc: PushAPI, Section: "PushMessageData",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`arrayBuffer()` returns the exact bytes (binary-safe).",
	Check:   "The 256 byte values 0x00…0xFF round-trip.",
})

// PMDBlob — Push API, "PushMessageData", paraphrased: blob() returns a Blob of the bytes.
var PMDBlob = Register(Rule{
	ID: "pushapi-pmd-blob", Doc: PushAPI, Section: "PushMessageData",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`blob()` returns a Blob of the bytes.",
	Check:   "Size and bytes equal.",
})

// PMDBytes — Push API, "PushMessageData", paraphrased: bytes() returns a Uint8Array of the bytes
// (added 2024).
var PMDBytes = Register(Rule{
	ID: "pushapi-pmd-bytes", Doc: PushAPI, Section: "PushMessageData",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`bytes()` returns a Uint8Array of the bytes (added 2024).",
	Check:   "Feature-detect; absent → skip (unsupported).",
})

// PushSubscriptionChangeOnRefresh — Push API, "Subscription Refreshes", paraphrased: After a
// refresh the UA fires pushsubscriptionchange with old and new subscriptions; the new one has a
// different key pair.
var PushSubscriptionChangeOnRefresh = Register(Rule{
	ID: "pushapi-pushsubscriptionchange-on-refresh", Doc: PushAPI, Section: "Subscription Refreshes",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "After a refresh the UA fires `pushsubscriptionchange` with old and new subscriptions; the new one has a different key pair.",
	Check:   "Make the link invalidate the channel so the browser re-registers; SW reports both endpoints and keys. Verify each browser's real trigger first.",
})

// PushSubscriptionChangeOnLoss — Push API, "Subscription Refreshes", paraphrased: When the
// subscription can no longer be used, the event fires with the old subscription and
// newSubscription: null.
var PushSubscriptionChangeOnLoss = Register(Rule{
	ID: "pushapi-pushsubscriptionchange-on-loss", Doc: PushAPI, Section: "Subscription Refreshes",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "When the subscription can no longer be used, the event fires with the old subscription and `newSubscription: null`.",
	Check:   "The fake expires the channel and refuses re-registration.",
})

// PushSubscriptionChangeOnKeyChange — Push API, "Push subscription", paraphrased: Any change of
// keys fires the event with old and new subscriptions.
var PushSubscriptionChangeOnKeyChange = Register(Rule{
	ID: "pushapi-pushsubscriptionchange-on-key-change", Doc: PushAPI, Section: "Push subscription",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Any change of keys fires the event with old and new subscriptions.",
	Check:   "Observed together with the refresh case.",
})

// RefreshOldDeactivated — Push API, "Subscription Refreshes", paraphrased: Once messages arrive
// for the refreshed subscription, the old one is deactivated.
var RefreshOldDeactivated = Register(Rule{
	ID: "pushapi-refresh-old-deactivated", Doc: PushAPI, Section: "Subscription Refreshes",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Once messages arrive for the refreshed subscription, the old one is deactivated.",
	Check:   "After one message to the new endpoint, POST to the old: 404/410, no event.",
})

// PermissionRevokeDeactivates — Push API, "Security and privacy", paraphrased: Revoking permission
// deactivates the subscriptions made under it (the change event MAY fire with newSubscription:
// null).
var PermissionRevokeDeactivates = Register(Rule{
	ID: "pushapi-permission-revoke-deactivates", Doc: PushAPI, Section: "Security and privacy",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Revoking permission deactivates the subscriptions made under it (the change event MAY fire with `newSubscription: null`).",
	Check:   "Revoke in the profile; old endpoint dead; record whether the event fired.",
})

// EndpointNoUserInfo — Push API, "Security and privacy", paraphrased: The endpoint lets no one but
// the push service derive user information (device, identity, location).
var EndpointNoUserInfo = Register(Rule{
	ID: "pushapi-endpoint-no-user-info", Doc: PushAPI, Section: "Security and privacy",
	Level: MustNot, Actor: UserAgent, Seen: Browser,
	Summary: "The endpoint lets no one but the push service derive user information (device, identity, location).",
	Check:   "Same scan as rfc8030-8.2-no-user-device-info *(heuristic)*.",
})

// ExpressPermission — Push API, "Security and privacy", paraphrased: No Push API access without
// express permission; consent per subscribe() unless a grant persists; persisted grants revocable.
var ExpressPermission = Register(Rule{
	ID: "pushapi-express-permission", Doc: PushAPI, Section: "Security and privacy",
	Level: Must, Actor: UserAgent, Seen: Review,
	Summary: "No Push API access without express permission; consent per `subscribe()` unless a grant persists; persisted grants revocable.",
	Check:   "pushspec pre-grants; only the denied case is checked (pushapi-subscribe-permission-denied). The UI parts are catalogue only.",
})
