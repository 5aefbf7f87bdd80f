package memory_test

import (
	"testing"

	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestStatusSlots(t *testing.T) {
	storetest.TestStatusSlots(t, func(t *testing.T) documents.StatusSlots { return memory.NewStatusSlots() })
}

func TestShares(t *testing.T) {
	storetest.TestShares(t, func(t *testing.T) storetest.ShareStore { return memory.NewShares() })
}
