package catalog

import (
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
)

// today anchors every date in these tests.
var today = sp.Date{Year: 2026, Month: time.March, Day: 17}

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("embedded catalog does not load:\n%v", err)
	}
	return c
}

func mustService(t *testing.T, c *Catalog, id string) *Service {
	t.Helper()
	s, ok := c.Service(id)
	if !ok {
		t.Fatalf("service %q missing", id)
	}
	return s
}

func TestEmbeddedCatalogShape(t *testing.T) {
	c := load(t)
	services := c.Services()
	if len(services) < 14 {
		t.Errorf("%d services, want at least 14", len(services))
	}
	domains := map[Domain]bool{}
	for _, s := range services {
		domains[s.Domain] = true
	}
	for _, d := range Domains {
		if !domains[d] {
			t.Errorf("no service in domain %s", d)
		}
	}
	events := c.LifeEvents()
	if len(events) < 6 {
		t.Errorf("%d life events, want at least 6", len(events))
	}
	for _, want := range []string{"BABY_BORN", "STARTING_SCHOOL", "LOOKING_FOR_JOB", "LOST_DOCUMENTS", "HOUSING", "FALLING_ILL", "DRIVING", "FINANCIAL_HARDSHIP"} {
		if _, ok := c.LifeEvent(want); !ok {
			t.Errorf("life event %s missing", want)
		}
	}
	for _, e := range events {
		if n := len(c.Search("", e.ID)); n == 0 {
			t.Errorf("life event %s has no service", e.ID)
		}
	}
	for _, s := range services {
		if s.Channel == ChannelOnline && !slices.Contains(ForwardingAgencies, s.Agency) {
			t.Errorf("%s: ONLINE for %s, which takes no forwards", s.ID, s.Agency)
		}
		if s.Channel == ChannelOffline && (s.Offline == nil || len(s.Offline.Bring) == 0) {
			t.Errorf("%s: OFFLINE without where/bring", s.ID)
		}
	}
	// Services() hands out a copy: callers cannot reorder the catalog.
	services[0] = nil
	if c.Services()[0] == nil {
		t.Error("Services() exposes the catalog's own slice")
	}
}

// fieldSpec is what a required service's field must look like.
type fieldSpec struct {
	name     string
	typ      FieldType
	required bool
	pattern  string
	min, max int
	options  []string // exact, in order; nil to skip
	contains []string // options that must be among others
	minDate  string
	maxDate  string
}

