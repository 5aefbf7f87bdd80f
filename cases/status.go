package cases

import sp "github.com/satupintu/satupintu"

// Status is where a case stands. The values are part of the GraphQL schema
// and of the agency contract (api/agency.yaml).
type Status string

const (
	StatusSubmitted      Status = "SUBMITTED"        // accepted by satupintu, not yet at the agency
	StatusAwaitingPay    Status = "AWAITING_PAYMENT" // its fee is billed: before it is forwarded, or once approved (catalog FeeDue)
	StatusPaymentExpired Status = "PAYMENT_EXPIRED"  // the bill expired unpaid; the citizen may ask for a new one
	StatusForwarded      Status = "FORWARDED"        // the agency acknowledged the forward
	StatusReceived       Status = "RECEIVED"         // the agency registered it
	StatusInReview       Status = "IN_REVIEW"        // being examined
	StatusActionRequired Status = "ACTION_REQUIRED"  // the citizen must do something (see the message)
	StatusApproved       Status = "APPROVED"
	StatusRejected       Status = "REJECTED"
	StatusCompleted      Status = "COMPLETED"
	StatusCancelled      Status = "CANCELLED" // by the citizen, before review
)

// transitions is the status machine:
//
//	SUBMITTED → FORWARDED → RECEIVED → IN_REVIEW ⇄ ACTION_REQUIRED
//	IN_REVIEW → APPROVED | REJECTED;  APPROVED | REJECTED → COMPLETED
//	SUBMITTED | FORWARDED | RECEIVED → CANCELLED (by the citizen)
//	SUBMITTED | FORWARDED → REJECTED (the agency refuses it at intake)
//	AWAITING_PAYMENT → SUBMITTED (paid) | PAYMENT_EXPIRED ⇄ AWAITING_PAYMENT (a new bill)
//	AWAITING_PAYMENT | PAYMENT_EXPIRED → CANCELLED
//	APPROVED → AWAITING_PAYMENT → COMPLETED (a fee due after approval, paid)
//
// The payment moves are satupintu's own (package payments; the approval's
// for a fee due after approval: ApplyEvent), never an agency's: while a
// case awaits payment, an agency's event is refused. Which services bill
// after approval the catalog says (FeeAfterApproval); the table allows
// the moves of both kinds of fee.
var transitions = map[Status][]Status{
	StatusAwaitingPay:    {StatusSubmitted, StatusCompleted, StatusPaymentExpired, StatusCancelled},
	StatusPaymentExpired: {StatusAwaitingPay, StatusCancelled},
	StatusSubmitted:      {StatusForwarded, StatusRejected, StatusCancelled},
	StatusForwarded:      {StatusReceived, StatusRejected, StatusCancelled},
	StatusReceived:       {StatusInReview, StatusCancelled},
	StatusInReview:       {StatusActionRequired, StatusApproved, StatusRejected},
	StatusActionRequired: {StatusInReview},
	StatusApproved:       {StatusAwaitingPay, StatusCompleted},
	StatusRejected:       {StatusCompleted},
}

// CanMove reports whether a case may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := labels[s]
	return ok
}

// Open reports whether the case is still in progress.
func (s Status) Open() bool {
	switch s {
	case StatusCompleted, StatusRejected, StatusCancelled:
		return false
	}
	return true
}

// Cancellable reports whether the citizen may still withdraw the case.
func (s Status) Cancellable() bool { return CanMove(s, StatusCancelled) }

// AgencyStatuses are the statuses an agency may report.
var AgencyStatuses = []Status{StatusReceived, StatusInReview, StatusActionRequired, StatusApproved, StatusRejected, StatusCompleted}

var labels = map[Status]sp.Text{
	StatusAwaitingPay:    {ID: "Menunggu pembayaran", EN: "Awaiting payment"},
	StatusPaymentExpired: {ID: "Batas waktu pembayaran habis", EN: "Payment deadline passed"},
	StatusSubmitted:      {ID: "Permohonan diterima satupintu", EN: "Request received by satupintu"},
	StatusForwarded:      {ID: "Diteruskan ke instansi", EN: "Forwarded to the agency"},
	StatusReceived:       {ID: "Diterima instansi", EN: "Received by the agency"},
	StatusInReview:       {ID: "Sedang diperiksa", EN: "Under review"},
	StatusActionRequired: {ID: "Perlu tindakan Anda", EN: "Action required from you"},
	StatusApproved:       {ID: "Disetujui", EN: "Approved"},
	StatusRejected:       {ID: "Ditolak", EN: "Rejected"},
	StatusCompleted:      {ID: "Selesai", EN: "Completed"},
	StatusCancelled:      {ID: "Dibatalkan", EN: "Cancelled"},
}

// Label is the status as the citizen reads it.
func (s Status) Label() sp.Text { return labels[s] }
