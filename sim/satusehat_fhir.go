package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/sim/simctx"
)

// FHIR identifier systems of SATUSEHAT.
const (
	fhirSystemNIK = "https://fhir.kemkes.go.id/id/nik"
	fhirSystemIHS = "https://fhir.kemkes.go.id/id/ihs-number"
)

// The FHIR R4 shapes the simulator writes: only the elements SATUSEHAT
// fills for these reads.

type fhirBundle struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id"`
	Meta         fhirMeta    `json:"meta"`
	Type         string      `json:"type"`
	Total        int         `json:"total"`
	Link         []fhirLink  `json:"link"`
	Entry        []fhirEntry `json:"entry,omitempty"`
}

type fhirMeta struct {
	LastUpdated string `json:"lastUpdated"`
	VersionID   string `json:"versionId,omitempty"`
}

type fhirLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type fhirEntry struct {
	FullURL  string     `json:"fullUrl"`
	Resource any        `json:"resource"`
	Search   fhirSearch `json:"search"`
}

type fhirSearch struct {
	Mode string `json:"mode"` // match, include
}

type fhirIdentifier struct {
	Use    string `json:"use"`
	System string `json:"system"`
	Value  string `json:"value"`
}

type fhirHumanName struct {
	Use  string `json:"use"`
	Text string `json:"text"`
}

type fhirPatient struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id"`
	Meta         fhirMeta         `json:"meta"`
	Active       bool             `json:"active"`
	Identifier   []fhirIdentifier `json:"identifier"`
	Name         []fhirHumanName  `json:"name"`
	Gender       string           `json:"gender"`
	BirthDate    string           `json:"birthDate"`
}

type fhirCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type fhirCodeableConcept struct {
	Coding []fhirCoding `json:"coding"`
}

type fhirReference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

type fhirPerformer struct {
	Actor fhirReference `json:"actor"`
}

type fhirProtocolApplied struct {
	DoseNumberPositiveInt int `json:"doseNumberPositiveInt"`
}

type fhirImmunization struct {
	ResourceType       string                `json:"resourceType"`
	ID                 string                `json:"id"`
	Meta               fhirMeta              `json:"meta"`
	Status             string                `json:"status"`
	VaccineCode        fhirCodeableConcept   `json:"vaccineCode"`
	Patient            fhirReference         `json:"patient"`
	OccurrenceDateTime string                `json:"occurrenceDateTime"`
	Recorded           string                `json:"recorded"`
	PrimarySource      bool                  `json:"primarySource"`
	Location           fhirReference         `json:"location"`
	Performer          []fhirPerformer       `json:"performer"`
	ReasonCode         []fhirCodeableConcept `json:"reasonCode"`
	ProtocolApplied    []fhirProtocolApplied `json:"protocolApplied"`
}

type fhirOrganization struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Name         string `json:"name"`
}

type fhirOutcome struct {
	ResourceType string      `json:"resourceType"`
	Issue        []fhirIssue `json:"issue"`
}

type fhirIssue struct {
	Severity string          `json:"severity"`
	Code     string          `json:"code"`
	Details  fhirDetailsText `json:"details"`
}

type fhirDetailsText struct {
	Text string `json:"text"`
}

// writeFHIR answers v as application/fhir+json.
func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeFHIROutcome answers an OperationOutcome with one error issue.
func writeFHIROutcome(w http.ResponseWriter, status int, code, text string) {
	writeFHIR(w, status, fhirOutcome{ResourceType: "OperationOutcome", Issue: []fhirIssue{
		{Severity: "error", Code: code, Details: fhirDetailsText{Text: text}},
	}})
}

