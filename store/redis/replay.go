package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ReplayGuard remembers used webhook signatures in Redis (the
// signature.ReplayGuard port), shared by every instance: a replay seen by
// any instance is refused by every instance. One string key per signature,
// set only if absent and expiring with its ttl:
//
//	<prefix>webhook-seen:<key>
type ReplayGuard struct {
	c      goredis.UniversalClient
	prefix string
}

// NewReplayGuard remembers under prefix (e.g. "satupintu:").
func NewReplayGuard(c goredis.UniversalClient, prefix string) *ReplayGuard {
	return &ReplayGuard{c: c, prefix: prefix + "webhook-seen:"}
}

// First reports whether key is new within ttl and remembers it for ttl.
func (g *ReplayGuard) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	// go-redis reads a zero ttl as "keep forever".
	if ttl <= 0 {
		return false, fmt.Errorf("redis replay guard: ttl must be positive, got %s", ttl)
	}
	first, err := g.c.SetNX(ctx, g.prefix+key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis replay guard: %w", err)
	}
	return first, nil
}
