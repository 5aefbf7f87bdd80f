package api

import (
	"time"

	"github.com/satupintu/satupintu/cases"
)

// Event is a status event in the contract's wire form (schema Event): the
// body of POST /agency/v1/cases/{caseId}/events, which the webhook
// (server) decodes, and an element of a poll answer, which the contract
// client (integrations/caseapi) reads. The simulators in sim/ keep their
// own copy on purpose: an independent implementation of the contract.
type Event struct {
	EventID    string       `json:"eventId"`
	Sequence   int          `json:"sequence"`
	Status     cases.Status `json:"status"`
	OccurredAt time.Time    `json:"occurredAt"`
	Message    string       `json:"message"`
}

// CaseEvent is the event as the status machine takes it, arrived by src.
func (e Event) CaseEvent(src cases.Source) cases.Event {
	return cases.Event{ID: e.EventID, Sequence: e.Sequence, Status: e.Status, OccurredAt: e.OccurredAt,
		Message: e.Message, Source: src}
}