// patientSearch is GET /Patient?identifier={system}|{value}, optionally
// with _revinclude=Immunization:patient.
func (ss *satuSehat) patientSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ident := q.Get("identifier")
	if ident == "" {
		writeFHIROutcome(w, http.StatusBadRequest, "required", "the sandbox searches Patient by identifier only")
		return
	}
	system, value, _ := strings.Cut(ident, "|")
	var p *seed.Person
	switch system {
	case fhirSystemNIK:
		p = ss.s.Seed.ByNIK(sp.NIK(value))
	case fhirSystemIHS:
		p = ss.byIHS(value)
	}
	if p != nil && p.SatuSehat == nil {
		p = nil
	}
	withImmunizations := slices.Contains(q["_revinclude"], "Immunization:patient")
	if simctx.Corrupt(r.Context()) {
		ss.writeCorrupt(w, r, p)
		return
	}
	b := ss.newBundle(r)
	if p != nil {
		b.add(ss.fhirBase(r), ss.patient(p), "match")
		if withImmunizations {
			for _, im := range ss.immunizations(p) {
				b.add(ss.fhirBase(r), im, "include")
			}
		}
	}
	writeFHIR(w, http.StatusOK, b)
}

// immunizationSearch is GET /Immunization?patient={ihs} (or Patient/{ihs}).
func (ss *satuSehat) immunizationSearch(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("patient")
	if ref == "" {
		writeFHIROutcome(w, http.StatusBadRequest, "required", "the sandbox searches Immunization by patient only")
		return
	}
	p := ss.byIHS(strings.TrimPrefix(ref, "Patient/"))
	if simctx.Corrupt(r.Context()) {
		ss.writeCorrupt(w, r, p)
		return
	}
	b := ss.newBundle(r)
	if p != nil {
		for _, im := range ss.immunizations(p) {
			b.add(ss.fhirBase(r), im, "match")
		}
	}
	writeFHIR(w, http.StatusOK, b)
}

// writeCorrupt answers 200 with a well-formed FHIR document that cannot be
// used, cycling through three kinds: an OperationOutcome instead of a
// Bundle; a searchset of Organizations; another patient's record.
func (ss *satuSehat) writeCorrupt(w http.ResponseWriter, r *http.Request, asked *seed.Person) {
	switch ss.corrupt.Add(1) % 3 {
	case 1:
		writeFHIR(w, http.StatusOK, fhirOutcome{ResourceType: "OperationOutcome", Issue: []fhirIssue{
			{Severity: "information", Code: "informational", Details: fhirDetailsText{Text: "All OK"}},
		}})
	case 2:
		b := ss.newBundle(r)
		b.add(ss.fhirBase(r), fhirOrganization{ResourceType: "Organization", ID: "100000030009", Name: "PUSKESMAS TEBET"}, "match")
		writeFHIR(w, http.StatusOK, b)
	default:
		b := ss.newBundle(r)
		for _, p := range ss.s.Seed.People {
			if p != asked && p.SatuSehat != nil && len(p.SatuSehat.Immunizations) > 0 {
				b.add(ss.fhirBase(r), ss.patient(p), "match")
				for _, im := range ss.immunizations(p) {
					b.add(ss.fhirBase(r), im, "include")
				}
				break
			}
		}
		writeFHIR(w, http.StatusOK, b)
	}
}

func (ss *satuSehat) byIHS(ihs string) *seed.Person {
	for _, p := range ss.s.Seed.People {
		if p.SatuSehat != nil && p.SatuSehat.IHSNumber == ihs {
			return p
		}
	}
	return nil
}

// root is the simulator's absolute address, as the client sees it.
func (ss *satuSehat) root(r *http.Request) string {
	base := ss.s.BaseURL
	if base == "" {
		base = "http://" + r.Host
	}
	return base + "/" + string(sp.AgencySatuSehat)
}

// fhirBase is the absolute FHIR base the entries' fullUrl start with.
func (ss *satuSehat) fhirBase(r *http.Request) string { return ss.root(r) + "/fhir-r4/v1" }

func (ss *satuSehat) newBundle(r *http.Request) *fhirBundle {
	return &fhirBundle{
		ResourceType: "Bundle",
		ID:           newSatuSehatToken()[:32],
		Meta:         fhirMeta{LastUpdated: ss.s.now().UTC().Format(time.RFC3339)},
		Type:         "searchset",
		Link:         []fhirLink{{Relation: "self", URL: ss.root(r) + r.URL.Path + "?" + r.URL.RawQuery}},
	}
}

