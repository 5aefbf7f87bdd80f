package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/queue"
)

// NewPaymentStore returns an empty payment store under test, the case
// store whose cases it moves, and the queue both enqueue into.
type NewPaymentStore func(t *testing.T) (payments.Store, cases.Store, queue.Queue)

// TestPaymentStore runs the payments.Store conformance suite.
func TestPaymentStore(t *testing.T, newStore NewPaymentStore) {
	ctx := context.Background()
	// awaiting stores a case waiting for its payment, and its first bill.
	awaiting := func(t *testing.T, ps payments.Store, cs cases.Store, key string) (*cases.Case, *payments.Bill) {
		t.Helper()
		in := newCase(citizenA, "skck-application", key, t0)
		in.Status = cases.StatusAwaitingPay
		in.History[0].Status = cases.StatusAwaitingPay
		c, _, err := cs.Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		b := &payments.Bill{ID: payments.BillID(c.ID, 1), CaseID: c.ID, Attempt: 1, ServiceID: c.ServiceID, Amount: 30000,
			Regulation: "PP 76/2020", BillingCode: "820261204000001", CreatedAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour),
			Status: payments.StatusOpen}
		billed := []payments.Entry{{ExternalID: "billed:" + b.ID, BillID: b.ID, Kind: payments.KindBilled, Amount: 30000, At: t0, Source: "TREASURY"}}
		stored, created, err := ps.Open(ctx, b, billed, []queue.NewJob{payments.ReconcileJob(b.ID, t0.Add(time.Hour))}, func(*cases.Case) error { return cases.ErrNoChange })
		if err != nil || !created || stored.Version != 1 || stored.BillingCode != b.BillingCode || stored.Amount != 30000 {
			t.Fatalf("Open = %+v, %v, %v", stored, created, err)
		}
		return c, stored
	}
	paid := func(b *payments.Bill, event string) []payments.Entry {
		return []payments.Entry{{ExternalID: event, BillID: b.ID, Kind: payments.KindPaid, Amount: b.Amount, At: t0.Add(time.Minute),
			Source: "NOTIFICATION", Reference: "ref-" + event}}
	}
	pay := func(b *payments.Bill, c *cases.Case) error {
		b.Status, b.PaidAt, b.NTPN = payments.StatusPaid, t0.Add(time.Minute), "0123456789ABCDEF"
		c.Status, c.UpdatedAt = cases.StatusSubmitted, t0.Add(time.Minute)
		c.History = append(c.History, cases.Entry{At: t0.Add(time.Minute), Status: cases.StatusSubmitted, Source: cases.SourceSystem})
		return nil
	}

	t.Run("OpenOncePerAttempt", func(t *testing.T) {
		ps, cs, _ := newStore(t)
		c, b := awaiting(t, ps, cs, "open-once-1")
		again := b.Clone()
		again.BillingCode = "820261204999999"
		got, created, err := ps.Open(ctx, again, []payments.Entry{{ExternalID: "billed:other", BillID: b.ID, Kind: payments.KindBilled, Amount: 1, At: t0, Source: "TREASURY"}},
			nil, func(c *cases.Case) error { c.UpdatedAt = t0.Add(time.Hour); return nil })
		if err != nil || created || got.BillingCode != b.BillingCode {
			t.Fatalf("a second Open of attempt 1 = %+v, %v, %v; want the first bill", got, created, err)
		}
		if l, _ := ps.Ledger(ctx, b.ID); len(l) != 1 || l[0].Kind != payments.KindBilled {
			t.Errorf("ledger %+v; want the one BILLED row", l)
		}
		if cur, _ := cs.Get(ctx, c.ID); cur.Version != 1 {
			t.Errorf("the case moved on a repeated Open: version %d", cur.Version)
		}
		if l, err := ps.Latest(ctx, c.ID); err != nil || l.ID != b.ID {
			t.Errorf("Latest = %+v, %v", l, err)
		}
		if _, err := ps.Latest(ctx, "nope"); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Latest of no case: %v", err)
		}
	})

	t.Run("SettleOnceWithForward", func(t *testing.T) {
		ps, cs, jobs := newStore(t)
		c, b := awaiting(t, ps, cs, "settle-once-1")
		if n, _ := jobs.Depth(ctx, queue.Forward); n != 0 {
			t.Fatalf("a case awaiting payment has %d forward jobs", n)
		}
		got, applied, err := ps.Settle(ctx, b.ID, paid(b, "notif-1"), pay)
		if err != nil || !applied || got.Status != payments.StatusPaid || got.NTPN == "" || got.Version != 2 {
			t.Fatalf("Settle = %+v, %v, %v", got, applied, err)
		}
		if cur, _ := cs.Get(ctx, c.ID); cur.Status != cases.StatusSubmitted || len(cur.History) != 2 {
			t.Errorf("case after payment: %s, %d entries", cur.Status, len(cur.History))
		}
		if n, _ := jobs.Depth(ctx, queue.Forward); n != 1 {
			t.Errorf("forward jobs after payment: %d, want 1", n)
		}
		_, applied, err = ps.Settle(ctx, b.ID, paid(b, "notif-1"), func(*payments.Bill, *cases.Case) error {
			t.Error("f ran for an event settled before")
			return nil
		})
		if err != nil || applied {
			t.Errorf("the same event again: applied %v, %v", applied, err)
		}
		if l, _ := ps.Ledger(ctx, b.ID); len(l) != 2 || l[1].Kind != payments.KindPaid || l[1].Amount != 30000 {
			t.Errorf("ledger %+v", l)
		}
		if _, err := ps.Instruct(ctx, b.ID, payments.MethodVA, "BRI", "1234", ""); !errors.Is(err, payments.ErrNotOpen) {
			t.Errorf("Instruct on a paid bill: %v", err)
		}
		if l, err := ps.List(ctx, payments.StatusPaid, t0, 10); err != nil || len(l) != 1 || l[0].ID != b.ID {
			t.Errorf("List(PAID) = %+v, %v", l, err)
		}
		if l, _ := ps.List(ctx, payments.StatusOpen, t0, 10); len(l) != 0 {
			t.Errorf("List(OPEN) = %+v", l)
		}
	})

	t.Run("ConcurrentSettleAppliesOnce", func(t *testing.T) {
		ps, cs, jobs := newStore(t)
		_, b := awaiting(t, ps, cs, "concurrent-1")
		var wg sync.WaitGroup
		var n atomic.Int32
		for i := range 10 {
			wg.Go(func() {
				// Half the same event, half others for the same bill: only
				// one may pay it.
				event := "notif-same"
				if i%2 == 1 {
					event = fmt.Sprint("notif-", i)
				}
				_, applied, err := ps.Settle(ctx, b.ID, paid(b, event), func(b *payments.Bill, c *cases.Case) error {
					if b.Status != payments.StatusOpen {
						return errAlreadyPaid
					}
					return pay(b, c)
				})
				if err != nil && !errors.Is(err, errAlreadyPaid) {
					t.Error(err)
				}
				if applied && err == nil {
					n.Add(1)
				}
			})
		}
		wg.Wait()
		if n.Load() != 1 {
			t.Errorf("%d settlements paid the bill, want 1", n.Load())
		}
		if d, _ := jobs.Depth(ctx, queue.Forward); d != 1 {
			t.Errorf("forward jobs: %d, want 1", d)
		}
	})

	t.Run("Instruct", func(t *testing.T) {
		ps, cs, _ := newStore(t)
		_, b := awaiting(t, ps, cs, "instruct-1")
		got, err := ps.Instruct(ctx, b.ID, payments.MethodVA, "BRI", "8808123412341234", "")
		if err != nil || got.Method != payments.MethodVA || got.VANumber != "8808123412341234" || got.Bank != "BRI" {
			t.Fatalf("Instruct = %+v, %v", got, err)
		}
		if g, _ := ps.Get(ctx, b.ID); g.VANumber != "8808123412341234" {
			t.Errorf("Get after Instruct: %+v", g)
		}
		if _, err := ps.Instruct(ctx, "nope", payments.MethodVA, "BRI", "1", ""); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Instruct of no bill: %v", err)
		}
	})
}

var errAlreadyPaid = errors.New("already paid")
