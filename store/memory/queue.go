package memory

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/queue/lease"
)

var (
	_ queue.Queue = (*Queue)(nil)
	_ lease.Store = (*Queue)(nil)
)

// Queue holds the jobs of every kind in process memory: claims are leases
// of the visibility timeout, retries and scheduled jobs wait until their
// due time, parked jobs are kept until
// replayed. A receipt names one claim, so a runner whose lease was taken
// over cannot settle the new claim. Tests step it by hand through Claim and
// Settle; Run works it as an instance does.
type Queue struct {
	now        func() time.Time
	visibility time.Duration
	idle       time.Duration
	log        *slog.Logger

	mu    sync.Mutex
	seq   uint64 // numbers jobs and claims
	kinds map[queue.Kind]*kindJobs
}

// kindJobs are the jobs of one kind.
type kindJobs struct {
	jobs   map[uint64]*waiting
	byDue  dueHeap           // the same jobs, soonest due first: a claim need not scan them all
	unique map[string]uint64 // key -> the pending unique job
	parked map[string]parkedJob
}

// waiting is a job pending: waiting, scheduled, retrying or in flight.
type waiting struct {
	job    queue.Job
	seq    uint64
	due    time.Time // claimable from; for a claimed job, when its lease ends
	claim  uint64    // the current claim, 0 while waiting
	unique bool
	index  int // in byDue
}

type parkedJob struct {
	job    queue.Job
	unique bool
	seq    uint64 // orders jobs parked at the same instant
	at     time.Time
}

// dueHeap orders jobs by due time, then by age (container/heap).
type dueHeap []*waiting

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	return cmp.Or(h[i].due.Compare(h[j].due), cmp.Compare(h[i].seq, h[j].seq)) < 0
}
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) {
	w := x.(*waiting)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *dueHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}

// NewQueue returns an empty queue whose claims last visibility, on the
// clock now (time.Now if nil).
func NewQueue(visibility time.Duration, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	q := &Queue{now: now, visibility: visibility, idle: 10 * time.Millisecond, kinds: map[queue.Kind]*kindJobs{}}
	for _, k := range queue.Kinds {
		q.kinds[k] = &kindJobs{jobs: map[uint64]*waiting{}, unique: map[string]uint64{}, parked: map[string]parkedJob{}}
	}
	return q
}

// WithRunner sets how Run looks for due jobs: every idle while there are
// none (doubling up to four times), logging to log. The default is 10ms
// and no log.
func (q *Queue) WithRunner(idle time.Duration, log *slog.Logger) *Queue {
	q.idle, q.log = idle, log
	return q
}

