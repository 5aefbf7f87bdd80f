// Package police is the adapter of Polri (the national police): a citizen's
// driving licences (SIM), police clearance certificates (SKCK) and unpaid
// camera tickets (ETLE). Polri publishes no API for these, so satupintu
// defines the small JSON contract below; sim/mount_police.go serves it in
// the sandbox.
//
// # Wire contract, version 1
//
// One read:
//
//	GET {base}/api/v1/citizens/{nik}/record
//	X-Api-Key: <the key Polri issued to satupintu>
//	Accept: application/json
//
// plus the exchange headers every agency call carries (package agency:
// X-Road-Client, X-Road-Id, X-Road-Issue, X-Request-Id). {nik} is the
// 16-digit NIK.
//
// 200 OK, Content-Type: application/json:
//
//	{
//	  "nik": "3273016402900007",
//	  "licences": [
//	    {"number": "9024-0290-000789", "class": "A", "issuedOn": "2021-04-20",
//	     "expiresOn": "2026-04-24", "office": "SATPAS POLRESTABES BANDUNG", "status": "ACTIVE"}
//	  ],
//	  "certificates": [
//	    {"number": "SKCK/YANMAS/4812/X/2026/POLRESTABES", "purpose": "Melamar pekerjaan",
//	     "level": "POLRES", "issuedOn": "2025-10-11", "validUntil": "2026-04-09"}
//	  ],
//	  "tickets": [
//	    {"number": "ETLE-MJ-000871", "plate": "B 1234 TBT", "violation": "Melanggar marka jalan",
//	     "location": "JL. JEND. SUDIRMAN, JAKARTA PUSAT", "occurredAt": "2026-03-04T08:00:00+07:00",
//	     "confirmBy": "2026-03-12", "fine": 500000, "status": "UNCONFIRMED"}
//	  ]
//	}
//
// Rules of the answer: "nik" is the NIK asked for; the three lists are
// always present (possibly empty); dates are YYYY-MM-DD, occurredAt is
// RFC 3339; class is one of A, B1, B2, C, CI, CII, D; a licence's status is
// ACTIVE, SUSPENDED (by a court or the police, until lifted) or REVOKED,
// and ACTIVE when absent (it came later: a sender without it is still
// read); level is MABES, POLDA, POLRES or POLSEK; fine is in rupiah; a
// ticket's status is UNCONFIRMED, CONFIRMED or PAID, and only unpaid
// tickets are listed (a PAID one is dropped here).
// Unknown fields are ignored, so Polri may add some without a new version.
//
// Errors are JSON too: {"error":{"code":"...","message":"..."}}.
//
//	401 UNAUTHORIZED   X-Api-Key missing or wrong (checked before anything else)
//	400 BAD_REQUEST    the NIK in the path is not a valid NIK
//	404 NOT_FOUND      Polri holds nothing about this NIK
//	404 NO_ROUTE       no endpoint serves this method and path
//
// # What the adapter makes of it
//
//	200, valid                      the record
//	404 with code NOT_FOUND         (nil, nil): Polri does not know the citizen
//	404 with any other body         AGENCY_BAD_RESPONSE (a wrong base URL, not an unknown citizen)
//	401, 403, 400                   AGENCY_REJECTED
//	200 not valid, any other status AGENCY_BAD_RESPONSE
//	5xx, 429, timeouts              retried by package agency, then AGENCY_UNAVAILABLE / AGENCY_TIMEOUT
//
// A NIK that is not structurally valid is refused with INVALID_INPUT
// before any call.
package police

import (
	"context"
	"errors"
	"fmt"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/readmodel"
)

// Kind names police records in the read cache (agency.Key.Kind); it also
// selects their TTL in agency.Config.TTL.
const Kind = "police"

// Config is the key Polri issued to satupintu.
type Config = agency.JSONConfig

// Client reads Polri records through the agency chain.
type Client struct{ api *agency.JSONAPI }

var _ readmodel.Police = (*Client)(nil)

// New returns the adapter over c, the agency client of Polri. cfg must
// be valid (see Config.Validate).
func New(c *agency.Client, cfg Config) *Client { return &Client{api: agency.NewJSONAPI(c, cfg)} }

// Record returns what Polri holds about nik, or nil, nil when it holds
// nothing. Reads go through the chain's cache and singleflight.
func (c *Client) Record(ctx context.Context, nik sp.NIK) (*readmodel.PoliceRecord, error) {
	return agency.ReadJSON(ctx, c.api, agency.JSONRead{Citizen: nik, Kind: Kind,
		Path: "/api/v1/citizens/" + string(nik) + "/record", What: "police record"}, wireRecord.record)
}

// The wire shapes. Dates stay strings so that a bad one is reported with
// the field it is in.
type wireRecord struct {
	NIK          string            `json:"nik"`
	Licences     []wireLicence     `json:"licences"`
	Certificates []wireCertificate `json:"certificates"`
	Tickets      []wireTicket      `json:"tickets"`
}

type wireLicence struct {
	Number    string `json:"number"`
	Class     string `json:"class"`
	IssuedOn  string `json:"issuedOn"`
	ExpiresOn string `json:"expiresOn"`
	Office    string `json:"office"`
	Status    string `json:"status"`
}

