package rules

// Declarative Web Push (w3c/push-api#385, merged 2025; app badge from the open #402).
//
// The quotes are the Push API editor's draft with #385 merged: the declarative push message
// parser, the steps run when a push message is received, and subscribe(). W3C algorithm steps
// carry no BCP 14 keyword; as in pushapi.go and notifications.go a step is quoted as the
// requirement it states, without a dagger. Where the behaviour is another document's (activating
// a notification is the Notifications standard's), the Summary names it.
//
// The catalogue here is the reviewed source of these rules (testdata/catalogue.txt is its golden
// list); IDs are stable and must not change.

var DWPMember8030 = Register(Rule{
	ID: "pushapi-dwp-member-8030", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Only a JSON object whose `web_push` member is the number 8030 is declarative; anything else goes to the `push` event.",
	Quote:   "If message[\"web_push\"] does not exist or is not 8030, then return failure.",
	Check:   "Payloads: valid; `web_push: 8031`; array; invalid JSON → `push` fires; valid → shown without `push`. `\"8030\"` as a string is untested upstream → `info`.",
})

var DWPTitleRequired = Register(Rule{
	ID: "pushapi-dwp-title-required", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`notification.title` (a string) is required; without it the message is not declarative.",
	Quote:   "If notificationInput[\"title\"] does not exist or is not a string, then return failure.",
	Check:   "A declarative message (`web_push: 8030`) without `notification.title` → exactly one `push` event.",
})

var DWPNavigateRequired = Register(Rule{
	ID: "pushapi-dwp-navigate-required", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`notification.navigate` is required and must parse as a URL (relative allowed, resolved); otherwise not declarative.",
	Quote:   "If notificationInput[\"navigate\"] does not exist or is not a string, then return failure. … If notification's navigation URL is null, then return failure.",
	Check:   "`\"/x\"` → shown, `navigate` resolved; `\"http://999.999\"` → `push` fires.",
})

var DWPOptionalTypes = Register(Rule{
	ID: "pushapi-dwp-optional-types", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Optional NotificationOptions members (`body`, `lang`, `dir`, `tag`, `silent`, `requireInteraction`, `data`) with the wrong type are ignored.",
	Quote:   "If notificationInput[\"body\"] exists and is a string, then set notificationOptions[\"body\"] to notificationInput[\"body\"].",
	Check:   "`body: 5` → body `\"\"`; message still shown.",
})

var DWPActionsFiltered = Register(Rule{
	ID: "pushapi-dwp-actions-filtered", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "An action missing or mistyping `action`, `title` or `navigate` is dropped; an action whose `navigate` does not parse makes the whole message non-declarative.",
	Quote:   "If actionInput[\"action\"] does not exist or is not a string, then continue. If actionInput[\"title\"] does not exist or is not a string, then continue. If actionInput[\"navigate\"] does not exist or is not a string, then continue. … If the navigation URL of any notification action of notification's actions is null, then return failure.",
	Check:   "Mixed action list → only the good ones; bad action URL → `push` fires.",
})

var DWPShownWithoutSW = Register(Rule{
	ID: "pushapi-dwp-shown-without-sw", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A non-mutable declarative message is shown by the UA without a `push` event.",
	Quote:   "If notificationShown is false, then run the notification show steps given notification. Acknowledge the push message and abort these steps.",
	Check:   "SW `push` beacon absent (sentinel after); `getNotifications()` has the title; `navigate` equals the resolved URL.",
})

var DWPMutableDispatches = Register(Rule{
	ID: "pushapi-dwp-mutable-dispatches", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "With `mutable: true` the SW may change the notification (spec: `push` event; WebKit shipped `pushnotification`); if it shows nothing, the proposed one is shown.",
	Quote:   "If declarativeResult's mutable is true and registration is non-null: Let result be the result of firing a push event given registration, null, and a new Notification object representing notification. If result is not failure, then set notificationShown to result's notification shown. If notificationShown is false, then run the notification show steps given notification.",
	Check:   "Handler replaces the title in one case and does nothing in another.",
})

// Infra's parse JSON bytes begins with the Encoding standard's UTF-8 decode, which turns each
// invalid byte sequence into U+FFFD: the replacement is part of the quoted step.
var DWPUTF8Replacement = Register(Rule{
	ID: "pushapi-dwp-utf8-replacement", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "Invalid UTF-8 becomes U+FFFD before JSON parsing.",
	Quote:   "Let message be the result of parsing JSON bytes to an Infra value given bytes. If that throws an exception, then return failure.",
	Check:   "Title containing byte 0xFF → `\"\\uFFFD\"` in the shown title.",
})

var DWPTagReplaces = Register(Rule{
	ID: "pushapi-dwp-tag-replaces", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "A declarative message with an existing tag replaces that notification.",
	Quote:   "If notificationInput[\"tag\"] exists and is a string, then set notificationOptions[\"tag\"] to notificationInput[\"tag\"]. … If notificationShown is false, then run the notification show steps given notification.",
	Check:   "Two messages, same tag; one entry.",
})

// The quoted steps are subscribe()'s: from a Window, the scope is the origin's "/", and a
// subscription whose scope is "/" (a service worker registered at "/") is the one returned.
var DWPWindowPushManager = Register(Rule{
	ID: "pushapi-dwp-window-pushmanager", Doc: DWP, Section: "Window `pushManager`",
	Level: Must, Actor: UserAgent, Seen: Browser,
	Summary: "`window.pushManager` subscribes without a SW; a SW at scope `/` shares that subscription; other scopes get their own.",
	Quote:   "If this's service worker registration is null: Set scope to the result of running the basic URL parser given \"/\" and global's associated Document's URL. … If there is a push subscription with a window-accessible scope whose scope equals scope, then set subscription to that push subscription.",
	Check:   "Mozilla WPT `window-pushManager.https.any.js` pattern.",
})

// Activation is the Notifications standard's (Activating a notification): the Push API parser
// sets the notification's navigation URL, and that standard's activate steps navigate to it and
// return before any notificationclick. The Quote is that standard's step; the Summary names it.
var DWPActivationNavigates = Register(Rule{
	ID: "pushapi-dwp-activation-navigates", Doc: DWP, Section: "declarative push message",
	Level: Must, Actor: UserAgent, Seen: Review,
	Summary: "Activating the notification navigates to `navigate`, with no `notificationclick` (Notifications, Activating a notification).",
	Quote:   "If navigationURL is non-null: Select one of the following two options in an implementation-defined manner: Navigate an existing top-level traversable within the user agent's top-level traversable set to navigationURL. Create a fresh top-level traversable given navigationURL. Return.",
	Check:   "Needs a notification click, which headless browsers cannot simulate (`web-platform-tests/wpt#51125`). Catalogue only.",
})

var DWPAppBadge = Register(Rule{
	ID: "pushapi-dwp-app-badge", Doc: DWP, Section: "`app_badge` (`w3c/push-api#402`, open)",
	Level: May, Actor: UserAgent, Seen: Review,
	Summary: "A top-level `app_badge` sets the application badge.",
	Check:   "Not observable headless; record only.",
})
