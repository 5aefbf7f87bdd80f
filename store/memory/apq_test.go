package memory_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestAPQCache(t *testing.T) {
	storetest.TestAPQCache(t, func(t *testing.T) graphql.Cache[string] {
		return memory.NewAPQCache(100)
	})
}

func TestAPQCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	c := memory.NewAPQCache(2)
	c.Add(ctx, "a", "{ a }")
	c.Add(ctx, "b", "{ b }")
	c.Get(ctx, "a") // a is now the most recently used
	c.Add(ctx, "c", "{ c }")
	if _, ok := c.Get(ctx, "b"); ok || c.Len() != 2 {
		t.Errorf("b kept (%v) or Len = %d; want b evicted and 2 entries", ok, c.Len())
	}
	if _, ok := c.Get(ctx, "a"); !ok {
		t.Error("a evicted; want the least recently used (b) to go")
	}
}

func TestNewAPQCacheRejectsNonPositiveSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewAPQCache(0) did not panic")
		}
	}()
	memory.NewAPQCache(0)
}