type wireCertificate struct {
	Number     string `json:"number"`
	Purpose    string `json:"purpose"`
	Level      string `json:"level"`
	IssuedOn   string `json:"issuedOn"`
	ValidUntil string `json:"validUntil"`
}

type wireTicket struct {
	Number     string `json:"number"`
	Plate      string `json:"plate"`
	Violation  string `json:"violation"`
	Location   string `json:"location"`
	OccurredAt string `json:"occurredAt"`
	ConfirmBy  string `json:"confirmBy"`
	Fine       int64  `json:"fine"`
	Status     string `json:"status"`
}

var licenceClasses = map[string]bool{"A": true, "B1": true, "B2": true, "C": true, "CI": true, "CII": true, "D": true}

var licenceStatuses = map[readmodel.LicenceStatus]bool{readmodel.LicenceActive: true, readmodel.LicenceSuspended: true, readmodel.LicenceRevoked: true}

var ticketStatuses = map[readmodel.TicketStatus]bool{readmodel.TicketUnconfirmed: true, readmodel.TicketConfirmed: true, readmodel.TicketPaid: true}

// record checks the answer and translates it. Error messages never quote
// the NIK: they reach the logs.
func (w wireRecord) record(asked sp.NIK) (*readmodel.PoliceRecord, error) {
	if w.NIK != string(asked) {
		return nil, errors.New("the record is not about the citizen asked for")
	}
	if w.Licences == nil || w.Certificates == nil || w.Tickets == nil {
		return nil, errors.New("licences, certificates and tickets must all be present")
	}
	rec := &readmodel.PoliceRecord{
		Licences:     make([]readmodel.DrivingLicence, 0, len(w.Licences)),
		Certificates: make([]readmodel.PoliceCertificate, 0, len(w.Certificates)),
		Tickets:      make([]readmodel.TrafficTicket, 0, len(w.Tickets)),
	}
	for i, l := range w.Licences {
		if l.Number == "" {
			return nil, fmt.Errorf("licence %d has no number", i+1)
		}
		if !licenceClasses[l.Class] {
			return nil, fmt.Errorf("licence %d has unknown class %q", i+1, l.Class)
		}
		issued, err := agency.ParseDate("issuedOn", l.IssuedOn)
		if err != nil {
			return nil, fmt.Errorf("licence %d: %w", i+1, err)
		}
		expires, err := agency.ParseDate("expiresOn", l.ExpiresOn)
		if err != nil {
			return nil, fmt.Errorf("licence %d: %w", i+1, err)
		}
		status := readmodel.LicenceStatus(l.Status)
		if status == "" {
			status = readmodel.LicenceActive
		}
		if !licenceStatuses[status] {
			return nil, fmt.Errorf("licence %d has unknown status %q", i+1, l.Status)
		}
		rec.Licences = append(rec.Licences, readmodel.DrivingLicence{Number: l.Number, Class: l.Class,
			IssuedOn: issued, ExpiresOn: expires, Office: l.Office, Status: status})
	}
	for i, x := range w.Certificates {
		if x.Number == "" {
			return nil, fmt.Errorf("certificate %d has no number", i+1)
		}
		issued, err := agency.ParseDate("issuedOn", x.IssuedOn)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", i+1, err)
		}
		valid, err := agency.ParseDate("validUntil", x.ValidUntil)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", i+1, err)
		}
		rec.Certificates = append(rec.Certificates, readmodel.PoliceCertificate{Number: x.Number, Purpose: x.Purpose,
			Level: x.Level, IssuedOn: issued, ValidUntil: valid})
	}
	for i, t := range w.Tickets {
		status := readmodel.TicketStatus(t.Status)
		if t.Number == "" {
			return nil, fmt.Errorf("ticket %d has no number", i+1)
		}
		if !ticketStatuses[status] {
			return nil, fmt.Errorf("ticket %d has unknown status %q", i+1, t.Status)
		}
		if t.Fine < 0 {
			return nil, fmt.Errorf("ticket %d has a negative fine", i+1)
		}
		occurred, err := time.Parse(time.RFC3339, t.OccurredAt)
		if err != nil {
			return nil, fmt.Errorf("ticket %d: occurredAt must be RFC 3339, got %q", i+1, t.OccurredAt)
		}
		confirmBy, err := agency.ParseDate("confirmBy", t.ConfirmBy)
		if err != nil {
			return nil, fmt.Errorf("ticket %d: %w", i+1, err)
		}
		if status == readmodel.TicketPaid {
			continue // the record lists what is still owed
		}
		rec.Tickets = append(rec.Tickets, readmodel.TrafficTicket{Number: t.Number, Plate: t.Plate, Violation: t.Violation,
			Location: t.Location, OccurredAt: occurred, ConfirmBy: confirmBy, Fine: t.Fine, Status: status})
	}
	return rec, nil
}

// Forget deletes the cached copies of nik's records, every kind this
// adapter reads (a citizen's erasure: privacy.CacheForgetter).
func (c *Client) Forget(ctx context.Context, nik sp.NIK) (int, error) {
	return c.api.Forget(ctx, nik, Kind)
}
