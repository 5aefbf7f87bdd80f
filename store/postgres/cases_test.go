package postgres_test

import (
	"testing"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestCaseStore(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestCaseStore(t, func(t *testing.T) (cases.Store, queue.Queue) {
		db := openSchema(t, dbURL)
		jobs := newQueue(t, db)
		return postgres.NewCaseStore(db, jobs), jobs
	})
}
