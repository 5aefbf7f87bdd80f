package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestLimiter(t *testing.T) {
	storetest.TestLimiter(t, func(t *testing.T) (ratelimit.Limiter, storetest.Advance) {
		clk := newClock()
		return memory.NewLimiter(100, memory.WithNow(clk.Now)), clk.Advance
	})
}

// TestLimiterForgetsLeastRecentlyUsed: the key count is bounded; a key
// pushed out starts again with a full burst.
func TestLimiterForgetsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	l := memory.NewLimiter(2)
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	allow := func(k string) bool {
		t.Helper()
		d, err := l.Allow(ctx, k, lim)
		if err != nil {
			t.Fatal(err)
		}
		return d.Allowed
	}
	if !allow("a") || allow("a") {
		t.Fatal("a burst of 1 did not admit exactly one")
	}
	allow("b")
	allow("c") // pushes a out
	if l.Len() != 2 {
		t.Errorf("Len = %d, want 2", l.Len())
	}
	if !allow("a") {
		t.Error("a key pushed out of the LRU is still refused; want a fresh burst")
	}
}

// TestLimiterSteadyRate: at exactly the rate, with the clock moving one
// interval per request, every request passes however long it goes on.
func TestLimiterSteadyRate(t *testing.T) {
	clk := newClock()
	l := memory.NewLimiter(10, memory.WithNow(clk.Now))
	lim := ratelimit.Limit{Rate: 120, Period: time.Minute, Burst: 1}
	for i := range 1000 {
		d, err := l.Allow(context.Background(), "k", lim)
		if err != nil || !d.Allowed {
			t.Fatalf("request %d at the rate: %+v, %v; want allowed", i+1, d, err)
		}
		clk.Advance(500 * time.Millisecond)
	}
}

func TestNewLimiterRejectsNonPositiveSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewLimiter(0) did not panic")
		}
	}()
	memory.NewLimiter(0)
}
