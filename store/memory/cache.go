package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/satupintu/satupintu/integrations/agency"
)

var (
	_ agency.Cache        = (*Cache)(nil)
	_ agency.CacheDeleter = (*Cache)(nil)
)

// Cache is the agency read cache in process memory: an LRU bounded by entry
// count, with a per-entry expiry checked on Get.
type Cache struct {
	now func() time.Time

	mu      sync.Mutex // guards lru; held across Get's check and removal
	entries *simplelru.LRU[string, cacheEntry]
}

type cacheEntry struct {
	value   []byte
	expires time.Time
}

// NewCache returns a cache holding at most maxEntries entries, evicting the
// least recently used beyond that. It panics if maxEntries is not positive.
func NewCache(maxEntries int, opts ...Option) *Cache {
	if maxEntries <= 0 {
		panic(fmt.Sprintf("memory.NewCache: maxEntries must be positive, got %d", maxEntries))
	}
	lru, err := simplelru.NewLRU[string, cacheEntry](maxEntries, nil)
	if err != nil {
		panic(err) // unreachable: the size is checked above
	}
	return &Cache{now: newOptions(opts).now, entries: lru}
}

// Get returns a copy of the value stored under key, or nil, nil when there is
// none or it has expired.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries.Get(key)
	if !ok {
		return nil, nil
	}
	if !now.Before(e.expires) {
		c.entries.Remove(key)
		return nil, nil
	}
	return clone(e.value), nil
}

// Set stores a copy of value under key for ttl, which must be positive.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("memory cache: ttl must be positive, got %v", ttl)
	}
	e := cacheEntry{value: clone(value), expires: c.now().Add(ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Add(key, e)
	return nil
}

// Delete removes the keys and says how many were held (expired ones
// included).
func (c *Cache) Delete(ctx context.Context, keys ...string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range keys {
		if c.entries.Remove(k) {
			n++
		}
	}
	return n, nil
}

// Len reports the number of entries held, expired ones included until they
// are read or evicted.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries.Len()
}

// clone copies b; never nil, so an empty value is not mistaken for a miss.
func clone(b []byte) []byte {
	return append(make([]byte, 0, len(b)), b...)
}
