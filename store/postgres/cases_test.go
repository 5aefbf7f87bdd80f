package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/payments"
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

func TestPaymentStore(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestPaymentStore(t, func(t *testing.T) (payments.Store, cases.Store, queue.Queue) {
		db := openSchema(t, dbURL)
		jobs := newQueue(t, db)
		cs := postgres.NewCaseStore(db, jobs)
		return postgres.NewPaymentStore(db, cs), cs, jobs
	})
}

// The database itself refuses to change or drop a ledger row.
func TestPaymentLedgerAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := openSchema(t, pgtest.NewDatabase(t))
	pool := db.Pool()
	if _, err := pool.Exec(ctx, `INSERT INTO bills (id, case_id, attempt, service_id, amount, regulation, billing_code, created_at, expires_at, status, version)
		VALUES ('c.1', 'c', 1, 'skck-application', 30000, 'PP 76/2020', '820261204000001', now(), now(), 'OPEN', 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO payment_ledger (external_id, bill_id, kind, amount, at, source) VALUES ('e1', 'c.1', 'BILLED', 30000, now(), 'TREASURY')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE payment_ledger SET amount = 1`, `DELETE FROM payment_ledger`, `TRUNCATE payment_ledger`} {
		if _, err := pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v; want refused", q, err)
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO payment_ledger (external_id, bill_id, kind, amount, at, source) VALUES ('e1', 'c.1', 'PAID', 30000, now(), 'NOTIFICATION')`); err == nil {
		t.Error("a second row with the same external id was accepted")
	}
}
