package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/satupintu/satupintu/integrations/agency"
)

var (
	_ agency.Cache        = (*Cache)(nil)
	_ agency.CacheDeleter = (*Cache)(nil)
)

// Cache is the agency read cache in Redis: one string key per entry,
// expiring with it (SET PX, GET). Every operation touches one key, so no
// Cluster hash tag is needed.
type Cache struct {
	c      goredis.UniversalClient
	prefix string
}

// NewCache stores entries under prefix + "cache:" + key. Deployments (or
// tests) sharing one Redis keep apart by their prefix, e.g. "satupintu:".
func NewCache(c goredis.UniversalClient, prefix string) *Cache {
	return &Cache{c: c, prefix: prefix + "cache:"}
}

// Get returns the value stored under key, or nil, nil when there is none.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := c.c.Get(ctx, c.prefix+key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis cache: get: %w", err)
	}
	if b == nil {
		b = []byte{} // stored empty: not a miss
	}
	return b, nil
}

// Set stores value under key for ttl, which must be positive; Redis keeps
// milliseconds, so a shorter ttl is rounded up to one.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redis cache: ttl must be positive, got %v", ttl)
	}
	if err := c.c.Set(ctx, c.prefix+key, value, max(ttl, time.Millisecond)).Err(); err != nil {
		return fmt.Errorf("redis cache: set: %w", err)
	}
	return nil
}

// Delete removes the keys and says how many there were: one DEL per key,
// pipelined, as a Cluster spreads them over its slots.
func (c *Cache) Delete(ctx context.Context, keys ...string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	cmds, err := c.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, c.prefix+k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis cache: delete: %w", err)
	}
	n := 0
	for _, cmd := range cmds {
		n += int(cmd.(*goredis.IntCmd).Val())
	}
	return n, nil
}
