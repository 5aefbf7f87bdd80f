package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	"github.com/satupintu/satupintu/store/storetest"
)

// newQueue is the River engine on db with the tests' settings.
func newQueue(t testing.TB, db *postgres.DB) *postgres.Queue {
	t.Helper()
	q, err := postgres.NewQueue(context.Background(), db, postgres.QueueOptions{JobTimeout: time.Minute, RescueAfter: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// realTime is the suite's clock on River: real time (River and PostgreSQL
// keep it).
var realTime = storetest.Clock{Now: time.Now, Advance: time.Sleep}

func TestQueue(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestQueue(t, func(t *testing.T) (queue.Queue, storetest.Clock) {
		return newQueue(t, openSchema(t, dbURL)), realTime
	})
}
