// Package queue is the contract of satupintu's durable background jobs:
// forwarding cases to agencies, dispatching case changes, pushes and agency
// polls. It is push-model: an engine runs the handlers it is given, and a
// handler returns what became of its job (Done, RetryAt, Snooze, Park)
// instead of calling the queue. Engines: store/memory (in process) and
// store/postgres (River); store/storetest holds the one conformance suite
// every engine passes.
//
// The semantics every engine keeps:
//   - At least once. A job runs until its handler returns an outcome; a
//     job whose runner died is run again by another after the engine's
//     rescue time. Handlers are idempotent.
//   - Unique keys. A NewJob marked Unique is not added while a job of the
//     same kind and key is pending (waiting, scheduled, retrying or
//     running); a finished or parked one does not block it.
//   - Scheduled jobs. A job runs no earlier than its At.
//   - Retries count. RetryAt runs the job again no earlier than at, with
//     Attempt one more and LastError the reason; Snooze runs it again
//     without counting an attempt.
//   - Park and replay. A parked job is kept, listed by Parked and run again
//     by Replay as a fresh job: Attempt 1 and EnqueuedAt the replay.
//   - Depth counts the pending jobs of a kind, running ones included.
//
// Order is not kept: two jobs of one key may run in either order, and at
// once on two instances. Workers marked Ordered run the jobs of one key in
// order on one instance where the engine can (the memory engine does;
// River does not); consumers stay correct without it (case updates and notifications
// carry versions and sequences, and older ones are dropped).
//
// On River (github.com/riverqueue/river) each kind is a River queue and a
// job kind, MaxWorkers its worker's Concurrency; a NewJob is an insert
// (InsertTx in the store's transaction) with ScheduledAt At, EnqueuedAt in
// its metadata, and for Unique UniqueOpts by key over the pending states
// (available, pending, scheduled, retryable, running: not completed,
// cancelled or discarded); Done returns nil, RetryAt an error (the
// worker's NextRetry, called right after Work, returns at: the adapter
// keeps it per job id), Snooze JobSnooze, Park JobCancel; Parked
// lists the cancelled and discarded jobs, Replay deletes one and inserts it
// afresh in one transaction, Depth counts the pending states; MaxAttempts
// is set out of reach, since handlers decide when to give up.
package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind is a kind of job: each is worked by its own handler with its own
// concurrency, and listed and replayed on its own.
type Kind string

const (
	// Forward delivers a new case to its agency (key: the case id), or
	// tells the agency of a withdrawal (key: "<case id>:cancel").
	Forward Kind = "forward"
	// Change dispatches one stored change of a case (key: the case id).
	Change Kind = "change"
	// Push sends one notification to one device (key: "<notification
	// id>:<token key>").
	Push Kind = "push"
	// Poll sweeps the open cases of one agency that has no webhooks (key:
	// the agency).
	Poll Kind = "poll"
	// Export gathers, signs and stores a citizen's data export (key: the
	// export id).
	Export Kind = "export"
	// Retention enforces the retention settings once a day (one job, key
	// "daily", that comes back).
	Retention Kind = "retention"
	// Reconcile asks the payment gateway about one bill still open after
	// its window, settles or expires it (key: the bill id).
	Reconcile Kind = "reconcile"
)

// Kinds are every kind, in a fixed order.
var Kinds = []Kind{Forward, Change, Push, Poll, Export, Retention, Reconcile}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	switch k {
	case Forward, Change, Push, Poll, Export, Retention, Reconcile:
		return true
	}
	return false
}

// Queue is the name operators use for the jobs of a kind: forwards (the
// outbox), changes, pushes, polls.
func (k Kind) Queue() string {
	if k == Push {
		return "pushes"
	}
	return string(k) + "s"
}

// KindOfQueue is the kind a queue name (Kind.Queue) stands for.
func KindOfQueue(name string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Queue() == name {
			return k, true
		}
	}
	return "", false
}

// Job is one job as a handler or an operator sees it.
type Job struct {
	// ID names this job to the engine (Replay takes it); it says nothing
	// about the work, Key does.
	ID   string
	Kind Kind
	// Key is what the job is about: a case id, a notification and a device.
	Key     string
	Payload []byte
	// Attempt counts the runs of the job, this one included, from 1.
	// Snoozes do not count; a replay starts again at 1.
	Attempt int
	// EnqueuedAt is when the job was enqueued, or replayed: give-up ages
	// are measured from it.
	EnqueuedAt time.Time
	// LastError is the reason of the last RetryAt or Park.
	LastError string
}

