package satusehat

import (
	"encoding/json"
	"testing"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/readmodel"
)

// FHIR shapes the sandbox does not send but SATUSEHAT may: decoded from
// literal documents, no network involved.

const testNIK sp.NIK = "3174011505800001"

func decodeBundle(t *testing.T, doc string) ([]readmodel.Immunization, error) {
	t.Helper()
	cfg := agency.Defaults()
	cfg.BaseURL = "http://satusehat.invalid"
	ac, err := agency.New(sp.AgencySatuSehat, cfg, agency.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bundle
	if err := json.Unmarshal([]byte(doc), &b); err != nil {
		t.Fatal(err)
	}
	return New(ac, Config{ClientID: "id", ClientSecret: "secret"}).fromBundle(b, testNIK)
}

const patientEntry = `{"resource":{"resourceType":"Patient","id":"P1","identifier":[
	{"system":"https://fhir.kemkes.go.id/id/nik","value":"3174011505800001"}]},"search":{"mode":"match"}}`

func TestFHIRVariants(t *testing.T) {
	doc := `{"resourceType":"Bundle","type":"searchset","entry":[` + patientEntry + `,
		{"resource":{"resourceType":"OperationOutcome","issue":[]},"search":{"mode":"outcome"}},
		{"resource":{"resourceType":"Immunization","id":"b","status":"completed",
			"patient":{"reference":"https://api-satusehat.kemkes.go.id/fhir-r4/v1/Patient/P1"},
			"vaccineCode":{"coding":[{"system":"http://snomed.info/sct","code":"x"},{"system":"http://sys-ids.kemkes.go.id/kfa","code":"93000520","display":"Vaksin Td"}]},
			"occurrenceDateTime":"2014-09-03",
			"performer":[{"actor":{"display":"PUSKESMAS GUNUNG PUTRI"}}],
			"protocolApplied":[{"doseNumberString":"2"}]}},
		{"resource":{"resourceType":"Immunization","id":"a","status":"not-done",
			"patient":{"reference":"Patient/P1"},"occurrenceDateTime":"2014"}},
		{"resource":{"resourceType":"Immunization","id":"c","status":"entered-in-error",
			"patient":{"reference":"Patient/P1"},"occurrenceDateTime":"2014-01-01T10:00:00.123+07:00"}}
	]}`
	got, err := decodeBundle(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d immunizations, want 2 (entered-in-error dropped): %+v", len(got), got)
	}
	// A year alone gives no date, and sorts first.
	if got[0].ID != "a" || !got[0].Date.IsZero() || got[0].Status != "not-done" {
		t.Errorf("first = %+v", got[0])
	}
	b := got[1]
	if b.Vaccine.Code != "93000520" || b.Date != (sp.Date{Year: 2014, Month: 9, Day: 3}) || b.DoseNumber != 2 || b.Facility != "PUSKESMAS GUNUNG PUTRI" {
		t.Errorf("second = %+v", b)
	}
}

func TestFHIRRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"not a bundle":   `{"resourceType":"OperationOutcome"}`,
		"not a search":   `{"resourceType":"Bundle","type":"collection"}`,
		"other citizen":  `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"P2","identifier":[{"system":"https://fhir.kemkes.go.id/id/nik","value":"3174014708830002"}]}}]}`,
		"nik elsewhere":  `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"P2","identifier":[{"system":"https://fhir.kemkes.go.id/id/passport","value":"3174011505800001"}]}}]}`,
		"orphan":         `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Immunization","id":"x","patient":{"reference":"Patient/P1"}}}]}`,
		"other patient":  `{"resourceType":"Bundle","type":"searchset","entry":[` + patientEntry + `,{"resource":{"resourceType":"Immunization","id":"x","patient":{"reference":"Patient/P2"}}}]}`,
		"bad date":       `{"resourceType":"Bundle","type":"searchset","entry":[` + patientEntry + `,{"resource":{"resourceType":"Immunization","id":"x","patient":{"reference":"Patient/P1"},"occurrenceDateTime":"03/09/2014"}}]}`,
		"stray resource": `{"resourceType":"Bundle","type":"searchset","entry":[` + patientEntry + `,{"resource":{"resourceType":"Observation","id":"o"}}]}`,
	} {
		got, err := decodeBundle(t, doc)
		if sp.ErrorCodeOf(err) != sp.CodeAgencyBadResponse || got != nil {
			t.Errorf("%s: %+v, %v; want AGENCY_BAD_RESPONSE and no data", name, got, err)
		}
	}
}
