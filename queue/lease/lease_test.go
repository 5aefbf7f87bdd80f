package lease_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/queue/lease"
	"github.com/satupintu/satupintu/store/memory"
)

// Jobs with the same key run one after the other in the order they were
// enqueued, while jobs of different keys run at once. In a synctest bubble
// the handlers' random pauses shuffle the finishing order without real
// waiting, and the runner's idle pauses cost nothing.
func TestOrderedWorkerKeepsTheOrderOfOneKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := memory.NewQueue(time.Minute, time.Now)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for i := range 5 {
			for _, key := range []string{"a", "b", "c"} {
				if err := q.Enqueue(ctx, queue.NewJob{Kind: queue.Change, Key: key, Payload: []byte(fmt.Sprint(i))}); err != nil {
					t.Fatal(err)
				}
			}
		}
		var (
			mu      sync.Mutex
			seen    = map[string][]string{}
			running = map[string]bool{}
			done    = make(chan struct{})
			total   int
		)
		w := queue.Worker{Kind: queue.Change, Concurrency: 8, Ordered: true, Handle: func(ctx context.Context, j queue.Job) queue.Result {
			mu.Lock()
			if running[j.Key] {
				t.Errorf("two jobs of %s ran at once", j.Key)
			}
			running[j.Key] = true
			mu.Unlock()
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) // shuffle the finishing order (fake time)
			mu.Lock()
			running[j.Key] = false
			seen[j.Key] = append(seen[j.Key], string(j.Payload))
			total++
			if total == 15 {
				close(done)
			}
			mu.Unlock()
			return queue.Done()
		}}
		stopped := make(chan error)
		go func() { stopped <- q.Run(ctx, w) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second): // fake time: only if the runner is stuck
			t.Fatal("the runner did not finish 15 jobs")
		}
		cancel()
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		for key, order := range seen {
			if fmt.Sprint(order) != "[0 1 2 3 4]" {
				t.Errorf("jobs of %s ran in order %v", key, order)
			}
		}
	})
}

// A job running much longer than the visibility timeout keeps its claim
// while its runner lives: a second runner never gets it.
func TestLongJobKeepsItsClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const visibility = time.Second
		q := memory.NewQueue(visibility, time.Now)
		ctx, cancel := context.WithCancel(context.Background())
		if err := q.Enqueue(ctx, queue.NewJob{Kind: queue.Poll, Key: "education"}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		runs := 0
		w := queue.Worker{Kind: queue.Poll, Concurrency: 1, Handle: func(ctx context.Context, j queue.Job) queue.Result {
			mu.Lock()
			runs++
			mu.Unlock()
			time.Sleep(10 * visibility) // a long sweep (fake time)
			return queue.Done()
		}}
		var wg sync.WaitGroup
		for range 2 { // two instances
			wg.Go(func() {
				if err := q.Run(ctx, w); err != nil {
					t.Error(err)
				}
			})
		}
		time.Sleep(11 * visibility)
		synctest.Wait()
		if n, _ := q.Depth(ctx, queue.Poll); n != 0 {
			t.Errorf("depth %d after the sweep; want 0", n)
		}
		cancel()
		wg.Wait()
		if runs != 1 {
			t.Errorf("the job ran %d times; want once", runs)
		}
	})
}

// A Runner has no settings of its own: a missing one is refused, never
// replaced (a zero Idle would spin), and so is a bad worker.
func TestRunnerValidate(t *testing.T) {
	q := memory.NewQueue(time.Minute, nil)
	ok := lease.Runner{Store: q, Consumer: "a", Visibility: time.Minute, Idle: time.Millisecond, Now: time.Now}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a complete runner was refused: %v", err)
	}
	for name, r := range map[string]lease.Runner{
		"no store":            {Consumer: "a", Visibility: time.Minute, Idle: time.Millisecond, Now: time.Now},
		"no consumer":         {Store: q, Visibility: time.Minute, Idle: time.Millisecond, Now: time.Now},
		"no clock":            {Store: q, Consumer: "a", Visibility: time.Minute, Idle: time.Millisecond},
		"no visibility":       {Store: q, Consumer: "a", Idle: time.Millisecond, Now: time.Now},
		"no idle pause":       {Store: q, Consumer: "a", Visibility: time.Minute, Now: time.Now},
		"negative idle pause": {Store: q, Consumer: "a", Visibility: time.Minute, Idle: -time.Second, Now: time.Now},
	} {
		if err := r.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	handle := func(context.Context, queue.Job) queue.Result { return queue.Done() }
	good := queue.Worker{Kind: queue.Forward, Concurrency: 1, Handle: handle}
	if err := good.Validate(); err != nil {
		t.Fatalf("a complete worker was refused: %v", err)
	}
	for name, w := range map[string]queue.Worker{
		"no handler":     {Kind: queue.Forward, Concurrency: 1},
		"no concurrency": {Kind: queue.Forward, Handle: handle},
		"unknown kind":   {Kind: "fax", Concurrency: 1, Handle: handle},
	} {
		if err := ok.Run(context.Background(), w); err == nil {
			t.Errorf("Run with a worker with %s: accepted", name)
		}
	}
}
