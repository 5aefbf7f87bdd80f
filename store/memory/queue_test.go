package memory_test

import (
	"testing"
	"time"

	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestQueue(t *testing.T) {
	storetest.TestQueue(t, func(t *testing.T) (queue.Queue, storetest.Clock) {
		clk := &clock{now: time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC)}
		return memory.NewQueue(storetest.Visibility, clk.Now), storetest.Clock{Now: clk.Now, Advance: clk.Advance}
	})
}
