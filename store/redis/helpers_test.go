package redis_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

// secret keys citizens in the tests' channel names.
var secret = []byte("test secret, 16 bytes or more")

const nik sp.NIK = "3174015708900001"

// pseudonym is the citizen's name in channels, computed independently of
// the engine: hex(HMAC-SHA256(secret, NIK)[:16]).
func pseudonym(n sp.NIK) (string, int) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(n))
	return hex.EncodeToString(m.Sum(nil)[:16]), 0
}

func TestConstructorsCheckArguments(t *testing.T) {
	_, c := connectMini(t, 0)
	if _, err := redis.NewBroker(c, "p:", nil); err == nil {
		t.Error("NewBroker without a secret succeeded")
	}
	if _, err := redis.NewBroker(c, "a{b}:", secret); err == nil || !strings.Contains(err.Error(), "{") {
		t.Errorf("NewBroker with braces in the prefix: %v", err)
	}
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

// deleteKeys deletes the keys of a test's prefix, on every master of a
// Cluster.
func deleteKeys(t *testing.T, c goredis.UniversalClient, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	del := func(ctx context.Context, node *goredis.Client) error {
		// Keys start with the prefix (rate limits put "rate:" first).
		for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
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

// newMiniClock is a miniredis server's clock: the engines read time from
// the server, and Advance moves all of it.
func newMiniClock(mr *miniredis.Miniredis) storetest.Clock {
	c := testkit.NewClock(time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC))
	mr.SetTime(c.Now())
	return storetest.Clock{Now: c.Now, Advance: func(d time.Duration) {
		c.Advance(d)
		mr.SetTime(c.Now())
	}}
}
