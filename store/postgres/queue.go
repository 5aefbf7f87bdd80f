package postgres

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

var _ queue.Queue = (*Queue)(nil)

var (
	//go:embed queries/jobs_depth.sql
	jobsDepthSQL string
	//go:embed queries/jobs_parked.sql
	jobsParkedSQL string
	//go:embed queries/jobs_take_parked.sql
	jobsTakeParkedSQL string
	//go:embed queries/current_schema.sql
	currentSchemaSQL string
)

// Queue is the job port on River (github.com/riverqueue/river), in the
// database's river_job table, mapped as the queue package describes:
// each kind is a River job kind worked from a River queue of its own
// (riverQueue), a NewJob an insert (in the caller's transaction where
// a store writes the record that causes it), and a handler's outcome the
// error River expects. River runs the handlers: no leases of ours.
type Queue struct {
	db     *DB
	opts   QueueOptions
	schema string
	// insert is a client that only inserts (no queues): Enqueue, the case
	// store's transactions and Replay use it; Run starts a client of its own.
	insert *river.Client[pgx.Tx]
}

// QueueOptions are the settings of the River engine. Every one is given.
type QueueOptions struct {
	// JobTimeout is the longest a handler runs: its context ends then
	// and the job is retried. It must exceed the longest run (a poll
	// sweep of an agency's open cases, a forward at the agency's
	// timeout).
	JobTimeout time.Duration
	// RescueAfter is when a job still running (its instance died) is run
	// again: more than JobTimeout. River's leader looks every 30s, so a
	// dead instance's job runs again within RescueAfter plus 30s.
	RescueAfter time.Duration
	// Log receives River's own warnings and errors, and the engine's.
	Log *slog.Logger
}

// maxAttempts is out of reach: handlers decide when to give up (Park),
// by attempts or by age; River's column is a smallint.
const maxAttempts = 30_000

// completedRetention is how long finished jobs stay in river_job before
// River's cleaner deletes them: long enough to look into what ran.
const completedRetention = time.Hour

// pendingStates are the states of a pending job: Depth counts them, and
// a unique job is not added while one of its key is in one (every state
// but completed, cancelled and discarded).
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning}

