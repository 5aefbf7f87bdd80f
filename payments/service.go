package payments

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/payments/simponi"
	"github.com/satupintu/satupintu/payments/snap"
	"github.com/satupintu/satupintu/queue"
)

// Banks are the banks whose virtual accounts the gateway offers.
var Banks = []string{"BRI", "BNI", "MANDIRI", "BSI"}

// Service bills cases' fees, gives payment instructions, applies the
// gateway's notifications and reconciles what they missed.
type Service struct {
	Store    Store
	Cases    cases.Store
	Catalog  *catalog.Catalog
	Treasury *simponi.Client
	Gateway  *snap.Client
	// GatewayKey verifies the gateway's notifications.
	GatewayKey *rsa.PublicKey
	// Validity is how long a bill can be paid (SIMPONI: 7 days is usual).
	Validity time.Duration
	// ReconcileAfter is when, after a bill is issued, the gateway is first
	// asked about it should no notification have come; ReconcileEvery how
	// often again until it expires.
	ReconcileAfter time.Duration
	ReconcileEvery time.Duration
	// Tolerance is how far a notification's X-TIMESTAMP may be from now.
	Tolerance time.Duration
	// Receipts makes receipt links (nil: none).
	Receipts *Receipts
	Now      func() time.Time
	Log      *slog.Logger
}

// Validate reports every missing setting at once.
func (s *Service) Validate() error {
	var errs []error
	if s.Store == nil || s.Cases == nil || s.Catalog == nil {
		errs = append(errs, errors.New("payments: no store, case store or catalog"))
	}
	if s.Treasury == nil || s.Gateway == nil || s.GatewayKey == nil {
		errs = append(errs, errors.New("payments: no treasury, gateway or gateway key"))
	}
	if s.Validity <= 0 || s.ReconcileAfter <= 0 || s.ReconcileEvery <= 0 || s.Tolerance <= 0 {
		errs = append(errs, errors.New("payments: validity, reconciliation times and tolerance must be positive"))
	}
	return errors.Join(errs...)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Domain errors (codes for resolvers/errors.go).
var (
	ErrNothingToPay = &sp.Error{Code: sp.CodeConflict, Message: "this case has no fee to pay now"}
	ErrBank         = &sp.Error{Code: sp.CodeInvalidInput, Message: "unknown bank: pick one of BRI, BNI, MANDIRI, BSI"}
	ErrUnavailable  = &sp.Error{Code: sp.CodeUnavailable, Message: "the treasury or the payment gateway did not answer: try again"}
	errStale        = errors.New("payments: the bill or case changed meanwhile")
	errCaseMoved    = errors.New("payments: the case no longer awaits payment")
)

// ForCase returns the case's latest bill, or sp.ErrNotFound.
func (s *Service) ForCase(ctx context.Context, caseID string) (*Bill, error) {
	return s.Store.Latest(ctx, caseID)
}

// Ensure returns the open or paid bill of a case awaiting payment, asking
// the treasury for one if it has none; with renew, a case whose bill
// expired gets a new one (and awaits payment again).
func (s *Service) Ensure(ctx context.Context, c *cases.Case, renew bool) (*Bill, error) {
	latest, err := s.Store.Latest(ctx, c.ID)
	attempt := 1
	switch {
	case err == nil && (latest.Status == StatusOpen || latest.Status == StatusPaid):
		return latest, nil
	case err == nil:
		if !renew || c.Status != cases.StatusPaymentExpired {
			return latest, nil
		}
		attempt = latest.Attempt + 1
	case !errors.Is(err, sp.ErrNotFound):
		return nil, err
	case c.Status != cases.StatusAwaitingPay:
		return nil, ErrNothingToPay
	}
	svc, ok := s.Catalog.Service(c.ServiceID)
	if !ok {
		return nil, ErrNothingToPay
	}
	amount, ok := svc.Amount(c.Fields)
	if !ok {
		return nil, ErrNothingToPay
	}
	now := s.now()
	id := BillID(c.ID, attempt)
	billing, err := s.Treasury.Create(ctx, id, amount, now.Add(s.Validity), "")
	if err != nil {
		s.log().WarnContext(ctx, "treasury billing failed", "bill", id, "error", err)
		return nil, ErrUnavailable
	}
	b := &Bill{ID: id, CaseID: c.ID, Attempt: attempt, ServiceID: svc.ID, Amount: amount, Regulation: svc.Payment.Regulation,
		BillingCode: billing.BillingCode, CreatedAt: now, ExpiresAt: billing.ExpiresAt, Status: StatusOpen}
	billed := []Entry{{ExternalID: "simponi:" + billing.BillingCode, BillID: id, Kind: KindBilled, Amount: amount, At: now,
		Source: "TREASURY", Reference: billing.BillingCode}}
	stored, created, err := s.Store.Open(ctx, b, billed, []queue.NewJob{ReconcileJob(id, now.Add(s.ReconcileAfter))}, func(c *cases.Case) error {
		if c.Status != cases.StatusAwaitingPay && c.Status != cases.StatusPaymentExpired {
			return errCaseMoved
		}
		c.Status, c.UpdatedAt = cases.StatusAwaitingPay, now
		c.History = append(c.History, cases.Entry{At: now, Status: cases.StatusAwaitingPay, Source: cases.SourceSystem, Message: dueMessage(b)})
		return nil
	})
	if errors.Is(err, errCaseMoved) {
		return nil, ErrNothingToPay
	}
	if err != nil {
		return nil, err
	}
	if created {
		s.log().InfoContext(ctx, "bill issued", "bill", id, "case", c.ID, "amount", amount, "expires", b.ExpiresAt)
	}
	return stored, nil
}

// OnChange is the dispatcher's change handler that bills a fee due after
// approval: the change that moved an approved case to AWAITING_PAYMENT
// (cases.ApplyEvent, in the agency's APPROVED event's step) gets its bill
// here, and the bill's entry tells the citizen the fee is due. Should the
// treasury not answer, the change is retried (and payCase bills it too).
// Run again, it finds the bill issued and changes nothing.
func (s *Service) OnChange(ctx context.Context, c *cases.Case, ch cases.Change) error {
	if c.Status != cases.StatusAwaitingPay || !c.Approved() {
		return nil
	}
	due := false
	for _, e := range ch.Entries {
		due = due || e.Status == cases.StatusAwaitingPay && e.Source == cases.SourceSystem
	}
	if !due {
		return nil
	}
	if _, err := s.Ensure(ctx, c, false); err != nil && !errors.Is(err, ErrNothingToPay) {
		return fmt.Errorf("billing the approved case %s: %w", c.ID, err)
	}
	return nil
}

// Rp writes whole rupiah as Indonesians do: Rp30.000.
func Rp(n int64) string {
	s := strconv.FormatInt(n, 10)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, s[i])
	}
	return "Rp" + string(out)
}

