// Package payments makes paying a government fee a step of the errand: a
// case whose service bills its fee in the app (catalog Payment) waits in
// AWAITING_PAYMENT with a bill from the state treasury (SIMPONI: a 15-digit
// billing code, an expiry, the NTPN once paid), paid by virtual account or
// QRIS through a payment gateway speaking Bank Indonesia's SNAP: before it
// is forwarded, or, a fee due after approval, once the agency approved it
// (billed by OnChange). The gateway's signed notification (or, when it is
// lost, the reconciliation job asking the gateway) settles the bill: in one
// atomic step the ledger row is written, the bill marked paid and the case
// moved to SUBMITTED with its forward job (or, approved, to COMPLETED). A
// payment for a bill no longer open is recorded and
// refunded, never lost. Amounts are whole rupiah (int64), never floats.
package payments

import (
	"context"
	"errors"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/queue"
)

// Status is where a bill stands.
type Status string

const (
	StatusOpen      Status = "OPEN"      // billed, not paid yet
	StatusPaid      Status = "PAID"      // paid in full: the case went on
	StatusExpired   Status = "EXPIRED"   // unpaid at its expiry
	StatusCancelled Status = "CANCELLED" // the case was withdrawn before payment
)

// Method is how a bill is paid.
type Method string

const (
	MethodVA   Method = "VA"   // bank transfer to a virtual account
	MethodQRIS Method = "QRIS" // Indonesia's national QR standard (merchant-presented)
)

// Bill is one billing of a case's fee. A case has one bill per attempt: a
// new one only after the last expired.
type Bill struct {
	// ID is "<case id>.<attempt>": the partnerReferenceNo and trxId the
	// gateway is given, and what its notification names.
	ID         string
	CaseID     string
	Attempt    int
	ServiceID  string
	Amount     int64 // whole rupiah
	Regulation string
	// BillingCode is SIMPONI's 15-digit kode billing.
	BillingCode string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Status      Status
	PaidAt      time.Time
	NTPN        string // the state's proof of payment
	NTB         string // the bank's transaction number
	// The payment instructions the citizen last asked for.
	Method   Method
	Bank     string
	VANumber string
	QRIS     string // the QRIS MPM payload
	Version  int64
}

// Clone returns a copy.
func (b *Bill) Clone() *Bill { cp := *b; return &cp }

// BillID is the id of a case's bill of an attempt.
func BillID(caseID string, attempt int) string { return caseID + "." + itoa(attempt) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Kind is what a ledger row records.
type Kind string

const (
	KindBilled      Kind = "BILLED"       // the treasury issued the billing code
	KindPaid        Kind = "PAID"         // a payment settled an open bill
	KindExpired     Kind = "EXPIRED"      // the bill expired unpaid
	KindLatePayment Kind = "LATE_PAYMENT" // a payment for a bill no longer open
	KindRefund      Kind = "REFUND"       // the refund of a late payment
	KindCancelled   Kind = "CANCELLED"    // the bill of a withdrawn case was closed
)

// Entry is one ledger row. Rows are only ever added (PostgreSQL refuses
// UPDATE and DELETE); ExternalID is unique, so the same event recorded
// twice is recorded once.
type Entry struct {
	ExternalID string
	BillID     string
	Kind       Kind
	Amount     int64
	At         time.Time
	// Source: NOTIFICATION, RECONCILIATION, TREASURY or SYSTEM.
	Source string
	// Reference is the gateway's or treasury's: the payment's reference
	// number, the NTPN.
	Reference string
}

// Store keeps bills and their ledger. It is implemented by store/memory
// and store/postgres and checked by the conformance suite in
// store/storetest.
type Store interface {
	// Open stores the new bill b with its ledger rows and jobs, and
	// applies move to its case (cases.Store.Update's rules and jobs), in
	// one atomic step. If the case already has a bill of b.Attempt nothing
	// is written and that bill is returned with created false.
	Open(ctx context.Context, b *Bill, entries []Entry, jobs []queue.NewJob, move func(*cases.Case) error) (stored *Bill, created bool, err error)
	// Get returns the bill, or sp.ErrNotFound.
	Get(ctx context.Context, id string) (*Bill, error)
	// Latest returns the case's bill of the highest attempt, or
	// sp.ErrNotFound.
	Latest(ctx context.Context, caseID string) (*Bill, error)
	// Instruct records the payment instructions the citizen was given
	// (method, bank, VA number, QRIS payload) on an open bill.
	Instruct(ctx context.Context, id string, m Method, bank, vaNumber, qris string) (*Bill, error)
	// Settle writes entries and applies f to the bill and its case, in
	// one atomic step. If entries[0].ExternalID is in the ledger already,
	// nothing is written and applied is false: the event was settled
	// before. f may return cases.ErrNoChange to leave the case as it is
	// (the bill is still written).
	Settle(ctx context.Context, id string, entries []Entry, f func(*Bill, *cases.Case) error) (b *Bill, applied bool, err error)
	// Ledger returns the bill's rows, oldest first.
	Ledger(ctx context.Context, billID string) ([]Entry, error)
	// List returns bills, newest first: of status when it is not "",
	// created at or after since, at most limit.
	List(ctx context.Context, status Status, since time.Time, limit int) ([]*Bill, error)
}

// ErrNotOpen: the bill can no longer be paid or instructed.
var ErrNotOpen = &sp.Error{Code: sp.CodeConflict, Message: "the bill is no longer open"}

// ErrLedgerRow: a ledger row is malformed.
var ErrLedgerRow = errors.New("payments: a ledger row needs an external id, a bill, a kind and a non-negative amount")

// ValidEntries checks the rows a store is asked to write.
func ValidEntries(billID string, entries []Entry) error {
	for _, e := range entries {
		if e.ExternalID == "" || e.BillID != billID || e.Kind == "" || e.Amount < 0 || e.Source == "" {
			return ErrLedgerRow
		}
	}
	return nil
}

// ReconcileJob is the job that asks the gateway about bill id at at.
func ReconcileJob(id string, at time.Time) queue.NewJob {
	return queue.NewJob{Kind: queue.Reconcile, Key: id, At: at, Unique: true}
}
