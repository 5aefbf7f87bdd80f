package notifications

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/queue"
)

// DefaultDeviceMaxAge is how long a device not seen is still pushed to
// (configuration's default, and the devices a citizen is shown): Android
// tokens expire at 270 days, and FCM advises pruning after about two
// months unseen.
const DefaultDeviceMaxAge = 60 * 24 * time.Hour

// Notifier turns each case change into inbox notifications and push jobs.
// It is a cases.ChangeHandler: it runs in the dispatcher, from the change
// job Store.Update wrote in the same step as the change, so a change is
// never left without its notification, however a process dies.
type Notifier struct {
	Inbox        Inbox
	Devices      Devices
	Jobs         queue.Enqueuer // where push jobs go
	Catalog      *catalog.Catalog
	DeviceMaxAge time.Duration // a device not seen this long gets no pushes
	Now          func() time.Time
	Log          *slog.Logger
	// Receivers finds who besides the citizen may receive their case
	// notifications (the policy: parents and guardians of a minor, holders
	// of a mandate that covers it); each gets a copy in their own inbox and
	// on their devices. nil: the citizen alone.
	Receivers Receivers
}

// Receivers is the policy's answer to who, besides subject, receives
// their case notifications (*policy.Policy).
type Receivers interface {
	Receivers(ctx context.Context, subject sp.NIK) ([]sp.NIK, error)
}

// Validate reports every missing dependency or setting of n at once. Log
// and Now are optional.
func (n *Notifier) Validate() error {
	var errs []error
	if n.Inbox == nil || n.Devices == nil || n.Jobs == nil || n.Catalog == nil {
		errs = append(errs, errors.New("notifier: Inbox, Devices, Jobs and Catalog are required"))
	}
	if n.DeviceMaxAge <= 0 {
		errs = append(errs, fmt.Errorf("notifier: DeviceMaxAge must be positive, got %s", n.DeviceMaxAge))
	}
	return errors.Join(errs...)
}

// pushJob is the payload of a push job: which notification to which device.
type pushJob struct {
	Notification string `json:"n"`
	Citizen      sp.NIK `json:"c"`
	Token        string `json:"t"`
}

// decodePushJob reads a push job's payload as json.Unmarshal does. What
// pushes writes ({"n":…,"c":…,"t":…}, plain ASCII) is read without
// reflection, a push job's largest cost before it is sent; anything else
// goes to json.Unmarshal.
func decodePushJob(b []byte) (pushJob, error) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"n":"`))
	n, rest, ok1 := cutPlain(rest, ok)
	rest, ok = bytes.CutPrefix(rest, []byte(`,"c":"`))
	c, rest, ok2 := cutPlain(rest, ok && ok1)
	rest, ok = bytes.CutPrefix(rest, []byte(`,"t":"`))
	t, rest, ok3 := cutPlain(rest, ok && ok2)
	if ok3 && string(rest) == "}" {
		return pushJob{Notification: n, Citizen: sp.NIK(c), Token: t}, nil
	}
	var pj pushJob
	err := json.Unmarshal(b, &pj)
	return pj, err
}

// cutPlain reads a JSON string's contents up to its closing quote when it
// is printable ASCII with no escapes (read as it stands); ok false
// otherwise, or when ok is false already.
func cutPlain(b []byte, ok bool) (string, []byte, bool) {
	if !ok {
		return "", nil, false
	}
	for i, c := range b {
		switch {
		case c == '"':
			return string(b[:i]), b[i+1:], true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return "", nil, false
		}
	}
	return "", nil, false
}

// OnChange persists a notification per status change, then enqueues a
// push job per device. Persisting first means the inbox holds it even if
// every push is lost. A change run again adds nothing to the inbox; its
// push jobs are enqueued again and deduplicated at sending (Deliveries), so
// push jobs need no unique key.
func (n *Notifier) OnChange(ctx context.Context, c *cases.Case, ch cases.Change) error {
	var devs []Device
	devicesRead := false
	now := n.now()
	var (
		jobs  []queue.NewJob
		notes []Notification
	)
	for i, e := range ch.Entries {
		if !notifiable(e) {
			continue
		}
		// Created now, in the order of the history: the inbox lists by
		// creation (to the millisecond), and an agency's clock is not ours.
		note := n.notification(c, ch.From+i, e, now.Add(time.Duration(i)*time.Millisecond))
		if _, err := n.Inbox.Add(ctx, note); err != nil {
			return fmt.Errorf("adding notification %s: %w", note.ID, err)
		}
		notes = append(notes, note)
		if !devicesRead {
			var err error
			if devs, err = n.Devices.OfCitizen(ctx, c.Citizen, n.now().Add(-n.DeviceMaxAge)); err != nil {
				return fmt.Errorf("reading devices: %w", err)
			}
			devicesRead = true
		}
		jobs = append(jobs, n.pushes(note, devs)...)
	}
	// The citizen's own pushes first: finding who else receives them reads
	// Dukcapil, whose outage must not hold the citizen's back. Run again
	// after a failure below, they are enqueued again and deduplicated at
	// sending.
	if len(jobs) > 0 {
		if err := n.Jobs.Enqueue(ctx, jobs...); err != nil {
			return fmt.Errorf("enqueueing pushes: %w", err)
		}
	}
	if len(notes) == 0 || n.Receivers == nil {
		return nil
	}
	more, err := n.delegates(ctx, c, notes)
	if err != nil {
		return err
	}
	if len(more) > 0 {
		if err := n.Jobs.Enqueue(ctx, more...); err != nil {
			return fmt.Errorf("enqueueing pushes: %w", err)
		}
	}
	return nil
}

