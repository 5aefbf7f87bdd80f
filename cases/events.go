package cases

import (
	"errors"
	"fmt"
	"slices"

	sp "github.com/satupintu/satupintu"
)

// Outcome is what applying an agency event did.
type Outcome string

const (
	OutcomeApplied   Outcome = "applied"
	OutcomeDuplicate Outcome = "duplicate" // already applied, or its sequence already passed
	OutcomeHeld      Outcome = "held"      // an earlier event is missing; applied once it arrives
)

// Refusals of an agency event. The webhook maps them to HTTP statuses (its
// contract with the agencies); ErrImpossible and ErrInvalidEvent carry the
// detail the agency reads.
var (
	ErrForeignCase  = &sp.Error{Code: sp.CodeForbidden, Message: "the case belongs to another agency"}
	ErrImpossible   = errors.New("cases: impossible status transition")
	ErrInvalidEvent = errors.New("cases: invalid event")
)

// ErrNotCancelable refuses a citizen's cancellation once the agency has
// started reviewing the case.
var ErrNotCancelable = &sp.Error{Code: sp.CodeConflict, Message: "the case can no longer be cancelled"}

// maxEventIDs bounds the event ids a case remembers; sequences guard the
// older ones.
const maxEventIDs = 200

// validate checks an agency event's own shape.
func (e Event) validate() error {
	switch {
	case e.ID == "" || len(e.ID) > 128:
		return fmt.Errorf("%w: eventId must be 1-128 characters", ErrInvalidEvent)
	case e.Sequence < 1:
		return fmt.Errorf("%w: sequence must be 1 or more", ErrInvalidEvent)
	case !slices.Contains(AgencyStatuses, e.Status):
		return fmt.Errorf("%w: status must be one of %v", ErrInvalidEvent, AgencyStatuses)
	case e.OccurredAt.IsZero():
		return fmt.Errorf("%w: occurredAt is required", ErrInvalidEvent)
	case len([]rune(e.Message)) > 500:
		return fmt.Errorf("%w: message must be at most 500 characters", ErrInvalidEvent)
	}
	return nil
}

// apply folds an agency event into the case: in sequence order, once. An
// event that arrives before an earlier one is held until the gap fills.
// Held events that prove impossible when their turn comes are skipped and
// returned, for the log.
func (c *Case) apply(e Event) (Outcome, []Event, error) {
	if err := e.validate(); err != nil {
		return "", nil, err
	}
	if slices.Contains(c.EventIDs, e.ID) || e.Sequence <= c.Sequence {
		return OutcomeDuplicate, nil, nil
	}
	if e.Sequence > c.Sequence+1 {
		for _, h := range c.Held {
			if h.Sequence == e.Sequence {
				return OutcomeDuplicate, nil, nil
			}
		}
		c.Held = append(c.Held, e)
		slices.SortFunc(c.Held, func(a, b Event) int { return a.Sequence - b.Sequence })
		return OutcomeHeld, nil, nil
	}
	if err := c.move(e); err != nil {
		return "", nil, err
	}
	var skipped []Event
	// The gap may now be filled: apply what was waiting, in order.
	for len(c.Held) > 0 && c.Held[0].Sequence == c.Sequence+1 {
		next := c.Held[0]
		c.Held = c.Held[1:]
		if err := c.move(next); err != nil {
			// An agency contradicting itself: the case stays where it is.
			c.Sequence = next.Sequence
			skipped = append(skipped, next)
		}
	}
	return OutcomeApplied, skipped, nil
}

// move applies one in-sequence event.
func (c *Case) move(e Event) error {
	if c.Status == StatusSubmitted && e.Status == StatusReceived {
		// The agency got the forward before we recorded its acknowledgement
		// (a crash between the two): the forward evidently arrived.
		c.History = append(c.History, Entry{At: e.OccurredAt, Status: StatusForwarded, Source: SourceSystem})
		c.Status = StatusForwarded
		c.Delivery.State = DeliveryDelivered
	}
	if !CanMove(c.Status, e.Status) {
		return fmt.Errorf("%w: %s → %s", ErrImpossible, c.Status, e.Status)
	}
	c.Status = e.Status
	c.Sequence = e.Sequence
	c.EventIDs = append(c.EventIDs, e.ID)
	if len(c.EventIDs) > maxEventIDs {
		c.EventIDs = c.EventIDs[len(c.EventIDs)-maxEventIDs:]
	}
	c.History = append(c.History, Entry{At: e.OccurredAt, Status: e.Status, Source: e.Source,
		Message: e.Message, EventID: e.ID, Sequence: e.Sequence})
	return nil
}
