package cases_test

import (
	"context"
	"strings"
	"testing"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/agency/agencytest"
	"github.com/satupintu/satupintu/integrations/dukcapil"
	"github.com/satupintu/satupintu/integrations/education"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// authHarness is the harness with the real policy over the Dukcapil
// simulator, and facts from the education simulator, both on loopback
// through the real adapters; the sandbox's seed is of the harness's day.
type authHarness struct {
	*harness
	sb      *sim.Sandbox
	schools *education.Client
}

func newAuthHarness(t *testing.T) *authHarness {
	t.Helper()
	h := newHarness(t)
	sb, srv := agencytest.Sandbox(t, h.clock.Now())
	creds := sim.DevCredentials()
	registry := dukcapil.New(agencytest.Client(t, sp.AgencyDukcapil, srv.URL+"/dukcapil", agency.Options{}),
		dukcapil.Config{APIKey: creds.DukcapilKey})
	schools := education.New(agencytest.Client(t, sp.AgencyEducation, srv.URL+"/education", agency.Options{}),
		education.Config{APIKey: creds.EducationKey})
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	h.svc = cases.NewService(h.store, cat, policy.New(registry, h.clock.Now), h.clock.Now, nil)
	return &authHarness{harness: h, sb: sb, schools: schools}
}

// factsFor reads the education records citizen can see when a service
// needs them, as the resolvers' facts do; the harness's services need no
// other agency.
func (h *authHarness) factsFor(citizen sp.NIK) cases.FactsFunc {
	return func(ctx context.Context, needs catalog.Needs) (catalog.Facts, error) {
		if needs != (catalog.Needs{Education: true}) {
			h.t.Errorf("facts %+v asked; the harness reads education only", needs)
		}
		students, err := h.schools.Students(ctx, citizen)
		return catalog.Facts{Students: students}, err
	}
}

func schoolFor(child sp.NIK) map[string]string {
	return map[string]string{"childNik": string(child), "level": "SD", "route": "DOMISILI", "schoolNpsn": "20403311"}
}

// Every person a form names goes through the policy; a refusal is a user
// error on that field and stores nothing.
func TestSubmitAsksThePolicyForEveryPerson(t *testing.T) {
	h := newAuthHarness(t)
	kids := h.sb.Seed.Hartono
	for name, tt := range map[string]struct {
		citizen sp.NIK
		service string
		fields  map[string]string
		field   string
		code    string
		words   string // in the English message
	}{
		"no one's NIK":        {seed.NIKHadi, "school-admission", schoolFor("0000000000000000"), "childNik", catalog.CodePersonNotAllowed, "only apply for a child of yours who is a minor"},
		"another family's":    {seed.NIKHadi, "school-admission", schoolFor(seed.NIKPutri), "childNik", catalog.CodePersonNotAllowed, "only apply for a child of yours who is a minor"},
		"own NIK as a child":  {seed.NIKHadi, "school-admission", schoolFor(seed.NIKHadi), "childNik", catalog.CodePersonNotAllowed, "not your own"},
		"a 17-year-old":       {seed.NIKHadi, "school-admission", schoolFor(kids.Fajar), "childNik", catalog.CodePersonNotAllowed, "17 or older"},
		"a married child":     {seed.NIKRatna, "school-admission", schoolFor(kids.Laras), "childNik", catalog.CodePersonNotAllowed, "married"},
		"an 11-year-old SKCK": {kids.Nadia, "skck-application", skckFields, "serviceId", catalog.CodeAgeRequirement, "aged 17 or over"},
		"a child's licence":   {kids.Nadia, "sim-renewal", map[string]string{"licenceClass": "C"}, "serviceId", catalog.CodeAgeRequirement, "aged 17 or over"},
		"another family's NISN": {seed.NIKHadi, "pip-activation", map[string]string{"nisn": "0123456781", "bank": "BNI"},
			"nisn", catalog.CodePersonNotAllowed, "only apply for yourself or for a child"},
		"an adult child's NISN": {seed.NIKHadi, "pip-activation", map[string]string{"nisn": "0097712054", "bank": "BNI"},
			"nisn", catalog.CodePersonNotAllowed, "17 or older"},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := h.svc.Submit(h.ctx, cases.Submission{Citizen: tt.citizen, ServiceID: tt.service,
				IdempotencyKey: "refused-0001", Fields: tt.fields}, h.factsFor(tt.citizen))
			if err != nil {
				t.Fatal(err)
			}
			if res.Case != nil || len(res.UserErrors) != 1 {
				t.Fatalf("case %v, user errors %+v; want one refusal", res.Case, res.UserErrors)
			}
			e := res.UserErrors[0]
			if e.Field != tt.field || e.Code != tt.code || !strings.Contains(e.Message.EN, tt.words) || e.Message.ID == "" {
				t.Errorf("user error %+v, want %s on %s saying %q", e, tt.code, tt.field, tt.words)
			}
			h.nothingStored(tt.citizen)
		})
	}

	// What a parent may do is accepted: a place for their minor child, PIP
	// for a child they act for; and Fajar applies for his own PIP.
	h.submitAs(seed.NIKHadi, "school-admission", "hadi-nadia-school", schoolFor(kids.Nadia))
	h.submitAs(seed.NIKRatna, "school-admission", "ratna-nadia-school", schoolFor(kids.Nadia))
	h.submitAs(seed.NIKBudi, "pip-activation", "budi-rizky-pip-01", map[string]string{"nisn": "0123456781", "bank": "BNI"})
	h.submitAs(kids.Fajar, "pip-activation", "fajar-own-pip-001", map[string]string{"nisn": "0097712054", "bank": "BNI"})
	h.submitAs(seed.NIKHadi, "skck-application", "hadi-skck-000001", skckFields)
}

