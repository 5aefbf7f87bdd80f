package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases/signature"
)

// NewReplayGuard returns a replay guard under test and the means to advance
// its clock. Guards returned by calls within one test share their backend
// but not their keys, as two deployments with different key prefixes on
// one Redis would.
type NewReplayGuard func(t *testing.T) (signature.ReplayGuard, Advance)

// TestReplayGuard runs the signature.ReplayGuard conformance suite.
func TestReplayGuard(t *testing.T, newGuard NewReplayGuard) {
	t.Run("FirstThenRepeat", func(t *testing.T) {
		g, _ := newGuard(t)
		wantFirst(t, g, "sig:1", ttl, true)
		wantFirst(t, g, "sig:1", ttl, false)
		wantFirst(t, g, "sig:1", ttl, false)
	})

	t.Run("KeysAreIsolated", func(t *testing.T) {
		a, _ := newGuard(t)
		b, _ := newGuard(t)
		wantFirst(t, a, "sig:1", ttl, true)
		wantFirst(t, a, "sig:2", ttl, true)
		wantFirst(t, b, "sig:1", ttl, true) // another deployment
	})

	t.Run("ForgetsAfterTTL", func(t *testing.T) {
		g, advance := newGuard(t)
		wantFirst(t, g, "sig:1", ttl, true)
		advance(ttl / 2)
		// A repeat within the window is refused and does not extend it.
		wantFirst(t, g, "sig:1", ttl, false)
		advance(ttl/2 + 100*time.Millisecond)
		wantFirst(t, g, "sig:1", ttl, true)
	})

	t.Run("InvalidTTL", func(t *testing.T) {
		g, _ := newGuard(t)
		for _, d := range []time.Duration{0, -time.Second} {
			if first, err := g.First(context.Background(), "sig:1", d); err == nil {
				t.Errorf("First with ttl %s = %v, nil; want an error (a key kept forever would refuse every later use)", d, first)
			}
		}
		wantFirst(t, g, "sig:1", ttl, true)
	})

	t.Run("CancelledContext", func(t *testing.T) {
		g, _ := newGuard(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if first, err := g.First(ctx, "sig:1", ttl); err == nil {
			t.Errorf("First with a cancelled context = %v, nil; want an error", first)
		}
		wantFirst(t, g, "sig:1", ttl, true)
	})

	t.Run("Concurrent", func(t *testing.T) {
		g, _ := newGuard(t)
		const keys, tries = 8, 8
		var first [keys]atomic.Int32
		var wg sync.WaitGroup
		for k := range keys {
			for range tries {
				wg.Go(func() {
					ok, err := g.First(context.Background(), fmt.Sprintf("sig:%d", k), ttl)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						first[k].Add(1)
					}
				})
			}
		}
		wg.Wait()
		for k := range keys {
			if n := first[k].Load(); n != 1 {
				t.Errorf("key %d seen first %d times by %d concurrent callers; want exactly once", k, n, tries)
			}
		}
	})
}

func wantFirst(t *testing.T, g signature.ReplayGuard, key string, ttl time.Duration, want bool) {
	t.Helper()
	got, err := g.First(context.Background(), key, ttl)
	if err != nil {
		t.Fatalf("First(%s): %v", key, err)
	}
	if got != want {
		t.Fatalf("First(%s) = %v, want %v", key, got, want)
	}
}