// NewQueue is the River engine on db. The River tables are the schema's
// (Migrate puts them there); River is told the schema the connections
// use, so its notifications stay within it.
func NewQueue(ctx context.Context, db *DB, opts QueueOptions) (*Queue, error) {
	if opts.JobTimeout <= 0 || opts.RescueAfter <= opts.JobTimeout {
		return nil, fmt.Errorf("postgres queue: JobTimeout must be positive and RescueAfter longer, got %s and %s", opts.JobTimeout, opts.RescueAfter)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{db: db, opts: opts}
	if err := db.pool.QueryRow(ctx, currentSchemaSQL).Scan(&q.schema); err != nil {
		return nil, fmt.Errorf("postgres queue: %w", err)
	}
	var err error
	if q.insert, err = river.NewClient(riverpgxv5.New(db.pool), q.config(nil, nil)); err != nil {
		return nil, fmt.Errorf("postgres queue: %w", err)
	}
	return q, nil
}

// config is River's configuration: the queues and workers of a Run, none
// for the inserting client.
func (q *Queue) config(queues map[string]river.QueueConfig, workers *river.Workers) *river.Config {
	return &river.Config{
		Queues:                      queues,
		Workers:                     workers,
		Schema:                      q.schema,
		MaxAttempts:                 maxAttempts,
		JobTimeout:                  q.opts.JobTimeout,
		RescueStuckJobsAfter:        q.opts.RescueAfter,
		CompletedJobRetentionPeriod: completedRetention,
		// Parked jobs stay until an operator replays them.
		CancelledJobRetentionPeriod: -1,
		DiscardedJobRetentionPeriod: -1,
		Logger:                      slog.New(atLeast{q.opts.Log.Handler(), slog.LevelWarn}),
		// A queue fetches at most MaxWorkers jobs per cooldown: River's
		// 100 ms held 16 forward workers to 160 forwards a second while
		// each takes ~20 ms at the agency (loadgen -scenario submit: 150/s
		// drained). 10 ms lets the workers, not the fetches, set the pace.
		FetchCooldown: fetchCooldown,
	}
}

// fetchCooldown is the least time between two fetches of one queue.
const fetchCooldown = 10 * time.Millisecond

// jobArgs are the River arguments of a job of the kind K names: River
// knows a job's kind from its arguments' type, so each kind has one.
// Only the key makes a unique job unique.
type jobArgs[K kindName] struct {
	Key     string `json:"key" river:"unique"`
	Payload []byte `json:"payload,omitempty"`
}

func (jobArgs[K]) Kind() string { var k K; return string(k.kind()) }

type kindName interface{ kind() queue.Kind }

type (
	forwardKind struct{}
	changeKind  struct{}
	pushKind    struct{}
	pollKind    struct{}
	exportKind  struct{}
	retainKind  struct{}
	reconKind   struct{}
)

func (forwardKind) kind() queue.Kind { return queue.Forward }
func (changeKind) kind() queue.Kind  { return queue.Change }
func (pushKind) kind() queue.Kind    { return queue.Push }
func (pollKind) kind() queue.Kind    { return queue.Poll }
func (exportKind) kind() queue.Kind  { return queue.Export }
func (retainKind) kind() queue.Kind  { return queue.Retention }
func (reconKind) kind() queue.Kind   { return queue.Reconcile }

// riverKind is what River needs of one kind: its arguments' type, for
// inserts, and its worker.
type riverKind struct {
	args func(key string, payload []byte) river.JobArgs
	add  func(rw *river.Workers, q *Queue, h queue.Handler)
}

func kindOf[K kindName]() riverKind {
	return riverKind{
		args: func(key string, payload []byte) river.JobArgs { return jobArgs[K]{Key: key, Payload: payload} },
		add:  func(rw *river.Workers, q *Queue, h queue.Handler) { river.AddWorker(rw, &worker[K]{q: q, handle: h}) },
	}
}

// riverKinds are every kind of the port (queue.Kinds), each to its own
// arguments' type: the one place a new kind is added.
var riverKinds = map[queue.Kind]riverKind{
	queue.Forward:   kindOf[forwardKind](),
	queue.Change:    kindOf[changeKind](),
	queue.Push:      kindOf[pushKind](),
	queue.Poll:      kindOf[pollKind](),
	queue.Export:    kindOf[exportKind](),
	queue.Retention: kindOf[retainKind](),
	queue.Reconcile: kindOf[reconKind](),
}

func argsOf(kind queue.Kind, key string, payload []byte) river.JobArgs {
	return riverKinds[kind].args(key, payload)
}

// metadata is what a job carries besides its arguments.
type metadata struct {
	EnqueuedAt time.Time `json:"enqueued_at"`
}

// params are the River inserts of jobs, dropping a unique job that
// repeats an earlier one of the list (one insert statement cannot meet
// its own row twice).
func (q *Queue) params(jobs []queue.NewJob, now time.Time) ([]river.InsertManyParams, error) {
	type unique struct {
		kind queue.Kind
		key  string
	}
	seen := map[unique]bool{}
	out := make([]river.InsertManyParams, 0, len(jobs))
	for _, j := range jobs {
		if err := j.Validate(); err != nil {
			return nil, fmt.Errorf("postgres queue: %w", err)
		}
		if j.Unique {
			if seen[unique{j.Kind, j.Key}] {
				continue
			}
			seen[unique{j.Kind, j.Key}] = true
		}
		meta, err := json.Marshal(metadata{EnqueuedAt: cmpOr(j.EnqueuedAt, now)})
		if err != nil {
			return nil, err
		}
		opts := &river.InsertOpts{Queue: riverQueue(j.Kind), Metadata: meta, ScheduledAt: j.At}
		if j.Unique {
			opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: pendingStates}
		}
		out = append(out, river.InsertManyParams{Args: argsOf(j.Kind, j.Key, j.Payload), InsertOpts: opts})
	}
	return out, nil
}

func cmpOr(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// Enqueue adds the jobs in one transaction: all or none.
func (q *Queue) Enqueue(ctx context.Context, jobs ...queue.NewJob) error {
	if len(jobs) == 0 {
		return nil
	}
	params, err := q.params(jobs, time.Now())
	if err != nil {
		return err
	}
	if _, err := q.insert.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("postgres queue: enqueue: %w", err)
	}
	return nil
}

