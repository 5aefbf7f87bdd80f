package catalog

import (
	"strings"
	"testing"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
)

func licence(class string, expiresIn int) readmodel.DrivingLicence {
	return readmodel.DrivingLicence{Number: "9324-0290-000790", Class: class, IssuedOn: today.AddDays(expiresIn - 1825), ExpiresOn: today.AddDays(expiresIn)}
}

// eligible checks one service's rules; want is "" for eligible, else the
// field the NOT_ELIGIBLE error must name ("-" for none).
func eligible(t *testing.T, s *Service, fields map[string]string, f Facts, wantField string) UserError {
	t.Helper()
	if f.Today.IsZero() {
		f.Today = today
	}
	errs := s.CheckEligibility(fields, f)
	if wantField == "" {
		if len(errs) > 0 {
			t.Fatalf("refused: %+v", errs)
		}
		return UserError{}
	}
	if len(errs) != 1 || errs[0].Code != CodeNotEligible {
		t.Fatalf("got %+v, want one NOT_ELIGIBLE", errs)
	}
	if wantField == "-" {
		wantField = ""
	}
	if errs[0].Field != wantField {
		t.Errorf("field %q, want %q", errs[0].Field, wantField)
	}
	checkMessage(t, errs[0])
	return errs[0]
}

func TestNeeds(t *testing.T) {
	c := load(t)
	for id, want := range map[string]Needs{
		"sim-renewal":       {Police: true},
		"rtlh-application":  {Social: true},
		"pip-activation":    {Education: true},
		"hospital-queue":    {BPJS: true},
		"skck-application":  {},
		"birth-certificate": {},
	} {
		if got := mustService(t, c, id).Needs(); got != want {
			t.Errorf("%s needs %+v, want %+v", id, got, want)
		}
	}
}

func TestSIMRenewalWindow(t *testing.T) {
	s := mustService(t, load(t), "sim-renewal")
	c := map[string]string{"licenceClass": "C"}

	t.Run("45 days before expiry", func(t *testing.T) {
		eligible(t, s, c, Facts{Licences: []readmodel.DrivingLicence{licence("A", 500), licence("C", 45)}}, "")
	})
	t.Run("window edges", func(t *testing.T) {
		eligible(t, s, c, Facts{Licences: []readmodel.DrivingLicence{licence("C", 90)}}, "")
		eligible(t, s, c, Facts{Licences: []readmodel.DrivingLicence{licence("C", 0)}}, "")
		eligible(t, s, c, Facts{Licences: []readmodel.DrivingLicence{licence("C", 91)}}, "licenceClass")
	})
	t.Run("200 days before expiry", func(t *testing.T) {
		e := eligible(t, s, c, Facts{Licences: []readmodel.DrivingLicence{licence("C", 200)}}, "licenceClass")
		// Expires 2026-10-03; the window opens 90 days earlier, on 2026-07-05.
		if !strings.Contains(e.Message.ID, "berlaku sampai 3 Oktober 2026") || !strings.Contains(e.Message.ID, "5 Juli 2026") ||
			!strings.Contains(e.Message.EN, "valid until 3 October 2026") || !strings.Contains(e.Message.EN, "5 July 2026") {
			t.Errorf("message lacks the dates: %+v", e.Message)
		}
	})
	t.Run("expired", func(t *testing.T) {
		e := eligible(t, s, c, Facts{Licences: []readmodel.DrivingLicence{licence("C", -1)}}, "licenceClass")
		if !strings.Contains(e.Message.EN, "expired") {
			t.Errorf("message: %+v", e.Message)
		}
	})
	t.Run("the newer licence of a class decides", func(t *testing.T) {
		eligible(t, s, c, Facts{Licences: []readmodel.DrivingLicence{licence("C", -900), licence("C", 30)}}, "")
	})
	t.Run("class not held", func(t *testing.T) {
		e := eligible(t, s, map[string]string{"licenceClass": "B1"}, Facts{Licences: []readmodel.DrivingLicence{licence("A", 45), licence("C", 45)}}, "licenceClass")
		if !strings.Contains(e.Message.ID, "SIM B1") || !strings.Contains(e.Message.EN, "A, C") {
			t.Errorf("message: %+v", e.Message)
		}
	})
	t.Run("no police record", func(t *testing.T) {
		eligible(t, s, c, Facts{}, "-")
	})
}

func TestInWelfareRegister(t *testing.T) {
	s := mustService(t, load(t), "rtlh-application")
	form := valid["rtlh-application"]
	eligible(t, s, form, Facts{}, "-")
	eligible(t, s, form, Facts{Welfare: &readmodel.Welfare{Decile: 0}}, "-")
	eligible(t, s, form, Facts{Welfare: &readmodel.Welfare{Decile: 2, UpdatedOn: today.AddDays(-25)}}, "")
}