// Announce puts a notification that is tied to no case (a data export
// ready, say) in the citizen's inbox, then enqueues its push to each of
// their devices: persisted first, as OnChange does, and idempotent by its
// ID (run again, it adds nothing to the inbox, and the pushes are
// deduplicated at sending).
func (n *Notifier) Announce(ctx context.Context, note Notification) error {
	if _, err := n.Inbox.Add(ctx, note); err != nil {
		return fmt.Errorf("adding notification %s: %w", note.ID, err)
	}
	devs, err := n.Devices.OfCitizen(ctx, note.Citizen, n.now().Add(-n.DeviceMaxAge))
	if err != nil {
		return fmt.Errorf("reading devices: %w", err)
	}
	jobs := n.pushes(note, devs)
	if len(jobs) == 0 {
		return nil
	}
	if err := n.Jobs.Enqueue(ctx, jobs...); err != nil {
		return fmt.Errorf("enqueueing pushes: %w", err)
	}
	return nil
}

// delegates puts a copy of each of the citizen's notes in the inbox of
// everyone the policy lets receive them, and returns the copies' pushes.
// A copy's id is the note's and a digest of its receiver, never a NIK.
func (n *Notifier) delegates(ctx context.Context, c *cases.Case, notes []Notification) ([]queue.NewJob, error) {
	who, err := n.Receivers.Receivers(sp.WithPurpose(ctx, "case:"+c.ID), c.Citizen)
	if err != nil {
		return nil, fmt.Errorf("finding who else receives the case's notifications: %w", err)
	}
	var jobs []queue.NewJob
	for _, r := range who {
		devs, err := n.Devices.OfCitizen(ctx, r, n.now().Add(-n.DeviceMaxAge))
		if err != nil {
			return nil, fmt.Errorf("reading devices: %w", err)
		}
		for _, note := range notes {
			cp := note
			cp.ID = note.ID + "-d" + TokenKey(string(r))[:12]
			cp.Citizen = r
			cp.Title = sp.Text{ID: "Untuk yang Anda wakili: " + note.Title.ID, EN: "For someone you act for: " + note.Title.EN}
			if _, err := n.Inbox.Add(ctx, cp); err != nil {
				return nil, fmt.Errorf("adding notification %s: %w", cp.ID, err)
			}
			jobs = append(jobs, n.pushes(cp, devs)...)
		}
	}
	return jobs, nil
}

// pushes are the push jobs of a notification, one per device.
func (n *Notifier) pushes(note Notification, devs []Device) []queue.NewJob {
	jobs := make([]queue.NewJob, 0, len(devs))
	for _, d := range devs {
		payload, _ := json.Marshal(pushJob{Notification: note.ID, Citizen: note.Citizen, Token: d.Token})
		jobs = append(jobs, queue.NewJob{Kind: queue.Push, Key: PushKey(note.ID, d.Token), Payload: payload, EnqueuedAt: n.now()})
	}
	return jobs
}

// PushKey is the key of the push job of a notification to a device.
func PushKey(notificationID, token string) string { return notificationID + ":" + TokenKey(token) }

// notifiable: every status change but the citizen's own doing. A skipped
// agency event changed nothing: it is in the history, not in the inbox. A
// fee is due once its bill is issued: the AWAITING_PAYMENT entry that
// names the billing code tells the citizen, not the one before it that
// moved an approved case to await payment (whose bill was not issued yet).
func notifiable(e cases.Entry) bool {
	if e.Source == cases.SourceCitizen || e.Skipped != "" {
		return false
	}
	if e.Status == cases.StatusAwaitingPay && e.Message == "" {
		return false
	}
	_, ok := bodies[e.Status]
	return ok
}

func (n *Notifier) notification(c *cases.Case, index int, e cases.Entry, created time.Time) Notification {
	service := sp.Text{ID: c.ServiceID, EN: c.ServiceID}
	if s, ok := n.Catalog.Service(c.ServiceID); ok {
		service = s.Name
	}
	return Notification{
		ID:        fmt.Sprintf("%s-%d", c.ID, index),
		Citizen:   c.Citizen,
		CaseID:    c.ID,
		Status:    string(e.Status),
		Sequence:  int64(index),
		Title:     title(service, e.Status),
		Body:      render(bodies[e.Status], service, c.Agency),
		DeepLink:  "satupintu://cases/" + c.ID,
		CreatedAt: created,
	}
}

// TokenKey names a device token in keys and job ids without the token.
func TokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:12])
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}
