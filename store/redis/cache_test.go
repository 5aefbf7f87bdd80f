package redis_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

// connectMini starts a miniredis for t and connects to its database db.
func connectMini(t *testing.T, db int) (*miniredis.Miniredis, goredis.UniversalClient) {
	t.Helper()
	mr := miniredis.RunT(t)
	c, err := redis.Connect(context.Background(), fmt.Sprintf("redis://%s/%d", mr.Addr(), db), redis.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return mr, c
}

func TestCacheMiniredis(t *testing.T) {
	mr, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestCache(t, func(t *testing.T) (agency.Cache, storetest.Advance) {
		return redis.NewCache(c, fmt.Sprintf("test%d:", n.Add(1))), mr.FastForward
	})
}

// TestCacheRealRedis runs the suite against the server at REDIS_URL, e.g.
// REDIS_URL=redis://127.0.0.1:6379/15, under a prefix unique to this run
// that is deleted afterwards.
func TestCacheRealRedis(t *testing.T) {
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
	storetest.TestCache(t, func(t *testing.T) (agency.Cache, storetest.Advance) {
		prefix := fmt.Sprintf("satupintu-test:%s:%d:", run, n.Add(1))
		t.Cleanup(func() { deletePrefix(t, c, prefix) })
		// A real server's clock cannot be moved: wait it out.
		return redis.NewCache(c, prefix), time.Sleep
	})
}

func deletePrefix(t *testing.T, c goredis.UniversalClient, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		if err := c.Del(ctx, iter.Val()).Err(); err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

func TestCacheKeyLayout(t *testing.T) {
	mr, c := connectMini(t, 15)
	cache := redis.NewCache(c, "satupintu:")
	if err := cache.Set(context.Background(), "agency:bpjs:k", []byte("v"), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	db := mr.DB(15)
	if got, err := db.Get("satupintu:cache:agency:bpjs:k"); err != nil || got != "v" {
		t.Errorf("key satupintu:cache:agency:bpjs:k in db 15 = %q, %v; want %q", got, err, "v")
	}
	if ttl := db.TTL("satupintu:cache:agency:bpjs:k"); ttl != 90*time.Second {
		t.Errorf("TTL = %v, want 90s", ttl)
	}
	if keys := mr.DB(0).Keys(); len(keys) != 0 {
		t.Errorf("db 0 holds %v; want the URL's database used", keys)
	}
}

// TestCacheRedisDown: a Redis that goes away fails Get and Set at once (the
// agency chain then calls the agency), and the cache works again when it is
// back.
func TestCacheRedisDown(t *testing.T) {
	mr, c := connectMini(t, 0)
	cache := redis.NewCache(c, "t:")
	ctx := context.Background()
	if err := cache.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	mr.Close()

	start := time.Now()
	if v, err := cache.Get(ctx, "k"); err == nil {
		t.Errorf("Get with Redis down = %q, nil; want an error", v)
	}
	if err := cache.Set(ctx, "k", []byte("w"), time.Minute); err == nil {
		t.Error("Set with Redis down succeeded; want an error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failing Get and Set took %v; want them prompt", d)
	}

	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	var (
		v   []byte
		err error
	)
	if !testkit.Poll(5*time.Second, func() bool {
		v, err = cache.Get(ctx, "k")
		return err == nil && string(v) == "v"
	}) {
		t.Fatalf("Get after Redis came back = %q, %v; want %q", v, err, "v")
	}
}
