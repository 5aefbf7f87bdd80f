package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/api"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/privacy"
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
	// AccessLog records the accesses agencies report of their own
	// officers (POST /agency/v1/access-events); nil serves none.
	AccessLog privacy.Log
}

// maxEventBody bounds an agency event.
const maxEventBody = 16 << 10

// refusal is one of the webhook's error answers (api/agency.yaml,
// "Errors"): a code, its HTTP status and the message an agency's developer
// reads when nothing more precise is said. Nothing else is ever written
// to an agency: internal detail goes to the log only.
type refusal struct {
	code    string
	status  int
	message string
}

var (
	refUnknownAgency = refusal{"UNKNOWN_AGENCY", http.StatusUnauthorized, "name the sending agency in " + signature.AgencyHeader}
	refTooLarge      = refusal{"TOO_LARGE", http.StatusRequestEntityTooLarge, "an event body is at most 16 KiB"}
	refSlowBody      = refusal{"BODY_TIMEOUT", http.StatusRequestTimeout, "the body did not arrive in time: send the whole event at once"}
	refMalformed     = refusal{"MALFORMED", http.StatusBadRequest, "the body must be an event"}
	refCaseMismatch  = refusal{"CASE_MISMATCH", http.StatusBadRequest,
		"the body's caseId is not the case of the URL: post each event to the callbackUrl of its own case"}
	refInvalid      = refusal{"INVALID_EVENT", http.StatusBadRequest, "the event is not valid"}
	refNoCaseID     = refusal{"INVALID_EVENT", http.StatusBadRequest, "caseId is required: the id of the case the event is about, as in the URL"}
	refNotYours     = refusal{"NOT_YOUR_CASE", http.StatusForbidden, "this case was not routed to your agency"}
	refUnknownCase  = refusal{"UNKNOWN_CASE", http.StatusNotFound, "no case with this id"}
	refImpossible   = refusal{"IMPOSSIBLE_TRANSITION", http.StatusConflict, "the status cannot follow the case's"}
	refConflict     = refusal{"SEQUENCE_CONFLICT", http.StatusConflict, "the sequence already carries another event of this case"}
	refTooFarAhead  = refusal{"SEQUENCE_TOO_FAR_AHEAD", http.StatusConflict, "the sequence is too far ahead of the last applied"}
	refSigMissing   = refusal{"SIGNATURE_MISSING", http.StatusUnauthorized, "sign the event: " + signature.Header + " is missing"}
	refSigMalformed = refusal{"SIGNATURE_MALFORMED", http.StatusUnauthorized, `expected "t=<unix seconds>,v1=<hex HMAC-SHA256>"`}
	refSigStale     = refusal{"SIGNATURE_STALE", http.StatusUnauthorized, "the signature's timestamp is more than 5 minutes away from satupintu's clock"}
	refSigMismatch  = refusal{"SIGNATURE_MISMATCH", http.StatusUnauthorized, `no v1 is HMAC-SHA256 of "<t>.<raw body>" with a current secret`}
	refSigReplayed  = refusal{"SIGNATURE_REPLAYED", http.StatusUnauthorized, "signature already used: sign every delivery anew (a fresh t)"}
	refCheckLater   = refusal{"TRY_AGAIN", http.StatusServiceUnavailable, "the event could not be checked now; send it again, signed anew"}
	refRecordLater  = refusal{"TRY_AGAIN", http.StatusServiceUnavailable, "the event could not be recorded now; send it again, signed anew"}
)

// webhookRefusals are every answer above, for the test that holds them to
// the contract.
var webhookRefusals = []refusal{refUnknownAgency, refTooLarge, refSlowBody, refMalformed, refCaseMismatch, refInvalid, refNoCaseID,
	refNotYours, refUnknownCase, refImpossible, refConflict, refTooFarAhead, refSigMissing, refSigMalformed, refSigStale,
	refSigMismatch, refSigReplayed, refCheckLater, refRecordLater}

// eventRefusals map the status machine's refusals to their answers.
var eventRefusals = []struct {
	reason error
	ref    refusal
}{
	{cases.ErrInvalidEvent, refInvalid},
	{cases.ErrImpossible, refImpossible},
	{cases.ErrSequenceConflict, refConflict},
	{cases.ErrTooFarAhead, refTooFarAhead},
}

