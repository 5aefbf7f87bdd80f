package redis_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

// secret keys citizens in the tests' key names.
var secret = []byte("test secret, 16 bytes or more")

// newCaseStore is a case store under prefix and its job queue.
func newCaseStore(t *testing.T, c goredis.UniversalClient, prefix string) (*redis.CaseStore, *redis.Queue) {
	t.Helper()
	jobs := newQueue(t, c, prefix)
	s, err := redis.NewCaseStore(c, prefix, secret, jobs)
	if err != nil {
		t.Fatal(err)
	}
	return s, jobs
}

func TestCaseStoreMiniredis(t *testing.T) {
	_, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestCaseStore(t, func(t *testing.T) (cases.Store, queue.Queue) {
		return newCaseStore(t, c, fmt.Sprintf("test%d:", n.Add(1)))
	})
}

func TestCaseStoreRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestCaseStore(t, func(t *testing.T) (cases.Store, queue.Queue) {
		return newCaseStore(t, c, prefix(t))
	})
}
