package redis_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

var _ signature.ReplayGuard = (*redis.ReplayGuard)(nil)

func TestReplayGuardMiniredis(t *testing.T) {
	mr, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestReplayGuard(t, func(t *testing.T) (signature.ReplayGuard, storetest.Advance) {
		return redis.NewReplayGuard(c, fmt.Sprintf("test%d:", n.Add(1))), mr.FastForward
	})
}

// TestReplayGuardRealRedis runs the suite against the server at REDIS_URL
// under a prefix unique to this run; its keys are deleted afterwards.
func TestReplayGuardRealRedis(t *testing.T) {
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
	storetest.TestReplayGuard(t, func(t *testing.T) (signature.ReplayGuard, storetest.Advance) {
		prefix := fmt.Sprintf("satupintu-test:%s:%d:", run, n.Add(1))
		t.Cleanup(func() { deletePrefix(t, c, prefix) })
		// A real server's clock cannot be moved: wait it out.
		return redis.NewReplayGuard(c, prefix), time.Sleep
	})
}

// TestReplayGuardKeyLayout: one key per signature, named as documented,
// expiring with its window; two instances on one prefix share it.
func TestReplayGuardKeyLayout(t *testing.T) {
	mr, c := connectMini(t, 15)
	a, b := redis.NewReplayGuard(c, "satupintu:"), redis.NewReplayGuard(c, "satupintu:")
	if first, err := a.First(context.Background(), "sig:1772417700:ab12", 90*time.Second); err != nil || !first {
		t.Fatalf("First = %v, %v; want true", first, err)
	}
	if first, err := b.First(context.Background(), "sig:1772417700:ab12", 90*time.Second); err != nil || first {
		t.Errorf("another instance's First = %v, %v; want false: the replay was seen", first, err)
	}
	db := mr.DB(15)
	if keys := db.Keys(); len(keys) != 1 || keys[0] != "satupintu:webhook-seen:sig:1772417700:ab12" {
		t.Fatalf("keys = %v; want [satupintu:webhook-seen:sig:1772417700:ab12]", keys)
	}
	if ttl := db.TTL("satupintu:webhook-seen:sig:1772417700:ab12"); ttl != 90*time.Second {
		t.Errorf("TTL = %v, want 90s", ttl)
	}
}