func TestRequiredServices(t *testing.T) {
	c := load(t)
	tests := []struct {
		id          string
		agency      sp.Agency
		domain      Domain
		singleOpen  bool
		eligibility []string
		fields      []fieldSpec
	}{
		{"skck-application", sp.AgencyPolice, DomainPolice, true, nil, []fieldSpec{
			{name: "purpose", typ: TypeText, required: true, min: 5, max: 200},
			{name: "policeLevel", typ: TypeEnum, required: true, options: []string{"MABES", "POLDA", "POLRES", "POLSEK"}},
		}},
		{"sim-renewal", sp.AgencyPolice, DomainPolice, true, []string{RuleSIMRenewalWindow}, []fieldSpec{
			{name: "licenceClass", typ: TypeEnum, required: true, options: []string{"A", "B1", "B2", "C", "CI", "CII", "D"}},
			{name: "deliveryAddress", typ: TypeText},
		}},
		{"sim-new", sp.AgencyPolice, DomainPolice, true, nil, []fieldSpec{
			{name: "licenceClass", typ: TypeEnum, required: true, options: []string{"A", "C"}},
		}},
		{"rtlh-application", sp.AgencySocial, DomainSocial, true, []string{RuleInWelfareRegister}, []fieldSpec{
			{name: "houseCondition", typ: TypeEnum, required: true},
			{name: "landOwnership", typ: TypeEnum, required: true},
			{name: "description", typ: TypeText, required: true},
		}},
		{"pip-activation", sp.AgencyEducation, DomainEducation, false, []string{RulePIPNominated}, []fieldSpec{
			{name: "nisn", typ: TypeText, required: true, pattern: "^[0-9]{10}$"},
			{name: "bank", typ: TypeEnum, required: true, contains: []string{"BRI", "BNI", "BSI", "BTN"}},
		}},
		{"hospital-queue", sp.AgencyBPJS, DomainHealth, false, []string{RuleBPJSActive}, []fieldSpec{
			{name: "hospitalCode", typ: TypeText, required: true, pattern: "^[0-9]{4}R[0-9]{3}$"},
			{name: "clinic", typ: TypeEnum, required: true, contains: []string{"INT", "ANA", "OBG", "BED", "MAT", "GIG"}},
			{name: "visitDate", typ: TypeDate, required: true, minDate: "today", maxDate: "+90"},
			{name: "visitType", typ: TypeEnum, required: true, options: []string{"REFERRAL", "INTERNAL", "CONTROL", "INTER_HOSPITAL"}},
		}},
		{"lost-item-report", sp.AgencyPolice, DomainPolice, false, nil, []fieldSpec{
			{name: "itemType", typ: TypeEnum, required: true, options: []string{"KTP", "SIM", "STNK", "BPKB", "PASSPORT", "IJAZAH", "ATM_CARD", "OTHER"}},
			{name: "lostOn", typ: TypeDate, required: true, minDate: "-365", maxDate: "today"},
			{name: "location", typ: TypeText, required: true},
			{name: "description", typ: TypeText},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s := mustService(t, c, tt.id)
			if s.Agency != tt.agency || s.Domain != tt.domain || s.Channel != ChannelOnline || s.SingleOpen != tt.singleOpen {
				t.Errorf("agency %s domain %s channel %s singleOpen %v; want %s %s ONLINE %v",
					s.Agency, s.Domain, s.Channel, s.SingleOpen, tt.agency, tt.domain, tt.singleOpen)
			}
			if !slices.Equal(s.Eligibility, tt.eligibility) {
				t.Errorf("eligibility %v, want %v", s.Eligibility, tt.eligibility)
			}
			for _, want := range tt.fields {
				f, ok := s.Field(want.name)
				if !ok {
					t.Errorf("field %s missing", want.name)
					continue
				}
				if f.Type != want.typ || f.Required != want.required {
					t.Errorf("field %s: %s required=%v, want %s required=%v", f.Name, f.Type, f.Required, want.typ, want.required)
				}
				if want.pattern != "" && f.Pattern != want.pattern {
					t.Errorf("field %s: pattern %q, want %q", f.Name, f.Pattern, want.pattern)
				}
				if want.max != 0 && (f.MinLength != want.min || f.MaxLength != want.max) {
					t.Errorf("field %s: length %d–%d, want %d–%d", f.Name, f.MinLength, f.MaxLength, want.min, want.max)
				}
				var values []string
				for _, o := range f.Options {
					values = append(values, o.Value)
				}
				if want.options != nil && !slices.Equal(values, want.options) {
					t.Errorf("field %s: options %v, want %v", f.Name, values, want.options)
				}
				for _, v := range want.contains {
					if !slices.Contains(values, v) {
						t.Errorf("field %s: option %s missing from %v", f.Name, v, values)
					}
				}
				if f.MinDate != want.minDate || f.MaxDate != want.maxDate {
					t.Errorf("field %s: dates %q..%q, want %q..%q", f.Name, f.MinDate, f.MaxDate, want.minDate, want.maxDate)
				}
			}
		})
	}

	lost := mustService(t, c, "lost-item-report")
	if lost.Fee != 0 || !strings.Contains(lost.Description.ID, "14 hari") || !strings.Contains(lost.Description.EN, "14 days") {
		t.Errorf("lost-item-report must be free and say the letter lasts 14 days: fee %d, %q", lost.Fee, lost.Description.EN)
	}
	// The PNBP fees of PP 76/2020: an SKCK and a renewal before
	// forwarding, a new licence once the exams are passed (approval).
	for _, tt := range []struct {
		id     string
		fields map[string]string
		amount int64
		due    FeeDue
	}{
		{"skck-application", nil, 30000, FeeBeforeForwarding},
		{"sim-renewal", map[string]string{"licenceClass": "A"}, 80000, FeeBeforeForwarding},
		{"sim-renewal", map[string]string{"licenceClass": "C"}, 75000, FeeBeforeForwarding},
		{"sim-new", map[string]string{"licenceClass": "A"}, 120000, FeeAfterApproval},
		{"sim-new", map[string]string{"licenceClass": "C"}, 100000, FeeAfterApproval},
	} {
		s := mustService(t, c, tt.id)
		amount, _ := s.Amount(tt.fields)
		due, ok := s.Due(tt.fields)
		if amount != tt.amount || due != tt.due || !ok || !strings.Contains(s.Payment.Regulation, "PP 76/2020") {
			t.Errorf("%s %v: Rp%d due %s (%v), %q; want Rp%d due %s under PP 76/2020", tt.id, tt.fields, amount, due, ok,
				s.Payment.Regulation, tt.amount, tt.due)
		}
	}
	if _, ok := mustService(t, c, "lost-item-report").Due(nil); ok {
		t.Error("lost-item-report is free, yet has a fee due")
	}
	birth := mustService(t, c, "birth-certificate")
	if birth.Channel != ChannelOffline || birth.Agency != sp.AgencyDukcapil || !slices.Contains(birth.LifeEvents, "BABY_BORN") {
		t.Errorf("birth-certificate: %s %s %v", birth.Channel, birth.Agency, birth.LifeEvents)
	}
}

