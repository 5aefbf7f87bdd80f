package graphql

import (
	"sync"
	"sync/atomic"
	"testing"
)

// satupintu patch: a task that waits for tasks it starts, nested, must not
// starve them, with idle workers reused or not.
func TestGoTaskNestedTasksAllRun(t *testing.T) {
	for _, on := range []bool{true, false} {
		ReuseGoroutines(on)
		var count atomic.Int32
		var run func(depth int)
		run = func(depth int) {
			count.Add(1)
			if depth == 0 {
				return
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				goTask(func() {
					defer wg.Done()
					run(depth - 1)
				})
			}
			wg.Wait()
		}
		for round := range 3 { // the later rounds find idle workers
			count.Store(0)
			run(4)
			if got := count.Load(); got != 341 {
				t.Fatalf("reuse %v, round %d: %d tasks ran, want 341", on, round, got)
			}
		}
	}
	ReuseGoroutines(false)
}
