package memory_test

import (
	"testing"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestCaseStore(t *testing.T) {
	storetest.TestCaseStore(t, func(t *testing.T) (cases.Store, queue.Queue) {
		jobs := memory.NewQueue(storetest.Visibility, newClock().Now)
		return memory.NewCaseStore(jobs), jobs
	})
}

func TestPaymentStore(t *testing.T) {
	storetest.TestPaymentStore(t, func(t *testing.T) (payments.Store, cases.Store, queue.Queue) {
		jobs := memory.NewQueue(storetest.Visibility, newClock().Now)
		cs := memory.NewCaseStore(jobs)
		return memory.NewPaymentStore(cs), cs, jobs
	})
}
