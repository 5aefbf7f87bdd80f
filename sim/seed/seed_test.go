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

// The Hartono children keep their scenario's age on every day of the
// year, leap days included, with NIKs that stay valid, encode the birth
// date and name nobody else.
func TestHartonoChildrenKeepTheirAgesEveryDay(t *testing.T) {
	first := time.Date(2027, 12, 20, 12, 0, 0, 0, sp.Jakarta)
	for day := range 400 {
		now := first.AddDate(0, 0, day)
		s := New(now)
		for _, c := range []struct {
			nik     sp.NIK
			age     int
			married bool
		}{{s.Hartono.Nadia, 11, false}, {s.Hartono.Fajar, 17, false}, {s.Hartono.Laras, 16, true}} {
			p := s.ByNIK(c.nik)
			if p == nil {
				t.Fatalf("%s: %s is not in the seed", s.Today, c.nik.Masked())
			}
			if _, err := sp.ParseNIK(string(p.NIK)); err != nil {
				t.Fatalf("%s: %s: %v", s.Today, p.Name, err)
			}
			if born, ok := p.NIK.BirthDate(now); !ok || born != p.BirthDate {
				t.Fatalf("%s: %s's NIK encodes %s, record %s", s.Today, p.Name, born, p.BirthDate)
			}
			if got := p.BirthDate.AgeOn(s.Today); got != c.age {
				t.Fatalf("%s: %s is %d, want %d", s.Today, p.Name, got, c.age)
			}
			if (p.MaritalStatus != "BELUM KAWIN") != c.married || p.KK != s.ByNIK(NIKHadi).KK ||
				p.Relationship != readmodel.RelationshipChild {
				t.Fatalf("%s: %s: %s, KK %s, %s", s.Today, p.Name, p.MaritalStatus, p.KK.Masked(), p.Relationship)
			}
		}
		// Fajar's 17th birthday was three days ago (four, when it fell on
		// 29 February in a common year).
		fajar := s.ByNIK(s.Hartono.Fajar)
		if fajar.BirthDate.AgeOn(s.Today.AddDays(-3)) != 17 || fajar.BirthDate.AgeOn(s.Today.AddDays(-5)) != 16 {
			t.Fatalf("%s: Fajar, born %s, did not turn 17 three days ago", s.Today, fajar.BirthDate)
		}
	}
	if got := len(New(first).Children(New(first).ByNIK(NIKRatna))); got != 3 {
		t.Errorf("Ratna has %d children on her KK, want 3", got)
	}
}

// Sumarni heads the card her grandson Rafi is on: a guardian who is not a
// parent; he is 9 and never married on any day.
func TestSeedGuardian(t *testing.T) {
	for _, now := range []time.Time{time.Date(2026, 12, 4, 10, 0, 0, 0, sp.Jakarta), time.Date(2027, 3, 1, 0, 0, 0, 0, sp.Jakarta)} {
		s := New(now)
		sumarni, rafi := s.ByNIK(NIKSumarni), s.ByNIK(s.Rafi)
		if sumarni == nil || rafi == nil || sumarni.KK != rafi.KK {
			t.Fatalf("Sumarni %v and Rafi %v on one card", sumarni, rafi)
		}
		if sumarni.Relationship != readmodel.RelationshipHead || rafi.Relationship != readmodel.RelationshipGrandchild {
			t.Errorf("relationships %s, %s; want HEAD, GRANDCHILD", sumarni.Relationship, rafi.Relationship)
		}
		if age := rafi.BirthDate.AgeOn(s.Today); age != 9 || rafi.MaritalStatus != "BELUM KAWIN" {
			t.Errorf("Rafi is %d, %s; want 9, never married", age, rafi.MaritalStatus)
		}
		if len(s.Children(sumarni)) != 0 {
			t.Error("Rafi is listed as Sumarni's child")
		}
	}
}
