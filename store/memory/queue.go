package memory

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
)

var _ queue.Queue = (*Queue)(nil)

// Queue is a queue in process memory with the semantics of the Redis one:
// claims are leases of the visibility timeout, retries wait until their due
// time, buried jobs are kept by id until revived. A receipt names one claim,
// so a consumer whose lease was taken over cannot ack the new claim.
type Queue struct {
	now        func() time.Time
	visibility time.Duration

	mu     sync.Mutex
	seq    uint64 // numbers jobs and claims
	jobs   map[uint64]*waiting
	byDue  dueHeap // the same jobs, soonest due first: a claim need not scan them all
	dead   map[string][]deadJob
	buried uint64 // orders dead letters buried at the same instant
}

// waiting is a job waiting or in flight.
type waiting struct {
	job   queue.Job
	seq   uint64
	due   time.Time // claimable from; for a claimed job, when its lease ends
	claim uint64    // the current claim, 0 while waiting
	index int       // in byDue
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

// remove takes w out of the queue (acked or buried).
func (q *Queue) remove(w *waiting) {
	delete(q.jobs, w.seq)
	heap.Remove(&q.byDue, w.index)
}

type deadJob struct {
	job queue.Job
	at  time.Time
	seq uint64
}

// NewQueue returns an empty queue whose claims last visibility, on the
// clock now (time.Now if nil).
func NewQueue(visibility time.Duration, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{now: now, visibility: visibility, jobs: map[uint64]*waiting{}, dead: map[string][]deadJob{}}
}

// Enqueue adds j, due now. Its Attempts, LastError and Receipt are ignored;
// a zero EnqueuedAt takes the clock's time.
func (q *Queue) Enqueue(_ context.Context, j queue.Job) error {
	if j.ID == "" {
		return errors.New("memory queue: job without an id")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.enqueue(j, q.now())
	return nil
}

func (q *Queue) enqueue(j queue.Job, now time.Time) {
	if j.EnqueuedAt.IsZero() {
		j.EnqueuedAt = now
	}
	q.seq++
	w := &waiting{
		job: queue.Job{ID: j.ID, Payload: copyBytes(j.Payload), EnqueuedAt: j.EnqueuedAt},
		seq: q.seq, due: now,
	}
	q.jobs[q.seq] = w
	heap.Push(&q.byDue, w)
}

// Claim leases up to max due jobs, the longest due first.
func (q *Queue) Claim(_ context.Context, consumer string, max int) ([]queue.Job, error) {
	if max <= 0 {
		return nil, nil
	}
	if consumer == "" {
		return nil, errors.New("memory queue: Claim needs a consumer name")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var due []*waiting
	for len(due) < max && len(q.byDue) > 0 && !q.byDue[0].due.After(now) {
		due = append(due, heap.Pop(&q.byDue).(*waiting))
	}
	jobs := make([]queue.Job, 0, len(due))
	for _, w := range due {
		q.seq++
		w.claim, w.due = q.seq, now.Add(q.visibility)
		w.job.Attempts++
		j := w.job
		j.Payload = copyBytes(j.Payload)
		j.Receipt = fmt.Sprintf("%d/%d", w.seq, w.claim)
		jobs = append(jobs, j)
		heap.Push(&q.byDue, w) // back in, due when the lease ends
	}
	return jobs, nil
}

// held returns the job of a current claim, or nil.
func (q *Queue) held(j queue.Job) (*waiting, error) {
	var seq, claim uint64
	if _, err := fmt.Sscanf(j.Receipt, "%d/%d", &seq, &claim); err != nil {
		return nil, fmt.Errorf("memory queue: %q is not a receipt of this queue (a job from Claim is needed)", j.Receipt)
	}
	w := q.jobs[seq]
	if w == nil || w.claim != claim {
		return nil, nil
	}
	return w, nil
}

// Ack removes the claimed job; a claim taken over is left alone.
func (q *Queue) Ack(_ context.Context, j queue.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	w, err := q.held(j)
	if w != nil {
		q.remove(w)
	}
	return err
}

// Retry puts the claimed job back, due at at, keeping its attempts.
func (q *Queue) Retry(_ context.Context, j queue.Job, at time.Time, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	w, err := q.held(j)
	if w != nil {
		w.claim, w.due, w.job.LastError = 0, at, reason
		heap.Fix(&q.byDue, w.index)
	}
	return err
}

// Bury moves the claimed job to the dead letters of its id.
func (q *Queue) Bury(_ context.Context, j queue.Job, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	w, err := q.held(j)
	if w == nil {
		return err
	}
	q.remove(w)
	w.job.LastError = reason
	q.buried++
	q.dead[w.job.ID] = append(q.dead[w.job.ID], deadJob{job: w.job, at: q.now(), seq: q.buried})
	return nil
}

// Buried lists up to limit (default 100) dead letters, oldest first.
func (q *Queue) Buried(_ context.Context, limit int) ([]queue.Job, error) {
	if limit <= 0 {
		limit = 100
	}
	q.mu.Lock()
	var all []deadJob
	for _, d := range q.dead {
		all = append(all, d...)
	}
	q.mu.Unlock()
	slices.SortFunc(all, func(a, b deadJob) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq)) })
	jobs := make([]queue.Job, 0, min(len(all), limit))
	for _, d := range all[:min(len(all), limit)] {
		j := d.job
		j.Payload = copyBytes(j.Payload)
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// Revive moves the buried jobs of id back to the queue, due now, with their
// attempts reset.
func (q *Queue) Revive(_ context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	dead, ok := q.dead[id]
	if !ok {
		return sp.ErrNotFound
	}
	delete(q.dead, id)
	now := q.now()
	for _, d := range dead {
		j := d.job
		j.EnqueuedAt = now // a replay starts afresh
		q.enqueue(j, now)
		q.jobs[q.seq].job.LastError = d.job.LastError
	}
	return nil
}

// Depth counts the jobs waiting or in flight.
func (q *Queue) Depth(context.Context) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return int64(len(q.jobs)), nil
}

// copyBytes copies a payload: callers may reuse their buffers.
func copyBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