// The deep links in records' alerts name catalog services.
func TestAlertServicesExist(t *testing.T) {
	c := load(t)
	for _, id := range []string{"sim-renewal", "pip-activation"} {
		mustService(t, c, id)
	}
}

func ids(ss []*Service) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func TestSearch(t *testing.T) {
	c := load(t)
	tests := []struct {
		name, query, event string
		want               []string // must be among the results
		exactly            bool
	}{
		{"Indonesian word", "akta kelahiran", "", []string{"birth-certificate"}, false},
		{"English word", "birth certificate", "", []string{"birth-certificate"}, true},
		{"English in description", "clearance", "", []string{"skck-application"}, true},
		{"by id", "sim-renewal", "", []string{"sim-renewal"}, true},
		{"id words", "lost item report", "", []string{"lost-item-report", "ktp-replacement"}, true},
		{"case-insensitive", "PERPANJANGAN SIM", "", []string{"sim-renewal"}, false},
		{"accents in the query", "kehìlangan", "", []string{"lost-item-report", "ktp-replacement"}, false},
		{"decomposed accents", "kehi\u0301langan", "", []string{"lost-item-report"}, false},
		{"life event only", "", "DRIVING", []string{"sim-renewal", "sim-new"}, true},
		{"query within a life event", "sim", "LOST_DOCUMENTS", []string{"lost-item-report", "sim-new"}, false},
		{"life event case-insensitive", "", "baby_born", []string{"bpjs-newborn-registration", "child-immunization", "birth-certificate", "kk-update"}, true},
		{"no match", "kapal selam", "", nil, true},
		{"unknown life event", "", "RETIRING", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(c.Search(tt.query, tt.event))
			if tt.exactly && !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("Search(%q, %q) = %v, want exactly %v", tt.query, tt.event, got, tt.want)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("Search(%q, %q) = %v, missing %s", tt.query, tt.event, got, w)
				}
			}
		})
	}
	if got := c.Search("", ""); !slices.Equal(ids(got), ids(c.Services())) {
		t.Errorf("empty search = %v, want every service in catalog order", ids(got))
	}
	// A life event's services all carry it.
	for _, s := range c.Search("", "HOUSING") {
		if !slices.Contains(s.LifeEvents, "HOUSING") {
			t.Errorf("%s returned for HOUSING without it", s.ID)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Pérpanjangan SIM": "perpanjangan sim",
		"ÀKTA":             "akta",
		"cafe\u0301":       "cafe",
		"Jalan Łódź":       "jalan lodz",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}
