package rules

// WHATWG Notifications API, the parts a push handler uses (review draft 2026-01).
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

var NotificationShowRequiresPermission = Register(Rule{
	ID: "notifications-show-requires-permission", Doc: Notifications, Section: "showNotification()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Without granted permission, `showNotification()` rejects with `TypeError`.",
	Quote:   "If the result of getting the notifications permission state is not \"granted\", then queue a global task on the DOM manipulation task source given global to reject promise with a TypeError, and abort these steps.",
	Check:   "Denied profile; `TypeError`; `getNotifications()` empty.",
})

var NotificationShowRequiresActiveWorker = Register(Rule{
	ID: "notifications-show-requires-active-worker", Doc: Notifications, Section: "showNotification()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "With no active worker, it rejects with `TypeError`.",
	Quote:   "If this's active worker is null, then reject promise with a TypeError and return promise.",
	Check:   "From a page, on a registration whose worker is still installing.",
})

var NotificationSilentWithVibrate = Register(Rule{
	ID: "notifications-silent-with-vibrate", Doc: Notifications, Section: "create a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`silent: true` together with `vibrate` throws `TypeError`.",
	Quote:   "If options[\"silent\"] is true and options[\"vibrate\"] exists, then throw a TypeError.",
	Check:   "`showNotification('t', {silent: true, vibrate: [100]})` rejects.",
})

var NotificationRenotifyNeedsTag = Register(Rule{
	ID: "notifications-renotify-needs-tag", Doc: Notifications, Section: "create a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`renotify: true` with an empty `tag` throws `TypeError`.",
	Quote:   "If options[\"renotify\"] is true and options[\"tag\"] is the empty string, then throw a TypeError.",
	Check:   "Rejects.",
})

var NotificationDataStructuredClone = Register(Rule{
	ID: "notifications-data-structured-clone", Doc: Notifications, Section: "create a notification; `data` getter",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`data` is structured-serialized; it round-trips; unserializable data rejects.",
	Quote:   "Set notification's data to StructuredSerializeForStorage(options[\"data\"]).",
	Check:   "`{a: [1, 2], d: new Date(0)}` comes back equal; a function → `DataCloneError`.",
})

var NotificationGetCreationOrder = Register(Rule{
	ID: "notifications-get-creation-order", Doc: Notifications, Section: "getNotifications()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`getNotifications()` lists this registration's notifications in creation order.",
	Quote:   "For each notification in notifications, in creation order, create a new Notification object with realm representing notification, and append it to objects.",
	Check:   "Show A, B, C; get `[A, B, C]`.",
})

var NotificationGetTagFilter = Register(Rule{
	ID: "notifications-get-tag-filter", Doc: Notifications, Section: "getNotifications()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "The `tag` filter returns only matching notifications.",
	Quote:   "Let notifications be a list of all notifications in the list of notifications whose origin is same origin with origin, whose service worker registration is this, and whose tag, if tag is not the empty string, is tag.",
	Check:   "Tags x, y; filter y.",
})

var NotificationGetRegistrationScoped = Register(Rule{
	ID: "notifications-get-registration-scoped", Doc: Notifications, Section: "getNotifications()",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Other registrations' notifications (and non-persistent ones) are not listed.",
	Quote:   "Let notifications be a list of all notifications in the list of notifications whose origin is same origin with origin, whose service worker registration is this, and whose tag, if tag is not the empty string, is tag.",
	Check:   "Two SW scopes plus a page `new Notification()`.",
})

var NotificationTagReplaces = Register(Rule{
	ID: "notifications-tag-replaces", Doc: Notifications, Section: "Showing a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A notification with the tag of an existing one from the same origin replaces it.",
	Quote:   "Let oldNotification be the notification in the list of notifications whose tag is not the empty string and is notification's tag, and whose origin is same origin with notification's origin, if any, and null otherwise.",
	Check:   "Tag t \"A\", then tag t \"B\"; one entry, body \"B\".",
})

var NotificationCloseRemoves = Register(Rule{
	ID: "notifications-close-removes", Doc: Notifications, Section: "Closing a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`close()` removes the notification from the list.",
	Quote:   "The close() method steps are to run the close steps for this's notification.",
	Check:   "Five rounds: show two, close one; the getNotifications() right after close() lists only the other, in every round (a browser that removes it later shows it in some rounds).",
})

var NotificationNavigateAttribute = Register(Rule{
	ID: "notifications-navigate-attribute", Doc: Notifications, Section: "Object members",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`navigate` is the URL parsed against the base URL, or `\"\"` when absent or unparsable.",
	Quote:   "If this's notification's navigation URL is null, then return the empty string.",
	Check:   "`\"/x\"` → absolute; `\"http://999.999\"` → `\"\"`. Feature-detect; absent → skip.",
})

var NotificationActionsCapped = Register(Rule{
	ID: "notifications-actions-capped", Doc: Notifications, Section: "create a notification; `actions` getter",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Actions beyond `Notification.maxActions` are dropped; the getter returns a frozen array of frozen objects.",
	Quote:   "For each entry in options[\"actions\"], up to the maximum number of actions supported (skip any excess entries):",
	Check:   "`maxActions + 2` actions; length `maxActions`; `Object.isFrozen`.",
})

var NotificationTimestampDefault = Register(Rule{
	ID: "notifications-timestamp-default", Doc: Notifications, Section: "create a notification",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Without `timestamp`, it is the creation time in ms.",
	Quote:   "If options[\"timestamp\"] exists, then set notification's timestamp to the value. Otherwise, set notification's timestamp to fallbackTimestamp.",
	Check:   "Between `Date.now()` read before the call and after it resolved, plus 1 ms (the creation time is rounded to the nearest ms, `Date.now()` rounds down).",
})

var NotificationConstructorInSW = Register(Rule{
	ID: "notifications-constructor-in-sw", Doc: Notifications, Section: "Constructors",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`new Notification()` inside a service worker throws `TypeError`.",
	Quote:   "If this's relevant global object is a ServiceWorkerGlobalScope object, then throw a TypeError.",
	Check:   "Try in the SW.",
})

// The flag is all the standard gives ("infrastructure for the Push API standard"); what a UA does
// when a userVisibleOnly push shows nothing is its own, hence a MAY recorded as info.
var NotificationUserVisibleEnforcement = Register(Rule{
	ID: "notifications-user-visible-enforcement", Doc: Notifications, Section: "showNotification() flag; userVisibleOnly",
	Level: May, Actor: UserAgent, Seen: Browser,
	Summary: "How a UA reacts when a `userVisibleOnly` push shows nothing is UA-defined.",
	Quote:   "A service worker registration has an associated has showNotification() been successfully invoked (a boolean), which is initially false.",
	Check:   "Push without showing; record (Chromium shows a generic \"updated in the background\" notification; Safari revokes after repeated silent pushes).",
})
