package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Worker claims jobs from a queue and hands each to Handle, which must Ack,
// Retry or Bury it. Run stops when ctx ends, after the jobs in hand finish.
// Every setting is given (Validate checks them); only Log is optional.
type Worker struct {
	Queue    Queue
	Consumer string // this instance's name, for the engine's bookkeeping
	// Batch jobs are claimed at a time; at most Concurrency run at once.
	Batch       int
	Concurrency int
	// Idle is the pause after finding nothing due.
	Idle   time.Duration
	Handle func(ctx context.Context, j Job)
	// HandleBatch, when set instead of Handle, gets each claimed batch
	// whole (a poller asks an agency about many cases in one request).
	HandleBatch func(ctx context.Context, jobs []Job)
	// Ordered runs jobs with the same ID one after the other, in claim
	// order (the changes of one case are published in order).
	Ordered bool
	Log     *slog.Logger
}

// Validate reports every missing or invalid setting of w at once.
func (w *Worker) Validate() error {
	var errs []error
	if w.Queue == nil {
		errs = append(errs, errors.New("worker: Queue is required"))
	}
	if (w.Handle == nil) == (w.HandleBatch == nil) {
		errs = append(errs, errors.New("worker: exactly one of Handle and HandleBatch is required"))
	}
	if w.Batch < 1 || w.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("worker: Batch and Concurrency must be at least 1, got %d and %d", w.Batch, w.Concurrency))
	}
	if w.Idle <= 0 {
		errs = append(errs, fmt.Errorf("worker: Idle must be positive, got %s", w.Idle))
	}
	return errors.Join(errs...)
}

// Run works until ctx ends. w must be valid (see Validate).
func (w *Worker) Run(ctx context.Context) {
	batch, conc, idle := w.Batch, w.Concurrency, w.Idle
	log := w.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	slots := make(chan struct{}, conc)
	ln := &lanes{waiting: map[string][]Job{}}
	var running sync.WaitGroup
	defer running.Wait()
	// start runs f once a slot is free; false when the worker is told to
	// stop first. What f runs finishes even then: a job in hand is not
	// dropped halfway.
	start := func(f func(ctx context.Context)) bool {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		running.Go(func() {
			defer func() { <-slots }()
			f(context.WithoutCancel(ctx))
		})
		return true
	}
	pause := idle
	for ctx.Err() == nil {
		jobs, err := w.Queue.Claim(ctx, w.Consumer, batch)
		if err != nil && ctx.Err() == nil {
			log.Warn("queue claim failed; retrying", "consumer", w.Consumer, "error", err)
		}
		if len(jobs) == 0 {
			// Back off while idle or failing, up to 4× the idle pause.
			if !sleep(ctx, pause) {
				return
			}
			pause = min(pause*2, 4*idle)
			continue
		}
		pause = idle
		if w.HandleBatch != nil {
			if !start(func(ctx context.Context) { w.HandleBatch(ctx, jobs) }) {
				return
			}
			continue
		}
		for _, j := range jobs {
			if w.Ordered && ln.join(j) {
				continue // the goroutine of an earlier job with this ID runs it next
			}
			if !start(func(ctx context.Context) {
				for next, ok := j, true; ok; next, ok = ln.next(next.ID, w.Ordered) {
					w.Handle(ctx, next)
				}
			}) {
				// Unstarted jobs stay claimed; the visibility timeout returns them.
				return
			}
		}
	}
}

// lanes queue jobs behind an earlier job with the same ID still running.
type lanes struct {
	mu      sync.Mutex
	waiting map[string][]Job // by ID: the jobs behind the running one
}

// join reports whether j must wait behind a running job with its ID; if
// not, j becomes the running job of its lane.
func (l *lanes) join(j Job) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q, busy := l.waiting[j.ID]; busy {
		l.waiting[j.ID] = append(q, j)
		return true
	}
	l.waiting[j.ID] = nil
	return false
}

// next hands the running goroutine of lane id its next job, or closes the lane.
func (l *lanes) next(id string, ordered bool) (Job, bool) {
	if !ordered {
		return Job{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.waiting[id]
	if len(q) == 0 {
		delete(l.waiting, id)
		return Job{}, false
	}
	l.waiting[id] = q[1:]
	return q[0], true
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
