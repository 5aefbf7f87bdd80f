package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/queue"
)

// Agency is how cases reach an agency and how its statuses are polled
// (integrations/caseapi implements it over the agency contract).
type Agency interface {
	// Forward delivers the case; the agency answers with its reference.
	// The same case forwarded twice yields the first answer (the case id is
	// the idempotency key).
	Forward(ctx context.Context, c *Case) (agencyRef string, err error)
	// Cancel tells the agency the citizen withdrew the case.
	Cancel(ctx context.Context, c *Case) error
	// Poll returns the events so far of each case the agency knows.
	Poll(ctx context.Context, ids []string) (map[string][]Event, error)
}

// Refused is the agency's permanent "no" to a forward: retrying cannot help.
type Refused struct{ Message string }

func (e *Refused) Error() string { return "the agency refused the request: " + e.Message }

// RetryAfter is a transient failure with the wait the agency asked for.
type RetryAfter struct {
	After time.Duration
	Err   error
}

func (e *RetryAfter) Error() string { return fmt.Sprintf("%v (retry after %s)", e.Err, e.After) }
func (e *RetryAfter) Unwrap() error { return e.Err }

// Forward jobs carry an empty payload (the job Create enqueues) or this
// one: a cancellation notice.
const payloadCancel = "cancel"

// Forwarder works the forward jobs: it delivers each case to its agency,
// retrying with exponential backoff and jitter until the agency
// acknowledges it. A forward still failing after GiveUpAfter is parked: the
// case shows it, and an operator replays it (satupintu outbox). Nothing
// accepted is dropped. It also delivers cancellation notices.
type Forwarder struct {
	Store       Store
	Agencies    map[sp.Agency]Agency
	Jobs        queue.Enqueuer // where a cancellation notice found due goes
	GiveUpAfter time.Duration  // a forward failing this long after submission is parked
	BackoffBase time.Duration  // first wait between attempts (exponential, full jitter)
	BackoffMax  time.Duration  // longest wait between attempts
	// AccessLog gets the entry of each forward before it leaves; nil logs
	// none.
	AccessLog privacy.Log
	Now       func() time.Time
	Log       *slog.Logger
}

// Validate reports every missing dependency or setting of f at once: a
// Forwarder takes its settings from configuration and has no defaults of
// its own. Log and Now are optional.
func (f *Forwarder) Validate() error {
	var errs []error
	if f.Store == nil || f.Agencies == nil || f.Jobs == nil {
		errs = append(errs, errors.New("forwarder: Store, Agencies and Jobs are required"))
	}
	if f.GiveUpAfter <= 0 {
		errs = append(errs, fmt.Errorf("forwarder: GiveUpAfter must be positive, got %s", f.GiveUpAfter))
	}
	if f.BackoffBase <= 0 || f.BackoffMax < f.BackoffBase {
		errs = append(errs, fmt.Errorf("forwarder: BackoffBase must be positive and BackoffMax at least BackoffBase, got %s and %s",
			f.BackoffBase, f.BackoffMax))
	}
	return errors.Join(errs...)
}

// Handle runs one forward job.
func (f *Forwarder) Handle(ctx context.Context, j queue.Job) queue.Result {
	c, err := f.Store.Get(ctx, caseIDOf(j))
	if errors.Is(err, sp.ErrNotFound) {
		f.log().ErrorContext(ctx, "forward job for an unknown case dropped", "job", j.ID, "key", j.Key)
		return queue.Done()
	}
	if err != nil {
		return f.retry(ctx, j, nil, err)
	}
	ctx = sp.WithPurpose(ctx, "case:"+c.ID)
	a, ok := f.Agencies[c.Agency]
	if !ok {
		f.log().ErrorContext(ctx, "no route to the case's agency", "case", c.ID, "agency", c.Agency)
		return queue.Park("no route to agency " + string(c.Agency))
	}
	if string(j.Payload) == payloadCancel {
		return f.cancel(ctx, j, a, c)
	}
	if c.Status != StatusSubmitted {
		// Already delivered (a job run again) or cancelled before delivery.
		return queue.Done()
	}

	// No citizen's data leaves without its entry in their access log.
	if err := record(ctx, f.AccessLog, forwardEntry(c)); err != nil {
		return f.retry(ctx, j, nil, fmt.Errorf("logging the forward: %w", err))
	}
	ref, err := a.Forward(ctx, c)
	var refused *Refused
	switch {
	case err == nil:
		now := f.now()
		var withdrawn bool
		c, err = f.Store.Update(ctx, c.ID, func(c *Case) error {
			withdrawn = false
			switch {
			case c.Status == StatusSubmitted:
				c.Status = StatusForwarded
				c.History = append(c.History, Entry{At: now, Status: StatusForwarded, Source: SourceSystem})
			case c.AgencyRef == "":
				// An agency event or the citizen's withdrawal got there
				// while the forward was in flight: keep the agency's
				// reference, and tell it of a withdrawal, since it now
				// holds the case.
				withdrawn = c.Status == StatusCancelled
			default:
				return ErrNoChange
			}
			c.AgencyRef, c.UpdatedAt = ref, now
			c.Delivery = Delivery{State: DeliveryDelivered, Attempts: j.Attempt, LastAttemptAt: now, DeliveredAt: now}
			return nil
		})
		if err != nil {
			return f.retry(ctx, j, nil, fmt.Errorf("recording the delivery: %w", err))
		}
		f.log().InfoContext(ctx, "case forwarded", "case", c.ID, "agency", c.Agency, "attempts", j.Attempt)
		if withdrawn {
			if err := f.Jobs.Enqueue(ctx, CancelJob(c.ID, now)); err != nil {
				return f.retry(ctx, j, nil, fmt.Errorf("queueing the cancellation notice: %w", err))
			}
		}
		return queue.Done()
	case errors.As(err, &refused):
		now := f.now()
		_, uerr := f.Store.Update(ctx, c.ID, func(c *Case) error {
			if c.Status != StatusSubmitted {
				return ErrNoChange
			}
			c.Status, c.UpdatedAt = StatusRejected, now
			c.Delivery = Delivery{State: DeliveryDelivered, Attempts: j.Attempt, LastAttemptAt: now, LastError: refused.Message}
			c.History = append(c.History, Entry{At: now, Status: StatusRejected, Source: SourceSystem, Message: refused.Message})
			return nil
		})
		if uerr != nil {
			return f.retry(ctx, j, c, uerr)
		}
		f.log().WarnContext(ctx, "agency refused a case", "case", c.ID, "agency", c.Agency, "reason", refused.Message)
		return queue.Done()
	default:
		return f.retry(ctx, j, c, err)
	}
}

