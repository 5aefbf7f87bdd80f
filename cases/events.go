package cases

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
)

// Outcome is what applying an agency event did.
type Outcome string

const (
	OutcomeApplied   Outcome = "applied"
	OutcomeDuplicate Outcome = "duplicate" // a repeat of an event already received: same eventId, or same sequence and content
	OutcomeHeld      Outcome = "held"      // an earlier event is missing; applied once it arrives
)

// Refusals of an agency event. The webhook maps each to its code and HTTP
// status (its contract with the agencies); they arrive as an *EventError,
// whose Detail is what the agency reads.
var (
	ErrForeignCase = &sp.Error{Code: sp.CodeForbidden, Message: "the case belongs to another agency"}
	// ErrImpossible: the status cannot follow the case's.
	ErrImpossible = errors.New("cases: impossible status transition")
	// ErrInvalidEvent: the event's own shape is wrong.
	ErrInvalidEvent = errors.New("cases: invalid event")
	// ErrSequenceConflict: the sequence already carries another event.
	ErrSequenceConflict = errors.New("cases: sequence already used by another event")
	// ErrTooFarAhead: the sequence is more than MaxAhead past the last applied.
	ErrTooFarAhead = errors.New("cases: sequence too far ahead")
)

// EventError is an agency event the status machine refused. Nothing of it
// was stored, so its sequence number is still free.
type EventError struct {
	// Reason is ErrImpossible, ErrInvalidEvent, ErrSequenceConflict or
	// ErrTooFarAhead.
	Reason error
	// Detail says what is wrong in the contract's terms, for the agency's
	// developer: never anything internal.
	Detail string
	// WaitingFor is the sequence the case needs next (0 for an invalid event).
	WaitingFor int
}

func (e *EventError) Error() string { return e.Reason.Error() + ": " + e.Detail }
func (e *EventError) Unwrap() error { return e.Reason }

// ErrNotCancelable refuses a citizen's cancellation once the agency has
// started reviewing the case.
var ErrNotCancelable = &sp.Error{Code: sp.CodeConflict, Message: "the case can no longer be cancelled"}

// maxEventIDs bounds the event ids a case remembers; the history and the
// sequences guard the older ones.
const maxEventIDs = 200

// MaxAhead is how far past the last applied sequence an event may be: with
// n applied, sequences up to n+MaxAhead are taken (held if not next), so at
// most MaxAhead-1 events wait per case, one per sequence. It bounds what an
// agency that lost an event (or numbers wildly) makes a case hold.
const MaxAhead = 20

func invalid(format string, args ...any) error {
	return &EventError{Reason: ErrInvalidEvent, Detail: fmt.Sprintf(format, args...)}
}

// validate checks an agency event's own shape.
func (e Event) validate() error {
	switch {
	case e.ID == "" || len(e.ID) > 128:
		return invalid("eventId must be 1-128 characters")
	case e.Sequence < 1:
		return invalid("sequence must be 1 or more")
	case !slices.Contains(AgencyStatuses, e.Status):
		return invalid("status must be one of %s", joinStatuses(AgencyStatuses))
	case e.OccurredAt.IsZero():
		return invalid("occurredAt is required")
	case len([]rune(e.Message)) > 500:
		return invalid("message must be at most 500 characters")
	}
	return nil
}

