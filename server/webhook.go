package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/api"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/signature"
)

// CaseEvents applies an agency's event to a case.
type CaseEvents interface {
	ApplyEvent(ctx context.Context, a sp.Agency, caseID string, e cases.Event) (cases.Outcome, *cases.Case, error)
}

// Webhook is what the agency webhook needs.
type Webhook struct {
	Events CaseEvents
	// Secrets returns the shared secrets of an agency (several during a
	// rotation), nil for an agency that sends no cases.
	Secrets  func(a sp.Agency) [][]byte
	Verifier *signature.Verifier
}

// maxEventBody bounds an agency event.
const maxEventBody = 16 << 10

// handleAgencyEvents is POST /agency/v1/cases/{caseId}/events (api/agency.yaml):
// a signed status event from the agency a case was routed to.
func handleAgencyEvents(wh *Webhook, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		caseID := r.PathValue("caseId")
		a := sp.Agency(r.Header.Get(signature.AgencyHeader))
		secrets := [][]byte(nil)
		if a.Valid() {
			secrets = wh.Secrets(a)
		}
		if secrets == nil {
			agencyError(w, http.StatusUnauthorized, "UNKNOWN_AGENCY", "name the sending agency in "+signature.AgencyHeader)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBody))
		if err != nil {
			agencyError(w, http.StatusRequestEntityTooLarge, "TOO_LARGE", "an event body is at most 16 KiB")
			return
		}
		if err := wh.Verifier.VerifyContext(ctx, r.Header.Get(signature.Header), body, secrets); err != nil {
			if errors.Is(err, signature.ErrUnavailable) {
				log.ErrorContext(ctx, "webhook replay store unavailable", "agency", a, "error", err)
				agencyError(w, http.StatusServiceUnavailable, "TRY_AGAIN", "the event could not be checked now; send it again, signed anew")
				return
			}
			log.WarnContext(ctx, "agency webhook refused", "agency", a, "case", caseID, "reason", err.Error())
			agencyError(w, http.StatusUnauthorized, signatureCode(err), err.Error())
			return
		}
		var we api.Event
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&we); err != nil {
			agencyError(w, http.StatusBadRequest, "MALFORMED", "the body must be an event: "+err.Error())
			return
		}
		outcome, c, err := wh.Events.ApplyEvent(ctx, a, caseID, we.CaseEvent(cases.SourceAgencyWebhook))
		switch {
		case errors.Is(err, sp.ErrNotFound):
			agencyError(w, http.StatusNotFound, "UNKNOWN_CASE", "no case with this id")
		case errors.Is(err, cases.ErrForeignCase):
			agencyError(w, http.StatusForbidden, "NOT_YOUR_CASE", "this case was not routed to "+string(a))
		case errors.Is(err, cases.ErrImpossible):
			agencyError(w, http.StatusConflict, "IMPOSSIBLE_TRANSITION", err.Error())
		case errors.Is(err, cases.ErrInvalidEvent):
			agencyError(w, http.StatusBadRequest, "INVALID_EVENT", err.Error())
		case err != nil:
			log.ErrorContext(ctx, "applying an agency event failed", "agency", a, "case", caseID, "error", err)
			agencyError(w, http.StatusServiceUnavailable, "TRY_AGAIN", "the event could not be recorded now; send it again")
		case outcome == cases.OutcomeHeld:
			writeJSON(w, http.StatusAccepted, map[string]any{"result": outcome, "waitingFor": c.Sequence + 1})
		case outcome == cases.OutcomeDuplicate:
			writeJSON(w, http.StatusOK, map[string]any{"result": outcome})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"result": outcome, "status": c.Status})
		}
	})
}

func signatureCode(err error) string {
	switch {
	case errors.Is(err, signature.ErrMissing):
		return "SIGNATURE_MISSING"
	case errors.Is(err, signature.ErrStale):
		return "SIGNATURE_STALE"
	case errors.Is(err, signature.ErrReplayed):
		return "SIGNATURE_REPLAYED"
	case errors.Is(err, signature.ErrMalformed):
		return "SIGNATURE_MALFORMED"
	}
	return "SIGNATURE_MISMATCH"
}

// agencyError answers an agency in the contract's error shape.
func agencyError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}
