package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/satupintu/satupintu/ratelimit"
)

// NewLimiter returns a limiter under test and the means to advance its
// clock. Limiters returned by calls within one test share their backend
// but not their keys, as two deployments with different key prefixes on
// one Redis would.
type NewLimiter func(t *testing.T) (ratelimit.Limiter, Advance)

// slow refills one request an hour: nothing comes back while a test runs,
// even on a real server whose clock cannot be stopped.
func slow(burst int) ratelimit.Limit {
	return ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: burst}
}

// TestLimiter runs the ratelimit.Limiter conformance suite: GCRA as
// go-redis/redis_rate computes it.
func TestLimiter(t *testing.T, newLimiter NewLimiter) {
	t.Run("WithinBurst", func(t *testing.T) {
		l, _ := newLimiter(t)
		lim := slow(5)
		for i := range 5 {
			d := mustAllow(t, l, "k", lim)
			if !d.Allowed || d.Remaining != 4-i || d.RetryAfter != 0 {
				t.Fatalf("request %d = %+v; want allowed, %d remaining, no RetryAfter", i+1, d, 4-i)
			}
		}
		d := mustAllow(t, l, "k", lim)
		if d.Allowed || d.Remaining != 0 {
			t.Fatalf("request 6 of a burst of 5 = %+v; want refused with 0 remaining", d)
		}
		if d.RetryAfter <= 59*time.Minute || d.RetryAfter > time.Hour {
			t.Errorf("RetryAfter = %v; want just under 1h (one request an hour)", d.RetryAfter)
		}
	})

	t.Run("RetryAfterIsOneInterval", func(t *testing.T) {
		l, _ := newLimiter(t)
		lim := ratelimit.Limit{Rate: 120, Period: time.Minute, Burst: 40} // one every 500ms
		for i := range 40 {
			if d := mustAllow(t, l, "k", lim); !d.Allowed {
				t.Fatalf("request %d of a burst of 40 refused: %+v", i+1, d)
			}
		}
		d := mustAllow(t, l, "k", lim)
		if d.Allowed {
			t.Fatalf("request 41 of a burst of 40 = %+v; want refused", d)
		}
		if d.RetryAfter <= 0 || d.RetryAfter > 500*time.Millisecond {
			t.Errorf("RetryAfter = %v; want in (0, 500ms]: the time one request takes to refill", d.RetryAfter)
		}
	})

	t.Run("KeysAreIsolated", func(t *testing.T) {
		a, _ := newLimiter(t)
		b, _ := newLimiter(t)
		lim := slow(2)
		exhaust(t, a, "k", lim, 2)
		if d := mustAllow(t, a, "other", lim); !d.Allowed || d.Remaining != 1 {
			t.Errorf("another key of the same limiter = %+v; want allowed with 1 remaining", d)
		}
		if d := mustAllow(t, b, "k", lim); !d.Allowed || d.Remaining != 1 {
			t.Errorf("the same key of another limiter = %+v; want allowed with 1 remaining", d)
		}
	})

	t.Run("Refill", func(t *testing.T) {
		l, advance := newLimiter(t)
		lim := ratelimit.Limit{Rate: 4, Period: time.Second, Burst: 2} // one every 250ms
		exhaust(t, l, "k", lim, 2)
		var wait time.Duration
		for range 5 { // refusals consume nothing
			d := mustAllow(t, l, "k", lim)
			if d.Allowed {
				t.Fatalf("over the burst: %+v; want refused", d)
			}
			wait = d.RetryAfter
		}
		advance(wait + 5*time.Millisecond)
		if d := mustAllow(t, l, "k", lim); !d.Allowed {
			t.Fatalf("after waiting RetryAfter (%v): %+v; want allowed", wait, d)
		}
		if d := mustAllow(t, l, "k", lim); d.Allowed {
			t.Fatalf("right after the refilled request: %+v; want refused", d)
		}
		advance(time.Second)
		exhaust(t, l, "k", lim, 2) // a full burst again, and no more
	})

	t.Run("InvalidLimit", func(t *testing.T) {
		l, _ := newLimiter(t)
		for _, lim := range []ratelimit.Limit{{}, {Rate: 0, Period: time.Second, Burst: 1},
			{Rate: 1, Period: 0, Burst: 1}, {Rate: 1, Period: time.Second, Burst: 0}} {
			if d, err := l.Allow(context.Background(), "k", lim); err == nil {
				t.Errorf("Allow(%+v) = %+v, nil; want an error", lim, d)
			}
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		l, _ := newLimiter(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if d, err := l.Allow(ctx, "k", slow(1)); err == nil {
			t.Errorf("Allow with a cancelled context = %+v, nil; want an error", d)
		}
		if d := mustAllow(t, l, "k", slow(1)); !d.Allowed {
			t.Errorf("after a failed call: %+v; want the burst untouched", d)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		l, _ := newLimiter(t)
		const workers, rounds, burst = 16, 10, 20
		lim := slow(burst)
		var allowed [2]atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range rounds {
					k := (w + i) % 2
					d, err := l.Allow(context.Background(), []string{"a", "b"}[k], lim)
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed {
						allowed[k].Add(1)
					}
				}
			})
		}
		wg.Wait()
		for k, n := range []int64{allowed[0].Load(), allowed[1].Load()} {
			if n != burst {
				t.Errorf("key %d: %d of %d concurrent requests allowed; want exactly the burst, %d",
					k, n, workers*rounds/2, burst)
			}
		}
	})
}

func mustAllow(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, lim)
	if err != nil {
		t.Fatalf("Allow(%s): %v", key, err)
	}
	return d
}

// exhaust takes the n requests of a full burst and checks the next is
// refused.
func exhaust(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit, n int) {
	t.Helper()
	for i := range n {
		if d := mustAllow(t, l, key, lim); !d.Allowed {
			t.Fatalf("request %d of a burst of %d refused: %+v", i+1, n, d)
		}
	}
	if d := mustAllow(t, l, key, lim); d.Allowed {
		t.Fatalf("request %d of a burst of %d allowed: %+v", n+1, n, d)
	}
}
