package satusehat

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// FHIR base path and the code systems SATUSEHAT uses.
const (
	fhirBase     = "/fhir-r4/v1"
	systemNIK    = "https://fhir.kemkes.go.id/id/nik"
	systemKFA    = "http://sys-ids.kemkes.go.id/kfa"
	systemReason = "http://terminology.kemkes.go.id/CodeSystem/immunization-reason"
)

// The FHIR R4 elements the adapter reads; everything else is ignored.

type bundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
		Search   struct {
			Mode string `json:"mode"`
		} `json:"search"`
	} `json:"entry"`
}

type patient struct {
	ID         string `json:"id"`
	Identifier []struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
}

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type codeableConcept struct {
	Coding []coding `json:"coding"`
}

type reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

type performer struct {
	Actor reference `json:"actor"`
}

type immunization struct {
	ID                 string            `json:"id"`
	Status             string            `json:"status"`
	VaccineCode        codeableConcept   `json:"vaccineCode"`
	Patient            reference         `json:"patient"`
	OccurrenceDateTime string            `json:"occurrenceDateTime"`
	Location           reference         `json:"location"`
	Performer          []performer       `json:"performer"`
	ReasonCode         []codeableConcept `json:"reasonCode"`
	ProtocolApplied    []struct {
		DoseNumberPositiveInt int    `json:"doseNumberPositiveInt"`
		DoseNumberString      string `json:"doseNumberString"`
	} `json:"protocolApplied"`
}

// fromBundle checks a Patient search answer and maps its immunizations.
// Every Patient in it must carry the NIK asked and every Immunization must
// belong to one of those patients: one citizen never sees another's record.
func (c *Client) fromBundle(b bundle, nik sp.NIK) ([]readmodel.Immunization, error) {
	if b.ResourceType != "Bundle" || b.Type != "searchset" {
		return nil, c.http.BadResponse(fmt.Sprintf("expected a searchset Bundle, got %q %q", b.ResourceType, b.Type), nil)
	}
	patients := map[string]bool{} // IHS numbers
	var imms []immunization
	for _, e := range b.Entry {
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(e.Resource, &head); err != nil {
			return nil, c.http.BadResponse("unreadable Bundle entry", err)
		}
		switch head.ResourceType {
		case "Patient":
			var p patient
			if err := json.Unmarshal(e.Resource, &p); err != nil {
				return nil, c.http.BadResponse("unreadable Patient", err)
			}
			if p.ID == "" || !p.has(systemNIK, string(nik)) {
				return nil, c.http.BadResponse("a Patient that is not the citizen searched for", nil)
			}
			patients[p.ID] = true
		case "Immunization":
			var im immunization
			if err := json.Unmarshal(e.Resource, &im); err != nil {
				return nil, c.http.BadResponse("unreadable Immunization", err)
			}
			imms = append(imms, im)
		case "OperationOutcome":
			if e.Search.Mode != "outcome" {
				return nil, c.http.BadResponse("an OperationOutcome as a search result", nil)
			}
		default:
			return nil, c.http.BadResponse(fmt.Sprintf("unexpected %q in a Patient search", head.ResourceType), nil)
		}
	}
	if len(patients) == 0 {
		if len(imms) > 0 {
			return nil, c.http.BadResponse("immunizations without their patient", nil)
		}
		return nil, nil // SATUSEHAT does not know this citizen
	}
	out := make([]readmodel.Immunization, 0, len(imms))
	for _, im := range imms {
		if !patients[patientID(im.Patient.Reference)] {
			return nil, c.http.BadResponse("an Immunization of another patient", nil)
		}
		if im.Status == "entered-in-error" {
			continue // recorded by mistake: not the citizen's history
		}
		m, err := im.record()
		if err != nil {
			return nil, c.http.BadResponse("unusable Immunization", err)
		}
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b readmodel.Immunization) int {
		if a.Date != b.Date {
			if a.Date.Before(b.Date) {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (p patient) has(system, value string) bool {
	for _, id := range p.Identifier {
		if id.System == system && id.Value == value {
			return true
		}
	}
	return false
}

// patientID takes the IHS number from "Patient/P02478375538" or from an
// absolute reference ending in it.
func patientID(ref string) string {
	i := strings.LastIndex(ref, "Patient/")
	if i < 0 {
		return ""
	}
	return ref[i+len("Patient/"):]
}

// record maps one Immunization into satupintu's terms.
func (im immunization) record() (readmodel.Immunization, error) {
	if im.ID == "" {
		return readmodel.Immunization{}, fmt.Errorf("immunization without id")
	}
	date, err := occurrence(im.OccurrenceDateTime)
	if err != nil {
		return readmodel.Immunization{}, fmt.Errorf("immunization %s: %w", im.ID, err)
	}
	m := readmodel.Immunization{
		ID:       im.ID,
		Vaccine:  pick(im.VaccineCode, systemKFA),
		Date:     date,
		Status:   im.Status,
		Facility: im.Location.Display,
	}
	if len(im.ReasonCode) > 0 {
		m.Reason = pick(im.ReasonCode[0], systemReason)
	}
	if len(im.ProtocolApplied) > 0 {
		pa := im.ProtocolApplied[0]
		m.DoseNumber = pa.DoseNumberPositiveInt
		if m.DoseNumber == 0 {
			m.DoseNumber, _ = strconv.Atoi(strings.TrimSpace(pa.DoseNumberString))
		}
	}
	if m.Facility == "" {
		for _, p := range im.Performer {
			if p.Actor.Display != "" {
				m.Facility = p.Actor.Display
				break
			}
		}
	}
	return m, nil
}

// pick returns the coding in system, else the first one.
func pick(cc codeableConcept, system string) readmodel.Coding {
	for _, c := range cc.Coding {
		if c.System == system {
			return readmodel.Coding{System: c.System, Code: c.Code, Display: c.Display}
		}
	}
	if len(cc.Coding) > 0 {
		c := cc.Coding[0]
		return readmodel.Coding{System: c.System, Code: c.Code, Display: c.Display}
	}
	return readmodel.Coding{}
}

// occurrence reads a FHIR dateTime as a calendar date in WIB. A time of day
// comes with a zone (SATUSEHAT writes UTC), so 23:45Z is the next day in
// Jakarta. A bare date is taken as written; a year or year-month alone (or
// no date) gives the zero Date rather than a day that was never recorded.
func occurrence(s string) (sp.Date, error) {
	switch {
	case s == "":
		return sp.Date{}, nil
	case strings.Contains(s, "T"):
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return sp.Date{}, fmt.Errorf("occurrenceDateTime %q is not a FHIR dateTime", s)
		}
		return sp.DateOf(t), nil
	case len(s) == len("2006-01-02"):
		return sp.ParseDate(s)
	}
	if _, err := time.Parse("2006-01", s); err == nil {
		return sp.Date{}, nil
	}
	if _, err := time.Parse("2006", s); err == nil {
		return sp.Date{}, nil
	}
	return sp.Date{}, fmt.Errorf("occurrenceDateTime %q is not a FHIR dateTime", s)
}
