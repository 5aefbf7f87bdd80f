package memory

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// ReplayGuard remembers used webhook signatures in process memory (the
// signature.ReplayGuard port): keys with their expiry, and a heap to drop
// the expired ones and, when full, the one closest to expiry. Size it above
// the peak rate of signed requests times twice the signature tolerance.
// With several instances a replay could reach another one and pass: they
// share the Redis engine instead.
type ReplayGuard struct {
	mu  sync.Mutex
	max int
	at  map[string]int64 // key → expiry, unix nanoseconds
	exp expiries
	now func() time.Time
}

// NewReplayGuard returns a guard holding at most maxEntries keys. It panics
// if maxEntries is not positive.
func NewReplayGuard(maxEntries int, opts ...Option) *ReplayGuard {
	if maxEntries <= 0 {
		panic(fmt.Sprintf("memory.NewReplayGuard: maxEntries must be positive, got %d", maxEntries))
	}
	return &ReplayGuard{max: maxEntries, at: map[string]int64{}, now: newOptions(opts).now}
}

// First reports whether key is new within ttl and remembers it for ttl.
func (g *ReplayGuard) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, fmt.Errorf("memory replay guard: ttl must be positive, got %s", ttl)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.now().UnixNano()
	for len(g.exp) > 0 && g.exp[0].at <= t {
		g.drop()
	}
	// Asked before anything is dropped for room: a full guard never
	// forgets the key it is asked about.
	if _, ok := g.at[key]; ok {
		return false, nil
	}
	for len(g.at) >= g.max {
		g.drop()
	}
	at := t + int64(ttl)
	g.at[key] = at
	heap.Push(&g.exp, expiry{key: key, at: at})
	return true, nil
}

// Len reports the number of keys held.
func (g *ReplayGuard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.at)
}

// drop forgets the entry that expires first.
func (g *ReplayGuard) drop() {
	e := heap.Pop(&g.exp).(expiry)
	if g.at[e.key] == e.at {
		delete(g.at, e.key)
	}
}

type expiry struct {
	key string
	at  int64
}

// expiries is a min-heap by expiry.
type expiries []expiry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
