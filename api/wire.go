package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

// Event is a status event in the contract's wire form (schema Event): the
// body of POST /agency/v1/cases/{caseId}/events, which the webhook
// (server) decodes with DecodeEvent, and an element of a poll answer, which
// the contract client (integrations/caseapi) reads. CaseID is inside the
// signed body, so a signature binds the event to its case. The simulators
// in sim/ keep their own copy on purpose: an independent implementation of
// the contract.
type Event struct {
	CaseID     string       `json:"caseId"`
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

// Malformed is a body that is not an event in the wire form. Its text is
// written for the sending agency's developer.
type Malformed string

func (m Malformed) Error() string { return string(m) }

// eventMembers are the members of an Event, each with what its value must be.
var eventMembers = []struct{ name, want string }{
	{"caseId", "a string"},
	{"eventId", "a string"},
	{"sequence", "an integer"},
	{"status", "a string"},
	{"occurredAt", "an RFC 3339 time with an offset, e.g. 2026-03-02T09:14:30+07:00"},
	{"message", "a string"},
}

// DecodeEvent reads an event body strictly: a JSON object whose member
// names are exactly the contract's (no other member, no other spelling).
// A member may be missing here: what is required is checked with the
// event's meaning (the status machine; the webhook for caseId).
func DecodeEvent(body []byte) (Event, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return Event{}, Malformed("the body must be a JSON object: an event")
	}
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	slices.Sort(names)
	var e Event
	for _, n := range names {
		i := slices.IndexFunc(eventMembers, func(m struct{ name, want string }) bool { return m.name == n })
		if i < 0 {
			return Event{}, Malformed(fmt.Sprintf("unknown member %q: an event has caseId, eventId, sequence, status, occurredAt and message", clip(n)))
		}
		var target any
		switch n {
		case "caseId":
			target = &e.CaseID
		case "eventId":
			target = &e.EventID
		case "sequence":
			target = &e.Sequence
		case "status":
			target = &e.Status
		case "occurredAt":
			target = &e.OccurredAt
		case "message":
			target = &e.Message
		}
		if err := json.Unmarshal(members[n], target); err != nil {
			return Event{}, Malformed(n + " must be " + eventMembers[i].want)
		}
	}
	return e, nil
}

// clip keeps an echoed name short.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Time is a time as satupintu writes it on the contract: RFC 3339 in
// Western Indonesia Time, to the second ("2026-03-02T09:14:30+07:00"),
// whatever location the value has. satupintu reads any RFC 3339 offset
// from the agencies (a plain time.Time).
type Time struct{ time.Time }

// TimeOf is t as the contract writes it.
func TimeOf(t time.Time) Time { return Time{t} }

// String is the contract's form of the time.
func (t Time) String() string { return t.In(sp.Jakarta).Format(time.RFC3339) }

// MarshalJSON writes the contract's form.
func (t Time) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }
