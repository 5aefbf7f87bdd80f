package policy_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/agency/agencytest"
	"github.com/satupintu/satupintu/integrations/dukcapil"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// seedNow is the sandbox's clock: the seed's relative dates hang on it.
var seedNow = time.Date(2026, 12, 4, 10, 0, 0, 0, sp.Jakarta)

// setup serves the simulators over loopback and returns the real Dukcapil
// adapter over the real agency chain (uncached: every read reaches the
// simulator, so the tests can count them).
func setup(t *testing.T) (*sim.Sandbox, *dukcapil.Client) {
	t.Helper()
	sb, srv := agencytest.Sandbox(t, seedNow)
	c := agencytest.Client(t, sp.AgencyDukcapil, srv.URL+"/dukcapil", agency.Options{})
	return sb, dukcapil.New(c, dukcapil.Config{APIKey: sim.DevCredentials().DukcapilKey})
}

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// outcome is what a decision comes to: the relation when allowed, the
// reason when refused.
func outcome(d policy.Decision) string {
	if d.Allowed {
		return string(d.Relation)
	}
	return string(d.Reason)
}

// Every actor against every subject, for APPLY with the relations a person
// field may accept: who may act for whom.
func TestApplyActorsBySubjects(t *testing.T) {
	sb, registry := setup(t)
	kids := sb.Seed.Hartono
	const unknown sp.NIK = "3174010101990009" // well-formed, not in Dukcapil
	people := map[string]sp.NIK{
		"hadi": seed.NIKHadi, "ratna": seed.NIKRatna, "nadia": kids.Nadia, "fajar": kids.Fajar, "laras": kids.Laras,
		"budi": seed.NIKBudi, "putri": seed.NIKPutri, "dewi": seed.NIKDewi,
		"unknown": unknown, "0000000000000000": "0000000000000000", "": "",
	}
	subjects := []string{"hadi", "ratna", "nadia", "fajar", "laras", "putri", "unknown", "0000000000000000", ""}
	const (
		self    = "SELF"
		child   = "MINOR_CHILD"
		no      = "NOT_RELATED"
		adult   = "ADULT"
		married = "MARRIED"
	)
	// Columns as subjects. Hadi and Ratna act for Nadia (11) and not for
	// Fajar (17 three days ago), Laras (16, married), each other, or
	// another family's child; children act for nobody; Budi for his own.
	table := []struct {
		actor string
		want  []string
	}{
		{"hadi", []string{self, no, child, adult, married, no, no, no, no}},
		{"ratna", []string{no, self, child, adult, married, no, no, no, no}},
		{"nadia", []string{no, no, self, no, no, no, no, no, no}},
		{"fajar", []string{no, no, no, self, no, no, no, no, no}},
		{"laras", []string{no, no, no, no, self, no, no, no, no}},
		{"budi", []string{no, no, no, no, no, child, no, no, no}},
		{"dewi", []string{no, no, no, no, no, no, no, no, no}},
		{"unknown", []string{no, no, no, no, no, no, self, no, no}},
	}
	p := policy.New(registry, at(seedNow))
	for _, relations := range [][]policy.Relation{nil, {policy.Self, policy.MinorChild}} {
		for _, row := range table {
			for i, subject := range subjects {
				d, err := p.May(context.Background(), people[row.actor], people[subject], policy.ApplyFor("pip-activation", relations...))
				if err != nil {
					t.Fatalf("%s for %s: %v", row.actor, subject, err)
				}
				if got := outcome(d); got != row.want[i] {
					t.Errorf("%s for %q (relations %v): %s, want %s", row.actor, subject, relations, got, row.want[i])
				}
				if d.Allowed != (d.Message() == sp.Text{}) {
					t.Errorf("%s for %q: allowed %v with message %+v", row.actor, subject, d.Allowed, d.Message())
				}
				if d.Reason == policy.NotRelated && (!strings.Contains(d.Message().EN, "yourself") || !strings.Contains(d.Message().ID, "diri sendiri")) {
					t.Errorf("%s for %q: the refusal does not say they may apply for themselves: %+v", row.actor, subject, d.Message())
				}
			}
		}
	}

	// A field for a child only: one's own NIK is refused, as it is not a
	// child's; the rest is the same.
	for _, row := range table {
		for i, subject := range subjects {
			d, err := p.May(context.Background(), people[row.actor], people[subject], policy.ApplyFor("school-admission", policy.MinorChild))
			if err != nil {
				t.Fatal(err)
			}
			want := row.want[i]
			if want == self {
				want = "SELF_NOT_ACCEPTED"
			}
			if got := outcome(d); got != want {
				t.Errorf("school admission, %s for %q: %s, want %s", row.actor, subject, got, want)
			}
			if m := d.Message(); d.Reason == policy.NotRelated && (strings.Contains(m.EN, "yourself") || !strings.Contains(m.EN, "a child of yours who is a minor")) {
				t.Errorf("school admission, %s for %q: the refusal speaks of oneself: %+v", row.actor, subject, m)
			}
		}
	}

	// A field for oneself only reads nothing to refuse another person.
	before := sb.Counts()[sp.AgencyDukcapil]
	for _, subject := range []string{"nadia", "ratna", "hadi"} {
		d, err := p.May(context.Background(), seed.NIKHadi, people[subject], policy.ApplyFor("lost-item-report", policy.Self))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"nadia": no, "ratna": no, "hadi": self}[subject]; outcome(d) != want {
			t.Errorf("self only, Hadi for %s: %s, want %s", subject, outcome(d), want)
		}
	}
	if after := sb.Counts()[sp.AgencyDukcapil]; after != before {
		t.Errorf("self-only decisions read Dukcapil %d times", after-before)
	}
}

// The right ends by itself on the 17th birthday, in WIB: the day before,
// Hadi still acts for Fajar, who is too young for an SKCK; on the day,
// Hadi no longer does, and Fajar may apply himself.
func TestMajorityOnThe17thBirthday(t *testing.T) {
	sb, registry := setup(t)
	fajar := sb.Seed.Hartono.Fajar
	birthday := sb.Seed.ByNIK(fajar).BirthDate.Time().AddDate(17, 0, 0) // midnight WIB
	skck := policy.ApplyFor("skck-application", policy.Self)
	skck.MinAge = 17
	for _, tt := range []struct {
		now          time.Time
		parent, self string
	}{
		{birthday.Add(-time.Second), "MINOR_CHILD", "UNDER_AGE"},
		{birthday.Add(-time.Second).UTC(), "MINOR_CHILD", "UNDER_AGE"}, // the same instant read in UTC: still the day before in WIB
		{birthday, "ADULT", "SELF"},
		{birthday.Add(30 * 24 * time.Hour), "ADULT", "SELF"},
	} {
		p := policy.New(registry, at(tt.now))
		d, err := p.May(context.Background(), seed.NIKHadi, fajar, policy.ApplyFor("school-admission", policy.MinorChild))
		if err != nil {
			t.Fatal(err)
		}
		if outcome(d) != tt.parent {
			t.Errorf("at %s Hadi for Fajar: %s, want %s", tt.now, outcome(d), tt.parent)
		}
		d, err = p.May(context.Background(), fajar, fajar, skck)
		if err != nil {
			t.Fatal(err)
		}
		if outcome(d) != tt.self {
			t.Errorf("at %s Fajar's SKCK: %s, want %s", tt.now, outcome(d), tt.self)
		}
	}
}

// A minimum age is checked against Dukcapil's birth date, and refused when
// Dukcapil does not know the applicant.
func TestMinimumAge(t *testing.T) {
	sb, registry := setup(t)
	p := policy.New(registry, at(seedNow))
	skck := policy.ApplyFor("skck-application", policy.Self)
	skck.MinAge = 17
	for _, tt := range []struct {
		who  sp.NIK
		want string
	}{
		{seed.NIKHadi, "SELF"},
		{sb.Seed.Hartono.Nadia, "UNDER_AGE"}, // 11
		{sb.Seed.Hartono.Laras, "UNDER_AGE"}, // married, but 16
		{seed.NIKBayu, "UNDER_AGE"},          // 11 on the test's clock
		{"3174010101990009", "AGE_UNKNOWN"},  // not in Dukcapil
	} {
		d, err := p.May(context.Background(), tt.who, tt.who, skck)
		if err != nil {
			t.Fatal(err)
		}
		if outcome(d) != tt.want {
			t.Errorf("%s: %s, want %s", tt.who.Masked(), outcome(d), tt.want)
		}
		if !d.Allowed && (d.Message().ID == "" || d.Message().EN == "") {
			t.Errorf("%s: refusal without a message in both languages: %+v", tt.who.Masked(), d.Message())
		}
	}
	d, _ := p.May(context.Background(), sb.Seed.Hartono.Nadia, sb.Seed.Hartono.Nadia, skck)
	if d.MinAge != 17 || !strings.Contains(d.Message().EN, "17") || !strings.Contains(d.Message().ID, "17 tahun") {
		t.Errorf("the refusal does not name the age: %+v", d)
	}

	// A parent applying for a minor child meets the child's minimum age.
	forChild := policy.ApplyFor("some-service", policy.MinorChild)
	forChild.MinAge = 12
	if d, err := p.May(context.Background(), seed.NIKHadi, sb.Seed.Hartono.Nadia, forChild); err != nil || outcome(d) != "UNDER_AGE" {
		t.Errorf("Hadi for Nadia (11), minimum 12: %s, %v", outcome(d), err)
	}
}

// withoutMaritalStatus answers family cards without the marital-status
// column, as an agency on an older version of the contract would.
type withoutMaritalStatus struct{ readmodel.CivilRegistry }

func (w withoutMaritalStatus) Family(ctx context.Context, nik sp.NIK, kk sp.KK) (*readmodel.Family, error) {
	f, err := w.CivilRegistry.Family(ctx, nik, kk)
	if f != nil {
		cp := *f
		cp.Members = slices.Clone(f.Members)
		for i := range cp.Members {
			cp.Members[i].MaritalStatus = ""
		}
		f = &cp
	}
	return f, err
}

// Without the column on the card, the child's own record says whether
// they have married.
func TestMaritalStatusFromTheChildsRecord(t *testing.T) {
	sb, registry := setup(t)
	p := policy.New(withoutMaritalStatus{registry}, at(seedNow))
	for subject, want := range map[sp.NIK]string{sb.Seed.Hartono.Laras: "MARRIED", sb.Seed.Hartono.Nadia: "MINOR_CHILD"} {
		before := sb.Counts()[sp.AgencyDukcapil]
		d, err := p.May(context.Background(), seed.NIKRatna, subject, policy.ApplyFor("school-admission", policy.MinorChild))
		if err != nil {
			t.Fatal(err)
		}
		if outcome(d) != want {
			t.Errorf("Ratna for %s: %s, want %s", subject.Masked(), outcome(d), want)
		}
		if n := sb.Counts()[sp.AgencyDukcapil] - before; n != 3 {
			t.Errorf("%d Dukcapil reads, want 3 (Ratna, the card, the child)", n)
		}
	}
}

// Dukcapil down is an error naming it, never a decision either way.
func TestRegistryDownIsAnError(t *testing.T) {
	sb, registry := setup(t)
	if err := sb.SetFault(sim.Fault{Agency: sp.AgencyDukcapil, Down: true}); err != nil {
		t.Fatal(err)
	}
	p := policy.New(registry, at(seedNow))
	skck := policy.ApplyFor("skck-application", policy.Self)
	skck.MinAge = 17
	for name, call := range map[string]func() (policy.Decision, error){
		"a child": func() (policy.Decision, error) {
			return p.May(context.Background(), seed.NIKHadi, sb.Seed.Hartono.Nadia, policy.ApplyFor("x"))
		},
		"minimum age": func() (policy.Decision, error) { return p.May(context.Background(), seed.NIKHadi, seed.NIKHadi, skck) },
	} {
		d, err := call()
		if err == nil || d.Allowed {
			t.Errorf("%s: %+v, %v; want an error", name, d, err)
			continue
		}
		agencytest.WantCode(t, err, sp.CodeAgencyUnavailable, sp.AgencyDukcapil)
	}
}

func TestActionsThePolicyDoesNotKnowAreErrors(t *testing.T) {
	_, registry := setup(t)
	p := policy.New(registry, at(seedNow))
	for name, a := range map[string]policy.Action{
		"unknown kind":     {Kind: "VIEW_EVERYTHING", Service: "x"},
		"no service":       {Kind: policy.Apply},
		"unknown relation": policy.ApplyFor("x", "COUSIN"),
		"negative age":     {Kind: policy.Apply, Service: "x", MinAge: -1},
	} {
		if d, err := p.May(context.Background(), seed.NIKHadi, seed.NIKHadi, a); err == nil || d.Allowed {
			t.Errorf("%s: %+v, %v; want an error", name, d, err)
		}
	}
}
