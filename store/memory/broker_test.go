package memory_test

import (
	"testing"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestBroker(t *testing.T) {
	storetest.TestBroker(t, func(t *testing.T) cases.Broker { return memory.NewBroker() })
}
