package postgres_test

import (
	"context"
	"fmt"
	"testing"

	sp "github.com/satupintu/satupintu"
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

// Count, ahead of the port (the schema's totalCount brings it): what List
// pages through, all and by status.
func TestCaseCount(t *testing.T) {
	ctx := context.Background()
	db := openSchema(t, pgtest.NewDatabase(t))
	s := postgres.NewCaseStore(db, newQueue(t, db))
	var ids []string
	for i := range 3 {
		c, _, err := s.Create(ctx, &cases.Case{Citizen: nik, ServiceID: "skck", Agency: sp.AgencyPolice, Status: cases.StatusSubmitted,
			CreatedAt: at, UpdatedAt: at, IdempotencyKey: fmt.Sprint("k", i),
			History: []cases.Entry{{At: at, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, err := s.Update(ctx, ids[0], func(c *cases.Case) error { c.Status = cases.StatusForwarded; return nil }); err != nil {
		t.Fatal(err)
	}
	for status, want := range map[cases.Status]int{"": 3, cases.StatusSubmitted: 2, cases.StatusForwarded: 1, cases.StatusCompleted: 0} {
		n, err := s.Count(ctx, nik, status)
		page, _, _ := s.List(ctx, nik, cases.ListQuery{Status: status})
		if err != nil || n != want || len(page) != want {
			t.Errorf("Count(%q) = %d, %v; List has %d; want %d", status, n, err, len(page), want)
		}
	}
	if n, err := s.Count(ctx, "3273024101850002", ""); err != nil || n != 0 {
		t.Errorf("another citizen's count = %d, %v; want 0", n, err)
	}
}