// add appends a resource; only matches count towards total.
func (b *fhirBundle) add(base string, res any, mode string) {
	var typ, id string
	switch v := res.(type) {
	case fhirPatient:
		typ, id = v.ResourceType, v.ID
	case fhirImmunization:
		typ, id = v.ResourceType, v.ID
	case fhirOrganization:
		typ, id = v.ResourceType, v.ID
	}
	b.Entry = append(b.Entry, fhirEntry{FullURL: base + "/" + typ + "/" + id, Resource: res, Search: fhirSearch{Mode: mode}})
	if mode == "match" {
		b.Total++
	}
}

func (ss *satuSehat) patient(p *seed.Person) fhirPatient {
	gender := "male"
	if p.Sex == readmodel.SexFemale {
		gender = "female"
	}
	return fhirPatient{
		ResourceType: "Patient",
		ID:           p.SatuSehat.IHSNumber,
		Meta:         fhirMeta{LastUpdated: "2023-01-16T03:32:19.604Z", VersionID: "MTY3Mzg0MDMzOTYwNDY3MTAwMA"},
		Active:       true,
		Identifier: []fhirIdentifier{
			{Use: "official", System: fhirSystemIHS, Value: p.SatuSehat.IHSNumber},
			{Use: "official", System: fhirSystemNIK, Value: string(p.NIK)},
		},
		Name:      []fhirHumanName{{Use: "official", Text: satuSehatMaskName(p.Name)}},
		Gender:    gender,
		BirthDate: fmt.Sprintf("%04d", p.BirthDate.Year), // the year only, like the other masked fields
	}
}

// immunizations renders a person's seeded vaccinations. The time of day is
// 06:45 WIB, written in UTC as the service does, so the UTC calendar date is
// the day before: a reader must convert to WIB.
func (ss *satuSehat) immunizations(p *seed.Person) []fhirImmunization {
	out := make([]fhirImmunization, 0, len(p.SatuSehat.Immunizations))
	for _, im := range p.SatuSehat.Immunizations {
		at := im.Date.Time().Add(6*time.Hour + 45*time.Minute).UTC().Format("2006-01-02T15:04:05+00:00")
		out = append(out, fhirImmunization{
			ResourceType:       "Immunization",
			ID:                 im.ID,
			Meta:               fhirMeta{LastUpdated: at, VersionID: "MTY3Mzg0MDMzOTYwNDY3MTAwMQ"},
			Status:             im.Status,
			VaccineCode:        fhirCodeableConcept{Coding: []fhirCoding{fhirCodingOf(im.Vaccine)}},
			Patient:            fhirReference{Reference: "Patient/" + p.SatuSehat.IHSNumber, Display: satuSehatMaskName(p.Name)},
			OccurrenceDateTime: at,
			Recorded:           at,
			PrimarySource:      true,
			Location:           fhirReference{Display: im.Facility},
			Performer:          []fhirPerformer{{Actor: fhirReference{Display: im.Facility}}},
			ReasonCode:         []fhirCodeableConcept{{Coding: []fhirCoding{fhirCodingOf(im.Reason)}}},
			ProtocolApplied:    []fhirProtocolApplied{{DoseNumberPositiveInt: im.DoseNumber}},
		})
	}
	return out
}

func fhirCodingOf(c readmodel.Coding) fhirCoding {
	return fhirCoding{System: c.System, Code: c.Code, Display: c.Display}
}

// maskName hides all but the first and last letter of each word, as
// SATUSEHAT returns names: BUDI SANTOSO → B**I S*****O.
func satuSehatMaskName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		r := []rune(w)
		switch {
		case len(r) <= 1:
		case len(r) == 2:
			r[1] = '*'
		default:
			for j := 1; j < len(r)-1; j++ {
				r[j] = '*'
			}
		}
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}
