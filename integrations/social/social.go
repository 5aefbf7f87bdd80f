// Package social is the adapter of Kemensos (the Ministry of Social
// Affairs): a citizen's entry in the socio-economic register DTSEN, the aid
// programmes their family receives (PKH, BPNT/Sembako, PBI-JK) and the aid
// payments. Kemensos publishes no API for this, so satupintu defines the
// small JSON contract below; sim/mount_social.go serves it in the sandbox.
//
// # Wire contract, version 1
//
// One read:
//
//	GET {base}/api/v1/dtsen/{nik}
//	X-Api-Key: <the key Kemensos issued to satupintu>
//	Accept: application/json
//
// plus the exchange headers every agency call carries (package agency:
// X-Road-Client, X-Road-Id, X-Road-Issue, X-Request-Id). {nik} is the
// 16-digit NIK.
//
// 200 OK, Content-Type: application/json:
//
//	{
//	  "nik": "3201025907850021",
//	  "decile": 2,
//	  "updatedOn": "2026-02-13",
//	  "programmes": [
//	    {"code": "PKH", "name": "Program Keluarga Harapan", "active": true, "since": "2019-04-01"}
//	  ],
//	  "disbursements": [
//	    {"id": "dsb-sri-bpnt-4", "programme": "BPNT", "period": "Tahap 4", "amount": 600000,
//	     "date": "2026-03-15", "status": "SCHEDULED", "channel": "PT POS INDONESIA"}
//	  ]
//	}
//
// Rules of the answer: "nik" is the NIK asked for; decile is the family's
// welfare decile, 1 (poorest) to 10; both lists are always present (possibly
// empty); dates are YYYY-MM-DD (for a disbursement: scheduled or paid on);
// programme codes are PKH, BPNT or PBI_JK; amount is in rupiah; status is
// SCHEDULED, PAID or FAILED. Unknown fields are ignored, so Kemensos may add
// some without a new version.
//
// Errors are JSON too: {"error":{"code":"...","message":"..."}}.
//
//	401 UNAUTHORIZED   X-Api-Key missing or wrong (checked before anything else)
//	400 BAD_REQUEST    the NIK in the path is not a valid NIK
//	404 NOT_FOUND      the NIK is not in the register
//	404 NO_ROUTE       no endpoint serves this method and path
//
// # What the adapter makes of it
//
//	200, valid                      the register entry
//	404 with code NOT_FOUND         (nil, nil): the citizen is not in the register
//	404 with any other body         AGENCY_BAD_RESPONSE (a wrong base URL, not an unregistered citizen)
//	401, 403, 400                   AGENCY_REJECTED
//	200 not valid, any other status AGENCY_BAD_RESPONSE
//	5xx, 429, timeouts              retried by package agency, then AGENCY_UNAVAILABLE / AGENCY_TIMEOUT
//
// A NIK that is not structurally valid is refused with INVALID_INPUT
// before any call.
package social

import (
	"context"
	"errors"
	"fmt"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/readmodel"
)

// Kind names register entries in the read cache (agency.Key.Kind); it also
// selects their TTL in agency.Config.TTL.
const Kind = "welfare"

// Config is the key Kemensos issued to satupintu.
type Config = agency.JSONConfig

// Client reads the DTSEN register through the agency chain.
type Client struct{ api *agency.JSONAPI }

var _ readmodel.SocialRegister = (*Client)(nil)

// New returns the adapter over c, the agency client of Kemensos. cfg must
// be valid (see Config.Validate).
func New(c *agency.Client, cfg Config) *Client { return &Client{api: agency.NewJSONAPI(c, cfg)} }

// Welfare returns the citizen's register entry, or nil, nil when they are
// not in the register. Reads go through the chain's cache and singleflight.
func (c *Client) Welfare(ctx context.Context, nik sp.NIK) (*readmodel.Welfare, error) {
	return agency.ReadJSON(ctx, c.api, agency.JSONRead{Citizen: nik, Kind: Kind,
		Path: "/api/v1/dtsen/" + string(nik), What: "register entry"}, wireEntry.welfare)
}

