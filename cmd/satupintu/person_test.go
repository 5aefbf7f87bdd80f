package main

import (
	"strings"
	"testing"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
)

// refused submits as tok and returns the one user error, failing unless
// exactly one came back, with no case, a message in the language asked
// and no top-level error.
func (ta *testApp) refused(t *testing.T, tok, service, key string, fields map[string]string, lang string) map[string]any {
	t.Helper()
	r := ta.submit(tok, service, key, fields, "Accept-Language", lang)
	p := get(r.Data, "submitServiceRequest")
	errs := list(p, "userErrors")
	if len(r.Errors) > 0 || get(p, "case") != nil || len(errs) != 1 {
		t.Fatalf("submit %s: errors %+v, payload %v; want one user error and no case", service, r.Errors, p)
	}
	e := errs[0].(map[string]any)
	if msg, _ := e["message"].(string); msg == "" {
		t.Errorf("user error without a message: %v", e)
	}
	return e
}

// casesOf lists the ids of the citizen's cases.
func (ta *testApp) casesOf(tok string) []string {
	ta.t.Helper()
	r := ta.post(tok, `{ cases { edges { node { id } } } }`, nil)
	if len(r.Errors) > 0 {
		ta.t.Fatalf("cases: %+v", r.Errors)
	}
	var ids []string
	for _, e := range list(r.Data, "cases", "edges") {
		ids = append(ids, get(e, "node", "id").(string))
	}
	return ids
}

// A parent applies for a school place for their own minor child, and for
// no one else: not a NIK that names nobody, not another family's child,
// not their child who turned 17, not their married 16-year-old. A refusal
// stores nothing and reaches no agency.
func TestSchoolAdmissionOnlyForOwnMinorChild(t *testing.T) {
	ta := startApp(t, caseEnv)
	kids := ta.sandbox.Seed.Hartono
	hadi := ta.token(seed.NIKHadi)
	school := func(child sp.NIK) map[string]string {
		return map[string]string{"childNik": string(child), "level": "SMP", "route": "DOMISILI", "schoolNpsn": "20403122"}
	}
	before := ta.counts()[sp.AgencyEducation]

	for _, tt := range []struct {
		name  string
		child sp.NIK
		lang  string
		words string
	}{
		{"a NIK that names nobody", "0000000000000000", "en", "You can only apply for a child of yours who is a minor"},
		{"another family's child", seed.NIKPutri, "id", "anak Anda yang belum dewasa"},
		{"their child who turned 17", kids.Fajar, "en", "17 or older"},
		{"their married 16-year-old", kids.Laras, "en", "married"},
		{"themselves", seed.NIKHadi, "id", "bukan nomor Anda sendiri"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := ta.refused(t, hadi, "school-admission", "hadi-school-refused", school(tt.child), tt.lang)
			if e["field"] != "fields.childNik" || e["code"] != "PERSON_NOT_ALLOWED" {
				t.Errorf("user error %v, want PERSON_NOT_ALLOWED on fields.childNik", e)
			}
			if msg, _ := e["message"].(string); !strings.Contains(msg, tt.words) {
				t.Errorf("message %q does not say %q", msg, tt.words)
			}
		})
	}
	if n := ta.counts()[sp.AgencyEducation]; n != before {
		t.Errorf("refusals reached the education registry %d times", n-before)
	}
	if ids := ta.casesOf(hadi); len(ids) != 0 {
		t.Fatalf("refusals stored cases %v", ids)
	}

	// For Nadia (11) he may: the case is stored and forwarded, alone.
	id := ta.submitOK(hadi, "school-admission", "hadi-school-nadia", school(kids.Nadia))
	ta.waitStatus(hadi, id, "FORWARDED")
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyEducation); n != 1 || distinct != 1 {
		t.Errorf("education received %d forwards of %d cases, want Nadia's alone", n, distinct)
	}
	if ids := ta.casesOf(hadi); len(ids) != 1 || ids[0] != caseGID(id) {
		t.Errorf("Hadi's cases %v, want %s alone", ids, id)
	}
}

// PIP activation names a student by NISN: one of the citizen's own family
// they act for, never another family's pupil or their adult child.
func TestPIPActivationOnlyForOwnStudents(t *testing.T) {
	ta := startApp(t, caseEnv)
	hadi := ta.token(seed.NIKHadi)
	for _, tt := range []struct{ name, nisn, words string }{
		{"another family's pupil", "0123456781", "only apply for yourself or for a child"}, // Rizky Santoso, nominated
		{"their son who turned 17", "0097712054", "17 or older"},                           // Fajar, nominated
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := ta.refused(t, hadi, "pip-activation", "hadi-pip-refused", map[string]string{"nisn": tt.nisn, "bank": "BNI"}, "en")
			if e["field"] != "fields.nisn" || e["code"] != "PERSON_NOT_ALLOWED" || !strings.Contains(e["message"].(string), tt.words) {
				t.Errorf("user error %v, want PERSON_NOT_ALLOWED on fields.nisn saying %q", e, tt.words)
			}
		})
	}
	if ids := ta.casesOf(hadi); len(ids) != 0 {
		t.Fatalf("refusals stored cases %v", ids)
	}
	// Fajar activates his own.
	fajar := ta.token(ta.sandbox.Seed.Hartono.Fajar)
	id := ta.submitOK(fajar, "pip-activation", "fajar-own-pip-01", map[string]string{"nisn": "0097712054", "bank": "BNI"})
	ta.waitStatus(fajar, id, "FORWARDED")
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyEducation); n != 1 || distinct != 1 {
		t.Errorf("education received %d forwards of %d cases, want Fajar's alone", n, distinct)
	}
}

// An 11-year-old cannot apply for an SKCK or a driving licence: the law
// sets 17. Nothing is stored and the police hear nothing.
func TestMinimumAgeForPoliceServices(t *testing.T) {
	ta := startApp(t, caseEnv)
	nadia := ta.token(ta.sandbox.Seed.Hartono.Nadia)
	before := ta.counts()[sp.AgencyPolice]
	for service, fields := range map[string]map[string]string{
		"skck-application": skck,
		"sim-renewal":      {"licenceClass": "C"},
	} {
		e := ta.refused(t, nadia, service, "nadia-"+service, fields, "en")
		if e["field"] != "serviceId" || e["code"] != "AGE_REQUIREMENT" || !strings.Contains(e["message"].(string), "aged 17 or over") {
			t.Errorf("%s: user error %v, want AGE_REQUIREMENT on serviceId", service, e)
		}
	}
	if n := ta.counts()[sp.AgencyPolice]; n != before {
		t.Errorf("the police were asked %d times", n-before)
	}
	if n, _ := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 0 {
		t.Errorf("the police received %d forwards", n)
	}
	if ids := ta.casesOf(nadia); len(ids) != 0 {
		t.Errorf("refusals stored cases %v", ids)
	}
	// Her father may.
	hadi := ta.token(seed.NIKHadi)
	ta.submitOK(hadi, "skck-application", "hadi-skck-0001", skck)
}
