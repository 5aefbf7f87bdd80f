package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// NewAPQCache returns a persisted-query cache under test. Caches returned
// by calls within one test share their backend but not their keys.
type NewAPQCache func(t *testing.T) graphql.Cache[string]

// TestAPQCache runs the conformance suite of the automatic persisted
// query cache: sha256 (hex) -> query text.
func TestAPQCache(t *testing.T, newCache NewAPQCache) {
	t.Run("Missing", func(t *testing.T) {
		c := newCache(t)
		if q, ok := c.Get(context.Background(), queryHash("{ me { name } }")); ok || q != "" {
			t.Fatalf("Get(absent) = %q, %v; want a miss", q, ok)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		c := newCache(t)
		ctx := context.Background()
		queries := []string{
			"{ me { name } }",
			"query Home($first: Int) {\n  home { alerts(first: $first) { kind } }\n}",
			`{ me { name(lang: "id") } } # Perpanjang SIM — ☂`,
			"{ me { " + strings.Repeat("name ", 12_000) + "} }", // 60KB
		}
		for _, q := range queries {
			c.Add(ctx, queryHash(q), q)
		}
		for _, q := range queries {
			got, ok := c.Get(ctx, queryHash(q))
			if !ok || got != q {
				t.Errorf("Get(sha256 of a %d-byte query) = %d bytes %q..., %v; want it back", len(q), len(got), got[:min(len(got), 20)], ok)
			}
		}
	})

	t.Run("AddAgain", func(t *testing.T) {
		c := newCache(t)
		q := "{ me { name } }"
		c.Add(context.Background(), queryHash(q), q)
		c.Add(context.Background(), queryHash(q), q)
		if got, ok := c.Get(context.Background(), queryHash(q)); !ok || got != q {
			t.Fatalf("Get after adding twice = %q, %v; want %q", got, ok, q)
		}
	})

	t.Run("KeysAreIsolated", func(t *testing.T) {
		a, b := newCache(t), newCache(t)
		q := "{ me { name } }"
		a.Add(context.Background(), queryHash(q), q)
		if got, ok := b.Get(context.Background(), queryHash(q)); ok {
			t.Fatalf("another cache holds %q; want a miss", got)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		c := newCache(t)
		const workers, rounds, distinct = 8, 40, 10
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				ctx := context.Background()
				for i := range rounds {
					q := fmt.Sprintf("{ me { name } } # %d", (w+i)%distinct)
					c.Add(ctx, queryHash(q), q)
					if got, ok := c.Get(ctx, queryHash(q)); !ok || got != q {
						t.Errorf("Get right after Add = %q, %v; want %q", got, ok, q)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

func queryHash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}
