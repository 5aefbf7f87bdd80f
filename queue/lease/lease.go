// Package lease turns a pull engine (claim a job for a lease, then settle
// it) into the push-model queue.Runner: the memory engine claims and
// settles, and Runner runs the handlers in between. An engine that runs
// handlers itself (River) does not need it.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

// Claim is a job handed out for a lease, and the receipt that names this
// claim of it: a claim that lapsed and was taken over by another consumer
// can no longer settle or extend the job.
type Claim struct {
	queue.Job
	Receipt string
}

// Store is the pull side of an engine.
type Store interface {
	// Claim leases up to max due jobs of a kind to consumer for the
	// engine's visibility timeout, the longest due first; none when none
	// are due.
	Claim(ctx context.Context, kind queue.Kind, consumer string, max int) ([]Claim, error)
	// Settle applies a handler's result to a claimed job. A claim that was
	// taken over is left alone (no error); a receipt the engine did not
	// give is an error.
	Settle(ctx context.Context, c Claim, r queue.Result) error
	// Extend renews the lease of a claim still held, so that a job running
	// longer than the visibility timeout is not taken over while its
	// runner lives. A claim taken over is left alone.
	Extend(ctx context.Context, c Claim) error
}

// Runner runs handlers on the jobs a Store hands out. Every setting is
// given by the engine (Validate checks them); only Log is optional.
type Runner struct {
	Store    Store
	Consumer string // this instance's name, for the engine's bookkeeping
	// Visibility is the engine's lease: claims in hand are extended every
	// third of it.
	Visibility time.Duration
	// Idle is the pause after finding nothing due, doubled while idle up
	// to four times.
	Idle time.Duration
	// Now is the engine's clock: a panicking handler's job is retried
	// after a backoff from it.
	Now func() time.Time
	Log *slog.Logger
}

// Validate reports every missing or invalid setting of r at once.
func (r *Runner) Validate() error {
	var errs []error
	if r.Store == nil || r.Now == nil {
		errs = append(errs, errors.New("lease runner: Store and Now are required"))
	}
	if r.Consumer == "" {
		errs = append(errs, errors.New("lease runner: Consumer is required"))
	}
	if r.Visibility <= 0 || r.Idle <= 0 {
		errs = append(errs, fmt.Errorf("lease runner: Visibility and Idle must be positive, got %s and %s", r.Visibility, r.Idle))
	}
	return errors.Join(errs...)
}

// Run works the workers' kinds until ctx ends, then waits for the jobs in
// hand (see queue.Runner).
func (r *Runner) Run(ctx context.Context, workers ...queue.Worker) error {
	if err := errors.Join(r.Validate(), queue.ValidateWorkers(workers)); err != nil {
		return err
	}
	held := &inHand{claims: map[string]Claim{}}
	stopBeat := make(chan struct{})
	var beat sync.WaitGroup
	beat.Go(func() { r.heartbeat(held, stopBeat) })
	var loops sync.WaitGroup
	for _, w := range workers {
		loops.Go(func() { r.work(ctx, w, held) })
	}
	loops.Wait()
	close(stopBeat)
	beat.Wait()
	return nil
}

