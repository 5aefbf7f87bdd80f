// Package caseapi speaks satupintu's case contract with an agency
// (api/agency.yaml): forwards signed with the agency's shared secret and
// keyed by the case id, cancellation notices, and batched status polls. It
// implements cases.Agency over the resilient agency chain (its own client
// per agency, so case traffic and reads trip separate breakers).
package caseapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/api"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/integrations/agency"
)

// Client is one agency's end of the contract.
type Client struct {
	api *agency.Client
	// secrets sign requests (several during a rotation).
	secrets [][]byte
	// callback is satupintu's public base URL, for callbackUrl.
	callback string
	now      func() time.Time
}

var _ cases.Agency = (*Client)(nil)

// New returns the contract client over c. secrets[0] signs; during a
// rotation every secret signs (several v1 values).
func New(c *agency.Client, secrets [][]byte, callbackBase string) *Client {
	return &Client{api: c, secrets: secrets, callback: callbackBase, now: time.Now}
}

type forwardBody struct {
	CaseID      string            `json:"caseId"`
	ServiceID   string            `json:"serviceId"`
	SubmittedAt api.Time          `json:"submittedAt"`
	Citizen     citizen           `json:"citizen"`
	Fields      map[string]string `json:"fields"`
	CallbackURL string            `json:"callbackUrl,omitempty"`
}

type citizen struct {
	NIK sp.NIK `json:"nik"`
}

// Forward delivers c. 201 and 200 (a repeat of the same case) both carry
// the agency's reference; 400 and 409 are the agency's permanent refusal;
// anything else is worth retrying.
func (cl *Client) Forward(ctx context.Context, c *cases.Case) (string, error) {
	body := forwardBody{CaseID: c.ID, ServiceID: c.ServiceID, SubmittedAt: api.TimeOf(c.CreatedAt),
		Citizen: citizen{NIK: c.Citizen}, Fields: c.Fields}
	if cl.callback != "" {
		body.CallbackURL = cl.callback + "/agency/v1/cases/" + url.PathEscape(c.ID) + "/events"
	}
	var ack struct {
		AgencyRef string `json:"agencyRef"`
	}
	status, err := cl.post(ctx, "satupintu/v1/cases", c.ID, body, &ack)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK && status != http.StatusCreated {
		return "", fmt.Errorf("unexpected HTTP %d to a forward", status)
	}
	if ack.AgencyRef == "" {
		return "", cl.api.BadResponse("forward acknowledged without an agencyRef", nil)
	}
	return ack.AgencyRef, nil
}

// Cancel tells the agency the citizen withdrew c; an agency that does not
// know the case has nothing to stop.
func (cl *Client) Cancel(ctx context.Context, c *cases.Case) error {
	body := map[string]any{"caseId": c.ID, "cancelledAt": api.TimeOf(cl.now()), "reason": "CITIZEN_WITHDREW"}
	_, err := cl.post(ctx, "satupintu/v1/cases/"+url.PathEscape(c.ID)+"/cancellation", c.ID+":cancel", body, nil)
	var nf *notFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

type pollAnswer struct {
	Cases []struct {
		CaseID string      `json:"caseId"`
		Events []api.Event `json:"events"`
	} `json:"cases"`
}

// Poll asks for the events of up to cases.MaxPollBatch cases. Every event
// names its case, as on the webhook; an answer with an event under
// another case's entry is refused whole, as a bad response: which case it
// meant cannot be told.
func (cl *Client) Poll(ctx context.Context, ids []string) (map[string][]cases.Event, error) {
	if len(ids) > cases.MaxPollBatch {
		return nil, fmt.Errorf("poll of %d cases: at most %d per request", len(ids), cases.MaxPollBatch)
	}
	var ans pollAnswer
	if _, err := cl.post(ctx, "satupintu/v1/cases/status", "", map[string]any{"caseIds": ids}, &ans); err != nil {
		return nil, err
	}
	out := make(map[string][]cases.Event, len(ans.Cases))
	for _, c := range ans.Cases {
		for _, e := range c.Events {
			if e.CaseID != c.CaseID {
				return nil, cl.api.BadResponse(fmt.Sprintf("event %q listed under case %s names case %q", e.EventID, c.CaseID, e.CaseID), nil)
			}
			out[c.CaseID] = append(out[c.CaseID], e.CaseEvent(cases.SourcePoll))
		}
	}
	return out, nil
}

type notFound struct{}

func (*notFound) Error() string { return "the agency does not know the case" }

// post sends a signed JSON request and decodes a 2xx answer into out.
func (cl *Client) post(ctx context.Context, path, idempotencyKey string, in, out any) (int, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	req, err := cl.api.NewRequest(ctx, http.MethodPost, path, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	req.Header.Set(signature.Header, signature.SignAll(cl.secrets, cl.now(), raw))
	resp, err := cl.api.Do(req)
	if err != nil {
		if d := agency.RetryAfterOf(err); d > 0 {
			return 0, &cases.RetryAfter{After: d, Err: err}
		}
		return 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		if out == nil {
			return resp.StatusCode, nil
		}
		return resp.StatusCode, cl.api.DecodeJSON(resp, out)
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusConflict:
		return resp.StatusCode, &cases.Refused{Message: errorMessage(resp)}
	case resp.StatusCode == http.StatusNotFound:
		return resp.StatusCode, &notFound{}
	}
	return resp.StatusCode, cl.api.StatusError(resp)
}

// errorMessage reads {"error":{"message"}} from an answer, or its status.
func errorMessage(resp *http.Response) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	return fmt.Sprintf("HTTP %d", resp.StatusCode)
}
