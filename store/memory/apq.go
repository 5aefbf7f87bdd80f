package memory

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
)

var _ graphql.Cache[string] = (*APQCache)(nil)

// APQCache keeps automatic persisted queries (sha256 -> query text) in
// process memory, in an LRU bounded by entry count.
type APQCache struct {
	entries *lru.Cache[string, string]
}

// NewAPQCache returns a cache of at most maxEntries queries. It panics if
// maxEntries is not positive.
func NewAPQCache(maxEntries int) *APQCache {
	if maxEntries <= 0 {
		panic(fmt.Sprintf("memory.NewAPQCache: maxEntries must be positive, got %d", maxEntries))
	}
	c, err := lru.New[string, string](maxEntries)
	if err != nil {
		panic(err) // unreachable: the size is checked above
	}
	return &APQCache{entries: c}
}

// Get returns the query persisted under hash.
func (c *APQCache) Get(ctx context.Context, hash string) (string, bool) {
	return c.entries.Get(hash)
}

// Add persists query under hash (gqlgen has checked that it is its sha256).
func (c *APQCache) Add(ctx context.Context, hash, query string) {
	c.entries.Add(hash, query)
}

// Len reports the number of queries held.
func (c *APQCache) Len() int { return c.entries.Len() }
