package memory_test

import (
	"testing"

	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestAccessLog(t *testing.T) {
	storetest.TestAccessLog(t, func(t *testing.T) storetest.AccessLog { return memory.NewAccessLog() })
}

func TestConsents(t *testing.T) {
	storetest.TestConsents(t, func(t *testing.T) privacy.Consents { return memory.NewConsents() })
}

func TestExports(t *testing.T) {
	storetest.TestExports(t, func(t *testing.T) privacy.Exports { return memory.NewExports() })
}

func TestInboxErasure(t *testing.T) {
	storetest.TestInboxErasure(t, func(t *testing.T) storetest.ErasableInbox { return memory.NewInbox() })
}

func TestDevicesErasure(t *testing.T) {
	storetest.TestDevicesErasure(t, func(t *testing.T) storetest.ErasableDevices { return memory.NewDevices() })
}

func TestConsentPurge(t *testing.T) {
	storetest.TestConsentPurge(t, func(t *testing.T) interface {
		privacy.Consents
		privacy.ConsentPurger
	} {
		return memory.NewConsents()
	})
}

func TestCacheDelete(t *testing.T) {
	storetest.TestCacheDelete(t, func(t *testing.T) (agency.Cache, storetest.Advance) {
		clk := newClock()
		return memory.NewCache(100, memory.WithNow(clk.Now)), clk.Advance
	})
}

func TestMandates(t *testing.T) {
	storetest.TestMandates(t, func(t *testing.T) mandates.Store { return memory.NewMandates() })
}