func wib(t time.Time) string { return t.In(sp.Jakarta).Format("02-01-2006 15:04") + " WIB" }

func dueMessage(b *Bill) string {
	return fmt.Sprintf("Kode billing %s: bayar %s sebelum %s. / Billing code %s: pay %s by %s.",
		b.BillingCode, Rp(b.Amount), wib(b.ExpiresAt), b.BillingCode, Rp(b.Amount), wib(b.ExpiresAt))
}

// Pay gives the citizen the instructions to pay their case's fee by
// method (a bank's virtual account, or QRIS): a bill is issued first if
// the case has none, or a new one if the last expired.
func (s *Service) Pay(ctx context.Context, citizen sp.NIK, caseID string, m Method, bank string) (*Bill, error) {
	c, err := s.Cases.Get(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if c.Citizen != citizen {
		return nil, sp.ErrNotFound
	}
	if m == MethodVA && !slices.Contains(Banks, bank) {
		return nil, ErrBank
	}
	b, err := s.Ensure(ctx, c, true)
	if err != nil {
		return nil, err
	}
	if b.Status != StatusOpen {
		return b, nil
	}
	if b.Method == m && (m == MethodQRIS && b.QRIS != "" || m == MethodVA && b.Bank == bank && b.VANumber != "") {
		return b, nil
	}
	var va, qris string
	switch m {
	case MethodVA:
		va, err = s.Gateway.CreateVA(ctx, snap.VARequest{Reference: b.ID, CustomerNo: b.BillingCode, Name: "PNBP " + b.ServiceID,
			Amount: b.Amount, Expires: b.ExpiresAt, Bank: bank, BillingCode: b.BillingCode})
	case MethodQRIS:
		qris, err = s.Gateway.GenerateQR(ctx, snap.QRRequest{Reference: b.ID, Amount: b.Amount, Expires: b.ExpiresAt, BillingCode: b.BillingCode})
		bank = ""
	default:
		return nil, ErrNothingToPay
	}
	if err != nil {
		s.log().WarnContext(ctx, "gateway refused payment instructions", "bill", b.ID, "method", m, "error", err)
		return nil, ErrUnavailable
	}
	return s.Store.Instruct(ctx, b.ID, m, bank, va, qris)
}

// Payment is a payment the gateway reports, by notification or when asked.
type Payment struct {
	BillID    string
	PaymentID string // the gateway's reference: the ledger's external id
	Amount    int64
	PaidAt    time.Time
	NTPN, NTB string
	Source    string // NOTIFICATION or RECONCILIATION
}

// Outcome is what a payment did.
type Outcome string

const (
	OutcomePaid      Outcome = "PAID"      // the bill is paid, the case goes on
	OutcomeDuplicate Outcome = "DUPLICATE" // recorded before: nothing changed
	OutcomeRefunded  Outcome = "REFUNDED"  // the bill was no longer open: recorded and refunded
)

// Refusals of a payment: nothing is recorded.
var (
	ErrUnknownBill = errors.New("payments: no such bill")
	ErrAmount      = errors.New("payments: the amount paid is not the bill's")
)

// Apply records a payment: an open bill of a case awaiting payment is
// paid and the case moves on, in one atomic step: to SUBMITTED with its
// forward job (a fee due before forwarding), or to COMPLETED (a fee due
// after approval: the agency approved it already); a payment for a bill
// no longer open (expired, cancelled, paid already by another payment) is
// recorded with its refund. The same payment applied again changes
// nothing. A payment of another amount than the bill's is refused.
func (s *Service) Apply(ctx context.Context, p Payment) (Outcome, error) {
	for range 5 {
		b, err := s.Store.Get(ctx, p.BillID)
		if errors.Is(err, sp.ErrNotFound) {
			return "", ErrUnknownBill
		}
		if err != nil {
			return "", err
		}
		if p.Amount != b.Amount {
			return "", ErrAmount
		}
		c, err := s.Cases.Get(ctx, b.CaseID)
		if err != nil {
			return "", err
		}
		now := s.now()
		paidAt := p.PaidAt
		if paidAt.IsZero() {
			paidAt = now
		}
		payable := func(b *Bill, c *cases.Case) bool {
			return b.Status == StatusOpen && c.Status == cases.StatusAwaitingPay
		}
		var (
			entries []Entry
			f       func(*Bill, *cases.Case) error
			outcome Outcome
		)
		if payable(b, c) {
			outcome = OutcomePaid
			entries = []Entry{{ExternalID: "payment:" + p.PaymentID, BillID: b.ID, Kind: KindPaid, Amount: p.Amount, At: now,
				Source: p.Source, Reference: p.PaymentID}}
			f = func(b *Bill, c *cases.Case) error {
				if !payable(b, c) {
					return errStale
				}
				b.Status, b.PaidAt, b.NTPN, b.NTB = StatusPaid, paidAt, p.NTPN, p.NTB
				// A fee due before forwarding: the case goes to the agency
				// now (its forward job comes with SUBMITTED). A fee due
				// after approval: the agency approved already, the payment
				// was all that was left.
				next := cases.StatusSubmitted
				msg := fmt.Sprintf("Pembayaran %s diterima (NTPN %s). / Payment of %s received (NTPN %s).", Rp(p.Amount), p.NTPN, Rp(p.Amount), p.NTPN)
				if c.Approved() {
					next = cases.StatusCompleted
					msg = fmt.Sprintf("Pembayaran %s diterima (NTPN %s); permohonan selesai. / Payment of %s received (NTPN %s); the request is complete.",
						Rp(p.Amount), p.NTPN, Rp(p.Amount), p.NTPN)
				}
				c.Status, c.UpdatedAt = next, now
				c.History = append(c.History, cases.Entry{At: now, Status: next, Source: cases.SourceSystem, Message: msg})
				return nil
			}
		} else {
			outcome = OutcomeRefunded
			entries = []Entry{
				{ExternalID: "payment:" + p.PaymentID, BillID: b.ID, Kind: KindLatePayment, Amount: p.Amount, At: now, Source: p.Source, Reference: p.PaymentID},
				{ExternalID: "refund:" + p.PaymentID, BillID: b.ID, Kind: KindRefund, Amount: p.Amount, At: now, Source: "SYSTEM", Reference: p.PaymentID},
			}
			f = func(b *Bill, c *cases.Case) error {
				if payable(b, c) {
					return errStale
				}
				if b.Status == StatusOpen { // its case was withdrawn
					b.Status = StatusCancelled
				}
				return cases.ErrNoChange
			}
		}
		_, applied, err := s.Store.Settle(ctx, b.ID, entries, f)
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return "", err
		}
		if !applied {
			return OutcomeDuplicate, nil
		}
		if outcome == OutcomeRefunded {
			s.log().WarnContext(ctx, "payment for a bill no longer open: recorded and refunded", "bill", b.ID, "payment", p.PaymentID,
				"amount", p.Amount, "source", p.Source)
		} else {
			s.log().InfoContext(ctx, "bill paid", "bill", b.ID, "case", b.CaseID, "payment", p.PaymentID, "source", p.Source)
		}
		return outcome, nil
	}
	return "", errors.New("payments: the bill kept changing")
}

