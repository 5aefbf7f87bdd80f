package redis_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

// secret keys citizens in the tests' key names.
var secret = []byte("test secret, 16 bytes or more")

func TestCaseStoreMiniredis(t *testing.T) {
	_, c := connectMini(t, 0)
	var n atomic.Int64
	storetest.TestCaseStore(t, func(t *testing.T) cases.Store {
		s, err := redis.NewCaseStore(c, fmt.Sprintf("test%d:", n.Add(1)), secret, storetest.Visibility)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestCaseStoreRealRedis(t *testing.T) {
	c, prefix := realRedis(t)
	storetest.TestCaseStore(t, func(t *testing.T) cases.Store {
		s, err := redis.NewCaseStore(c, prefix(t), secret, storetest.Visibility)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
