package rules

// WHATWG Notifications API, the parts a push handler uses (review draft 2026-01).
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

// NotificationShowRequiresPermission — Notifications, "showNotification()", paraphrased: Without
// granted permission, showNotification() rejects with TypeError.
var NotificationShowRequiresPermission = Register(Rule{
	ID: "notifications-show-requires-permission", Doc: Notifications, Section: "showNotification()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Without granted permission, `showNotification()` rejects with `TypeError`.",
	Check:   "Denied profile; `TypeError`; `getNotifications()` empty.",
})

// NotificationShowRequiresActiveWorker — Notifications, "showNotification()", paraphrased: With no
// active worker, it rejects with TypeError.
var NotificationShowRequiresActiveWorker = Register(Rule{
	ID: "notifications-show-requires-active-worker", Doc: Notifications, Section: "showNotification()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "With no active worker, it rejects with `TypeError`.",
	Check:   "From a page, on a registration whose worker is still installing.",
})

// NotificationSilentWithVibrate — Notifications, "create a notification", paraphrased: silent:
// true together with vibrate throws TypeError.
var NotificationSilentWithVibrate = Register(Rule{
	ID: "notifications-silent-with-vibrate", Doc: Notifications, Section: "create a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`silent: true` together with `vibrate` throws `TypeError`.",
	Check:   "`showNotification('t', {silent: true, vibrate: [100]})` rejects.",
})

// NotificationRenotifyNeedsTag — Notifications, "create a notification", paraphrased: renotify:
// true with an empty tag throws TypeError.
var NotificationRenotifyNeedsTag = Register(Rule{
	ID: "notifications-renotify-needs-tag", Doc: Notifications, Section: "create a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`renotify: true` with an empty `tag` throws `TypeError`.",
	Check:   "Rejects.",
})

// NotificationDataStructuredClone — Notifications, "create a notification; `data` getter",
// paraphrased: data is structured-serialized; it round-trips; unserializable data rejects.
var NotificationDataStructuredClone = Register(Rule{
	ID: "notifications-data-structured-clone", Doc: Notifications, Section: "create a notification; `data` getter",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`data` is structured-serialized; it round-trips; unserializable data rejects.",
	Check:   "`{a: [1, 2], d: new Date(0)}` comes back equal; a function → `DataCloneError`.",
})

// NotificationGetCreationOrder — Notifications, "getNotifications()", paraphrased:
// getNotifications() lists this registration's notifications in creation order.
var NotificationGetCreationOrder = Register(Rule{
	ID: "notifications-get-creation-order", Doc: Notifications, Section: "getNotifications()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`getNotifications()` lists this registration's notifications in creation order.",
	Check:   "Show A, B, C; get `[A, B, C]`.",
})

// NotificationGetTagFilter — Notifications, "getNotifications()", paraphrased: The tag filter
// returns only matching notifications.
var NotificationGetTagFilter = Register(Rule{
	ID: "notifications-get-tag-filter", Doc: Notifications, Section: "getNotifications()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The `tag` filter returns only matching notifications.",
	Check:   "Tags x, y; filter y.",
})

// NotificationGetRegistrationScoped — Notifications, "getNotifications()", paraphrased: Other
// registrations' notifications (and non-persistent ones) are not listed.
var NotificationGetRegistrationScoped = Register(Rule{
	ID: "notifications-get-registration-scoped", Doc: Notifications, Section: "getNotifications()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Other registrations' notifications (and non-persistent ones) are not listed.",
	Check:   "Two SW scopes plus a page `new Notification()`.",
})

// NotificationTagReplaces — Notifications, "Showing a notification", paraphrased: A notification
// with the tag of an existing one from the same origin replaces it.
var NotificationTagReplaces = Register(Rule{
	ID: "notifications-tag-replaces", Doc: Notifications, Section: "Showing a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A notification with the tag of an existing one from the same origin replaces it.",
	Check:   "Tag t \"A\", then tag t \"B\"; one entry, body \"B\".",
})

// NotificationCloseRemoves — Notifications, "Closing a notification", paraphrased: close() removes
// the notification from the list.
var NotificationCloseRemoves = Register(Rule{
	ID: "notifications-close-removes", Doc: Notifications, Section: "Closing a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`close()` removes the notification from the list.",
	Check:   "Close; it is no longer listed.",
})

// NotificationNavigateAttribute — Notifications, "Object members", paraphrased: navigate is the
// URL parsed against the base URL, or "" when absent or unparsable.
var NotificationNavigateAttribute = Register(Rule{
	ID: "notifications-navigate-attribute", Doc: Notifications, Section: "Object members",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`navigate` is the URL parsed against the base URL, or `\"\"` when absent or unparsable.",
	Check:   "`\"/x\"` → absolute; `\"http://999.999\"` → `\"\"`. Feature-detect; absent → skip.",
})

// NotificationActionsCapped — Notifications, "create a notification; `actions` getter",
// paraphrased: Actions beyond Notification.maxActions are dropped; the getter returns a frozen
// array of frozen objects.
var NotificationActionsCapped = Register(Rule{
	ID: "notifications-actions-capped", Doc: Notifications, Section: "create a notification; `actions` getter",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Actions beyond `Notification.maxActions` are dropped; the getter returns a frozen array of frozen objects.",
	Check:   "`maxActions + 2` actions; length `maxActions`; `Object.isFrozen`.",
})

// NotificationTimestampDefault — Notifications, "create a notification", paraphrased: Without
// timestamp, it is the creation time in ms: "Let fallbackTimestamp be the number of milliseconds
// from the Unix epoch to settings's current wall time, rounded to the nearest integer."
var NotificationTimestampDefault = Register(Rule{
	ID: "notifications-timestamp-default", Doc: Notifications, Section: "create a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Without `timestamp`, it is the creation time in ms.",
	Check:   "Between `Date.now()` read before the call and after it resolved, plus 1 ms (the creation time is rounded to the nearest ms, `Date.now()` rounds down).",
})

// NotificationConstructorInSW — Notifications, "Constructors", paraphrased: new Notification()
// inside a service worker throws TypeError.
var NotificationConstructorInSW = Register(Rule{
	ID: "notifications-constructor-in-sw", Doc: Notifications, Section: "Constructors",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`new Notification()` inside a service worker throws `TypeError`.",
	Check:   "Try in the SW.",
})

// NotificationUserVisibleEnforcement — Notifications / Push API, "showNotification() flag;
// userVisibleOnly", paraphrased: How a UA reacts when a userVisibleOnly push shows nothing is UA-
// defined.
var NotificationUserVisibleEnforcement = Register(Rule{
	ID: "notifications-user-visible-enforcement", Doc: Notifications, Section: "showNotification() flag; userVisibleOnly",
	Level: May, Actor: UserAgent, Seen: Browser,
	Summary: "How a UA reacts when a `userVisibleOnly` push shows nothing is UA-defined.",
	Check:   "Push without showing; record (Chromium shows a generic \"updated in the background\" notification; Safari revokes after repeated silent pushes).",
})
