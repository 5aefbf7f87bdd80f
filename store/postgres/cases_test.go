package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"strings"

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

// A job exists exactly when its record does: a case and its forward job,
// a change (the case row, its history entries) and its dispatch job, are
// one transaction. Whatever stops the transaction after the record's
// statements (the job's insert failing, the session killed between the
// statements, the commit refused once every statement has run) leaves
// neither; run again, it leaves both, once.
func TestJobExactlyWhenItsRecordExists(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewSchema(t, pgtest.NewDatabase(t))
	if _, err := postgres.Migrate(ctx, u, discard); err != nil {
		t.Fatal(err)
	}
	db := open(t, u, testKeys(t, ""))
	s := postgres.NewCaseStore(db, newQueue(t, db))
	pgtest.Exec(t, u, `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'refused by the test'; END $$`)
	pgtest.Exec(t, u, `CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NEW; END $$`)
	faults := []struct{ name, create string }{
		{"the job's insert fails", `CREATE TRIGGER fault BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION refuse()`},
		{"the session is killed between the statements", `CREATE TRIGGER fault BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION die()`},
		{"the commit is refused after every statement", `CREATE CONSTRAINT TRIGGER fault AFTER INSERT ON river_job
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse()`},
	}
	// counts are the case's rows, its history rows and its jobs of kind.
	counts := func(id, kind string) (rows, history, jobs int) {
		t.Helper()
		pgtest.Scan(t, u, `SELECT (SELECT count(*) FROM cases WHERE idempotency_key = 'atomic' OR id = $1),
			(SELECT count(*) FROM case_history WHERE case_id = $1 OR case_id IN (SELECT id FROM cases WHERE idempotency_key = 'atomic')),
			(SELECT count(*) FROM river_job WHERE kind = $2)`, []any{id, kind}, &rows, &history, &jobs)
		return
	}
	in := &cases.Case{Citizen: nik, ServiceID: "lost-item-report", Agency: sp.AgencyPolice, Status: cases.StatusSubmitted,
		CreatedAt: at, UpdatedAt: at, IdempotencyKey: "atomic",
		History: []cases.Entry{{At: at, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}}
	for _, f := range faults {
		pgtest.Exec(t, u, f.create)
		if c, _, err := s.Create(ctx, in); err == nil {
			t.Errorf("%s: Create of case %s succeeded", f.name, c.ID)
		}
		if rows, history, jobs := counts("", "forward"); rows+history+jobs != 0 {
			t.Errorf("%s: after a failed Create, %d case rows, %d history rows and %d forward jobs; want none", f.name, rows, history, jobs)
		}
		pgtest.Exec(t, u, `DROP TRIGGER fault ON river_job`)
	}
	c, created, err := s.Create(ctx, in)
	if err != nil || !created {
		t.Fatalf("Create once the faults are gone: %v (created %v)", err, created)
	}
	if rows, history, jobs := counts(c.ID, "forward"); rows != 1 || history != 1 || jobs != 1 {
		t.Fatalf("after Create: %d case rows, %d history rows and %d forward jobs; want one each", rows, history, jobs)
	}

	forward := func(c *cases.Case) error {
		c.Status, c.UpdatedAt = cases.StatusForwarded, at.Add(time.Minute)
		c.History = append(c.History, cases.Entry{At: c.UpdatedAt, Status: cases.StatusForwarded, Source: cases.SourceSystem})
		return nil
	}
	for _, f := range faults {
		pgtest.Exec(t, u, f.create)
		if _, err := s.Update(ctx, c.ID, forward); err == nil {
			t.Errorf("%s: Update succeeded", f.name)
		}
		got, err := s.Get(ctx, c.ID)
		if err != nil || got.Status != cases.StatusSubmitted || got.Version != 1 || len(got.History) != 1 {
			t.Errorf("%s: after a failed Update the case is %+v (%v); want it as it was", f.name, got, err)
		}
		if _, history, jobs := counts(c.ID, "change"); history != 1 || jobs != 0 {
			t.Errorf("%s: after a failed Update, %d history rows and %d change jobs; want 1 and none", f.name, history, jobs)
		}
		pgtest.Exec(t, u, `DROP TRIGGER fault ON river_job`)
	}
	if _, err := s.Update(ctx, c.ID, forward); err != nil {
		t.Fatalf("Update once the faults are gone: %v", err)
	}
	if _, history, jobs := counts(c.ID, "change"); history != 2 || jobs != 1 {
		t.Errorf("after Update: %d history rows and %d change jobs; want 2 and 1", history, jobs)
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
