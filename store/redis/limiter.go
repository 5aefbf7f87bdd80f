package redis

import (
	"context"
	"fmt"

	"github.com/go-redis/redis_rate/v10"
	goredis "github.com/redis/go-redis/v9"

	"github.com/satupintu/satupintu/ratelimit"
)

var _ ratelimit.Limiter = (*Limiter)(nil)

// Limiter is the rate limiter in Redis, shared by every instance: GCRA by
// go-redis/redis_rate's script, one string key per limited key holding
// its theoretical arrival time, expiring once the key is back to a full
// burst. redis_rate puts "rate:" in front of every key, so the keys are
//
//	rate:<prefix>rl:<key>
//
// The script touches that one key, so no Cluster hash tag is needed; it
// reads the time from Redis, so instances' clocks do not matter.
type Limiter struct {
	rl     *redis_rate.Limiter
	prefix string
}

// NewLimiter limits under prefix (e.g. "satupintu:"). Callers pass keys
// that are already pseudonyms: a key name is visible to Redis operators.
func NewLimiter(c goredis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rl: redis_rate.NewLimiter(c), prefix: prefix + "rl:"}
}

// Allow admits one request under key if l allows it now.
func (r *Limiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	if !l.Valid() {
		return ratelimit.Decision{}, fmt.Errorf("redis limiter: invalid limit %v", l)
	}
	res, err := r.rl.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.Burst})
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redis limiter: %w", err)
	}
	d := ratelimit.Decision{Allowed: res.Allowed > 0, Remaining: res.Remaining}
	if !d.Allowed {
		d.RetryAfter = max(res.RetryAfter, 0) // -1 means none
	}
	return d, nil
}
