package redis_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestLimiterMiniredis(t *testing.T) {
	mr, c := connectMini(t, 0)
	advance := newMiniClock(mr).Advance // the script reads TIME
	var n atomic.Int64
	storetest.TestLimiter(t, func(t *testing.T) (ratelimit.Limiter, storetest.Advance) {
		return redis.NewLimiter(c, fmt.Sprintf("test%d:", n.Add(1))), advance
	})
}

// TestLimiterRealRedis runs the suite against the server at REDIS_URL
// under a prefix unique to this run; its keys are deleted afterwards.
func TestLimiterRealRedis(t *testing.T) {
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
	storetest.TestLimiter(t, func(t *testing.T) (ratelimit.Limiter, storetest.Advance) {
		prefix := fmt.Sprintf("satupintu-test:%s:%d:", run, n.Add(1))
		t.Cleanup(func() { deletePrefix(t, c, "rate:"+prefix) })
		// A real server's clock cannot be moved: wait it out.
		return redis.NewLimiter(c, prefix), time.Sleep
	})
}

// TestLimiterKeyLayout: one key per limited key, named as documented,
// expiring when the key is back to a full burst.
func TestLimiterKeyLayout(t *testing.T) {
	mr, c := connectMini(t, 15)
	l := redis.NewLimiter(c, "satupintu:")
	lim := ratelimit.Limit{Rate: 1, Period: 10 * time.Second, Burst: 3}
	for range 2 {
		if _, err := l.Allow(context.Background(), "citizen:0a1b", lim); err != nil {
			t.Fatal(err)
		}
	}
	db := mr.DB(15)
	if keys := db.Keys(); len(keys) != 1 || keys[0] != "rate:satupintu:rl:citizen:0a1b" {
		t.Fatalf("keys = %v; want [rate:satupintu:rl:citizen:0a1b]", keys)
	}
	// Two requests of 10s each taken: full again in 20s.
	if ttl := db.TTL("rate:satupintu:rl:citizen:0a1b"); ttl != 20*time.Second {
		t.Errorf("TTL = %v, want 20s", ttl)
	}
}

// TestLimiterRedisDown: a Redis that goes away fails Allow promptly (the
// server then lets the request through), and limits apply again once it is
// back.
func TestLimiterRedisDown(t *testing.T) {
	mr, c := connectMini(t, 0)
	l := redis.NewLimiter(c, "t:")
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	ctx := context.Background()
	mr.Close()
	start := time.Now()
	if d, err := l.Allow(ctx, "k", lim); err == nil {
		t.Errorf("Allow with Redis down = %+v, nil; want an error", d)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failing Allow took %v; want it prompt", d)
	}
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	var err error
	if !testkit.Poll(5*time.Second, func() bool {
		d, e := l.Allow(ctx, "k", lim)
		if e == nil && !d.Allowed {
			t.Fatalf("first request after Redis came back = %+v; want allowed", d)
		}
		err = e
		return e == nil
	}) {
		t.Fatalf("Allow after Redis came back: %v", err)
	}
	if d, err := l.Allow(ctx, "k", lim); err != nil || d.Allowed {
		t.Errorf("second request of a burst of 1 = %+v, %v; want refused", d, err)
	}
}
