package storetest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/internal/testkit"
)

// NewCache returns a cache under test and the means to advance its clock.
// Caches returned by calls within one test must share their backend (the
// same server, the same clock) but not their keys, as two deployments with
// different key prefixes on one Redis would.
type NewCache func(t *testing.T) (agency.Cache, Advance)

// ttl is long enough for a real server to be read within it and short
// enough to be waited out.
const ttl = time.Second

// TestCache runs the agency.Cache conformance suite.
func TestCache(t *testing.T, newCache NewCache) {
	t.Run("MissingKey", func(t *testing.T) {
		c, _ := newCache(t)
		got, err := c.Get(context.Background(), "absent")
		if err != nil || got != nil {
			t.Fatalf("Get(absent) = %q, %v; want nil, nil", got, err)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		c, _ := newCache(t)
		ctx := context.Background()
		big := make([]byte, 64<<10)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range big {
			big[i] = byte(r.Uint32())
		}
		values := map[string][]byte{
			"text":   []byte("sealed"),
			"binary": {0, 1, 0xff, 0, '\r', '\n', 0x80},
			"zeros":  make([]byte, 16),
			"empty":  {},
			"64KB":   big,
		}
		for name, v := range values {
			if err := c.Set(ctx, "k:"+name, v, ttl); err != nil {
				t.Fatalf("Set(%s): %v", name, err)
			}
		}
		for name, want := range values {
			got, err := c.Get(ctx, "k:"+name)
			if err != nil {
				t.Fatalf("Get(%s): %v", name, err)
			}
			if got == nil || !bytes.Equal(got, want) {
				t.Errorf("Get(%s) = %d bytes %q..., want %d bytes", name, len(got), head(got), len(want))
			}
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		c, _ := newCache(t)
		mustSet(t, c, "k", "first", ttl)
		mustSet(t, c, "k", "second", ttl)
		wantValue(t, c, "k", "second")
	})

	t.Run("ValuesAreCopied", func(t *testing.T) {
		c, _ := newCache(t)
		ctx := context.Background()
		buf := []byte("original")
		if err := c.Set(ctx, "k", buf, ttl); err != nil {
			t.Fatal(err)
		}
		copy(buf, "CHANGED!") // the caller reuses its buffer
		got, err := c.Get(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		copy(got, "SCRIBBLE") // the caller writes into what it read
		wantValue(t, c, "k", "original")
	})

	t.Run("Expiry", func(t *testing.T) {
		c, advance := newCache(t)
		mustSet(t, c, "short", "v", ttl)
		mustSet(t, c, "long", "v", 10*ttl)
		advance(ttl / 2)
		wantValue(t, c, "short", "v")
		advance(ttl/2 + ttl/10)
		waitGone(t, c, "short")
		wantValue(t, c, "long", "v")
	})

	t.Run("OverwriteSetsTTL", func(t *testing.T) {
		c, advance := newCache(t)
		mustSet(t, c, "k", "old", ttl)
		mustSet(t, c, "k", "new", 10*ttl)
		advance(ttl + ttl/10)
		wantValue(t, c, "k", "new")
	})

	t.Run("NonPositiveTTL", func(t *testing.T) {
		c, _ := newCache(t)
		for _, d := range []time.Duration{0, -time.Second} {
			if err := c.Set(context.Background(), "k", []byte("v"), d); err == nil {
				t.Errorf("Set with ttl %v succeeded; want an error", d)
			}
		}
		wantMissing(t, c, "k")
	})

	t.Run("KeysAreIsolated", func(t *testing.T) {
		a, _ := newCache(t)
		b, _ := newCache(t)
		mustSet(t, a, "k", "from a", ttl)
		wantMissing(t, b, "k")
		mustSet(t, b, "k", "from b", ttl)
		wantValue(t, a, "k", "from a")
		wantValue(t, b, "k", "from b")
	})

	t.Run("CancelledContext", func(t *testing.T) {
		c, _ := newCache(t)
		mustSet(t, c, "k", "v", ttl)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if got, err := c.Get(ctx, "k"); err == nil {
			t.Errorf("Get with a cancelled context = %q, nil; want an error", got)
		}
		if err := c.Set(ctx, "k", []byte("w"), ttl); err == nil {
			t.Error("Set with a cancelled context succeeded; want an error")
		}
		wantValue(t, c, "k", "v")
	})

	t.Run("Concurrent", func(t *testing.T) {
		c, _ := newCache(t)
		ctx := context.Background()
		const workers, rounds, keys = 8, 50, 4
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for w := range workers {
			wg.Go(func() {
				buf := make([]byte, 0, 32)
				for i := range rounds {
					k := fmt.Sprintf("k%d", (w+i)%keys)
					buf = fmt.Appendf(buf[:0], "worker %d round %d", w, i)
					if err := c.Set(ctx, k, buf, ttl); err != nil {
						errs <- err
						return
					}
					got, err := c.Get(ctx, k)
					if err != nil {
						errs <- err
						return
					}
					var gw, gi int
					if _, err := fmt.Sscanf(string(got), "worker %d round %d", &gw, &gi); err != nil {
						errs <- fmt.Errorf("Get(%s) = %q: not a value any worker wrote", k, got)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func mustSet(t *testing.T, c agency.Cache, key, value string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Set(%s): %v", key, err)
	}
}

func wantValue(t *testing.T, c agency.Cache, key, want string) {
	t.Helper()
	got, err := c.Get(context.Background(), key)
	if err != nil || string(got) != want {
		t.Fatalf("Get(%s) = %q, %v; want %q", key, got, err, want)
	}
}

func wantMissing(t *testing.T, c agency.Cache, key string) {
	t.Helper()
	got, err := c.Get(context.Background(), key)
	if err != nil || got != nil {
		t.Fatalf("Get(%s) = %q, %v; want nil, nil", key, got, err)
	}
}

// waitGone polls until key reads as missing: a real server's expiry may
// trail the wait by a clock tick.
func waitGone(t *testing.T, c agency.Cache, key string) {
	t.Helper()
	var got []byte
	if !testkit.Poll(2*time.Second, func() bool {
		var err error
		if got, err = c.Get(context.Background(), key); err != nil {
			t.Fatalf("Get(%s): %v", key, err)
		}
		return got == nil
	}) {
		t.Fatalf("Get(%s) = %q after its ttl; want nil, nil", key, got)
	}
}

func head(b []byte) []byte {
	return b[:min(len(b), 16)]
}

// TestCacheDelete checks deleting entries (a citizen's erasure).
func TestCacheDelete(t *testing.T, newCache NewCache) {
	ctx := context.Background()
	c, _ := newCache(t)
	d, ok := c.(agency.CacheDeleter)
	if !ok {
		t.Fatal("the cache cannot delete entries")
	}
	mustSet(t, c, "agency:police:record:aaa", "1", time.Minute)
	mustSet(t, c, "agency:police:record:bbb", "2", time.Minute)
	mustSet(t, c, "agency:dukcapil:citizen:aaa", "3", time.Minute)
	n, err := d.Delete(ctx, "agency:police:record:aaa", "agency:dukcapil:citizen:aaa", "agency:bpjs:membership:aaa")
	if err != nil || n != 2 {
		t.Fatalf("Delete = %d, %v; want the 2 held", n, err)
	}
	for _, k := range []string{"agency:police:record:aaa", "agency:dukcapil:citizen:aaa"} {
		if v, err := c.Get(ctx, k); err != nil || v != nil {
			t.Errorf("%s after Delete: %q, %v", k, v, err)
		}
	}
	wantValue(t, c, "agency:police:record:bbb", "2")
	if n, err := d.Delete(ctx); err != nil || n != 0 {
		t.Errorf("Delete of nothing: %d, %v", n, err)
	}
}