// enqueueTx adds the jobs in the caller's transaction: they exist if and
// only if it commits.
func (q *Queue) enqueueTx(ctx context.Context, tx pgx.Tx, now time.Time, jobs ...queue.NewJob) error {
	params, err := q.params(jobs, now)
	if err != nil || len(params) == 0 {
		return err
	}
	_, err = q.insert.InsertManyTx(ctx, tx, params)
	return err
}

// Run works the workers' kinds on this instance until ctx ends, then
// waits for the jobs in hand (see queue.Runner). Each kind is a River
// queue whose MaxWorkers is the worker's Concurrency. Every kind's worker
// is registered, those not run here too (their queue is not worked), so
// that River's rescuer, on whichever instance leads, retries any kind's
// stuck jobs rather than discarding them as unknown. Ordered is not kept:
// River has no order per key (consumers do not need it).
func (q *Queue) Run(ctx context.Context, workers ...queue.Worker) error {
	if err := queue.ValidateWorkers(workers); err != nil {
		return err
	}
	handlers := map[queue.Kind]queue.Handler{}
	queues := map[string]river.QueueConfig{}
	for _, w := range workers {
		handlers[w.Kind] = w.Handle
		queues[riverQueue(w.Kind)] = river.QueueConfig{MaxWorkers: w.Concurrency}
	}
	rw := river.NewWorkers()
	for _, k := range queue.Kinds {
		riverKinds[k].add(rw, q, handlers[k])
	}
	client, err := river.NewClient(riverpgxv5.New(q.db.pool), q.config(queues, rw))
	if err != nil {
		return fmt.Errorf("postgres queue: %w", err)
	}
	// Start returns at once; ending ctx stops the client softly: no new
	// jobs, those running finish (their contexts are River's, not ctx).
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("postgres queue: starting River: %w", err)
	}
	<-client.Stopped()
	return nil
}

// worker runs the handler of one kind on the jobs River hands it.
type worker[K kindName] struct {
	river.WorkerDefaults[jobArgs[K]]
	q      *Queue
	handle queue.Handler
	// retries are the RetryAt times of the jobs that just failed, by
	// job id: River asks NextRetry right after Work returns.
	retries sync.Map
}

func (w *worker[K]) Work(ctx context.Context, rj *river.Job[jobArgs[K]]) error {
	var k K
	if w.handle == nil { // a kind this instance does not work: its queue is not run
		return fmt.Errorf("no %s worker on this instance", k.kind())
	}
	j := queue.Job{ID: strconv.FormatInt(rj.ID, 10), Kind: k.kind(), Key: rj.Args.Key, Payload: rj.Args.Payload,
		Attempt: rj.Attempt, EnqueuedAt: enqueuedAt(rj.JobRow), LastError: lastError(rj.Errors)}
	res := w.call(ctx, j)
	switch res.Outcome {
	case queue.OutcomeDone:
		return nil
	case queue.OutcomeRetry:
		w.retries.Store(rj.ID, res.At)
		return errors.New(res.Reason)
	case queue.OutcomeSnooze:
		return river.JobSnooze(max(time.Until(res.At), 0))
	case queue.OutcomePark:
		return river.JobCancel(errors.New(res.Reason))
	}
	return fmt.Errorf("postgres queue: unknown outcome %d", res.Outcome)
}

// NextRetry is the handler's RetryAt, never in the past (River would
// take its own backoff instead).
func (w *worker[K]) NextRetry(rj *river.Job[jobArgs[K]]) time.Time {
	at, ok := w.retries.LoadAndDelete(rj.ID)
	if !ok {
		return time.Time{}
	}
	if now := time.Now(); at.(time.Time).Before(now) {
		return now
	}
	return at.(time.Time)
}

