package sim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sync"
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
	Status    string  `json:"status"`
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
	rec := policeRecordOf(nik, p.Police, s.licenceStatuses.snapshot())
	if simctx.Corrupt(r.Context()) {
		// Well-formed JSON of the wrong shape: the record wrapped in an
		// envelope, as a gateway in front of the service might send it.
		writeJSON(w, http.StatusOK, map[string]any{"status": "SUKSES", "data": rec})
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// policeRecordOf writes a record in wire form: lists always present, paid
// tickets left out, each licence's status as the seed has it unless
// overridden (SetLicenceStatus).
func policeRecordOf(nik sp.NIK, pr *readmodel.PoliceRecord, overrides map[string]readmodel.LicenceStatus) policeRecord {
	out := policeRecord{NIK: nik, Licences: []policeLicence{}, Certificates: []policeCertificate{}, Tickets: []policeTicket{}}
	for _, l := range pr.Licences {
		status := l.Status
		if o, ok := overrides[l.Number]; ok {
			status = o
		}
		if status == "" {
			status = readmodel.LicenceActive
		}
		out.Licences = append(out.Licences, policeLicence{Number: l.Number, Class: l.Class,
			IssuedOn: l.IssuedOn, ExpiresOn: l.ExpiresOn, Office: l.Office, Status: string(status)})
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

// licenceStatuses are the statuses the police have set since the seed was
// made (a suspension lifted, a licence revoked): the seed itself is shared
// and never written.
type licenceStatuses struct {
	mu sync.Mutex
	m  map[string]readmodel.LicenceStatus
}

func (ls *licenceStatuses) set(number string, st readmodel.LicenceStatus) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.m == nil {
		ls.m = map[string]readmodel.LicenceStatus{}
	}
	ls.m[number] = st
}

func (ls *licenceStatuses) snapshot() map[string]readmodel.LicenceStatus {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return maps.Clone(ls.m)
}

// SetLicenceStatus has the police suspend, revoke or restore (ACTIVE) the
// licence numbered number, as a court order or its end would; the police
// record shows it from the next read on. An error when the seed has no
// such licence.
func (s *Sandbox) SetLicenceStatus(number string, st readmodel.LicenceStatus) error {
	switch st {
	case readmodel.LicenceActive, readmodel.LicenceSuspended, readmodel.LicenceRevoked:
	default:
		return fmt.Errorf("status must be ACTIVE, SUSPENDED or REVOKED, got %q", st)
	}
	for _, p := range s.Seed.People {
		if p.Police == nil {
			continue
		}
		for _, l := range p.Police.Licences {
			if l.Number == number {
				s.licenceStatuses.set(number, st)
				return nil
			}
		}
	}
	return fmt.Errorf("no seeded licence numbered %q", number)
}

// LicencesHandler serves the police's licence switch: POST
// {"number":"7512-1175-000322","status":"ACTIVE"} suspends, revokes or
// restores a seeded licence.
func (s *Sandbox) LicencesHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST"})
			return
		}
		var req struct {
			Number string                  `json:"number"`
			Status readmodel.LicenceStatus `json:"status"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"number":"7512-1175-000322","status":"SUSPENDED"}`})
			return
		}
		if err := s.SetLicenceStatus(req.Number, req.Status); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, req)
	})
}