func (h *authHarness) submitAs(citizen sp.NIK, service, key string, fields map[string]string) {
	h.t.Helper()
	res, err := h.svc.Submit(h.ctx, cases.Submission{Citizen: citizen, ServiceID: service, IdempotencyKey: key, Fields: fields},
		h.factsFor(citizen))
	if err != nil || !res.Created || len(res.UserErrors) > 0 {
		h.t.Fatalf("%s %s: created %v, user errors %+v, err %v", citizen.Masked(), service, res.Created, res.UserErrors, err)
	}
}

// Dukcapil down fails the submission (retry with the same key); nothing is
// stored, and nobody is let through unchecked.
func TestSubmitWithTheRegistryDown(t *testing.T) {
	h := newAuthHarness(t)
	if err := h.sb.SetFault(sim.Fault{Agency: sp.AgencyDukcapil, Down: true}); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []cases.Submission{
		{Citizen: seed.NIKHadi, ServiceID: "school-admission", IdempotencyKey: "down-000001", Fields: schoolFor(h.sb.Seed.Hartono.Nadia)},
		{Citizen: seed.NIKHadi, ServiceID: "skck-application", IdempotencyKey: "down-000002", Fields: skckFields},
	} {
		res, err := h.svc.Submit(h.ctx, sub, h.factsFor(sub.Citizen))
		if sp.AgencyOf(err) != sp.AgencyDukcapil || res.Case != nil {
			t.Errorf("%s: case %v, err %v; want Dukcapil's failure", sub.ServiceID, res.Case, err)
		}
	}
	h.nothingStored(seed.NIKHadi)
}

// Without a policy nothing is accepted.
func TestSubmitWithoutAPolicy(t *testing.T) {
	h := newHarness(t)
	cat, _ := catalog.Load()
	svc := cases.NewService(h.store, cat, nil, h.clock.Now, nil)
	res, err := svc.Submit(h.ctx, cases.Submission{Citizen: dewi, ServiceID: "lost-item-report", IdempotencyKey: "nopolicy-01",
		Fields: map[string]string{"itemType": "KTP", "lostOn": "2026-03-01", "location": "Pasar Minggu"}}, noFacts(t))
	if err == nil || res.Case != nil {
		t.Fatalf("case %v, err %v; want an error", res.Case, err)
	}
	h.nothingStored(dewi)
}
