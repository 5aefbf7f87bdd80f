package sim

import (
	"net/http"
	"strconv"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim/simctx"
)

// mountSocial mounts the Kemensos simulator. The register has no public
// API; this is the small JSON contract documented in package
// integrations/social:
//
//	GET /api/v1/dtsen/{nik}  welfare decile, aid programmes and disbursements
//
// Every request needs X-Api-Key; errors are {"error":{"code","message"}}.
func (s *Sandbox) mountSocial() {
	s.mountJSON(sp.AgencySocial, s.Creds.SocialKey, routes{"GET /api/v1/dtsen/{nik}": s.socialEntry})
}

// Wire shapes of the social contract.
type socialEntry struct {
	NIK           sp.NIK               `json:"nik"`
	Decile        int                  `json:"decile"`
	UpdatedOn     sp.Date              `json:"updatedOn"`
	Programmes    []socialProgramme    `json:"programmes"`
	Disbursements []socialDisbursement `json:"disbursements"`
}

type socialProgramme struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	Active bool    `json:"active"`
	Since  sp.Date `json:"since"`
}

type socialDisbursement struct {
	ID        string  `json:"id"`
	Programme string  `json:"programme"`
	Period    string  `json:"period"`
	Amount    int64   `json:"amount"`
	Date      sp.Date `json:"date"`
	Status    string  `json:"status"`
	Channel   string  `json:"channel"`
}

func (s *Sandbox) socialEntry(w http.ResponseWriter, r *http.Request) {
	nik, ok := pathNIK(w, r, "nik")
	if !ok {
		return
	}
	p := s.Seed.ByNIK(nik)
	if p == nil || p.Welfare == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "NIK is not in the DTSEN register")
		return
	}
	if simctx.Corrupt(r.Context()) {
		// Well-formed JSON of the wrong shape: the old DTKS field names, with
		// the decile as text and the programmes as bare codes.
		codes := []string{}
		for _, pr := range p.Welfare.Programmes {
			codes = append(codes, string(pr.Code))
		}
		writeJSON(w, http.StatusOK, map[string]any{"nik": nik, "desil": strconv.Itoa(p.Welfare.Decile), "program": codes})
		return
	}
	writeJSON(w, http.StatusOK, socialEntryOf(nik, p.Welfare))
}

// socialEntryOf writes a register entry in wire form, lists always present.
func socialEntryOf(nik sp.NIK, wf *readmodel.Welfare) socialEntry {
	out := socialEntry{NIK: nik, Decile: wf.Decile, UpdatedOn: wf.UpdatedOn,
		Programmes: []socialProgramme{}, Disbursements: []socialDisbursement{}}
	for _, p := range wf.Programmes {
		out.Programmes = append(out.Programmes, socialProgramme{Code: string(p.Code), Name: p.Name,
			Active: p.Active, Since: p.Since})
	}
	for _, d := range wf.Disbursements {
		out.Disbursements = append(out.Disbursements, socialDisbursement{ID: d.ID, Programme: string(d.Programme),
			Period: d.Period, Amount: d.Amount, Date: d.Date, Status: string(d.Status), Channel: d.Channel})
	}
	return out
}
