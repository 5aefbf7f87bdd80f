package sim

import (
	"net/http"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim/simctx"
)

// mountPolice mounts the Polri simulator. Polri has no public API for these
// records; this is the small JSON contract documented in package
// integrations/police:
//
//	GET /api/v1/citizens/{nik}/record  licences (SIM), certificates (SKCK), unpaid tickets (ETLE)
//
// Every request needs X-Api-Key; errors are {"error":{"code","message"}}.
func (s *Sandbox) mountPolice() {
	s.mountJSON(sp.AgencyPolice, s.Creds.PoliceKey, routes{"GET /api/v1/citizens/{nik}/record": s.policeRecord})
}

// Wire shapes of the police contract.
type policeRecord struct {
	NIK          sp.NIK              `json:"nik"`
	Licences     []policeLicence     `json:"licences"`
	Certificates []policeCertificate `json:"certificates"`
	Tickets      []policeTicket      `json:"tickets"`
}

type policeLicence struct {
	Number    string  `json:"number"`
	Class     string  `json:"class"`
	IssuedOn  sp.Date `json:"issuedOn"`
	ExpiresOn sp.Date `json:"expiresOn"`
	Office    string  `json:"office"`
}

type policeCertificate struct {
	Number     string  `json:"number"`
	Purpose    string  `json:"purpose"`
	Level      string  `json:"level"`
	IssuedOn   sp.Date `json:"issuedOn"`
	ValidUntil sp.Date `json:"validUntil"`
}

type policeTicket struct {
	Number     string  `json:"number"`
	Plate      string  `json:"plate"`
	Violation  string  `json:"violation"`
	Location   string  `json:"location"`
	OccurredAt string  `json:"occurredAt"`
	ConfirmBy  sp.Date `json:"confirmBy"`
	Fine       int64   `json:"fine"`
	Status     string  `json:"status"`
}

func (s *Sandbox) policeRecord(w http.ResponseWriter, r *http.Request) {
	nik, ok := pathNIK(w, r, "nik")
	if !ok {
		return
	}
	p := s.Seed.ByNIK(nik)
	if p == nil || p.Police == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no police record for this NIK")
		return
	}
	rec := policeRecordOf(nik, p.Police)
	if simctx.Corrupt(r.Context()) {
		// Well-formed JSON of the wrong shape: the record wrapped in an
		// envelope, as a gateway in front of the service might send it.
		writeJSON(w, http.StatusOK, map[string]any{"status": "SUKSES", "data": rec})
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// policeRecordOf writes a record in wire form: lists always present, paid
// tickets left out.
func policeRecordOf(nik sp.NIK, pr *readmodel.PoliceRecord) policeRecord {
	out := policeRecord{NIK: nik, Licences: []policeLicence{}, Certificates: []policeCertificate{}, Tickets: []policeTicket{}}
	for _, l := range pr.Licences {
		out.Licences = append(out.Licences, policeLicence{Number: l.Number, Class: l.Class,
			IssuedOn: l.IssuedOn, ExpiresOn: l.ExpiresOn, Office: l.Office})
	}
	for _, c := range pr.Certificates {
		out.Certificates = append(out.Certificates, policeCertificate{Number: c.Number, Purpose: c.Purpose,
			Level: c.Level, IssuedOn: c.IssuedOn, ValidUntil: c.ValidUntil})
	}
	for _, t := range pr.Tickets {
		if t.Status == readmodel.TicketPaid {
			continue
		}
		out.Tickets = append(out.Tickets, policeTicket{Number: t.Number, Plate: t.Plate, Violation: t.Violation,
			Location: t.Location, OccurredAt: t.OccurredAt.Format(time.RFC3339), ConfirmBy: t.ConfirmBy,
			Fine: t.Fine, Status: string(t.Status)})
	}
	return out
}