// NewJob is a job to add: what Enqueue takes, and what a store engine
// inserts in the same transaction as the record that causes it (a case and
// its forward, a change and its dispatch).
type NewJob struct {
	Kind    Kind
	Key     string
	Payload []byte
	// At is the earliest the job runs; zero: at once.
	At time.Time
	// EnqueuedAt is the job's EnqueuedAt; zero: now, by the engine's clock.
	EnqueuedAt time.Time
	// Unique adds the job only if no job of its kind and key is pending
	// (waiting, scheduled, retrying or running).
	Unique bool
}

// Validate reports what makes j impossible to enqueue.
func (j NewJob) Validate() error {
	if !j.Kind.Valid() {
		return fmt.Errorf("queue: job of unknown kind %q", j.Kind)
	}
	if j.Key == "" {
		return fmt.Errorf("queue: %s job without a key", j.Kind)
	}
	return nil
}

// Outcome is what became of a run of a job.
type Outcome int

const (
	OutcomeDone   Outcome = iota // finished: the job is gone
	OutcomeRetry                 // failed: run again at At, one attempt more
	OutcomeSnooze                // not yet: run again at At, no attempt counted
	OutcomePark                  // given up: kept for an operator
)

// Result is a handler's verdict on one run of its job.
type Result struct {
	Outcome Outcome
	At      time.Time // when to run again (Retry, Snooze)
	Reason  string    // why (Retry, Park): the job's next LastError
}

// Done: the job is finished.
func Done() Result { return Result{Outcome: OutcomeDone} }

// RetryAt: the run failed for reason; run the job again no earlier than
// at, as its next attempt.
func RetryAt(at time.Time, reason string) Result {
	return Result{Outcome: OutcomeRetry, At: at, Reason: reason}
}

// Snooze: nothing failed, but the job is to run again no earlier than at
// (a periodic sweep); the attempt is not counted.
func Snooze(at time.Time) Result { return Result{Outcome: OutcomeSnooze, At: at} }

// Park: give the job up for reason; it is kept, listed and replayable.
func Park(reason string) Result { return Result{Outcome: OutcomePark, Reason: reason} }

// Handler runs one job and says what became of it. It must be idempotent:
// a job may run more than once.
type Handler func(ctx context.Context, j Job) Result

// Worker is how the jobs of one kind are worked on this instance. It has
// no defaults: configuration gives every setting.
type Worker struct {
	Kind   Kind
	Handle Handler
	// Concurrency is how many jobs of the kind run at once here.
	Concurrency int
	// Ordered runs the jobs of one key one after the other, in the order
	// they were enqueued, where the engine can (best effort: see the
	// package comment).
	Ordered bool
}

// Validate reports every missing or invalid setting of w at once.
func (w Worker) Validate() error {
	var errs []error
	if !w.Kind.Valid() {
		errs = append(errs, fmt.Errorf("worker: unknown kind %q", w.Kind))
	}
	if w.Handle == nil {
		errs = append(errs, fmt.Errorf("worker %s: Handle is required", w.Kind))
	}
	if w.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("worker %s: Concurrency must be at least 1, got %d", w.Kind, w.Concurrency))
	}
	return errors.Join(errs...)
}

// ValidateWorkers checks each worker and that no kind has two.
func ValidateWorkers(workers []Worker) error {
	var errs []error
	seen := map[Kind]bool{}
	for _, w := range workers {
		errs = append(errs, w.Validate())
		if seen[w.Kind] {
			errs = append(errs, fmt.Errorf("worker %s: given twice", w.Kind))
		}
		seen[w.Kind] = true
	}
	return errors.Join(errs...)
}

// Enqueuer adds jobs.
type Enqueuer interface {
	// Enqueue adds the jobs. It is not atomic across jobs in every engine:
	// on an error some may have been added (handlers are idempotent).
	Enqueue(ctx context.Context, jobs ...NewJob) error
}

// Runner works jobs.
type Runner interface {
	// Run hands the jobs of the workers' kinds to their handlers until ctx
	// ends, then waits for the jobs in hand to finish. Each instance of a
	// deployment runs its own; a job goes to one of them at a time. An
	// invalid worker is refused before anything runs.
	Run(ctx context.Context, workers ...Worker) error
}

// Admin is what operators see of the jobs.
type Admin interface {
	// Parked lists up to limit parked jobs of a kind, oldest first.
	Parked(ctx context.Context, kind Kind, limit int) ([]Job, error)
	// Replay runs the parked job id again as a fresh job (Attempt 1,
	// EnqueuedAt now). A unique job whose key has a pending job meanwhile
	// is not run twice: the pending one stands, the parked one is removed.
	// A job that is not parked is sp.ErrNotFound.
	Replay(ctx context.Context, kind Kind, id string) error
	// Depth counts the pending jobs of a kind: waiting, scheduled,
	// retrying and running; not parked ones.
	Depth(ctx context.Context, kind Kind) (int64, error)
}

// Queue is an engine: every side of the port.
type Queue interface {
	Enqueuer
	Runner
	Admin
}
