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

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

// newMiniClock is a miniredis server's clock: the engines read time from
// the server (TIME, stream ids, idle times), and Advance moves all of it.
func newMiniClock(mr *miniredis.Miniredis) storetest.Clock {
	c := testkit.NewClock(time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC))
	mr.SetTime(c.Now())
	return storetest.Clock{Now: c.Now, Advance: func(d time.Duration) {
		c.Advance(d)
		mr.SetTime(c.Now())
	}}
}

// newQueue is a queue of the tests' settings under prefix.
func newQueue(t *testing.T, c goredis.UniversalClient, prefix string) *redis.Queue {
	t.Helper()
	q, err := redis.NewQueue(c, prefix, redis.QueueOptions{Consumer: "test", Visibility: storetest.Visibility, Idle: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestQueueMiniredis(t *testing.T) {
	storetest.TestQueue(t, func(t *testing.T) (queue.Queue, storetest.Clock) {
		mr, c := connectMini(t, 0)
		return newQueue(t, c, "test:"), newMiniClock(mr)
	})
}

func TestLeaseQueueMiniredis(t *testing.T) {
	storetest.TestLeaseQueue(t, func(t *testing.T) (storetest.LeaseQueue, storetest.Clock) {
		mr, c := connectMini(t, 0)
		return newQueue(t, c, "test:"), newMiniClock(mr)
	})
}

// realRedis connects to REDIS_URL (e.g. redis://127.0.0.1:6379/15) and
// returns a function that makes a key prefix unique to the test calling it,
// whose keys are deleted when that test ends; it skips without REDIS_URL.
func realRedis(t *testing.T) (goredis.UniversalClient, func(t *testing.T) string) {
	t.Helper()
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
	return c, func(t *testing.T) string {
		prefix := fmt.Sprintf("satupintu-test:%s:%d:", run, n.Add(1))
		t.Cleanup(func() { deleteKeys(t, c, prefix) })
		return prefix
	}
}

// realClock is real time: the server's clock cannot be moved, so the suite
// waits.
var realClock = storetest.Clock{Now: time.Now, Advance: time.Sleep}

func TestQueueRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestQueue(t, func(t *testing.T) (queue.Queue, storetest.Clock) {
		return newQueue(t, c, prefix(t)), realClock
	})
}

func TestLeaseQueueRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestLeaseQueue(t, func(t *testing.T) (storetest.LeaseQueue, storetest.Clock) {
		return newQueue(t, c, prefix(t)), realClock
	})
}

// deleteKeys deletes the keys of a test's prefix, on every master of a
// Cluster.
func deleteKeys(t *testing.T, c goredis.UniversalClient, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	del := func(ctx context.Context, node *goredis.Client) error {
		// Sharded keys start with their hash tag: {<prefix>sNN}...
		for _, pattern := range []string{prefix + "*", "{" + prefix + "*"} {
			iter := node.Scan(ctx, 0, pattern, 100).Iterator()
			for iter.Next(ctx) {
				if err := node.Del(ctx, iter.Val()).Err(); err != nil {
					return err
				}
			}
			if err := iter.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	switch c := c.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, del)
	case *goredis.Client:
		err = del(ctx, c)
	default:
		t.Logf("cleanup: cannot scan a %T", c)
	}
	if err != nil {
		t.Errorf("cleanup: %v", err)
	}
}
