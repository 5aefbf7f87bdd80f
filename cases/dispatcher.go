package cases

import (
	"context"
	"errors"
	"log/slog"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

// Change is one stored change of a case: the history entries it added,
// c.History[From:From+len(Entries)], and the case's version after it.
type Change struct {
	From    int
	Entries []Entry
	Version int64
}

// ChangeHandler is told of each change of a case (the notifications
// package creates the inbox entries and pushes). It must be idempotent: a
// change job can be delivered twice.
type ChangeHandler func(ctx context.Context, c *Case, ch Change) error

// Dispatcher works the change jobs that Store.Update enqueues in the same
// atomic step as the change: it publishes each change to subscribers, hands
// it to the change handlers, and tells an agency of a withdrawn case.
type Dispatcher struct {
	Store    Store
	Broker   Broker
	Jobs     queue.Enqueuer // where cancellation notices go
	Handlers []ChangeHandler
	Now      func() time.Time
	Log      *slog.Logger
}

// Validate reports a missing dependency of d. Handlers, Log and Now are
// optional.
func (d *Dispatcher) Validate() error {
	if d.Store == nil || d.Broker == nil || d.Jobs == nil {
		return errors.New("dispatcher: Store, Broker and Jobs are required")
	}
	return nil
}

// MaxChangeAttempts is how often a change job runs before it is parked.
const MaxChangeAttempts = 20

// Handle runs one change job.
func (d *Dispatcher) Handle(ctx context.Context, j queue.Job) queue.Result {
	c, err := d.Store.Get(ctx, j.Key)
	if errors.Is(err, sp.ErrNotFound) {
		return queue.Done()
	}
	if err != nil {
		return d.retry(ctx, j, err)
	}
	from, to, version, ok := ParseChange(j.Payload)
	if !ok || to > len(c.History) {
		d.log().ErrorContext(ctx, "change job with a bad payload dropped", "case", j.Key, "payload", string(j.Payload))
		return queue.Done()
	}
	entries := c.History[from:to]

	for _, h := range d.Handlers {
		if err := h(ctx, c, Change{From: from, Entries: entries, Version: version}); err != nil {
			return d.retry(ctx, j, err)
		}
	}
	for _, e := range entries {
		if e.Status == StatusCancelled && e.Source == SourceCitizen && mayHold(c) {
			if err := d.Jobs.Enqueue(ctx, CancelJob(c.ID, d.now())); err != nil {
				return d.retry(ctx, j, err)
			}
		}
	}
	// Last, and at most once per job: live subscribers; the history is the
	// record for anyone who missed it.
	for _, e := range entries {
		u := Update{CaseID: c.ID, Citizen: c.Citizen, Status: e.Status, Entry: e, Version: version}
		if err := d.Broker.Publish(ctx, u); err != nil {
			d.log().WarnContext(ctx, "publishing a case update failed", "case", c.ID, "error", err)
		}
	}
	return queue.Done()
}

// mayHold reports whether the agency may have the case: it answered the
// forward, reported on the case (its RECEIVED came before the forward's
// answer was recorded), or an attempt failed in a way that may still have
// delivered it (a timeout). An agency that does not know a case it is told
// to cancel has nothing to stop.
func mayHold(c *Case) bool {
	return c.AgencyRef != "" || c.Delivery.State != DeliveryPending
}

func (d *Dispatcher) retry(ctx context.Context, j queue.Job, cause error) queue.Result {
	if j.Attempt >= MaxChangeAttempts {
		d.log().ErrorContext(ctx, "case change parked after repeated failures", "case", j.Key, "error", cause)
		return queue.Park(cause.Error())
	}
	wait := backoff.Wait(j.Attempt, 500*time.Millisecond, time.Minute, 0)
	d.log().WarnContext(ctx, "case change failed; will retry", "case", j.Key, "attempts", j.Attempt, "error", cause)
	return queue.RetryAt(d.now().Add(wait), cause.Error())
}

func (d *Dispatcher) log() *slog.Logger { return orDiscard(d.Log) }

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