// call runs the handler; a panic is a failed attempt, retried after a
// backoff, as on the other engines.
func (w *worker[K]) call(ctx context.Context, j queue.Job) (res queue.Result) {
	defer func() {
		if p := recover(); p != nil {
			w.q.opts.Log.Error("job handler panicked; the job will run again", "kind", j.Kind, "job", j.ID,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = queue.RetryAt(time.Now().Add(backoff.Wait(j.Attempt, time.Second, time.Minute, 0)), fmt.Sprint("panic: ", p))
		}
	}()
	return w.handle(ctx, j)
}

// enqueuedAt is the job's EnqueuedAt, from its metadata.
func enqueuedAt(r *rivertype.JobRow) time.Time {
	var m metadata
	if json.Unmarshal(r.Metadata, &m) != nil || m.EnqueuedAt.IsZero() {
		return r.CreatedAt
	}
	return m.EnqueuedAt
}

// lastError is the reason of the last failure: River records the error a
// worker returned, JobCancel's with a prefix.
func lastError(errs []rivertype.AttemptError) string {
	if len(errs) == 0 {
		return ""
	}
	return strings.TrimPrefix(errs[len(errs)-1].Error, "JobCancelError: ")
}

// Parked lists up to limit (default 100) parked jobs of kind, oldest
// first: River's cancelled jobs (Park) and discarded ones (none while
// attempts are out of reach, but an operator's River tools may make some).
func (q *Queue) Parked(ctx context.Context, kind queue.Kind, limit int) (_ []queue.Job, err error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("postgres queue: unknown kind %q", kind)
	}
	if limit <= 0 {
		limit = 100
	}
	defer wrap(&err, "listing parked %s jobs", kind)
	rows, err := q.db.pool.Query(ctx, jobsParkedSQL, string(kind), limit)
	if err != nil {
		return nil, err
	}
	var (
		id         int64
		args, meta []byte
		attempt    int
		reason     string
		createdAt  time.Time
		jobs       []queue.Job
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &args, &meta, &attempt, &reason, &createdAt}, func() error {
		var a jobArgs[pollKind] // every kind's arguments read alike
		if err := json.Unmarshal(args, &a); err != nil {
			return fmt.Errorf("job %d: %w", id, err)
		}
		j := queue.Job{ID: strconv.FormatInt(id, 10), Kind: kind, Key: a.Key, Payload: a.Payload, Attempt: attempt,
			EnqueuedAt: enqueuedAt(&rivertype.JobRow{Metadata: meta, CreatedAt: createdAt}),
			LastError:  lastError([]rivertype.AttemptError{{Error: reason}})}
		jobs = append(jobs, j)
		return nil
	})
	return jobs, err
}

// Replay deletes the parked job and inserts it afresh (Attempt 1,
// EnqueuedAt now), in one transaction. A unique one whose key has a
// pending job is not inserted: River's unique insert finds that one.
func (q *Queue) Replay(ctx context.Context, kind queue.Kind, id string) (err error) {
	n, perr := strconv.ParseInt(id, 10, 64)
	if !kind.Valid() || perr != nil {
		return sp.ErrNotFound
	}
	defer wrap(&err, "replaying %s job %s", kind, id)
	return q.db.WithTx(ctx, func(tx pgx.Tx) error {
		var args []byte
		var unique bool
		err := tx.QueryRow(ctx, jobsTakeParkedSQL, n, string(kind)).Scan(&args, &unique)
		if errors.Is(err, pgx.ErrNoRows) {
			return sp.ErrNotFound
		}
		if err != nil {
			return err
		}
		var a jobArgs[pollKind]
		if err := json.Unmarshal(args, &a); err != nil {
			return fmt.Errorf("job %d: %w", n, err)
		}
		return q.enqueueTx(ctx, tx, time.Now(), queue.NewJob{Kind: kind, Key: a.Key, Payload: a.Payload, Unique: unique})
	})
}

// riverQueue is the River queue a kind's jobs are inserted in and worked
// from: the kind and an s ("pushs" for pushes), as the first databases
// were written, so that jobs already queued are still found. Operators
// name queues by Kind.Queue.
func riverQueue(k queue.Kind) string { return string(k) + "s" }

// Depth counts the pending jobs of kind: available, pending, scheduled,
// retryable and running.
func (q *Queue) Depth(ctx context.Context, kind queue.Kind) (n int64, err error) {
	if !kind.Valid() {
		return 0, fmt.Errorf("postgres queue: unknown kind %q", kind)
	}
	defer wrap(&err, "counting %s jobs", kind)
	err = q.db.pool.QueryRow(ctx, jobsDepthSQL, riverQueue(kind), string(kind)).Scan(&n)
	return n, err
}

// atLeast passes on records of level min and above: River's client logs
// much at info that an operator does not need.
type atLeast struct {
	slog.Handler
	min slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{h.Handler.WithAttrs(as), h.min}
}
func (h atLeast) WithGroup(g string) slog.Handler { return atLeast{h.Handler.WithGroup(g), h.min} }
