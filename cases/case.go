package cases

import (
	"time"

	sp "github.com/satupintu/satupintu"
)

// Source says who moved a case.
type Source string

const (
	SourceAgencyWebhook Source = "AGENCY_WEBHOOK"
	SourcePoll          Source = "POLL"
	SourceCitizen       Source = "CITIZEN"
	SourceSystem        Source = "SYSTEM"
)

// Entry is one line of a case's history.
type Entry struct {
	At       time.Time `json:"at"`
	Status   Status    `json:"status"`
	Source   Source    `json:"source"`
	Message  string    `json:"message,omitempty"`  // the agency's message to the citizen, as sent
	EventID  string    `json:"eventId,omitempty"`  // the agency's event id
	Sequence int       `json:"sequence,omitempty"` // the agency's sequence number
	// Skipped is set on the entry of an agency event that was held for an
	// earlier one and could not follow the status the case had reached
	// when its turn came: it is the status the event reported, and Status
	// is the case's, unchanged. The sequence number is used up all the same.
	Skipped Status `json:"skipped,omitempty"`
}

// Reported is the status the agency's event reported: Status, or Skipped
// for an event that was skipped.
func (e Entry) Reported() Status {
	if e.Skipped != "" {
		return e.Skipped
	}
	return e.Status
}

// Label is the entry as the citizen reads it: the status, or for a skipped
// agency event what it reported and why it changed nothing.
func (e Entry) Label() sp.Text {
	if e.Skipped == "" {
		return e.Status.Label()
	}
	reported, current := e.Skipped.Label(), e.Status.Label()
	return sp.Text{
		ID: "Pembaruan dari instansi dilewati: «" + reported.ID + "» tidak dapat mengikuti «" + current.ID + "»",
		EN: "Agency update skipped: “" + reported.EN + "” cannot follow “" + current.EN + "”",
	}
}

// DeliveryState is how forwarding the case to its agency is going.
type DeliveryState string

const (
	DeliveryPending   DeliveryState = "PENDING"   // waiting for the first attempt
	DeliveryRetrying  DeliveryState = "RETRYING"  // the agency has not acknowledged yet; retried with backoff
	DeliveryDelivered DeliveryState = "DELIVERED" // acknowledged by the agency
	DeliveryStalled   DeliveryState = "STALLED"   // past the give-up age: parked, replayable by an operator
)

// Delivery is the forwarding state of a case.
type Delivery struct {
	State         DeliveryState `json:"state"`
	Attempts      int           `json:"attempts"`
	LastAttemptAt time.Time     `json:"lastAttemptAt,omitzero"`
	LastError     string        `json:"lastError,omitempty"`
	DeliveredAt   time.Time     `json:"deliveredAt,omitzero"`
}

// Event is a status change reported by an agency.
type Event struct {
	ID         string    `json:"eventId"`
	Sequence   int       `json:"sequence"`
	Status     Status    `json:"status"`
	OccurredAt time.Time `json:"occurredAt"`
	Message    string    `json:"message,omitempty"`
	Source     Source    `json:"source"` // AGENCY_WEBHOOK or POLL
}

// Case is one citizen request and everything that happened to it.
type Case struct {
	ID      string `json:"id"`
	Citizen sp.NIK `json:"citizen"`
	// Actor applied for the citizen (a parent, a guardian, a mandate
	// holder); "" when the citizen applied themself.
	Actor     sp.NIK            `json:"actor,omitempty"`
	ServiceID string            `json:"serviceId"`
	Agency    sp.Agency         `json:"agency"`
	Fields    map[string]string `json:"fields"`
	Status    Status            `json:"status"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`

	// IdempotencyKey is the citizen's key for the submission; RequestHash
	// fingerprints what was submitted with it.
	IdempotencyKey string `json:"idempotencyKey"`
	RequestHash    string `json:"requestHash"`
	// SingleOpen: only one open case of this service per citizen.
	SingleOpen bool `json:"singleOpen,omitempty"`

	AgencyRef string   `json:"agencyRef,omitempty"` // the agency's own reference
	Delivery  Delivery `json:"delivery"`
	History   []Entry  `json:"history"`

	// Sequence is the last agency event sequence applied (or skipped); Held
	// are events that arrived before an earlier one and wait for it, at most
	// one per sequence and never more than MaxAhead ahead; EventIDs are the
	// latest agency event ids applied or skipped (a repeat changes nothing).
	Sequence int      `json:"sequence"`
	Held     []Event  `json:"held,omitempty"`
	EventIDs []string `json:"eventIds,omitempty"`

	// Version increases with every stored change.
	Version int64 `json:"version"`
}

// Clone returns a deep copy.
func (c *Case) Clone() *Case {
	cp := *c
	cp.Fields = make(map[string]string, len(c.Fields))
	for k, v := range c.Fields {
		cp.Fields[k] = v
	}
	cp.History = append([]Entry(nil), c.History...)
	cp.Held = append([]Event(nil), c.Held...)
	cp.EventIDs = append([]string(nil), c.EventIDs...)
	return &cp
}

// Approved reports whether the agency approved the case: its fee, if due
// after approval, is then all that stands before COMPLETED.
func (c *Case) Approved() bool {
	for _, h := range c.History {
		if h.Status == StatusApproved && h.Skipped == "" {
			return true
		}
	}
	return false
}
