package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/queue"
)

// Visibility is the claim (lease, rescue) time the queues under test must
// be built with: long enough for a real server to be read within it, short
// enough to be waited out.
const Visibility = time.Second

// Clock is an engine's time as a suite reads and moves it: a fake clock, a
// miniredis server's, or real time (Advance sleeps).
type Clock struct {
	Now     func() time.Time
	Advance Advance
}

// NewQueue returns an empty queue under test, built with the Visibility
// timeout, and its clock.
type NewQueue func(t *testing.T) (queue.Queue, Clock)

// TestQueue runs the queue.Queue conformance suite: the semantics every
// engine keeps, as handlers and operators see them, through the port
// alone. An engine that runs handlers itself (River) meets it as the
// memory engine does:
//   - jobs run once each while nothing fails, with their kind, key,
//     payload, EnqueuedAt and Attempt 1, each kind only by its worker, at
//     most Concurrency at once;
//   - a job runs no earlier than its At;
//   - RetryAt runs it again no earlier than at, one attempt more, with the
//     reason as LastError; Snooze without counting an attempt; a panic in
//     a handler is a failed attempt (at least once);
//   - Park keeps it, listed by Parked oldest first, and Replay runs it
//     afresh (Attempt 1, EnqueuedAt the replay) once;
//   - a unique job is not added while one of its kind and key is pending
//     (waiting, scheduled, running), and is added once none is (a finished
//     or parked one does not count);
//   - Depth counts the waiting, scheduled, retrying and running jobs of a
//     kind, not the finished or parked ones.
//
// What happens to a job whose instance dies is the engine's business
// (leases, rescues): TestLeaseQueue checks it for the lease engines, the
// multi-process tests of cmd/satupintu for every engine.
func TestQueue(t *testing.T, newQueue NewQueue) {
	ctx := context.Background()

	t.Run("RunsEachJobOnce", func(t *testing.T) {
		q, clk := newQueue(t)
		enqueuedAt := clk.Now().Add(-time.Minute).Add(123456789) // ns precision
		for i := range 5 {
			mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: fmt.Sprint("case-", i), Payload: []byte(fmt.Sprint("payload ", i)),
				EnqueuedAt: enqueuedAt})
		}
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "now"})
		wantDepth(t, q, queue.Forward, 6)
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Forward, Concurrency: 2, Handle: r.done})
		got := r.await(t, 6)
		waitDepth(t, q, queue.Forward, 0)
		ids := map[string]bool{}
		for _, j := range got {
			if j.Kind != queue.Forward || j.Attempt != 1 || j.LastError != "" || j.ID == "" || ids[j.ID] {
				t.Errorf("ran %s; want a forward, attempt 1, no error, an id of its own", show(j.Job))
			}
			ids[j.ID] = true
			if j.Key == "now" {
				if d := j.EnqueuedAt.Sub(clk.Now()).Abs(); d > 5*time.Second || len(j.Payload) > 0 {
					t.Errorf("job without EnqueuedAt: enqueued %v, payload %q; want about now (%v), none", j.EnqueuedAt, j.Payload, clk.Now())
				}
				continue
			}
			if want := "payload " + strings.TrimPrefix(j.Key, "case-"); string(j.Payload) != want || !j.EnqueuedAt.Equal(enqueuedAt) {
				t.Errorf("ran %s enqueued %v; want payload %q, enqueued %v as given", show(j.Job), j.EnqueuedAt, want, enqueuedAt)
			}
		}
		if keys := r.keys(); len(keys) != 6 || len(slices.Compact(slices.Sorted(slices.Values(keys)))) != 6 {
			t.Errorf("ran %v; want each of the 6 jobs once", keys)
		}
	})

	t.Run("KindsAreKeptApart", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "case-1"},
			queue.NewJob{Kind: queue.Push, Key: "note-1:device"}, queue.NewJob{Kind: queue.Push, Key: "note-2:device"})
		wantDepth(t, q, queue.Forward, 1)
		wantDepth(t, q, queue.Push, 2)
		wantDepth(t, q, queue.Change, 0)
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Push, Concurrency: 1, Handle: r.done})
		r.await(t, 2)
		waitDepth(t, q, queue.Push, 0)
		for _, j := range r.all() {
			if j.Kind != queue.Push {
				t.Errorf("the push worker ran %s", show(j.Job))
			}
		}
		wantDepth(t, q, queue.Forward, 1) // no forward worker runs here
	})

	t.Run("InvalidJobsAndWorkers", func(t *testing.T) {
		q, _ := newQueue(t)
		for _, j := range []queue.NewJob{{Kind: queue.Forward}, {Kind: "fax", Key: "k"}} {
			if err := q.Enqueue(ctx, j); err == nil {
				t.Errorf("Enqueue(%+v) succeeded; want an error", j)
			}
		}
		handle := func(context.Context, queue.Job) queue.Result { return queue.Done() }
		for name, ws := range map[string][]queue.Worker{
			"no handler":     {{Kind: queue.Forward, Concurrency: 1}},
			"no concurrency": {{Kind: queue.Forward, Handle: handle}},
			"unknown kind":   {{Kind: "fax", Concurrency: 1, Handle: handle}},
			"a kind twice":   {{Kind: queue.Poll, Concurrency: 1, Handle: handle}, {Kind: queue.Poll, Concurrency: 1, Handle: handle}},
		} {
			if err := q.Run(ctx, ws...); err == nil { // refused before it runs: returns at once
				t.Errorf("Run with %s: nil; want an error", name)
			}
		}
	})

	t.Run("ScheduledAt", func(t *testing.T) {
		q, clk := newQueue(t)
		at := clk.Now().Add(Visibility)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Change, Key: "later", At: at})
		wantDepth(t, q, queue.Change, 1) // scheduled counts
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Change, Concurrency: 1, Handle: r.done})
		clk.Advance(Visibility + 100*time.Millisecond)
		j := r.await(t, 1)[0]
		if j.at.Before(at) {
			t.Errorf("a job due at %v ran at %v", at, j.at)
		}
		if j.Attempt != 1 || j.Key != "later" {
			t.Errorf("ran %s; want later, attempt 1", show(j.Job))
		}
		waitDepth(t, q, queue.Change, 0)
	})

	t.Run("RetryCountsAttempts", func(t *testing.T) {
		q, clk := newQueue(t)
		enqueuedAt := clk.Now().Add(-time.Hour)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "case-1", Payload: []byte("p"), EnqueuedAt: enqueuedAt})
		var retryAt time.Time
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Forward, Concurrency: 1, Handle: r.record(func(j queue.Job) queue.Result {
			switch j.Attempt {
			case 1:
				retryAt = clk.Now().Add(Visibility)
				return queue.RetryAt(retryAt, "agency down")
			case 2:
				return queue.RetryAt(clk.Now().Add(-time.Second), "again") // due at once
			}
			return queue.Done()
		})})
		r.await(t, 1)
		wantDepth(t, q, queue.Forward, 1) // retrying counts
		clk.Advance(Visibility + 100*time.Millisecond)
		got := r.await(t, 3)
		waitDepth(t, q, queue.Forward, 0)
		if j := got[1]; j.Attempt != 2 || j.LastError != "agency down" || string(j.Payload) != "p" || j.Key != "case-1" ||
			!j.EnqueuedAt.Equal(enqueuedAt) || j.ID != got[0].ID || j.at.Before(retryAt) {
			t.Errorf("second run %s enqueued %v at %v; want the same job, attempt 2, error %q, enqueued %v, not before %v",
				show(j.Job), j.EnqueuedAt, j.at, "agency down", enqueuedAt, retryAt)
		}
		if j := got[2]; j.Attempt != 3 || j.LastError != "again" {
			t.Errorf("third run %s; want attempt 3, error again", show(j.Job))
		}
	})

	t.Run("SnoozeDoesNotCount", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Poll, Key: "education"})
		var snoozedUntil time.Time
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Poll, Concurrency: 1, Handle: r.record(func(j queue.Job) queue.Result {
			if r.count() == 1 {
				return queue.RetryAt(clk.Now(), "agency down")
			}
			if r.count() == 2 {
				snoozedUntil = clk.Now().Add(Visibility)
				return queue.Snooze(snoozedUntil)
			}
			return queue.Done()
		})})
		r.await(t, 2)
		wantDepth(t, q, queue.Poll, 1) // snoozed counts
		clk.Advance(Visibility + 100*time.Millisecond)
		got := r.await(t, 3)
		waitDepth(t, q, queue.Poll, 0)
		if j := got[2]; j.Attempt != 2 || j.ID != got[1].ID || j.at.Before(snoozedUntil) {
			t.Errorf("after a snooze ran %s at %v; want the same job at the same attempt (2), not before %v", show(j.Job), j.at, snoozedUntil)
		}
	})

	t.Run("PanicIsAFailedAttempt", func(t *testing.T) {
		q, clk := newQueue(t)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Push, Key: "note-1:device"})
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Push, Concurrency: 1, Handle: r.record(func(j queue.Job) queue.Result {
			if j.Attempt == 1 {
				panic("nil map")
			}
			return queue.Done()
		})})
		r.await(t, 1)
		// Retried after the engine's backoff: move the clock until it runs.
		testkit.WaitFor(t, "the job to run again after a panic", func() bool {
			clk.Advance(100 * time.Millisecond)
			return r.count() >= 2
		})
		if j := r.all()[1]; j.Attempt != 2 || !strings.Contains(j.LastError, "nil map") {
			t.Errorf("after a panic ran %s; want attempt 2, an error naming the panic", show(j.Job))
		}
		waitDepth(t, q, queue.Push, 0)
	})

	t.Run("ParkListReplay", func(t *testing.T) {
		q, clk := newQueue(t)
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Forward, Concurrency: 1, Handle: r.record(func(j queue.Job) queue.Result {
			if j.Attempt == 1 && r.countOf(j.Key) == 1 {
				return queue.Park("bad " + j.Key)
			}
			return queue.Done()
		})})
		enqueuedAt := clk.Now().Add(-time.Hour)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "b", Payload: []byte("pb"), EnqueuedAt: enqueuedAt})
		waitParked(t, q, queue.Forward, "b")
		clk.Advance(10 * time.Millisecond)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "a", Payload: []byte("pa")})
		parked := waitParked(t, q, queue.Forward, "b", "a")
		wantDepth(t, q, queue.Forward, 0) // parked jobs do not count
		if p := parked[0]; string(p.Payload) != "pb" || p.LastError != "bad b" || p.Attempt != 1 || p.Kind != queue.Forward ||
			!p.EnqueuedAt.Equal(enqueuedAt) || p.ID == "" {
			t.Errorf("parked %s enqueued %v; want payload pb, error %q, attempt 1, enqueued %v", show(p), p.EnqueuedAt, "bad b", enqueuedAt)
		}
		if got, err := q.Parked(ctx, queue.Forward, 1); err != nil || len(got) != 1 || got[0].Key != "b" {
			t.Errorf("Parked(1) = %v, %v; want the oldest, b", keys(got), err)
		}
		if got, err := q.Parked(ctx, queue.Push, 10); err != nil || len(got) != 0 {
			t.Errorf("parked pushes %v, %v; want none", keys(got), err)
		}
		if err := q.Replay(ctx, queue.Push, parked[0].ID); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Replay as another kind = %v; want sp.ErrNotFound", err)
		}

		replayed := clk.Now()
		if err := q.Replay(ctx, queue.Forward, parked[0].ID); err != nil {
			t.Fatal(err)
		}
		testkit.WaitFor(t, "the replayed job to run", func() bool { return r.countOf("b") == 2 })
		j := r.all()[r.count()-1]
		if j.Key != "b" || string(j.Payload) != "pb" || j.Attempt != 1 || j.EnqueuedAt.Before(replayed.Add(-time.Second)) {
			t.Errorf("replayed and ran %s enqueued %v; want b, pb, attempt 1 (afresh), enqueued at the replay (%v)",
				show(j.Job), j.EnqueuedAt, replayed)
		}
		waitDepth(t, q, queue.Forward, 0)
		wantParked(t, q, queue.Forward, "a")
		if err := q.Replay(ctx, queue.Forward, parked[0].ID); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("second Replay = %v; want sp.ErrNotFound", err)
		}
		if err := q.Replay(ctx, queue.Forward, "never-parked"); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Replay(never-parked) = %v; want sp.ErrNotFound", err)
		}
	})

	t.Run("UniqueKey", func(t *testing.T) {
		q, clk := newQueue(t)
		unique := queue.NewJob{Kind: queue.Poll, Key: "education", Unique: true}
		mustEnqueue(t, q, unique, unique)
		wantDepth(t, q, queue.Poll, 1)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Poll, Key: "education"}) // not unique: added
		wantDepth(t, q, queue.Poll, 2)
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Forward, Key: "education", Unique: true}) // another kind
		wantDepth(t, q, queue.Forward, 1)

		release := make(chan struct{})
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Poll, Concurrency: 2, Handle: r.record(func(j queue.Job) queue.Result {
			if r.count() <= 2 {
				<-release
			}
			if r.count() == 4 {
				return queue.Park("parked")
			}
			return queue.Done()
		})})
		r.await(t, 2)
		mustEnqueue(t, q, unique) // one of the two running is unique: not added
		wantDepth(t, q, queue.Poll, 2)
		close(release)
		waitDepth(t, q, queue.Poll, 0)
		mustEnqueue(t, q, unique) // finished: added again
		r.await(t, 3)
		waitDepth(t, q, queue.Poll, 0)
		mustEnqueue(t, q, unique) // parked when run
		waitParked(t, q, queue.Poll, "education")
		mustEnqueue(t, q, unique) // a parked job does not block
		r.await(t, 5)
		waitDepth(t, q, queue.Poll, 0)
		if n := r.count(); n != 5 {
			t.Errorf("%d runs; want 5", n)
		}
	})

	t.Run("ReplayOfAUniqueJobWithAPendingOne", func(t *testing.T) {
		q, clk := newQueue(t)
		unique := queue.NewJob{Kind: queue.Forward, Key: "case-1", Unique: true}
		hold := make(chan struct{})
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Forward, Concurrency: 1, Handle: r.record(func(j queue.Job) queue.Result {
			if r.count() == 1 {
				return queue.Park("down")
			}
			<-hold
			return queue.Done()
		})})
		mustEnqueue(t, q, unique)
		parked := waitParked(t, q, queue.Forward, "case-1")
		mustEnqueue(t, q, unique) // runs and holds
		r.await(t, 2)
		if err := q.Replay(ctx, queue.Forward, parked[0].ID); err != nil {
			t.Fatal(err)
		}
		wantParked(t, q, queue.Forward)
		wantDepth(t, q, queue.Forward, 1) // the running one only: the replay is not run twice
		close(hold)
		waitDepth(t, q, queue.Forward, 0)
		if n := r.count(); n != 2 {
			t.Errorf("%d runs; want 2", n)
		}
	})

	t.Run("ConcurrencyPerKind", func(t *testing.T) {
		q, clk := newQueue(t)
		for i := range 6 {
			mustEnqueue(t, q, queue.NewJob{Kind: queue.Push, Key: fmt.Sprint("note-", i)})
		}
		var mu sync.Mutex
		running, most := 0, 0
		release := make(chan struct{})
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Push, Concurrency: 2, Handle: r.record(func(j queue.Job) queue.Result {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			<-release
			mu.Lock()
			running--
			mu.Unlock()
			return queue.Done()
		})})
		r.await(t, 2)
		wantDepth(t, q, queue.Push, 6) // running ones count
		close(release)
		r.await(t, 6)
		waitDepth(t, q, queue.Push, 0)
		if most != 2 {
			t.Errorf("at most %d jobs ran at once; want the worker's concurrency, 2", most)
		}
	})

	t.Run("Depth", func(t *testing.T) {
		q, clk := newQueue(t)
		for _, key := range []string{"park", "retry", "done"} {
			mustEnqueue(t, q, queue.NewJob{Kind: queue.Change, Key: key})
		}
		mustEnqueue(t, q, queue.NewJob{Kind: queue.Change, Key: "scheduled", At: clk.Now().Add(time.Hour)})
		wantDepth(t, q, queue.Change, 4)
		r := &runs{clk: clk}
		runWorkers(t, q, queue.Worker{Kind: queue.Change, Concurrency: 3, Handle: r.record(func(j queue.Job) queue.Result {
			switch j.Key {
			case "park":
				return queue.Park("dead")
			case "retry":
				return queue.RetryAt(clk.Now().Add(time.Hour), "later")
			}
			return queue.Done()
		})})
		r.await(t, 3)
		waitParked(t, q, queue.Change, "park")
		waitDepth(t, q, queue.Change, 2) // retrying and scheduled
	})
}

// drain runs the pending jobs of kind, wants n of them, and returns them in
// the order they ran.
func drain(t *testing.T, q queue.Queue, kind queue.Kind, n int) []queue.Job {
	t.Helper()
	r := &runs{clk: Clock{Now: time.Now}}
	stop := runWorkers(t, q, queue.Worker{Kind: kind, Concurrency: 4, Handle: r.done})
	r.await(t, n)
	waitDepth(t, q, kind, 0)
	stop()
	var jobs []queue.Job
	for _, j := range r.all() {
		jobs = append(jobs, j.Job)
	}
	if len(jobs) != n {
		t.Fatalf("%d %s jobs ran; want %d", len(jobs), kind, n)
	}
	return jobs
}

// runWorkers runs q with the workers until the test ends (or stop).
func runWorkers(t *testing.T, q queue.Queue, workers ...queue.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, workers...) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// ran is one run of a job, and the engine's time at it.
type ran struct {
	queue.Job
	at time.Time
}

// runs records the runs of a handler.
type runs struct {
	clk  Clock
	mu   sync.Mutex
	jobs []ran
}

// record is a handler that records each run, then lets decide.
func (r *runs) record(decide func(queue.Job) queue.Result) queue.Handler {
	return func(_ context.Context, j queue.Job) queue.Result {
		r.mu.Lock()
		r.jobs = append(r.jobs, ran{Job: j, at: r.clk.Now()})
		r.mu.Unlock()
		return decide(j)
	}
}

