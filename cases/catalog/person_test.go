package catalog

import (
	"slices"
	"testing"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/readmodel"
)

// The services the law or the form ties to a person say so: SKCK and
// driving licences from 17, a school place for a minor child, PIP for the
// citizen or a minor child.
func TestCatalogDeclaresWhoARequestIsFor(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"skck-application": 17, "sim-renewal": 17, "lost-item-report": 0, "school-admission": 0} {
		if s, _ := c.Service(id); s.MinAge != want {
			t.Errorf("%s: minAge %d, want %d", id, s.MinAge, want)
		}
	}
	persons := map[string]string{}
	for _, s := range c.Services() {
		for _, f := range s.PersonFields() {
			persons[s.ID+"."+f.Name] = string(f.Person.Identifier)
		}
	}
	if len(persons) != 2 || persons["school-admission.childNik"] != "NIK" || persons["pip-activation.nisn"] != "NISN" {
		t.Errorf("person fields %v", persons)
	}
	school, _ := c.Service("school-admission")
	if f, _ := school.Field("childNik"); !slices.Equal(f.Person.Relations, []policy.Relation{policy.MinorChild}) {
		t.Errorf("childNik relations %v", f.Person.Relations)
	}
	if school.Needs() != (Needs{}) {
		t.Errorf("school-admission reads %+v; a NIK field needs no agency data to resolve", school.Needs())
	}
	pip, _ := c.Service("pip-activation")
	if f, _ := pip.Field("nisn"); !slices.Equal(f.Person.Relations, []policy.Relation{policy.Self, policy.MinorChild}) {
		t.Errorf("nisn relations %v", f.Person.Relations)
	}
}

// A NISN names the student among the records the citizen can see, and
// nobody otherwise; a NIK names itself.
func TestPersonSubject(t *testing.T) {
	nisn := &Person{Identifier: IdentifierNISN, Relations: []policy.Relation{policy.Self}}
	f := Facts{Students: []readmodel.StudentRecord{
		{NISN: "0123456781", NIK: "3174012103120003", Relation: readmodel.StudentChild},
		{NISN: "0161234567", NIK: "3174016209160004", Relation: readmodel.StudentChild},
	}}
	for value, want := range map[string]sp.NIK{
		"0161234567":   "3174016209160004",
		" 0123456781 ": "3174012103120003",
		"0159876543":   "", // another family's pupil
	} {
		if got := nisn.Subject(value, f); got != want {
			t.Errorf("NISN %q names %q, want %q", value, got, want)
		}
	}
	if got := nisn.Subject("0161234567", Facts{}); got != "" {
		t.Errorf("without education records a NISN named %q", got)
	}
	nik := &Person{Identifier: IdentifierNIK}
	if got := nik.Subject("0000000000000000", f); got != "0000000000000000" {
		t.Errorf("NIK subject %q", got)
	}
}

// A NISN field reads the education records it is resolved through, even
// in a service without eligibility rules.
func TestNISNFieldNeedsEducation(t *testing.T) {
	c, err := Parse(broken(t, func(_ map[string]any, s func(string) map[string]any) {
		delete(s("pip-activation"), "eligibility")
	}))
	if err != nil {
		t.Fatal(err)
	}
	pip, _ := c.Service("pip-activation")
	if pip.Needs() != (Needs{Education: true}) {
		t.Errorf("needs %+v, want education", pip.Needs())
	}
}
