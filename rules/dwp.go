package rules

// Declarative Web Push (w3c/push-api#385, merged 2025; app badge from the open #402).
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

var DWPMember8030 = Register(Rule{
	ID: "pushapi-dwp-member-8030", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Only a JSON object whose `web_push` member is the number 8030 is declarative; anything else goes to the `push` event.",
	Check:   "Payloads: valid; `web_push: 8031`; array; invalid JSON → `push` fires; valid → shown without `push`. `\"8030\"` as a string is untested upstream → `info`.",
})

var DWPTitleRequired = Register(Rule{
	ID: "pushapi-dwp-title-required", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`notification.title` (a string) is required; without it the message is not declarative.",
	Check:   "A declarative message (`web_push: 8030`) without `notification.title` → exactly one `push` event.",
})

var DWPNavigateRequired = Register(Rule{
	ID: "pushapi-dwp-navigate-required", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`notification.navigate` is required and must parse as a URL (relative allowed, resolved); otherwise not declarative.",
	Check:   "`\"/x\"` → shown, `navigate` resolved; `\"http://999.999\"` → `push` fires.",
})

var DWPOptionalTypes = Register(Rule{
	ID: "pushapi-dwp-optional-types", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Optional NotificationOptions members (`body`, `lang`, `dir`, `tag`, `silent`, `requireInteraction`, `data`) with the wrong type are ignored.",
	Check:   "`body: 5` → body `\"\"`; message still shown.",
})

var DWPActionsFiltered = Register(Rule{
	ID: "pushapi-dwp-actions-filtered", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "An action missing or mistyping `action`, `title` or `navigate` is dropped; an action whose `navigate` does not parse makes the whole message non-declarative.",
	Check:   "Mixed action list → only the good ones; bad action URL → `push` fires.",
})

var DWPShownWithoutSW = Register(Rule{
	ID: "pushapi-dwp-shown-without-sw", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A non-mutable declarative message is shown by the UA without a `push` event.",
	Check:   "SW `push` beacon absent (sentinel after); `getNotifications()` has the title; `navigate` equals the resolved URL.",
})

var DWPMutableDispatches = Register(Rule{
	ID: "pushapi-dwp-mutable-dispatches", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "With `mutable: true` the SW may change the notification (spec: `push` event; WebKit shipped `pushnotification`); if it shows nothing, the proposed one is shown.",
	Check:   "Handler replaces the title in one case and does nothing in another.",
})

var DWPUTF8Replacement = Register(Rule{
	ID: "pushapi-dwp-utf8-replacement", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Invalid UTF-8 becomes U+FFFD before JSON parsing.",
	Check:   "Title containing byte 0xFF → `\"\\uFFFD\"` in the shown title.",
})

var DWPTagReplaces = Register(Rule{
	ID: "pushapi-dwp-tag-replaces", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A declarative message with an existing tag replaces that notification.",
	Check:   "Two messages, same tag; one entry.",
})

var DWPWindowPushManager = Register(Rule{
	ID: "pushapi-dwp-window-pushmanager", Doc: DWP, Section: "Window `pushManager`",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`window.pushManager` subscribes without a SW; a SW at scope `/` shares that subscription; other scopes get their own.",
	Check:   "Mozilla WPT `window-pushManager.https.any.js` pattern.",
})

var DWPActivationNavigates = Register(Rule{
	ID: "pushapi-dwp-activation-navigates", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Review,
	Summary: "Activating the notification navigates to `navigate`, with no `notificationclick`.",
	Check:   "Needs a notification click, which headless browsers cannot simulate (`web-platform-tests/wpt#51125`). Catalogue only.",
})

var DWPAppBadge = Register(Rule{
	ID: "pushapi-dwp-app-badge", Doc: DWP, Section: "`app_badge` (`w3c/push-api#402`, open)",
	Level: May, Actor: UserAgent, Seen: Review,
	Summary: "A top-level `app_badge` sets the application badge.",
	Check:   "Not observable headless; record only.",
})