// done is a handler that records each run and finishes it.
func (r *runs) done(ctx context.Context, j queue.Job) queue.Result {
	return r.record(func(queue.Job) queue.Result { return queue.Done() })(ctx, j)
}

func (r *runs) all() []ran {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.jobs)
}

func (r *runs) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.jobs)
}

func (r *runs) countOf(key string) int {
	n := 0
	for _, j := range r.all() {
		if j.Key == key {
			n++
		}
	}
	return n
}

func (r *runs) keys() []string {
	var out []string
	for _, j := range r.all() {
		out = append(out, j.Key)
	}
	return out
}

// await waits for n runs and returns them.
func (r *runs) await(t *testing.T, n int) []ran {
	t.Helper()
	testkit.WaitFor(t, fmt.Sprintf("%d runs", n), func() bool { return r.count() >= n })
	return r.all()
}

func mustEnqueue(t *testing.T, q queue.Enqueuer, jobs ...queue.NewJob) {
	t.Helper()
	if err := q.Enqueue(context.Background(), jobs...); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

func depth(t *testing.T, q queue.Admin, kind queue.Kind) int64 {
	t.Helper()
	n, err := q.Depth(context.Background(), kind)
	if err != nil {
		t.Fatalf("Depth(%s): %v", kind, err)
	}
	return n
}

func wantDepth(t *testing.T, q queue.Admin, kind queue.Kind, want int64) {
	t.Helper()
	if got := depth(t, q, kind); got != want {
		t.Fatalf("Depth(%s) = %d; want %d", kind, got, want)
	}
}

// waitDepth waits for the outcome of runs in flight to settle the depth.
func waitDepth(t *testing.T, q queue.Admin, kind queue.Kind, want int64) {
	t.Helper()
	testkit.WaitFor(t, fmt.Sprintf("depth of %s to be %d", kind, want), func() bool { return depth(t, q, kind) == want })
}

func parkedKeys(t *testing.T, q queue.Admin, kind queue.Kind) []queue.Job {
	t.Helper()
	got, err := q.Parked(context.Background(), kind, 100)
	if err != nil {
		t.Fatalf("Parked(%s): %v", kind, err)
	}
	return got
}

// wantParked wants the parked jobs of kind, oldest first, to have these keys.
func wantParked(t *testing.T, q queue.Admin, kind queue.Kind, want ...string) []queue.Job {
	t.Helper()
	got := parkedKeys(t, q, kind)
	if fmt.Sprint(keys(got)) != fmt.Sprint(want) {
		t.Fatalf("Parked(%s) = %v; want %v", kind, keys(got), want)
	}
	return got
}

// waitParked waits for the parked jobs of kind to have these keys.
func waitParked(t *testing.T, q queue.Admin, kind queue.Kind, want ...string) []queue.Job {
	t.Helper()
	testkit.WaitFor(t, fmt.Sprintf("%v parked", want), func() bool {
		return fmt.Sprint(keys(parkedKeys(t, q, kind))) == fmt.Sprint(want)
	})
	return wantParked(t, q, kind, want...)
}

func keys(jobs []queue.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.Key
	}
	return out
}

func show(j queue.Job) string {
	return fmt.Sprintf("{ID %s, Kind %s, Key %s, Payload %q, Attempt %d, LastError %q}", j.ID, j.Kind, j.Key, j.Payload, j.Attempt, j.LastError)
}