func TestPIPNominated(t *testing.T) {
	s := mustService(t, load(t), "pip-activation")
	student := func(nisn string, rel readmodel.StudentRelation, pip *readmodel.PIPStatus) readmodel.StudentRecord {
		return readmodel.StudentRecord{NISN: sp.NISN(nisn), Relation: rel, Level: readmodel.LevelSMP, PIP: pip}
	}
	facts := Facts{Students: []readmodel.StudentRecord{
		student("0012345678", readmodel.StudentSelf, nil),
		student("0123456789", readmodel.StudentChild, &readmodel.PIPStatus{Stage: readmodel.PIPNominated, Eligible: true, Deadline: today.AddDays(20)}),
		student("0234567890", readmodel.StudentChild, &readmodel.PIPStatus{Stage: readmodel.PIPPaid, Eligible: true, AnnualAmount: 450000}),
		student("0345678901", readmodel.StudentChild, &readmodel.PIPStatus{Stage: readmodel.PIPNominated, Eligible: true, Deadline: today.AddDays(-1)}),
		student("0456789012", readmodel.StudentChild, &readmodel.PIPStatus{Stage: readmodel.PIPNominated, Eligible: true, Deadline: today}),
		student("0567890123", readmodel.StudentChild, &readmodel.PIPStatus{Stage: readmodel.PIPWithdrawn}),
	}}
	form := func(nisn string) map[string]string { return with(valid["pip-activation"], "nisn", nisn) }

	eligible(t, s, form("0123456789"), facts, "")
	eligible(t, s, form("0456789012"), facts, "") // the deadline day itself still counts
	paid := eligible(t, s, form("0234567890"), facts, "nisn")
	if !strings.Contains(paid.Message.EN, "already been paid") {
		t.Errorf("paid message: %+v", paid.Message)
	}
	late := eligible(t, s, form("0345678901"), facts, "nisn")
	if !strings.Contains(late.Message.ID, "16 Maret 2026") || !strings.Contains(late.Message.EN, "16 March 2026") {
		t.Errorf("deadline message lacks the date: %+v", late.Message)
	}
	eligible(t, s, form("0567890123"), facts, "nisn")
	eligible(t, s, form("0012345678"), facts, "nisn") // own record, no PIP
	unknown := eligible(t, s, form("9999999999"), facts, "nisn")
	if !strings.Contains(unknown.Message.ID, "9999999999") {
		t.Errorf("unknown NISN message: %+v", unknown.Message)
	}
	eligible(t, s, form("0123456789"), Facts{}, "nisn") // no education records at all
}

func TestBPJSActive(t *testing.T) {
	s := mustService(t, load(t), "hospital-queue")
	form := valid["hospital-queue"]
	active := &readmodel.Membership{CardNumber: "0001234567890", Status: readmodel.Coded{Code: "0", Label: "AKTIF"}}
	eligible(t, s, form, Facts{Membership: active}, "")

	inactive := &readmodel.Membership{CardNumber: "0001234567890", Status: readmodel.Coded{Code: "1", Label: "NONAKTIF KARENA TUNGGAKAN"}, Arrears: 1250000}
	e := eligible(t, s, form, Facts{Membership: inactive}, "-")
	if !strings.Contains(e.Message.ID, "Rp1.250.000") || !strings.Contains(e.Message.EN, "Rp1,250,000") || !strings.Contains(e.Message.ID, "NONAKTIF") {
		t.Errorf("inactive message: %+v", e.Message)
	}
	eligible(t, s, form, Facts{}, "-")
}

func TestNoRulesNoErrors(t *testing.T) {
	s := mustService(t, load(t), "skck-application")
	if errs := s.CheckEligibility(valid["skck-application"], Facts{}); len(errs) > 0 {
		t.Errorf("SKCK has no rules, got %+v", errs)
	}
}

func TestEligibleForSomeBeforeTheForm(t *testing.T) {
	c := load(t)
	today := sp.Date{Year: 2026, Month: 11, Day: 23}
	sim, _ := c.Service("sim-renewal")
	soon := []readmodel.DrivingLicence{{Class: "A", ExpiresOn: today.AddDays(400)}, {Class: "C", ExpiresOn: today.AddDays(45)}}
	if errs := sim.EligibleForSome(Facts{Licences: soon, Today: today}); len(errs) != 0 {
		t.Errorf("a C licence expiring in 45 days: %v", errs)
	}
	far := []readmodel.DrivingLicence{{Class: "A", ExpiresOn: today.AddDays(400)}}
	if errs := sim.EligibleForSome(Facts{Licences: far, Today: today}); len(errs) != 1 || errs[0].Code != CodeNotEligible {
		t.Errorf("only a licence expiring in 400 days: %v", errs)
	}
	if errs := sim.EligibleForSome(Facts{Today: today}); len(errs) != 1 {
		t.Errorf("no licence: %v", errs)
	}
	pip, _ := c.Service("pip-activation")
	nominated := []readmodel.StudentRecord{{NISN: "0161234567", Relation: readmodel.StudentChild}, {NISN: "0123456781", Relation: readmodel.StudentChild, PIP: &readmodel.PIPStatus{Stage: readmodel.PIPNominated, Deadline: today.AddDays(20)}}}
	if errs := pip.EligibleForSome(Facts{Students: nominated, Today: today}); len(errs) != 0 {
		t.Errorf("a nominated child: %v", errs)
	}
}
