package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

// newClock is the engines' clock, moved by the test.
func newClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC))
}

func TestCache(t *testing.T) {
	storetest.TestCache(t, func(t *testing.T) (agency.Cache, storetest.Advance) {
		clk := newClock()
		return memory.NewCache(100, memory.WithNow(clk.Now)), clk.Advance
	})
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	c := memory.NewCache(2)
	set := func(k string) {
		t.Helper()
		if err := c.Set(ctx, k, []byte(k), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	present := func(k string) bool {
		t.Helper()
		v, err := c.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		return v != nil
	}
	set("a")
	set("b")
	present("a") // a is now the most recently used
	set("c")     // evicts b
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
	if !present("a") || present("b") || !present("c") {
		t.Errorf("after eviction: a=%v b=%v c=%v; want a and c kept, b evicted", present("a"), present("b"), present("c"))
	}
}

func TestCacheRemovesExpiredOnGet(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	c := memory.NewCache(10, memory.WithNow(clk.Now))
	if err := c.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // expiry is exclusive: at ttl the entry is gone
	if v, err := c.Get(ctx, "k"); v != nil || err != nil {
		t.Fatalf("Get at expiry = %q, %v; want nil, nil", v, err)
	}
	if c.Len() != 0 {
		t.Errorf("Len after reading an expired entry = %d, want 0", c.Len())
	}
}

func TestNewCacheRejectsNonPositiveSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewCache(0) did not panic")
		}
	}()
	memory.NewCache(0)
}
