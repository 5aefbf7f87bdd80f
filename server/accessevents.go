package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// Agencies report the accesses their own officers make to a citizen's
// data (the X-Road model: each register logs who read what, and why), so
// that the citizen sees them beside satupintu's own in one access log.

// Limits of an access-event batch.
const (
	maxAccessBody    = 256 << 10
	maxAccessEvents  = 500
	maxEventIDLength = 128
	// accessFuture is how far ahead of satupintu's clock an access may be
	// dated: the clocks of two systems differ a little.
	accessFuture = 5 * time.Minute
)

var (
	refAccessTooLarge = refusal{"TOO_LARGE", http.StatusRequestEntityTooLarge, "a batch of access events is at most 256 KiB"}
	refAccessInvalid  = refusal{"INVALID_EVENT", http.StatusBadRequest, "the batch is not valid"}
	refAccessLater    = refusal{"TRY_AGAIN", http.StatusServiceUnavailable, "the accesses could not be recorded now; send the batch again, signed anew"}
)

// accessRefusals are the answers of the access-event endpoint besides the
// signature's, for the test that holds them to the contract.
var accessRefusals = []refusal{refUnknownAgency, refAccessTooLarge, refSlowBody, refMalformed, refAccessInvalid, refAccessLater}

// accessEvent is one access in the contract's wire form (schema
// AccessEvent).
type accessEvent struct {
	EventID    string             `json:"eventId"`
	NIK        string             `json:"nik"`
	At         time.Time          `json:"at"`
	Categories []privacy.Category `json:"categories"`
	Purpose    string             `json:"purpose"`
	Officer    string             `json:"officer"`
	LegalBasis privacy.LegalBasis `json:"legalBasis"`
}

// entry checks e, reported by agency a at now, and makes it an entry: its
// id is the agency's event id (under the agency's name), so a batch sent
// again adds nothing. The problem is said in the contract's terms.
func (e accessEvent) entry(a sp.Agency, now time.Time) (privacy.Entry, string) {
	nik, err := sp.ParseNIK(e.NIK)
	switch {
	case e.EventID == "" || len(e.EventID) > maxEventIDLength:
		return privacy.Entry{}, "eventId must be 1-128 characters"
	case err != nil:
		return privacy.Entry{}, "nik must be a NIK: " + err.Error()
	case e.At.IsZero():
		return privacy.Entry{}, "at is required: an RFC 3339 time with an offset"
	case e.At.After(now.Add(accessFuture)):
		return privacy.Entry{}, "at is in the future: report an access once it happened"
	case len(e.Categories) == 0:
		return privacy.Entry{}, "categories must name at least one of IDENTITY, HEALTH, EDUCATION, POLICE, SOCIAL, FINANCE"
	case e.Purpose == "" || len(e.Purpose) > privacy.MaxPurposeLength:
		return privacy.Entry{}, fmt.Sprintf("purpose must be 1-%d bytes", privacy.MaxPurposeLength)
	case e.Officer == "" || len(e.Officer) > privacy.MaxActorLength:
		return privacy.Entry{}, fmt.Sprintf("officer must be 1-%d bytes", privacy.MaxActorLength)
	}
	for _, c := range e.Categories {
		if !c.Valid() {
			return privacy.Entry{}, fmt.Sprintf("category %q is none of IDENTITY, HEALTH, EDUCATION, POLICE, SOCIAL, FINANCE", clipped(string(c)))
		}
	}
	basis := e.LegalBasis
	if basis == "" {
		basis = privacy.BasisPublicTask
	} else if !basis.Valid() {
		return privacy.Entry{}, "legalBasis must be CONSENT, LEGAL_OBLIGATION, PUBLIC_TASK or VITAL_INTEREST"
	}
	return privacy.Entry{
		ID: string(a) + ":" + e.EventID, At: e.At, Subject: nik,
		Actor:  privacy.Actor{Kind: privacy.ActorAgency, ID: e.Officer},
		Agency: a, Categories: e.Categories, Purpose: e.Purpose, LegalBasis: basis,
	}, ""
}

func clipped(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// handleAccessEvents is POST /agency/v1/access-events (api/agency.yaml): a
// signed batch of accesses an agency's officers made, signed and checked
// exactly as the status webhook.
func handleAccessEvents(wh *Webhook, log *slog.Logger, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		a, secrets, body, ok := wh.read(w, r, maxAccessBody, refAccessTooLarge)
		if !ok || !wh.verify(w, r, log, a, secrets, body, "endpoint", "access-events") {
			return
		}
		var batch struct {
			Events []accessEvent `json:"events"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&batch); err != nil || batch.Events == nil {
			refuse(w, refMalformed, `the body must be {"events":[…]}, each event with eventId, nik, at, categories, purpose, officer and optionally legalBasis`, 0)
			return
		}
		if n := len(batch.Events); n == 0 || n > maxAccessEvents {
			refuse(w, refAccessInvalid, fmt.Sprintf("a batch holds 1 to %d events, not %d", maxAccessEvents, n), 0)
			return
		}
		t := now()
		entries := make([]privacy.Entry, len(batch.Events))
		for i, e := range batch.Events {
			en, problem := e.entry(a, t)
			if problem != "" {
				refuse(w, refAccessInvalid, fmt.Sprintf("events[%d]: %s", i, problem), 0)
				return
			}
			entries[i] = en
		}
		if err := wh.AccessLog.Record(ctx, entries...); err != nil {
			log.ErrorContext(ctx, "recording agency access events failed", "agency", a, "events", len(entries), "error", err)
			refuse(w, refAccessLater, "", 0)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"recorded": len(entries)})
	})
}