// Reconcile is the reconciliation job of one bill: it asks the gateway
// about a bill still open and settles it from the answer; a bill unpaid
// at its expiry expires (the case to PAYMENT_EXPIRED), one whose case was
// withdrawn is cancelled; otherwise it asks again later.
func (s *Service) Reconcile(ctx context.Context, j queue.Job) queue.Result {
	if j.Key == ReportKey {
		return s.report(ctx, j)
	}
	b, err := s.Store.Get(ctx, j.Key)
	if errors.Is(err, sp.ErrNotFound) {
		return queue.Done()
	}
	if err != nil {
		return s.retry(j, err)
	}
	if b.Status != StatusOpen {
		return queue.Done()
	}
	if b.Method != "" {
		var st snap.Status
		if b.Method == MethodVA {
			st, err = s.Gateway.VAStatus(ctx, b.ID, b.VANumber)
		} else {
			st, err = s.Gateway.QRStatus(ctx, b.ID)
		}
		if err != nil {
			return s.retry(j, err)
		}
		if st.Paid {
			outcome, err := s.Apply(ctx, Payment{BillID: b.ID, PaymentID: st.PaymentID, Amount: st.Amount, PaidAt: st.PaidAt,
				NTPN: st.NTPN, NTB: st.NTB, Source: "RECONCILIATION"})
			if err != nil {
				s.log().ErrorContext(ctx, "the gateway reports a payment that cannot be applied", "bill", b.ID, "error", err)
				return queue.Park(err.Error())
			}
			s.log().InfoContext(ctx, "reconciliation found a payment", "bill", b.ID, "outcome", outcome)
			return queue.Done()
		}
	}
	now := s.now()
	c, err := s.Cases.Get(ctx, b.CaseID)
	if err != nil {
		return s.retry(j, err)
	}
	switch {
	case c.Status != cases.StatusAwaitingPay:
		_, _, err = s.Store.Settle(ctx, b.ID, []Entry{{ExternalID: "cancelled:" + b.ID, BillID: b.ID, Kind: KindCancelled, At: now, Source: "SYSTEM"}},
			func(b *Bill, _ *cases.Case) error { b.Status = StatusCancelled; return cases.ErrNoChange })
	case !now.Before(b.ExpiresAt):
		_, _, err = s.Store.Settle(ctx, b.ID, []Entry{{ExternalID: "expired:" + b.ID, BillID: b.ID, Kind: KindExpired, At: now, Source: "SYSTEM"}},
			func(b *Bill, c *cases.Case) error {
				if b.Status != StatusOpen || c.Status != cases.StatusAwaitingPay {
					return errStale
				}
				b.Status = StatusExpired
				c.Status, c.UpdatedAt = cases.StatusPaymentExpired, now
				c.History = append(c.History, cases.Entry{At: now, Status: cases.StatusPaymentExpired, Source: cases.SourceSystem,
					Message: fmt.Sprintf("Kode billing %s kedaluwarsa; minta tagihan baru untuk melanjutkan. / Billing code %s expired; ask for a new bill to go on.", b.BillingCode, b.BillingCode)})
				return nil
			})
		if err == nil {
			s.log().InfoContext(ctx, "bill expired", "bill", b.ID, "case", b.CaseID)
		}
	default:
		next := now.Add(s.ReconcileEvery)
		if b.ExpiresAt.Before(next) {
			next = b.ExpiresAt
		}
		return queue.Snooze(next)
	}
	if errors.Is(err, errStale) {
		return queue.Snooze(now) // look again at once
	}
	if err != nil {
		return s.retry(j, err)
	}
	return queue.Done()
}

func (s *Service) retry(j queue.Job, err error) queue.Result {
	wait := min(time.Duration(j.Attempt)*10*time.Second, 10*time.Minute)
	return queue.RetryAt(s.now().Add(wait), err.Error())
}