// handleAgencyEvents is POST /agency/v1/cases/{caseId}/events (api/agency.yaml):
// a signed status event from the agency a case was routed to.
func handleAgencyEvents(wh *Webhook, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		caseID := r.PathValue("caseId")
		a, secrets, body, ok := wh.read(w, r, maxEventBody, refTooLarge)
		if !ok {
			return
		}
		// An event for another case is refused before its signature is
		// recorded: a copy posted to the wrong case must not make the
		// genuine delivery to its own case look like a replay.
		we, malformed := api.DecodeEvent(body)
		if malformed == nil && we.CaseID != "" && we.CaseID != caseID {
			log.WarnContext(ctx, "agency event for another case", "agency", a, "case", caseID)
			refuse(w, refCaseMismatch, "", 0)
			return
		}
		if !wh.verify(w, r, log, a, secrets, body, "case", caseID) {
			return
		}
		var bad api.Malformed
		switch {
		case errors.As(malformed, &bad):
			refuse(w, refMalformed, string(bad), 0)
			return
		case malformed != nil:
			refuse(w, refMalformed, "", 0)
			return
		case we.CaseID == "":
			refuse(w, refNoCaseID, "", 0)
			return
		}
		outcome, c, err := wh.Events.ApplyEvent(ctx, a, caseID, we.CaseEvent(cases.SourceAgencyWebhook))
		var refused *cases.EventError
		switch {
		case errors.Is(err, sp.ErrNotFound):
			refuse(w, refUnknownCase, "", 0)
		case errors.Is(err, cases.ErrForeignCase):
			refuse(w, refNotYours, "this case was not routed to "+string(a), 0)
		case errors.As(err, &refused):
			ref := refRecordLater
			for _, m := range eventRefusals {
				if errors.Is(refused.Reason, m.reason) {
					ref = m.ref
				}
			}
			refuse(w, ref, refused.Detail, refused.WaitingFor)
		case err != nil:
			log.ErrorContext(ctx, "applying an agency event failed", "agency", a, "case", caseID, "error", err)
			refuse(w, refRecordLater, "", 0)
		case outcome == cases.OutcomeHeld:
			writeJSON(w, http.StatusAccepted, map[string]any{"result": outcome, "waitingFor": c.Sequence + 1})
		case outcome == cases.OutcomeDuplicate:
			writeJSON(w, http.StatusOK, map[string]any{"result": outcome})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"result": outcome, "status": c.Status})
		}
	})
}

// read takes in an agency's request: the agency it names, that agency's
// secrets and the body, at most max bytes (tooLarge above). ok is false
// when it answered a refusal.
func (wh *Webhook) read(w http.ResponseWriter, r *http.Request, max int64, tooLarge refusal) (a sp.Agency, secrets [][]byte, body []byte, ok bool) {
	a = sp.Agency(r.Header.Get(signature.AgencyHeader))
	if a.Valid() {
		secrets = wh.Secrets(a)
	}
	if secrets == nil {
		refuse(w, refUnknownAgency, "", 0)
		return "", nil, nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		// Over the size limit, or the body read deadline passed (a
		// client dripping its body), or the connection broke.
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			refuse(w, tooLarge, "", 0)
		} else {
			refuse(w, refSlowBody, "", 0)
		}
		return "", nil, nil, false
	}
	return a, secrets, body, true
}

// verify checks the signature of an agency's request (and records it
// against replays); false when it answered a refusal. what and which name
// the request in the log.
func (wh *Webhook) verify(w http.ResponseWriter, r *http.Request, log *slog.Logger, a sp.Agency, secrets [][]byte, body []byte, what, which string) bool {
	ctx := r.Context()
	err := wh.Verifier.VerifyContext(ctx, r.Header.Get(signature.Header), body, secrets)
	if err == nil {
		return true
	}
	ref, known := signatureRefusal(err)
	if !known {
		log.ErrorContext(ctx, "webhook signature check failed", "agency", a, what, which, "error", err)
		refuse(w, refCheckLater, "", 0)
		return false
	}
	log.WarnContext(ctx, "agency webhook refused", "agency", a, what, which, "reason", err.Error())
	// The signature package writes its refusals for the sender.
	refuse(w, ref, err.Error(), 0)
	return false
}

// signatureRefusal is the answer to a signature the Verifier refused;
// known is false for a failure that is not the sender's (the replay
// guard unavailable).
func signatureRefusal(err error) (ref refusal, known bool) {
	switch {
	case errors.Is(err, signature.ErrUnavailable):
		return refCheckLater, false
	case errors.Is(err, signature.ErrMissing):
		return refSigMissing, true
	case errors.Is(err, signature.ErrStale):
		return refSigStale, true
	case errors.Is(err, signature.ErrReplayed):
		return refSigReplayed, true
	case errors.Is(err, signature.ErrMalformed):
		return refSigMalformed, true
	case errors.Is(err, signature.ErrMismatch):
		return refSigMismatch, true
	}
	return refCheckLater, false
}

// agencyError is the contract's error shape.
type agencyError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// WaitingFor is the sequence the case needs next, on refusals of the
	// status machine.
	WaitingFor int `json:"waitingFor,omitempty"`
}

// refuse answers an agency with ref, saying message when it is more
// precise than ref's own.
func refuse(w http.ResponseWriter, ref refusal, message string, waitingFor int) {
	if message == "" {
		message = ref.message
	}
	writeJSON(w, ref.status, map[string]agencyError{"error": {Code: ref.code, Message: message, WaitingFor: waitingFor}})
}
