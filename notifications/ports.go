// Package notifications tells citizens when their cases move: every status
// change becomes an inbox notification first (persisted), then a push to
// each of the citizen's devices through Firebase Cloud Messaging, in the
// device's language, delivered once per device.
package notifications

import (
	"context"
	"time"

	sp "github.com/satupintu/satupintu"
)

// Platform of a device.
type Platform string

const (
	PlatformAndroid Platform = "ANDROID"
	PlatformIOS     Platform = "IOS"
	PlatformWeb     Platform = "WEB"
)

// Device is an app installation that receives pushes.
type Device struct {
	Token        string    `json:"token"` // the FCM registration token
	Citizen      sp.NIK    `json:"citizen"`
	Platform     Platform  `json:"platform"`
	Locale       sp.Lang   `json:"locale"`
	AppVersion   string    `json:"appVersion"`
	RegisteredAt time.Time `json:"registeredAt"`
	LastSeen     time.Time `json:"lastSeen"`
}

// Kind is what a notification is about.
type Kind string

const (
	// KindCase is a change of one of the citizen's cases (the zero value:
	// every notification before kinds existed is one).
	KindCase Kind = ""
	// KindDataExport says the citizen's data export is ready; it is tied
	// to no case (CaseID and Status are empty).
	KindDataExport Kind = "DATA_EXPORT"
	// KindMandate says a mandate the citizen gave or received was granted,
	// accepted or revoked; it is tied to no case.
	KindMandate Kind = "MANDATE"
)

// Notification is one entry of a citizen's inbox.
type Notification struct {
	ID        string    `json:"id"` // deterministic per case change: redelivery adds nothing
	Citizen   sp.NIK    `json:"citizen"`
	Kind      Kind      `json:"kind,omitempty"`
	CaseID    string    `json:"caseId"` // "" for a notification of another kind
	Status    string    `json:"status"`
	Sequence  int64     `json:"sequence"` // the index of the change in the case history: newer wins on screen
	Title     sp.Text   `json:"title"`
	Body      sp.Text   `json:"body"`
	DeepLink  string    `json:"deepLink"`
	CreatedAt time.Time `json:"createdAt"`
	ReadAt    time.Time `json:"readAt,omitzero"`
}

// Read reports whether the citizen has read it.
func (n Notification) Read() bool { return !n.ReadAt.IsZero() }

// Devices keeps each citizen's devices. A token belongs to one citizen at
// a time: registering it again for another citizen moves it (a shared
// phone, a logout and login).
type Devices interface {
	// Register stores d under d.Token, replacing any earlier owner.
	Register(ctx context.Context, d Device) error
	// Unregister removes the token if it is the citizen's; false if not.
	Unregister(ctx context.Context, citizen sp.NIK, token string) (bool, error)
	// Delete removes the token whoever owns it (FCM says it is dead).
	Delete(ctx context.Context, token string) error
	// OfCitizen lists the citizen's devices seen since notBefore; older
	// ones are pruned on the way.
	OfCitizen(ctx context.Context, citizen sp.NIK, notBefore time.Time) ([]Device, error)
	// Get returns the device of a token, or sp.ErrNotFound.
	Get(ctx context.Context, token string) (Device, error)
}

// Inbox keeps each citizen's notifications.
type Inbox interface {
	// Add stores n unless a notification with its ID exists; created
	// reports which.
	Add(ctx context.Context, n Notification) (created bool, err error)
	// Get returns one of the citizen's notifications, or sp.ErrNotFound.
	Get(ctx context.Context, citizen sp.NIK, id string) (Notification, error)
	// List pages through the citizen's notifications, newest first.
	List(ctx context.Context, citizen sp.NIK, q ListQuery) (Page, error)
	// MarkRead marks the given notifications (all of them when ids is
	// empty) read at at; ids of other citizens are ignored. It returns how
	// many changed.
	MarkRead(ctx context.Context, citizen sp.NIK, ids []string, at time.Time) (int, error)
	// Delete removes one of the citizen's notifications; false if there
	// was none.
	Delete(ctx context.Context, citizen sp.NIK, id string) (bool, error)
}

// ListQuery selects a page of an inbox.
type ListQuery struct {
	UnreadOnly bool
	First      int    // see Size
	After      string // opaque cursor from Page.Next
}

// A page of an inbox holds DefaultPageSize notifications unless the query
// asks for another number, and never more than MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Size is how many notifications the page holds at most: First,
// DefaultPageSize when First is not positive, never more than MaxPageSize.
func (q ListQuery) Size() int { return sp.PageSize(q.First, DefaultPageSize, MaxPageSize) }

// Page is a page of an inbox and its counts.
type Page struct {
	Items  []Notification
	Next   string // "" on the last page
	Total  int    // all the citizen's notifications
	Unread int    // of which unread
}

// DeliveryState is where one push (one notification to one device) is.
type DeliveryState string

const (
	DeliverySending   DeliveryState = "SENDING"   // claimed and handed to FCM; outcome not recorded yet
	DeliveryRetrying  DeliveryState = "RETRYING"  // failed for now; free to be claimed again
	DeliveryDelivered DeliveryState = "DELIVERED" // FCM accepted it (Name holds its message name)
	DeliveryFailed    DeliveryState = "FAILED"    // given up (Reason says why)
)

// Delivery is the record of one push.
type Delivery struct {
	State    DeliveryState `json:"state"`
	Name     string        `json:"name,omitempty"` // projects/…/messages/…
	Reason   string        `json:"reason,omitempty"`
	Attempts int           `json:"attempts"`
	At       time.Time     `json:"at"`
	// HeldUntil is when a SENDING claim lapses (its worker died): after
	// it, another claim may send.
	HeldUntil time.Time `json:"heldUntil,omitzero"`
}

// Claimable reports whether a claim may take over this record at t.
func (d Delivery) Claimable(t time.Time) bool {
	switch d.State {
	case DeliveryDelivered, DeliveryFailed:
		return false
	case DeliverySending:
		return !t.Before(d.HeldUntil)
	}
	return true
}

// Deliveries records each push, so a redelivered queue job never pushes the
// same notification to the same device twice.
type Deliveries interface {
	// Get returns the record, ok false when there is none yet.
	Get(ctx context.Context, notificationID, token string) (d Delivery, ok bool, err error)
	Set(ctx context.Context, notificationID, token string, d Delivery) error
	// Claim atomically takes the right to send one push: it records
	// SENDING (Attempts one more than before) held until at+lease, and
	// returns ok true, unless the record says DELIVERED or FAILED, or
	// another claim still holds it; then it changes nothing and returns
	// the record with ok false. Two workers holding two copies of a push
	// job can therefore never both send it.
	Claim(ctx context.Context, notificationID, token string, at time.Time, lease time.Duration) (d Delivery, ok bool, err error)
}

// CursorAfter is the List cursor that resumes after n: inboxes are listed
// newest first by sp.Position.
func CursorAfter(n Notification) string { return sp.PositionOf(n.CreatedAt, n.ID).Cursor() }