func joinStatuses(ss []Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// sameContent: what the citizen would read is the same. The occurredAt of
// a repeat may differ (an agency that stamps each attempt).
func (e Event) sameContent(status Status, message string) bool {
	return e.Status == status && e.Message == message
}

// apply folds an agency event into the case: in sequence order, once. An
// event that arrives before an earlier one is held until the gap fills.
// Held events that prove impossible when their turn comes are skipped: they
// take their sequence and a history entry that says so, and are returned
// for the log. With a fee due after approval (bill), the APPROVED event
// moves the case on to AWAITING_PAYMENT at once (see move).
func (c *Case) apply(e Event, bill afterApproval) (Outcome, []Event, error) {
	if err := e.validate(); err != nil {
		return "", nil, err
	}
	if c.received(e.ID) {
		return OutcomeDuplicate, nil, nil
	}
	next := c.Sequence + 1
	switch {
	case e.Sequence < next:
		if h, ok := c.recorded(e.Sequence); ok && e.sameContent(h.Reported(), h.Message) {
			return OutcomeDuplicate, nil, nil
		} else if ok {
			return "", nil, c.conflict(e, fmt.Sprintf("eventId %q, %s", h.EventID, h.Reported()))
		}
		return "", nil, c.conflict(e, "")
	case e.Sequence > c.Sequence+MaxAhead:
		return "", nil, &EventError{Reason: ErrTooFarAhead, WaitingFor: next,
			Detail: fmt.Sprintf("sequence %d is more than %d ahead of the last applied, %d: send %d first, then this one again",
				e.Sequence, MaxAhead, c.Sequence, next)}
	case e.Sequence > next:
		for _, h := range c.Held {
			if h.Sequence != e.Sequence {
				continue
			}
			if e.sameContent(h.Status, h.Message) {
				return OutcomeDuplicate, nil, nil
			}
			return "", nil, c.conflict(e, fmt.Sprintf("eventId %q, %s, held", h.ID, h.Status))
		}
		c.Held = append(c.Held, e)
		slices.SortFunc(c.Held, func(a, b Event) int { return a.Sequence - b.Sequence })
		return OutcomeHeld, nil, nil
	}
	if err := c.move(e, bill); err != nil {
		return "", nil, err
	}
	var skipped []Event
	// The gap may now be filled: apply what was waiting, in order.
	for len(c.Held) > 0 && c.Held[0].Sequence == c.Sequence+1 {
		h := c.Held[0]
		c.Held = c.Held[1:]
		if err := c.move(h, bill); err != nil {
			// The agency was told "held": it cannot be refused any more.
			// The case stays where it is and the history says why.
			c.skip(h)
			skipped = append(skipped, h)
		}
	}
	return OutcomeApplied, skipped, nil
}

// received reports whether an event with this id was applied, skipped or
// is held.
func (c *Case) received(id string) bool {
	if slices.Contains(c.EventIDs, id) {
		return true
	}
	for _, h := range c.Held {
		if h.ID == id {
			return true
		}
	}
	for _, h := range c.History {
		if h.EventID == id {
			return true
		}
	}
	return false
}

// recorded is the history entry of the agency event that took sequence seq.
func (c *Case) recorded(seq int) (Entry, bool) {
	for i := len(c.History) - 1; i >= 0; i-- {
		if h := c.History[i]; h.Sequence == seq && h.EventID != "" {
			return h, true
		}
	}
	return Entry{}, false
}

// conflict refuses e, whose sequence already carries another event (what
// names it, when the case knows).
func (c *Case) conflict(e Event, other string) error {
	taken := fmt.Sprintf("sequence %d already carries another event of this case", e.Sequence)
	if other != "" {
		taken += " (" + other + ")"
	}
	return &EventError{Reason: ErrSequenceConflict, WaitingFor: c.Sequence + 1,
		Detail: taken + ": a sequence number is used once; send this event under a number not used yet"}
}

// afterApproval is what ApplyEvent knows of the case's fee: whether it is
// due after approval (the catalog's FeeAfterApproval, payments on), and
// when the event is applied.
type afterApproval struct {
	due bool
	now time.Time
}

// move applies one in-sequence event. An APPROVED case whose fee is due
// after approval awaits payment in the same step (a system entry after the
// agency's); while a case awaits payment, no agency event can follow:
// satupintu completes it once paid.
func (c *Case) move(e Event, bill afterApproval) error {
	if c.Status == StatusSubmitted && e.Status == StatusReceived {
		// The agency got the forward before we recorded its acknowledgement
		// (a crash between the two): the forward evidently arrived.
		c.History = append(c.History, Entry{At: e.OccurredAt, Status: StatusForwarded, Source: SourceSystem})
		c.Status = StatusForwarded
		c.Delivery.State = DeliveryDelivered
	}
	if c.Status == StatusAwaitingPay || c.Status == StatusPaymentExpired {
		return &EventError{Reason: ErrImpossible, WaitingFor: c.Sequence + 1, Detail: fmt.Sprintf(
			"%s cannot follow %s: the fee of this approved case is due after approval, and satupintu completes the case itself "+
				"once the treasury confirms the payment (NTPN); sequence %d is still free", e.Status, c.Status, e.Sequence)}
	}
	if !CanMove(c.Status, e.Status) {
		detail := fmt.Sprintf("%s cannot follow %s, the case's status; sequence %d is still free: send under it the event that can come next",
			e.Status, c.Status, e.Sequence)
		if c.Status == StatusCancelled {
			detail = "the citizen withdrew the case (CANCELLED): stop work on it"
		}
		return &EventError{Reason: ErrImpossible, Detail: detail, WaitingFor: c.Sequence + 1}
	}
	c.Status = e.Status
	c.took(e)
	c.History = append(c.History, Entry{At: e.OccurredAt, Status: e.Status, Source: e.Source,
		Message: e.Message, EventID: e.ID, Sequence: e.Sequence})
	if e.Status == StatusApproved && bill.due {
		// The bill itself (its billing code, the citizen's notice) is
		// package payments' work, started by this change.
		c.Status = StatusAwaitingPay
		c.History = append(c.History, Entry{At: bill.now, Status: StatusAwaitingPay, Source: SourceSystem})
	}
	return nil
}

// skip records a held event that could not follow the case's status.
func (c *Case) skip(e Event) {
	c.took(e)
	c.History = append(c.History, Entry{At: e.OccurredAt, Status: c.Status, Source: e.Source,
		Message: e.Message, EventID: e.ID, Sequence: e.Sequence, Skipped: e.Status})
}

// took marks e's sequence and id as used.
func (c *Case) took(e Event) {
	c.Sequence = e.Sequence
	c.EventIDs = append(c.EventIDs, e.ID)
	if len(c.EventIDs) > maxEventIDs {
		c.EventIDs = c.EventIDs[len(c.EventIDs)-maxEventIDs:]
	}
}
