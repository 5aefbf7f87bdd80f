package seed

import (
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

// The seed's identifiers must be what a real registry would hold: a valid
// NIK whose encoded birth date and sex agree with the record.
func TestSeedIdentifiersAreConsistent(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, sp.Jakarta)
	s := New(now)
	if len(s.People) < 8 {
		t.Fatalf("seed has %d people, want at least 8", len(s.People))
	}
	seen := map[sp.NIK]bool{}
	for _, p := range s.People {
		if _, err := sp.ParseNIK(string(p.NIK)); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		if _, err := sp.ParseKK(string(p.KK)); err != nil {
			t.Errorf("%s: KK %v", p.Name, err)
		}
		if seen[p.NIK] {
			t.Errorf("%s: duplicate NIK", p.Name)
		}
		seen[p.NIK] = true
		born, ok := p.NIK.BirthDate(now)
		if !ok || born != p.BirthDate {
			t.Errorf("%s: NIK encodes birth date %v, record says %v", p.Name, born, p.BirthDate)
		}
		if p.NIK.Female() != (p.Sex == readmodel.SexFemale) {
			t.Errorf("%s: NIK encodes female=%v, record says %s", p.Name, p.NIK.Female(), p.Sex)
		}
		if p.Student != nil {
			if _, err := sp.ParseNISN(string(p.Student.NISN)); err != nil {
				t.Errorf("%s: %v", p.Name, err)
			}
		}
		for _, r := range []readmodel.Region{p.Address.Village, p.Address.District, p.Address.Regency, p.Address.Province} {
			if _, err := sp.ParseRegionCode(string(r.Code)); err != nil {
				t.Errorf("%s: region %q: %v", p.Name, r.Code, err)
			}
		}
	}
	if got := len(s.Children(s.ByNIK(NIKBudi))); got != 2 {
		t.Errorf("Budi has %d children on his KK, want 2", got)
	}
}

func TestSeedIsDeterministicPerDay(t *testing.T) {
	a := New(time.Date(2026, 11, 22, 1, 0, 0, 0, sp.Jakarta))
	b := New(time.Date(2026, 11, 22, 23, 0, 0, 0, sp.Jakarta))
	if a.ByNIK(NIKDewi).Police.Licences[0].ExpiresOn != b.ByNIK(NIKDewi).Police.Licences[0].ExpiresOn {
		t.Fatal("the same day gave different seeds")
	}
}
