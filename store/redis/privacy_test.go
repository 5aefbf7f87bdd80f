package redis_test

import (
	"testing"

	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestCacheDeleteMiniredis(t *testing.T) {
	mr, c := connectMini(t, 0)
	storetest.TestCacheDelete(t, func(t *testing.T) (agency.Cache, storetest.Advance) {
		return redis.NewCache(c, "erase:"), mr.FastForward
	})
}
