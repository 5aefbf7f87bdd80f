package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/memory"
)

// Jobs with the same ID run one after the other in the order they were
// claimed, while jobs of different IDs run at once. In a synctest bubble
// the handlers' random pauses shuffle the finishing order without real
// waiting, and the worker's idle pauses cost nothing.
func TestWorkerKeepsTheOrderOfOneID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := memory.NewQueue(time.Minute, time.Now)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for i := range 5 {
			for _, id := range []string{"a", "b", "c"} {
				_ = q.Enqueue(ctx, queue.Job{ID: id, Payload: []byte(fmt.Sprint(i)), EnqueuedAt: time.Now()})
			}
		}
		var (
			mu      sync.Mutex
			seen    = map[string][]string{}
			running = map[string]bool{}
			done    = make(chan struct{})
			total   int
		)
		w := &queue.Worker{Queue: q, Consumer: "w", Batch: 4, Concurrency: 8, Idle: time.Millisecond, Ordered: true,
			Handle: func(ctx context.Context, j queue.Job) {
				mu.Lock()
				if running[j.ID] {
					t.Errorf("two jobs of %s ran at once", j.ID)
				}
				running[j.ID] = true
				mu.Unlock()
				time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) // shuffle the finishing order (fake time)
				mu.Lock()
				running[j.ID] = false
				seen[j.ID] = append(seen[j.ID], string(j.Payload))
				total++
				if total == 15 {
					close(done)
				}
				mu.Unlock()
				_ = q.Ack(ctx, j)
			}}
		stopped := make(chan struct{})
		go func() { w.Run(ctx); close(stopped) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second): // fake time: only if the worker is stuck
			t.Fatal("the worker did not finish 15 jobs")
		}
		cancel()
		<-stopped
		for id, order := range seen {
			if fmt.Sprint(order) != "[0 1 2 3 4]" {
				t.Errorf("jobs of %s ran in order %v", id, order)
			}
		}
	})
}

// A Worker has no settings of its own: a missing one is refused, never
// replaced (a zero Concurrency would block forever, a zero Idle spin).
func TestWorkerValidate(t *testing.T) {
	handle := func(context.Context, queue.Job) {}
	ok := queue.Worker{Queue: memory.NewQueue(time.Minute, nil), Batch: 1, Concurrency: 1, Idle: time.Millisecond, Handle: handle}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a complete worker was refused: %v", err)
	}
	for name, w := range map[string]queue.Worker{
		"no queue":            {Batch: 1, Concurrency: 1, Idle: time.Millisecond, Handle: handle},
		"no handler":          {Queue: ok.Queue, Batch: 1, Concurrency: 1, Idle: time.Millisecond},
		"two handlers":        {Queue: ok.Queue, Batch: 1, Concurrency: 1, Idle: time.Millisecond, Handle: handle, HandleBatch: func(context.Context, []queue.Job) {}},
		"no batch":            {Queue: ok.Queue, Concurrency: 1, Idle: time.Millisecond, Handle: handle},
		"no concurrency":      {Queue: ok.Queue, Batch: 1, Idle: time.Millisecond, Handle: handle},
		"no idle pause":       {Queue: ok.Queue, Batch: 1, Concurrency: 1, Handle: handle},
		"negative idle pause": {Queue: ok.Queue, Batch: 1, Concurrency: 1, Idle: -time.Second, Handle: handle},
	} {
		if err := w.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