// The wire shapes. Dates stay strings so that a bad one is reported with
// the field it is in.
type wireEntry struct {
	NIK           string             `json:"nik"`
	Decile        int                `json:"decile"`
	UpdatedOn     string             `json:"updatedOn"`
	Programmes    []wireProgramme    `json:"programmes"`
	Disbursements []wireDisbursement `json:"disbursements"`
}

type wireProgramme struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
	Since  string `json:"since"`
}

type wireDisbursement struct {
	ID        string `json:"id"`
	Programme string `json:"programme"`
	Period    string `json:"period"`
	Amount    int64  `json:"amount"`
	Date      string `json:"date"`
	Status    string `json:"status"`
	Channel   string `json:"channel"`
}

var programmes = map[readmodel.ProgrammeCode]bool{readmodel.ProgrammePKH: true, readmodel.ProgrammeBPNT: true, readmodel.ProgrammePBI: true}

var statuses = map[readmodel.DisbursementStatus]bool{
	readmodel.DisbursementScheduled: true, readmodel.DisbursementPaid: true, readmodel.DisbursementFailed: true,
}

// welfare checks the answer and translates it. Error messages never quote
// the NIK: they reach the logs.
func (w wireEntry) welfare(asked sp.NIK) (*readmodel.Welfare, error) {
	if w.NIK != string(asked) {
		return nil, errors.New("the entry is not about the citizen asked for")
	}
	if w.Decile < 1 || w.Decile > 10 {
		return nil, fmt.Errorf("decile must be 1 to 10, got %d", w.Decile)
	}
	if w.Programmes == nil || w.Disbursements == nil {
		return nil, errors.New("programmes and disbursements must both be present")
	}
	updated, err := agency.ParseDate("updatedOn", w.UpdatedOn)
	if err != nil {
		return nil, err
	}
	out := &readmodel.Welfare{
		Decile:        w.Decile,
		UpdatedOn:     updated,
		Programmes:    make([]readmodel.Programme, 0, len(w.Programmes)),
		Disbursements: make([]readmodel.Disbursement, 0, len(w.Disbursements)),
	}
	for i, p := range w.Programmes {
		code := readmodel.ProgrammeCode(p.Code)
		if !programmes[code] {
			return nil, fmt.Errorf("programme %d has unknown code %q", i+1, p.Code)
		}
		since, err := agency.ParseDate("since", p.Since)
		if err != nil {
			return nil, fmt.Errorf("programme %d: %w", i+1, err)
		}
		out.Programmes = append(out.Programmes, readmodel.Programme{Code: code, Name: p.Name, Active: p.Active, Since: since})
	}
	for i, d := range w.Disbursements {
		code, status := readmodel.ProgrammeCode(d.Programme), readmodel.DisbursementStatus(d.Status)
		switch {
		case d.ID == "":
			return nil, fmt.Errorf("disbursement %d has no id", i+1)
		case !programmes[code]:
			return nil, fmt.Errorf("disbursement %d has unknown programme %q", i+1, d.Programme)
		case !statuses[status]:
			return nil, fmt.Errorf("disbursement %d has unknown status %q", i+1, d.Status)
		case d.Amount < 0:
			return nil, fmt.Errorf("disbursement %d has a negative amount", i+1)
		}
		on, err := agency.ParseDate("date", d.Date)
		if err != nil {
			return nil, fmt.Errorf("disbursement %d: %w", i+1, err)
		}
		out.Disbursements = append(out.Disbursements, readmodel.Disbursement{ID: d.ID, Programme: code, Period: d.Period,
			Amount: d.Amount, Date: on, Status: status, Channel: d.Channel})
	}
	return out, nil
}

// Forget deletes the cached copies of nik's records, every kind this
// adapter reads (a citizen's erasure: privacy.CacheForgetter).
func (c *Client) Forget(ctx context.Context, nik sp.NIK) (int, error) {
	return c.api.Forget(ctx, nik, Kind)
}