// Enqueue adds the jobs, all or (on an invalid one) none.
func (q *Queue) Enqueue(_ context.Context, jobs ...queue.NewJob) error {
	for _, j := range jobs {
		if err := j.Validate(); err != nil {
			return fmt.Errorf("memory queue: %w", err)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for _, j := range jobs {
		k := q.kinds[j.Kind]
		if j.Unique {
			if _, pending := k.unique[j.Key]; pending {
				continue
			}
		}
		enqueuedAt := j.EnqueuedAt
		if enqueuedAt.IsZero() {
			enqueuedAt = now
		}
		due := j.At
		if due.IsZero() {
			due = now
		}
		q.add(k, queue.Job{Kind: j.Kind, Key: j.Key, Payload: copyBytes(j.Payload), EnqueuedAt: enqueuedAt}, due, j.Unique)
	}
	return nil
}

// add puts a job in k, due at due, under a new id.
func (q *Queue) add(k *kindJobs, j queue.Job, due time.Time, unique bool) {
	q.seq++
	j.ID = strconv.FormatUint(q.seq, 10)
	w := &waiting{job: j, seq: q.seq, due: due, unique: unique}
	k.jobs[w.seq] = w
	heap.Push(&k.byDue, w)
	if unique {
		k.unique[j.Key] = w.seq
	}
}

// remove takes w out of k (done or parked).
func (k *kindJobs) remove(w *waiting) {
	delete(k.jobs, w.seq)
	heap.Remove(&k.byDue, w.index)
	if w.unique && k.unique[w.job.Key] == w.seq {
		delete(k.unique, w.job.Key)
	}
}

// Claim leases up to max due jobs of kind, the longest due first.
func (q *Queue) Claim(_ context.Context, kind queue.Kind, consumer string, max int) ([]lease.Claim, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("memory queue: unknown kind %q", kind)
	}
	if max <= 0 {
		return nil, nil
	}
	if consumer == "" {
		return nil, errors.New("memory queue: Claim needs a consumer name")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	k := q.kinds[kind]
	now := q.now()
	var due []*waiting
	for len(due) < max && len(k.byDue) > 0 && !k.byDue[0].due.After(now) {
		due = append(due, heap.Pop(&k.byDue).(*waiting))
	}
	claims := make([]lease.Claim, 0, len(due))
	for _, w := range due {
		q.seq++
		w.claim, w.due = q.seq, now.Add(q.visibility)
		w.job.Attempt++
		j := w.job
		j.Payload = copyBytes(j.Payload)
		claims = append(claims, lease.Claim{Job: j, Receipt: receipt(w.seq, w.claim)})
		heap.Push(&k.byDue, w) // back in, due when the lease ends
	}
	return claims, nil
}

// receipt names claim number claim of job seq: "seq/claim".
func receipt(seq, claim uint64) string {
	b := make([]byte, 0, 24)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, '/')
	return string(strconv.AppendUint(b, claim, 10))
}

// parseReceipt reads a receipt made by receipt.
func parseReceipt(r string) (seq, claim uint64, ok bool) {
	a, b, found := strings.Cut(r, "/")
	seq, err1 := strconv.ParseUint(a, 10, 64)
	claim, err2 := strconv.ParseUint(b, 10, 64)
	return seq, claim, found && err1 == nil && err2 == nil
}

// held returns the job of a current claim, or nil when it was taken over
// or is gone.
func (q *Queue) held(c lease.Claim) (*kindJobs, *waiting, error) {
	seq, claim, ok := parseReceipt(c.Receipt)
	if !ok || !c.Kind.Valid() {
		return nil, nil, fmt.Errorf("memory queue: %q is not a receipt of this queue (a claim from Claim is needed)", c.Receipt)
	}
	k := q.kinds[c.Kind]
	w := k.jobs[seq]
	if w == nil || w.claim != claim {
		return k, nil, nil
	}
	return k, w, nil
}

// Settle applies a handler's result to a claimed job.
func (q *Queue) Settle(_ context.Context, c lease.Claim, r queue.Result) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	k, w, err := q.held(c)
	if w == nil {
		return err
	}
	switch r.Outcome {
	case queue.OutcomeDone:
		k.remove(w)
	case queue.OutcomeRetry, queue.OutcomeSnooze:
		if r.Outcome == queue.OutcomeRetry {
			w.job.LastError = r.Reason
		} else {
			w.job.Attempt-- // a snooze is not an attempt
		}
		w.claim, w.due = 0, r.At
		heap.Fix(&k.byDue, w.index)
	case queue.OutcomePark:
		k.remove(w)
		w.job.LastError = r.Reason
		q.seq++
		k.parked[w.job.ID] = parkedJob{job: w.job, unique: w.unique, seq: q.seq, at: q.now()}
	default:
		return fmt.Errorf("memory queue: unknown outcome %d", r.Outcome)
	}
	return nil
}

// Extend renews the lease of a claim still held.
func (q *Queue) Extend(_ context.Context, c lease.Claim) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	k, w, err := q.held(c)
	if w != nil {
		w.due = q.now().Add(q.visibility)
		heap.Fix(&k.byDue, w.index)
	}
	return err
}

// Run works the workers' kinds in this process (see queue.Runner).
func (q *Queue) Run(ctx context.Context, workers ...queue.Worker) error {
	r := &lease.Runner{Store: q, Consumer: "memory", Visibility: q.visibility, Idle: q.idle, Now: q.now, Log: q.log}
	return r.Run(ctx, workers...)
}

// Parked lists up to limit (default 100) parked jobs of kind, oldest first.
func (q *Queue) Parked(_ context.Context, kind queue.Kind, limit int) ([]queue.Job, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("memory queue: unknown kind %q", kind)
	}
	if limit <= 0 {
		limit = 100
	}
	q.mu.Lock()
	all := slices.Collect(maps.Values(q.kinds[kind].parked))
	q.mu.Unlock()
	slices.SortFunc(all, func(a, b parkedJob) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq)) })
	jobs := make([]queue.Job, 0, min(len(all), limit))
	for _, p := range all[:min(len(all), limit)] {
		j := p.job
		j.Payload = copyBytes(j.Payload)
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// Replay moves the parked job id back, due now, as a fresh job.
func (q *Queue) Replay(_ context.Context, kind queue.Kind, id string) error {
	if !kind.Valid() {
		return sp.ErrNotFound
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	k := q.kinds[kind]
	p, ok := k.parked[id]
	if !ok {
		return sp.ErrNotFound
	}
	delete(k.parked, id)
	if _, pending := k.unique[p.job.Key]; p.unique && pending {
		return nil // the pending job does the work
	}
	now := q.now()
	// A replay starts afresh: attempts from 1, the give-up age from now.
	j := queue.Job{Kind: kind, Key: p.job.Key, Payload: p.job.Payload, EnqueuedAt: now}
	q.add(k, j, now, p.unique)
	return nil
}

// Depth counts the pending jobs of kind.
func (q *Queue) Depth(_ context.Context, kind queue.Kind) (int64, error) {
	if !kind.Valid() {
		return 0, fmt.Errorf("memory queue: unknown kind %q", kind)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return int64(len(q.kinds[kind].jobs)), nil
}

// copyBytes copies a payload: callers may reuse their buffers.
func copyBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
