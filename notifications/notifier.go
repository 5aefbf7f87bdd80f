package notifications

import (
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

// OnChange persists a notification per status change, then enqueues a
// push job per device. Persisting first means the inbox holds it even if
// every push is lost. A change run again adds nothing to the inbox; its
// push jobs are enqueued again and deduplicated at sending (Deliveries), so
// push jobs need no unique key.
func (n *Notifier) OnChange(ctx context.Context, c *cases.Case, ch cases.Change) error {
	var devs []Device
	devicesRead := false
	now := n.now()
	var jobs []queue.NewJob
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
		if !devicesRead {
			var err error
			if devs, err = n.Devices.OfCitizen(ctx, c.Citizen, n.now().Add(-n.DeviceMaxAge)); err != nil {
				return fmt.Errorf("reading devices: %w", err)
			}
			devicesRead = true
		}
		jobs = append(jobs, n.pushes(note, devs)...)
	}
	if len(jobs) == 0 {
		return nil
	}
	if err := n.Jobs.Enqueue(ctx, jobs...); err != nil {
		return fmt.Errorf("enqueueing pushes: %w", err)
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
// agency event changed nothing: it is in the history, not in the inbox.
func notifiable(e cases.Entry) bool {
	if e.Source == cases.SourceCitizen || e.Skipped != "" {
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
