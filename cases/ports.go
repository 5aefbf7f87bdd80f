package cases

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
)

// Store keeps cases. It is implemented by store/memory and store/postgres
// and checked by the one conformance suite in store/storetest.
type Store interface {
	// Create assigns c.ID (opaque, URL-safe; the engine may encode where
	// the case lives in it), then stores c and enqueues its first jobs
	// (FirstJobs: the forward job, unless it awaits payment) in one
	// atomic step. If the citizen already submitted
	// with c.IdempotencyKey, nothing is written and the stored case is
	// returned with created false. If c.SingleOpen and the citizen has an
	// open case of c.ServiceID, nothing is written and the error is an
	// *InProgress.
	Create(ctx context.Context, c *Case) (stored *Case, created bool, err error)
	// Get returns the case, or sp.ErrNotFound.
	Get(ctx context.Context, id string) (*Case, error)
	// Find returns the citizen's case submitted with idempotency key key,
	// or sp.ErrNotFound.
	Find(ctx context.Context, citizen sp.NIK, key string) (*Case, error)
	// Update applies f to the latest version of the case and stores the
	// result, retrying f on a concurrent change. If f returns ErrNoChange
	// nothing is written and the current case is returned. The update's
	// jobs (UpdateJobs: the change job of new history entries, the forward
	// job of a case that becomes SUBMITTED) are enqueued in the same
	// atomic step; when the case
	// leaves the open statuses it leaves the open indexes (single-open and
	// per-agency).
	Update(ctx context.Context, id string, f func(*Case) error) (*Case, error)
	// List returns the citizen's cases, newest first, optionally of one
	// status, after the opaque cursor; next is "" on the last page.
	List(ctx context.Context, citizen sp.NIK, q ListQuery) (page []*Case, next string, err error)
	// Count is how many cases the citizen has in status, or in all
	// statuses when status is "": what List pages through.
	Count(ctx context.Context, citizen sp.NIK, status Status) (int, error)
	// OpenCases lists ids of the open cases of an agency (for polling),
	// after the opaque cursor.
	OpenCases(ctx context.Context, a sp.Agency, after string, limit int) (ids []string, next string, err error)
}

// FirstJobs are the jobs Store.Create enqueues with a new case c: its
// forward job when it is SUBMITTED; none while it awaits payment (the
// payment enqueues it, moving the case to SUBMITTED).
func FirstJobs(c *Case) []queue.NewJob {
	if c.Status != StatusSubmitted {
		return nil
	}
	return []queue.NewJob{ForwardJob(c)}
}

// UpdateJobs are the jobs Store.Update enqueues, in its atomic step, with
// a change from cur to next: the change job of the new history entries,
// and the forward job when the case becomes SUBMITTED (its fee paid).
func UpdateJobs(cur, next *Case) []queue.NewJob {
	var jobs []queue.NewJob
	if from, to := len(cur.History), len(next.History); to > from {
		jobs = append(jobs, ChangeJob(next.ID, from, to, next.Version, next.UpdatedAt))
	}
	if cur.Status != StatusSubmitted && next.Status == StatusSubmitted {
		j := ForwardJob(next)
		j.EnqueuedAt = next.UpdatedAt // the give-up age runs from the payment
		jobs = append(jobs, j)
	}
	return jobs
}

// ForwardJob is the job Store.Create enqueues with a new case: deliver it
// to its agency. It is unique: one forward of a case is pending at a time.
// Its EnqueuedAt is the submission, from which the give-up age runs.
func ForwardJob(c *Case) queue.NewJob {
	return queue.NewJob{Kind: queue.Forward, Key: c.ID, EnqueuedAt: c.CreatedAt, Unique: true}
}

// ChangeJob is the job Store.Update enqueues with a change of case id that
// added History[from:to] and left the case at version.
func ChangeJob(id string, from, to int, version int64, at time.Time) queue.NewJob {
	return queue.NewJob{Kind: queue.Change, Key: id, Payload: ChangePayload(from, to, version), EnqueuedAt: at}
}

// ListQuery selects a page of a citizen's cases.
type ListQuery struct {
	Status Status // "" for all
	After  string // cursor
	First  int    // see Size
}

// A page of a citizen's cases holds DefaultPageSize cases unless the query
// asks for another number, and never more than MaxPageSize.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Size is how many cases the page holds at most: First, DefaultPageSize
// when First is not positive, never more than MaxPageSize.
func (q ListQuery) Size() int { return sp.PageSize(q.First, DefaultPageSize, MaxPageSize) }

// ErrNoChange: an update function found nothing to change.
var ErrNoChange = errors.New("cases: no change")

// InProgress is the refusal of a second open case of a single-open service.
// Its code is CONFLICT.
type InProgress struct{ Case *Case }

func (e *InProgress) Error() string {
	return "cases: an open case of this service exists: " + e.Case.ID
}

func (e *InProgress) Unwrap() error { return errInProgress }

var errInProgress = &sp.Error{Code: sp.CodeConflict, Message: "an open case of this service exists"}

// Clock is time, injectable in tests.
type Clock func() time.Time

// Update is one change of a case as subscribers hear it.
type Update struct {
	CaseID  string `json:"caseId"`
	Citizen sp.NIK `json:"citizen"`
	Status  Status `json:"status"`
	Entry   Entry  `json:"entry"`
	// Version of the case after this change: a subscriber that has seen a
	// higher version drops a late one.
	Version int64 `json:"version"`
}

// Broker fans case updates out to the subscribers of a citizen, on every
// instance (memory engine: this process; Redis: pub/sub; PostgreSQL:
// LISTEN/NOTIFY). It is
// at-most-once: a subscriber that reconnects reads the history.
type Broker interface {
	Publish(ctx context.Context, u Update) error
	// Subscribe delivers the citizen's updates, only those of caseID when
	// it is not "", until ctx ends or cancel is called; then the channel is
	// closed. A slow subscriber loses updates rather than blocking others.
	// Every subscriber gets the same *Update: read it, never modify it.
	// (No goroutine per subscriber: with 10,000 idle ones, each costs.)
	Subscribe(ctx context.Context, citizen sp.NIK, caseID string) (updates <-chan *Update, cancel func(), err error)
}

// ChangePayload is the payload of the change job Update enqueues: which history entries the change added (History[from:to]) and the
// case's version after it, so the dispatcher publishes exactly that change
// even when later ones have landed since.
func ChangePayload(from, to int, version int64) []byte {
	return []byte(strconv.Itoa(from) + ":" + strconv.Itoa(to) + ":" + strconv.FormatInt(version, 10))
}

// ParseChange reads a ChangePayload.
func ParseChange(p []byte) (from, to int, version int64, ok bool) {
	parts := strings.Split(string(p), ":")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	from, err1 := strconv.Atoi(parts[0])
	to, err2 := strconv.Atoi(parts[1])
	version, err3 := strconv.ParseInt(parts[2], 10, 64)
	return from, to, version, err1 == nil && err2 == nil && err3 == nil && 0 <= from && from < to
}
