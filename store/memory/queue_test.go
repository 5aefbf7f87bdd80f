package memory_test

import (
	"testing"

	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestQueue(t *testing.T) {
	storetest.TestQueue(t, func(t *testing.T) (queue.Queue, storetest.Clock) {
		clk := newClock()
		return memory.NewQueue(storetest.Visibility, clk.Now), storetest.Clock{Now: clk.Now, Advance: clk.Advance}
	})
}

func TestLeaseQueue(t *testing.T) {
	storetest.TestLeaseQueue(t, func(t *testing.T) (storetest.LeaseQueue, storetest.Clock) {
		clk := newClock()
		return memory.NewQueue(storetest.Visibility, clk.Now), storetest.Clock{Now: clk.Now, Advance: clk.Advance}
	})
}
