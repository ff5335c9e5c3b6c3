package sitefixture

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Report kinds.
const (
	KindPush                   = "push"
	KindPushSubscriptionChange = "pushsubscriptionchange"
	KindNotificationClick      = "notificationclick"
	KindNotificationClose      = "notificationclose"
)

// Report is one beacon from the service worker, decoded. Raw keeps the whole JSON as sent, for
// evidence and for fields this type does not name.
type Report struct {
	Kind string `json:"kind"`
	// ID is the message's correlation id: the payload's pushspec.id (or top-level id), or for
	// notification events the shown notification's data.pushspecId. "" when absent.
	ID string `json:"id"`

	Origin     string    `json:"-"` // the origin that received it, http://localhost:PORT
	ReceivedAt time.Time `json:"-"` // when the beacon arrived (harness clock)

	// Service-worker clock: Date.now() at handler start and end, just before the beacon, and
	// performance.now() with its timeOrigin.
	HandlerStartMs     float64 `json:"handlerStartMs"`
	HandlerEndMs       float64 `json:"handlerEndMs"`
	SentAtMs           float64 `json:"sentAtMs"`
	HandlerStartPerfMs float64 `json:"handlerStartPerfMs"`
	HandlerEndPerfMs   float64 `json:"handlerEndPerfMs"`
	TimeOrigin         float64 `json:"timeOrigin"`

	// Push events.
	HasData      bool           `json:"hasData"` // event.data !== null
	Data         *PushData      `json:"data"`    // nil when event.data was null
	Instructions map[string]any `json:"instructions"`
	Show         *ShowResult    `json:"show"`
	// Notifications is getNotifications() after showing (order is not creation order in
	// Firefox: compare as sets).
	Notifications      []Notification `json:"notifications"`
	NotificationsError *JSError       `json:"notificationsError"`
	Threw              bool           `json:"threw"`
	Rejected           bool           `json:"rejected"`

	// pushsubscriptionchange events (toJSON() of each; nil when the event had none).
	OldSubscription     *SubscriptionJSON `json:"oldSubscription"`
	NewSubscription     *SubscriptionJSON `json:"newSubscription"`
	CurrentSubscription *SubscriptionJSON `json:"currentSubscription"`

	// notificationclick / notificationclose events.
	Action       *string       `json:"action"`
	Notification *Notification `json:"notification"`

	Raw json.RawMessage `json:"-"`
}

// PushData is every view of event.data the service worker read.
type PushData struct {
	Text      *string         `json:"text"`      // data.text(); nil if it threw
	TextError *JSError        `json:"textError"` // its error
	JSONOK    bool            `json:"jsonOK"`    // data.json() did not throw
	JSON      json.RawMessage `json:"json"`      // data.json()'s value
	JSONError *JSError        `json:"jsonError"` // data.json()'s error (SyntaxError for non-JSON)
	Base64    string          `json:"base64"`    // data.arrayBuffer(), standard base64
	Size      int             `json:"size"`      // its length in bytes
	// BytesMethod says PushMessageData.bytes() exists (a later addition to the Push API).
	BytesMethod bool `json:"bytesMethod"`
}

// Bytes decodes Base64.
func (d *PushData) Bytes() ([]byte, error) {
	if d == nil {
		return nil, nil
	}
	return base64.StdEncoding.DecodeString(d.Base64)
}

// TextValue is Text or "" when absent.
func (d *PushData) TextValue() string {
	if d == nil || d.Text == nil {
		return ""
	}
	return *d.Text
}

// ShowResult is what became of showNotification.
type ShowResult struct {
	Called    bool     `json:"called"` // false when the payload said show:false
	OK        bool     `json:"ok"`     // the promise resolved
	Error     *JSError `json:"error"`  // its rejection
	Title     string   `json:"title"`
	ElapsedMs float64  `json:"elapsedMs"`
}

// Notification is a Notification as getNotifications() lists it.
type Notification struct {
	Title              string          `json:"title"`
	Body               string          `json:"body"`
	Tag                string          `json:"tag"`
	Data               json.RawMessage `json:"data"`
	Icon               string          `json:"icon"`
	Badge              string          `json:"badge"`
	Image              string          `json:"image"`
	Dir                string          `json:"dir"`
	Lang               string          `json:"lang"`
	RequireInteraction bool            `json:"requireInteraction"`
	Silent             *bool           `json:"silent"` // null in browsers that made it nullable
	Renotify           bool            `json:"renotify"`
	Timestamp          float64         `json:"timestamp"`
	Actions            []Action        `json:"actions"`
}

// Action is a notification action.
type Action struct {
	Action string `json:"action"`
	Title  string `json:"title"`
	Icon   string `json:"icon"`
}

// JSError is a JavaScript error as {name, message}.
type JSError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (e *JSError) Error() string { return e.Name + ": " + e.Message }

// SubscriptionJSON is PushSubscription.toJSON().
type SubscriptionJSON struct {
	Endpoint       string            `json:"endpoint"`
	ExpirationTime *float64          `json:"expirationTime"`
	Keys           map[string]string `json:"keys"`
}

func parseReport(raw []byte) (Report, error) {
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return Report{}, fmt.Errorf("decoding report: %w", err)
	}
	if r.Kind == "" {
		return Report{}, fmt.Errorf("report without kind")
	}
	r.Raw = append(json.RawMessage(nil), raw...)
	return r, nil
}

// HandlerStart is the service worker's Date.now() at handler start as a time.Time.
func (r Report) HandlerStart() time.Time { return msTime(r.HandlerStartMs) }

// HandlerEnd is the service worker's Date.now() before the beacon as a time.Time.
func (r Report) HandlerEnd() time.Time { return msTime(r.HandlerEndMs) }

func msTime(ms float64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms))
}

// NotificationTitles lists the titles in Notifications (a convenience for set comparisons).
func (r Report) NotificationTitles() []string {
	out := make([]string, 0, len(r.Notifications))
	for _, n := range r.Notifications {
		out = append(out, n.Title)
	}
	return out
}
