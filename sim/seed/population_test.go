package seed

import (
	"reflect"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// The load population holds up as registry data: valid, distinct
// identifiers that agree with the records, households on one family card,
// and records at every agency that would plausibly know each person.
func TestPopulationIsConsistent(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, sp.Jakarta)
	s := New(now)
	named := map[sp.NIK]bool{}
	for _, p := range s.People {
		named[p.NIK] = true
	}
	const n = 20_000 // past the first block of child birth dates (3,989)
	pop := Population(s.Today, n)
	if len(pop) != n {
		t.Fatalf("Population(%d) gave %d people", n, len(pop))
	}
	seen := map[sp.NIK]bool{}
	ids := map[string]string{} // every other identifier that must be unique, to its kind
	unique := func(kind, id string) {
		if prev, ok := ids[id]; ok {
			t.Fatalf("%s %s repeats a %s", kind, id, prev)
		}
		ids[id] = kind
	}
	var alerts struct{ licence, ticket, inactive, pip, aid int }
	for i, p := range pop {
		if _, err := sp.ParseNIK(string(p.NIK)); err != nil {
			t.Fatalf("person %d: %v", i, err)
		}
		if _, err := sp.ParseKK(string(p.KK)); err != nil {
			t.Fatalf("person %d: KK %v", i, err)
		}
		if seen[p.NIK] || named[p.NIK] {
			t.Fatalf("person %d: NIK %s repeats another citizen's", i, p.NIK.Masked())
		}
		seen[p.NIK] = true
		if born, ok := p.NIK.BirthDate(now); !ok || born != p.BirthDate {
			t.Fatalf("person %d: NIK encodes birth date %v, record says %v", i, born, p.BirthDate)
		}
		if p.NIK.Female() != (p.Sex == readmodel.SexFemale) {
			t.Fatalf("person %d: NIK encodes female=%v, record says %s", i, p.NIK.Female(), p.Sex)
		}
		if !strings.HasPrefix(string(p.NIK), digits(p.Address.District.Code)) {
			t.Fatalf("person %d: NIK not registered in the district of the address", i)
		}
		for _, r := range []readmodel.Region{p.Address.Village, p.Address.District, p.Address.Regency, p.Address.Province} {
			if _, err := sp.ParseRegionCode(string(r.Code)); err != nil {
				t.Fatalf("person %d: region %q: %v", i, r.Code, err)
			}
		}
		if p.Note != PopulationNote || p.BPJS == nil || p.SatuSehat == nil || p.Welfare == nil {
			t.Fatalf("person %d is not known to BPJS, SATUSEHAT and the social register: %+v", i, p)
		}
		unique("BPJS card", p.BPJS.CardNumber)
		unique("IHS number", p.SatuSehat.IHSNumber)
		switch p.Relationship {
		case readmodel.RelationshipChild:
			if p.Student == nil || p.Police != nil {
				t.Fatalf("child %d: student %v, police %v", i, p.Student, p.Police)
			}
			if _, err := sp.ParseNISN(string(p.Student.NISN)); err != nil || p.Student.Grade < 1 || p.Student.Grade > 12 {
				t.Fatalf("child %d: NISN %v, grade %d", i, err, p.Student.Grade)
			}
			unique("NISN", string(p.Student.NISN))
			if p.Student.PIP != nil && p.Student.PIP.Stage == readmodel.PIPNominated {
				alerts.pip++
			}
		default:
			if p.Police == nil || p.Student != nil {
				t.Fatalf("adult %d: police %v, student %v", i, p.Police, p.Student)
			}
			for _, l := range p.Police.Licences {
				unique("licence", l.Number)
				if s.Today.DaysUntil(l.ExpiresOn) <= 90 {
					alerts.licence++
				}
			}
			for _, tk := range p.Police.Tickets {
				unique("ticket", tk.Number)
				alerts.ticket++
			}
		}
		if !p.BPJS.Active() {
			alerts.inactive++
		}
		for _, d := range p.Welfare.Disbursements {
			if d.Status == readmodel.DisbursementScheduled {
				alerts.aid++
			}
		}
	}
	if alerts.licence == 0 || alerts.ticket == 0 || alerts.inactive == 0 || alerts.pip == 0 || alerts.aid == 0 {
		t.Errorf("some alert never arises in the population: %+v", alerts)
	}

	// Households: the head first, everyone on the card shares its address.
	s.AddPopulation(200)
	if len(s.People) != len(named)+200 {
		t.Fatalf("the seed has %d people after adding 200", len(s.People))
	}
	for _, p := range s.People[len(named):] {
		if s.ByNIK(p.NIK) != p {
			t.Fatalf("ByNIK does not find %s", p.NIK.Masked())
		}
		fam := s.Family(p.KK)
		if fam[0].Relationship != readmodel.RelationshipHead {
			t.Fatalf("a family card does not start with its head: %v", fam[0].Relationship)
		}
		for _, m := range fam {
			if m.Address != p.Address || m.Welfare != p.Welfare {
				t.Fatal("members of one card live apart or have different welfare entries")
			}
		}
		if p.Relationship == readmodel.RelationshipHead && len(fam) > 2 && len(s.Children(p)) == 0 {
			t.Fatal("a head of a family with children has no children")
		}
	}
}

func TestPopulationIsDeterministicAndPrefixStable(t *testing.T) {
	today := sp.Date{Year: 2026, Month: time.November, Day: 22}
	a, b := Population(today, 500), Population(today, 500)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same day and size gave different populations")
	}
	if small := Population(today, 37); !reflect.DeepEqual(small, a[:37]) {
		t.Fatal("a smaller population is not the start of a larger one")
	}
}
