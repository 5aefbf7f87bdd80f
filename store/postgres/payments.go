package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/queue"
)

var _ payments.Store = (*PaymentStore)(nil)

// PaymentStore keeps bills and their ledger in PostgreSQL (tables bills
// and payment_ledger, see 00040_payments.sql; the database refuses UPDATE,
// DELETE and TRUNCATE on the ledger). A settlement writes its ledger rows,
// the bill, the case with its history and its jobs (the forward job of a
// paid case) in one transaction: a case is forwarded if and only if its
// payment is recorded.
type PaymentStore struct {
	db    *DB
	cases *CaseStore
}

// NewPaymentStore keeps bills on db and moves cases through cs (on the
// same database).
func NewPaymentStore(db *DB, cs *CaseStore) *PaymentStore { return &PaymentStore{db: db, cases: cs} }

const billColumns = `id, case_id, attempt, service_id, amount, regulation, billing_code, created_at, expires_at, status,
	paid_at, ntpn, ntb, method, bank, va_number, qris, version`

func scanBill(row pgx.Row) (*payments.Bill, error) {
	var (
		b       payments.Bill
		status  string
		method  string
		paidAt  *time.Time
		attempt int32
	)
	err := row.Scan(&b.ID, &b.CaseID, &attempt, &b.ServiceID, &b.Amount, &b.Regulation, &b.BillingCode, &b.CreatedAt, &b.ExpiresAt,
		&status, &paidAt, &b.NTPN, &b.NTB, &method, &b.Bank, &b.VANumber, &b.QRIS, &b.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sp.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	b.Attempt, b.Status, b.Method = int(attempt), payments.Status(status), payments.Method(method)
	if paidAt != nil {
		b.PaidAt = *paidAt
	}
	return &b, nil
}

// Open stores a new bill, its rows and jobs, and moves its case.
func (s *PaymentStore) Open(ctx context.Context, b *payments.Bill, entries []payments.Entry, jobs []queue.NewJob, move func(*cases.Case) error) (stored *payments.Bill, created bool, err error) {
	defer wrap(&err, "payments: opening bill %s", b.ID)
	if err := payments.ValidEntries(b.ID, entries); err != nil {
		return nil, false, err
	}
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		// The case's row lock orders concurrent openings of its bills.
		if move != nil {
			if _, err := s.cases.updateTx(ctx, tx, b.CaseID, move); err != nil {
				return err
			}
		}
		cur, err := scanBill(tx.QueryRow(ctx, `SELECT `+billColumns+` FROM bills WHERE case_id = $1 AND attempt = $2`, b.CaseID, b.Attempt))
		if err == nil {
			stored, created = cur, false
			return errRollback
		}
		if !errors.Is(err, sp.ErrNotFound) {
			return err
		}
		c := b.Clone()
		c.Version = 1
		if _, err := tx.Exec(ctx, `INSERT INTO bills (`+billColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
			c.ID, c.CaseID, c.Attempt, c.ServiceID, c.Amount, c.Regulation, c.BillingCode, c.CreatedAt, c.ExpiresAt, string(c.Status),
			nullTime(c.PaidAt), c.NTPN, c.NTB, string(c.Method), c.Bank, c.VANumber, c.QRIS, c.Version); err != nil {
			return err
		}
		if err := insertEntries(ctx, tx, entries); err != nil {
			return err
		}
		if err := s.cases.jobs.enqueueTx(ctx, tx, c.CreatedAt, jobs...); err != nil {
			return err
		}
		stored, created = c, true
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return stored, created, err
}

// errRollback ends a transaction that found its work done already.
var errRollback = errors.New("rollback")

func insertEntries(ctx context.Context, tx pgx.Tx, entries []payments.Entry) error {
	for _, e := range entries {
		if _, err := tx.Exec(ctx, `INSERT INTO payment_ledger (external_id, bill_id, kind, amount, at, source, reference)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ExternalID, e.BillID, string(e.Kind), e.Amount, e.At, e.Source, e.Reference); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the bill.
func (s *PaymentStore) Get(ctx context.Context, id string) (_ *payments.Bill, err error) {
	defer wrap(&err, "payments: reading bill")
	return scanBill(s.db.pool.QueryRow(ctx, `SELECT `+billColumns+` FROM bills WHERE id = $1`, id))
}

// Latest returns the case's bill of the highest attempt.
func (s *PaymentStore) Latest(ctx context.Context, caseID string) (_ *payments.Bill, err error) {
	defer wrap(&err, "payments: reading the bill of a case")
	return scanBill(s.db.pool.QueryRow(ctx, `SELECT `+billColumns+` FROM bills WHERE case_id = $1 ORDER BY attempt DESC LIMIT 1`, caseID))
}

// Instruct records the payment instructions of an open bill.
func (s *PaymentStore) Instruct(ctx context.Context, id string, m payments.Method, bank, va, qris string) (_ *payments.Bill, err error) {
	defer wrap(&err, "payments: instructing bill")
	b, err := scanBill(s.db.pool.QueryRow(ctx, `UPDATE bills SET method = $2, bank = $3, va_number = $4, qris = $5, version = version + 1
		WHERE id = $1 AND status = 'OPEN' RETURNING `+billColumns, id, string(m), bank, va, qris))
	if errors.Is(err, sp.ErrNotFound) {
		if _, err := s.Get(ctx, id); err != nil {
			return nil, err
		}
		return nil, payments.ErrNotOpen
	}
	return b, err
}

// Settle writes entries, and f's bill and case, in one transaction.
func (s *PaymentStore) Settle(ctx context.Context, id string, entries []payments.Entry, f func(*payments.Bill, *cases.Case) error) (b *payments.Bill, applied bool, err error) {
	defer wrap(&err, "payments: settling bill %s", id)
	if len(entries) == 0 {
		return nil, false, errors.New("a settlement records at least one ledger row")
	}
	if err := payments.ValidEntries(id, entries); err != nil {
		return nil, false, err
	}
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanBill(tx.QueryRow(ctx, `SELECT `+billColumns+` FROM bills WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		// The first row decides: an event recorded before changes nothing.
		// (Under the bill's lock, a concurrent settlement of the same event
		// waits and then finds it here.)
		var seen bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payment_ledger WHERE external_id = $1)`, entries[0].ExternalID).Scan(&seen); err != nil {
			return err
		}
		if seen {
			b, applied = cur, false
			return errRollback
		}
		next := cur.Clone()
		if _, err := s.cases.updateTx(ctx, tx, cur.CaseID, func(c *cases.Case) error { return f(next, c) }); err != nil {
			return err
		}
		next.Version = cur.Version + 1
		if _, err := tx.Exec(ctx, `UPDATE bills SET status = $2, paid_at = $3, ntpn = $4, ntb = $5, version = $6 WHERE id = $1`,
			id, string(next.Status), nullTime(next.PaidAt), next.NTPN, next.NTB, next.Version); err != nil {
			return err
		}
		if err := insertEntries(ctx, tx, entries); err != nil {
			return err
		}
		b, applied = next, true
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return b, applied, err
}

// Ledger returns the bill's rows, oldest first.
func (s *PaymentStore) Ledger(ctx context.Context, billID string) (out []payments.Entry, err error) {
	defer wrap(&err, "payments: reading the ledger")
	rows, err := s.db.pool.Query(ctx, `SELECT external_id, bill_id, kind, amount, at, source, reference FROM payment_ledger
		WHERE bill_id = $1 ORDER BY n`, billID)
	if err != nil {
		return nil, err
	}
	var (
		e    payments.Entry
		kind string
	)
	_, err = pgx.ForEachRow(rows, []any{&e.ExternalID, &e.BillID, &kind, &e.Amount, &e.At, &e.Source, &e.Reference}, func() error {
		e.Kind = payments.Kind(kind)
		out = append(out, e)
		return nil
	})
	return out, err
}

// List returns bills, newest first.
func (s *PaymentStore) List(ctx context.Context, status payments.Status, since time.Time, limit int) (out []*payments.Bill, err error) {
	defer wrap(&err, "payments: listing bills")
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+billColumns+` FROM bills WHERE ($1 = '' OR status = $1) AND created_at >= $2
		ORDER BY created_at DESC, id DESC LIMIT $3`, string(status), since, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		b, err := scanBill(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
