package testkit

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("after Advance: %v, want %v", got, want)
	}
	c.Advance(-time.Minute)
	if got, want := c.Now(), start.Add(30*time.Second); !got.Equal(want) {
		t.Errorf("after a negative Advance: %v, want %v", got, want)
	}
	c.Set(start)
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("after Set: %v, want %v", got, start)
	}
}

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Unix(800, 0)) {
		t.Errorf("after 800 one-second steps: %v", got)
	}
}

func TestSyncBufferKeepsEveryWrite(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				fmt.Fprintf(&b, "%d.%d\n", i, j)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 200 {
		t.Errorf("%d lines, want 200", n)
	}
}

// recorder is a testing.TB that records a Fatal instead of ending the test.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r) // Fatal does not return
}

func TestWaitWithin(t *testing.T) {
	n := 0
	WaitWithin(t, time.Second, "three calls", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("cond called %d times, want until it held (3)", n)
	}

	if Poll(20*time.Millisecond, func() bool { return false }) {
		t.Error("Poll reported a condition that never held as held")
	}
	calls := 0
	if !PollEvery(time.Second, 5*time.Millisecond, func() bool { calls++; return calls == 2 }) || calls != 2 {
		t.Errorf("PollEvery: %d calls, want until the condition held (2)", calls)
	}

	r := &recorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != r {
				panic(p)
			}
		}()
		WaitWithin(r, 20*time.Millisecond, "the impossible", func() bool { return false })
	}()
	if !strings.Contains(r.msg, "the impossible") || !strings.Contains(r.msg, "never happened") {
		t.Errorf("failure message %q does not say what it waited for", r.msg)
	}
}
