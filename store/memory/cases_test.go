package memory_test

import (
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestCaseStore(t *testing.T) {
	storetest.TestCaseStore(t, func(t *testing.T) cases.Store {
		clk := &clock{now: time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC)}
		return memory.NewCaseStore(clk.Now, storetest.Visibility)
	})
}
