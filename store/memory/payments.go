package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/queue"
)

var _ payments.Store = (*PaymentStore)(nil)

// PaymentStore keeps bills and their ledger in process memory. It moves
// cases through the CaseStore it is given, under that store's lock, so a
// settlement, its case change and its jobs are one atomic step.
type PaymentStore struct {
	cases *CaseStore

	mu       sync.Mutex
	bills    map[string]*payments.Bill
	byCase   map[string][]string // case id -> bill ids by attempt
	ledger   []payments.Entry
	external map[string]bool
}

// NewPaymentStore returns an empty store moving the cases of cs.
func NewPaymentStore(cs *CaseStore) *PaymentStore {
	return &PaymentStore{cases: cs, bills: map[string]*payments.Bill{}, byCase: map[string][]string{}, external: map[string]bool{}}
}

// lock takes the case store's lock, then this one's (always in this order).
func (s *PaymentStore) lock() func() {
	s.cases.mu.Lock()
	s.mu.Lock()
	return func() { s.mu.Unlock(); s.cases.mu.Unlock() }
}

// Open stores a new bill, its rows and jobs, and moves its case.
func (s *PaymentStore) Open(ctx context.Context, b *payments.Bill, entries []payments.Entry, jobs []queue.NewJob, move func(*cases.Case) error) (*payments.Bill, bool, error) {
	if err := payments.ValidEntries(b.ID, entries); err != nil {
		return nil, false, err
	}
	defer s.lock()()
	for _, id := range s.byCase[b.CaseID] {
		if s.bills[id].Attempt == b.Attempt {
			return s.bills[id].Clone(), false, nil
		}
	}
	for _, e := range entries {
		if s.external[e.ExternalID] {
			return nil, false, errors.New("memory payments: ledger external id already recorded: " + e.ExternalID)
		}
	}
	if move != nil {
		if _, err := s.cases.updateLocked(ctx, b.CaseID, move); err != nil {
			return nil, false, err
		}
	}
	if err := s.cases.jobs.Enqueue(ctx, jobs...); err != nil {
		return nil, false, err
	}
	c := b.Clone()
	c.Version = 1
	s.bills[c.ID] = c
	s.byCase[c.CaseID] = append(s.byCase[c.CaseID], c.ID)
	s.append(entries)
	return c.Clone(), true, nil
}

func (s *PaymentStore) append(entries []payments.Entry) {
	for _, e := range entries {
		s.external[e.ExternalID] = true
		s.ledger = append(s.ledger, e)
	}
}

// Get returns the bill.
func (s *PaymentStore) Get(_ context.Context, id string) (*payments.Bill, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bills[id]
	if !ok {
		return nil, sp.ErrNotFound
	}
	return b.Clone(), nil
}

// Latest returns the case's bill of the highest attempt.
func (s *PaymentStore) Latest(_ context.Context, caseID string) (*payments.Bill, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last *payments.Bill
	for _, id := range s.byCase[caseID] {
		if b := s.bills[id]; last == nil || b.Attempt > last.Attempt {
			last = b
		}
	}
	if last == nil {
		return nil, sp.ErrNotFound
	}
	return last.Clone(), nil
}

// Instruct records the payment instructions of an open bill.
func (s *PaymentStore) Instruct(_ context.Context, id string, m payments.Method, bank, va, qris string) (*payments.Bill, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bills[id]
	if !ok {
		return nil, sp.ErrNotFound
	}
	if b.Status != payments.StatusOpen {
		return nil, payments.ErrNotOpen
	}
	b.Method, b.Bank, b.VANumber, b.QRIS = m, bank, va, qris
	b.Version++
	return b.Clone(), nil
}

// Settle writes entries, and f's bill and case, at once.
func (s *PaymentStore) Settle(ctx context.Context, id string, entries []payments.Entry, f func(*payments.Bill, *cases.Case) error) (*payments.Bill, bool, error) {
	if len(entries) == 0 {
		return nil, false, errors.New("memory payments: a settlement records at least one ledger row")
	}
	if err := payments.ValidEntries(id, entries); err != nil {
		return nil, false, err
	}
	defer s.lock()()
	cur, ok := s.bills[id]
	if !ok {
		return nil, false, sp.ErrNotFound
	}
	if s.external[entries[0].ExternalID] {
		return cur.Clone(), false, nil
	}
	next := cur.Clone()
	if _, err := s.cases.updateLocked(ctx, cur.CaseID, func(c *cases.Case) error { return f(next, c) }); err != nil {
		return nil, false, err
	}
	next.Version = cur.Version + 1
	s.bills[id] = next
	s.append(entries)
	return next.Clone(), true, nil
}

// Ledger returns the bill's rows, oldest first.
func (s *PaymentStore) Ledger(_ context.Context, billID string) ([]payments.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []payments.Entry
	for _, e := range s.ledger {
		if e.BillID == billID {
			out = append(out, e)
		}
	}
	return out, nil
}

// List returns bills, newest first.
func (s *PaymentStore) List(_ context.Context, status payments.Status, since time.Time, limit int) ([]*payments.Bill, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*payments.Bill
	for _, b := range s.bills {
		if (status == "" || b.Status == status) && !b.CreatedAt.Before(since) {
			out = append(out, b.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *payments.Bill) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