// retry schedules the next attempt, or parks the job past the give-up age.
func (f *Forwarder) retry(ctx context.Context, j queue.Job, c *Case, cause error) queue.Result {
	now := f.now()
	// Measured from the job's enqueueing (the submission, or an operator's
	// replay, which starts a fresh window).
	age := now.Sub(j.EnqueuedAt)
	if age >= f.GiveUpAfter {
		f.noteFailure(ctx, j, c, DeliveryStalled, now, cause)
		f.log().ErrorContext(ctx, "forward parked after the give-up age; replay with: satupintu outbox replay", "job", j.ID,
			"key", j.Key, "attempts", j.Attempt, "error", cause)
		return queue.Park(cause.Error())
	}
	var after time.Duration
	if ra, ok := errors.AsType[*RetryAfter](cause); ok {
		after = ra.After
	}
	wait := backoff.Wait(j.Attempt, f.BackoffBase, f.BackoffMax, after)
	f.noteFailure(ctx, j, c, DeliveryRetrying, now, cause)
	f.log().WarnContext(ctx, "forward failed; will retry", "job", j.ID, "key", j.Key, "attempts", j.Attempt,
		"retry_in", wait.String(), "error", cause)
	return queue.RetryAt(now.Add(wait), cause.Error())
}

// noteFailure records on a case still waiting for its delivery that a
// forward failed and what happens next (state). A cancellation notice, or
// a failure before the case was read (c nil), leaves no mark.
func (f *Forwarder) noteFailure(ctx context.Context, j queue.Job, c *Case, state DeliveryState, now time.Time, cause error) {
	if c == nil || string(j.Payload) == payloadCancel {
		return
	}
	_, _ = f.Store.Update(ctx, c.ID, func(c *Case) error {
		if c.Status != StatusSubmitted {
			return ErrNoChange
		}
		c.Delivery.State, c.Delivery.Attempts, c.Delivery.LastAttemptAt, c.Delivery.LastError =
			state, j.Attempt, now, cause.Error()
		return nil
	})
}

func (f *Forwarder) cancel(ctx context.Context, j queue.Job, a Agency, c *Case) queue.Result {
	if err := a.Cancel(ctx, c); err != nil {
		var refused *Refused
		if errors.As(err, &refused) {
			f.log().WarnContext(ctx, "agency refused the cancellation notice", "case", c.ID, "reason", refused.Message)
			return queue.Done()
		}
		return f.retry(ctx, j, nil, err)
	}
	return queue.Done()
}

// cancelSuffix ends the key of a cancellation notice.
const cancelSuffix = ":cancel"

// CancelJob is the job that tells the agency of a withdrawn case. It is
// unique: one notice of a case is pending at a time (the agency knows a
// notice by its idempotency key anyway).
func CancelJob(caseID string, now time.Time) queue.NewJob {
	return queue.NewJob{Kind: queue.Forward, Key: caseID + cancelSuffix, Payload: []byte(payloadCancel), EnqueuedAt: now, Unique: true}
}

func caseIDOf(j queue.Job) string {
	if string(j.Payload) == payloadCancel {
		if id, ok := strings.CutSuffix(j.Key, cancelSuffix); ok {
			return id
		}
	}
	return j.Key
}

func (f *Forwarder) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Forwarder) log() *slog.Logger { return orDiscard(f.Log) }

// orDiscard lets a worker built without a logger run silently rather
// than panic on its first log line.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
