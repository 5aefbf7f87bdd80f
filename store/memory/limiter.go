package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/satupintu/satupintu/ratelimit"
)

var _ ratelimit.Limiter = (*Limiter)(nil)

// Limiter is the rate limiter in process memory: GCRA with the arithmetic
// of go-redis/redis_rate's script (the Redis engine), so both engines
// answer alike. Each key keeps one time, its theoretical arrival time
// (TAT); keys are held in an LRU bounded by count. A key evicted, or whose
// TAT has passed, starts again with a full burst.
type Limiter struct {
	now func() time.Time

	mu   sync.Mutex // guards tats across a check and its update
	tats *simplelru.LRU[string, time.Time]
}

// NewLimiter returns a limiter tracking at most maxKeys keys. It panics if
// maxKeys is not positive.
func NewLimiter(maxKeys int, opts ...Option) *Limiter {
	if maxKeys <= 0 {
		panic(fmt.Sprintf("memory.NewLimiter: maxKeys must be positive, got %d", maxKeys))
	}
	lru, err := simplelru.NewLRU[string, time.Time](maxKeys, nil)
	if err != nil {
		panic(err) // unreachable: the size is checked above
	}
	return &Limiter{now: newOptions(opts).now, tats: lru}
}

// Allow admits one request under key if l allows it now.
func (m *Limiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	if err := ctx.Err(); err != nil {
		return ratelimit.Decision{}, err
	}
	if !l.Valid() {
		return ratelimit.Decision{}, fmt.Errorf("memory limiter: invalid limit %v", l)
	}
	interval := l.Period / time.Duration(l.Rate) // one request's worth of time
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	tat, ok := m.tats.Get(key)
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(interval)
	allowAt := newTAT.Add(-time.Duration(l.Burst) * interval)
	if now.Before(allowAt) {
		return ratelimit.Decision{RetryAfter: allowAt.Sub(now)}, nil
	}
	m.tats.Add(key, newTAT)
	return ratelimit.Decision{Allowed: true, Remaining: int(now.Sub(allowAt) / interval)}, nil
}

// Len reports the number of keys tracked.
func (m *Limiter) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tats.Len()
}
