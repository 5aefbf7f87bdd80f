package redis_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestAPQCacheMiniredis(t *testing.T) {
	_, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestAPQCache(t, func(t *testing.T) graphql.Cache[string] {
		return redis.NewAPQCache(c, fmt.Sprintf("test%d:", n.Add(1)), nil)
	})
}

func TestAPQCacheRealRedis(t *testing.T) {
	rawURL := os.Getenv("REDIS_URL")
	if rawURL == "" {
		t.Skip("REDIS_URL not set")
	}
	c, err := redis.Connect(context.Background(), rawURL, redis.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	run := rand.Text()[:12]
	var n atomic.Int64
	storetest.TestAPQCache(t, func(t *testing.T) graphql.Cache[string] {
		prefix := fmt.Sprintf("satupintu-test:%s:%d:", run, n.Add(1))
		t.Cleanup(func() { deletePrefix(t, c, prefix) })
		return redis.NewAPQCache(c, prefix, nil)
	})
}

func sha(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

func TestAPQCacheKeyLayout(t *testing.T) {
	mr, c := connectMini(t, 15)
	cache := redis.NewAPQCache(c, "satupintu:", nil)
	q := "{ me { name } }"
	cache.Add(context.Background(), sha(q), q)
	db := mr.DB(15)
	key := "satupintu:apq:" + sha(q)
	if got, err := db.Get(key); err != nil || got != q {
		t.Errorf("%s = %q, %v; want the query", key, got, err)
	}
	if ttl := db.TTL(key); ttl != 24*time.Hour {
		t.Errorf("TTL = %v, want 24h", ttl)
	}
}

// A hash the client made up is a miss without a round trip: no key named
// by arbitrary client text is ever read.
func TestAPQCacheIgnoresMalformedHashes(t *testing.T) {
	mr, c := connectMini(t, 0)
	cache := redis.NewAPQCache(c, "t:", nil)
	before := mr.CommandCount()
	for _, h := range []string{"", "abc", strings.Repeat("g", 64), strings.ToUpper(sha("x")), sha("x") + "0", "*"} {
		if q, ok := cache.Get(context.Background(), h); ok {
			t.Errorf("Get(%q) = %q, true; want a miss", h, q)
		}
	}
	if n := mr.CommandCount() - before; n != 0 {
		t.Errorf("%d commands sent for malformed hashes; want none", n)
	}
}

// With Redis down, Get misses and Add drops the query, both promptly; one
// warning is logged for the lot, with no query text in it.
func TestAPQCacheRedisDown(t *testing.T) {
	mr, c := connectMini(t, 0)
	var logs bytes.Buffer
	cache := redis.NewAPQCache(c, "t:", slog.New(slog.NewJSONHandler(&logs, nil)))
	q := "{ me { nik } }"
	cache.Add(context.Background(), sha(q), q)
	mr.Close()

	start := time.Now()
	for range 5 {
		if got, ok := cache.Get(context.Background(), sha(q)); ok {
			t.Errorf("Get with Redis down = %q, true; want a miss", got)
		}
		cache.Add(context.Background(), sha(q), q)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("10 failing calls took %v; want them prompt", d)
	}
	if n := strings.Count(logs.String(), `"level":"WARN"`); n != 1 {
		t.Errorf("%d warnings logged; want 1 per 10s:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "nik") {
		t.Errorf("the log holds the query text:\n%s", logs.String())
	}

	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	testkit.WaitWithin(t, 5*time.Second, "Get to hit once Redis is back", func() bool {
		got, ok := cache.Get(context.Background(), sha(q))
		return ok && got == q
	})
}