// work claims and runs the jobs of one worker's kind until ctx ends, then
// waits for the jobs it started.
//
// The jobs run on w.Concurrency goroutines that live as long as work, not
// on a goroutine per job: a job's goroutine grows its stack as deep as its
// handler goes (a push through the Firebase SDK: tens of KB), and a fresh
// goroutine per job copied its stack several times over per job (copystack
// was 8% of satupintu's CPU in loadgen -scenario push).
func (r *Runner) work(ctx context.Context, w queue.Worker, held *inHand) {
	slots := make(chan struct{}, w.Concurrency)
	ln := &lanes{waiting: map[string][]Claim{}}
	jobs := make(chan Claim)
	jobCtx := context.WithoutCancel(ctx)
	var running sync.WaitGroup
	for range w.Concurrency {
		running.Go(func() {
			for c := range jobs {
				// The claim, and, ordered, the claims of its key that join
				// its lane meanwhile.
				for next, ok := c, true; ok; next, ok = ln.next(next.Key, w.Ordered) {
					r.run(jobCtx, w, next)
					held.remove(next)
				}
				<-slots
			}
		})
	}
	defer running.Wait()
	defer close(jobs)
	// start runs the claim once a slot is free; false when the runner is
	// told to stop first. What started finishes even then: a job in hand is
	// not dropped halfway. A slot taken means a goroutine is free, or about
	// to be (it gives its slot back just before it waits for the next job).
	start := func(c Claim) bool {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		jobs <- c
		return true
	}
	pause := r.Idle
	for ctx.Err() == nil {
		// Claim only what free slots can start at once.
		select {
		case slots <- struct{}{}:
			<-slots
		case <-ctx.Done():
			return
		}
		claims, err := r.Store.Claim(ctx, w.Kind, r.Consumer, cap(slots)-len(slots))
		if err != nil && ctx.Err() == nil {
			r.log().Warn("claiming jobs failed; retrying", "kind", w.Kind, "consumer", r.Consumer, "error", err)
		}
		if len(claims) == 0 {
			if !sleep(ctx, pause) {
				return
			}
			pause = min(pause*2, 4*r.Idle)
			continue
		}
		pause = r.Idle
		for i, c := range claims {
			held.add(c)
			if w.Ordered && ln.join(c) {
				continue // the goroutine of an earlier job with this key runs it next
			}
			if !start(c) {
				// Unstarted claims lapse after the visibility timeout, and
				// another runner takes them.
				for _, rest := range claims[i:] {
					held.remove(rest)
				}
				return
			}
		}
	}
}

// run hands one claimed job to its handler and settles the result.
func (r *Runner) run(ctx context.Context, w queue.Worker, c Claim) {
	res := r.call(ctx, w.Handle, c.Job)
	if err := r.Store.Settle(ctx, c, res); err != nil {
		r.log().Warn("settling a job failed; it runs again after its lease", "kind", c.Kind, "job", c.ID, "error", err)
	}
}

// call runs the handler; a panic is a failed attempt, retried after a
// backoff, rather than the end of the process.
func (r *Runner) call(ctx context.Context, h queue.Handler, j queue.Job) (res queue.Result) {
	defer func() {
		if p := recover(); p != nil {
			r.log().Error("job handler panicked; the job will run again", "kind", j.Kind, "job", j.ID,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = queue.RetryAt(r.Now().Add(backoff.Wait(j.Attempt, time.Second, time.Minute, 0)), fmt.Sprint("panic: ", p))
		}
	}()
	return h(ctx, j)
}

// heartbeat extends the leases of the claims in hand until stop.
func (r *Runner) heartbeat(held *inHand, stop <-chan struct{}) {
	t := time.NewTicker(max(r.Visibility/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for _, c := range held.list() {
			ctx, cancel := context.WithTimeout(context.Background(), r.Visibility/3+time.Second)
			if err := r.Store.Extend(ctx, c); err != nil {
				r.log().Warn("extending a job's lease failed", "kind", c.Kind, "job", c.ID, "error", err)
			}
			cancel()
		}
	}
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// inHand are the claims a runner holds (running or waiting in a lane), by
// receipt.
type inHand struct {
	mu     sync.Mutex
	claims map[string]Claim
}

func (h *inHand) add(c Claim) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.claims[c.Receipt] = c
}

func (h *inHand) remove(c Claim) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.claims, c.Receipt)
}

func (h *inHand) list() []Claim {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Claim, 0, len(h.claims))
	for _, c := range h.claims {
		out = append(out, c)
	}
	return out
}

// lanes queue claims behind an earlier claim of the same key still running.
type lanes struct {
	mu      sync.Mutex
	waiting map[string][]Claim // by key: the claims behind the running one
}

// join reports whether c must wait behind a running claim of its key; if
// not, c becomes the running claim of its lane.
func (l *lanes) join(c Claim) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q, busy := l.waiting[c.Key]; busy {
		l.waiting[c.Key] = append(q, c)
		return true
	}
	l.waiting[c.Key] = nil
	return false
}

// next hands the running goroutine of lane key its next claim, or closes
// the lane.
func (l *lanes) next(key string, ordered bool) (Claim, bool) {
	if !ordered {
		return Claim{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.waiting[key]
	if len(q) == 0 {
		delete(l.waiting, key)
		return Claim{}, false
	}
	l.waiting[key] = q[1:]
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
