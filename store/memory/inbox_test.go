package memory_test

import (
	"testing"

	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestInbox(t *testing.T) {
	storetest.TestInbox(t, func(t *testing.T) notifications.Inbox { return memory.NewInbox() })
}
