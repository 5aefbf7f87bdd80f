package memory_test

import (
	"testing"

	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestDevices(t *testing.T) {
	storetest.TestDevices(t, func(t *testing.T) notifications.Devices { return memory.NewDevices() })
}
