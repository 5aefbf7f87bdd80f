package policy_test

import (
	"context"
	"slices"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/sim/seed"
)

// mandates is a fixed set of mandates in force: grantor → grantee → held.
type mandates map[sp.NIK]map[sp.NIK][]policy.Held

func (m mandates) InForce(_ context.Context, grantor, grantee sp.NIK, _ time.Time) ([]policy.Held, error) {
	return m[grantor][grantee], nil
}

func (m mandates) Grantees(_ context.Context, grantor sp.NIK, _ time.Time) ([]sp.NIK, error) {
	var out []sp.NIK
	for g := range m[grantor] {
		out = append(out, g)
	}
	return out, nil
}

// Who receives a person's case notifications besides them: their parents
// or guardian while a minor, the holders of a mandate covering it.
func TestReceivers(t *testing.T) {
	sb, registry := setup(t)
	held := mandates{
		seed.NIKAgus:  {seed.NIKDewi: {{ID: "m1", Matters: []policy.Matter{{Kind: policy.ReceiveNotifications}}}}},
		seed.NIKWayan: {seed.NIKDewi: {{ID: "m2", Matters: []policy.Matter{{Kind: policy.ViewRecords, Domain: policy.DomainHealth}}}}},
	}
	p := policy.New(registry, at(seedNow)).WithMandates(held)
	for _, tt := range []struct {
		subject sp.NIK
		want    []sp.NIK
	}{
		{sb.Seed.Hartono.Nadia, []sp.NIK{seed.NIKHadi, seed.NIKRatna}},
		{sb.Seed.Hartono.Fajar, nil}, // 17: his own
		{sb.Seed.Hartono.Laras, nil}, // married
		{sb.Seed.Rafi, []sp.NIK{seed.NIKSumarni}},
		{seed.NIKHadi, nil}, // his wife holds no mandate
		{seed.NIKAgus, []sp.NIK{seed.NIKDewi}},
		{seed.NIKWayan, nil}, // a mandate without RECEIVE_NOTIFICATIONS
	} {
		got, err := p.Receivers(context.Background(), tt.subject)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("receivers of %s: %v, want %v", tt.subject.Masked(), got, tt.want)
		}
	}
}

// Every actor against every subject against every action: who may do what
// for whom, from the family cards in Dukcapil and the mandates in force.
func TestActorsBySubjectsByActions(t *testing.T) {
	sb, registry := setup(t)
	kids := sb.Seed.Hartono
	// Agus gave Dewi his health records and SKCK applications; Dewi
	// accepted. Nothing else is mandated.
	held := mandates{seed.NIKAgus: {seed.NIKDewi: {{ID: "m1", Matters: []policy.Matter{
		{Kind: policy.ViewRecords, Domain: policy.DomainHealth},
		{Kind: policy.Apply, Service: "skck-application"},
	}}}}}
	p := policy.New(registry, at(seedNow)).WithMandates(held)

	people := map[string]sp.NIK{
		"hadi": seed.NIKHadi, "ratna": seed.NIKRatna, "nadia": kids.Nadia, "fajar": kids.Fajar, "laras": kids.Laras,
		"sumarni": seed.NIKSumarni, "rafi": sb.Seed.Rafi, "budi": seed.NIKBudi, "putri": seed.NIKPutri,
		"agus": seed.NIKAgus, "dewi": seed.NIKDewi,
	}
	actions := map[string]policy.Action{
		"identity": policy.View(policy.DomainIdentity), "health": policy.View(policy.DomainHealth),
		"education": policy.View(policy.DomainEducation), "police": policy.View(policy.DomainPolice),
		"social": policy.View(policy.DomainSocial), "apply-skck": policy.ApplyFor("skck-application"),
		"apply-school": policy.ApplyFor("school-admission"), "notify": policy.Notify(), "manage": policy.Manage(),
	}
	const (
		self, child, mandate         = "SELF", "MINOR_CHILD", "MANDATE"
		no, adult, married, onlySelf = "NOT_RELATED", "ADULT", "MARRIED", "ONLY_SELF"
	)
	all := func(v string) map[string]string {
		out := map[string]string{}
		for a := range actions {
			out[a] = v
		}
		return out
	}
	// what an actor who is a parent or guardian may do: all but manage.
	minor := func() map[string]string { m := all(child); m["manage"] = onlySelf; return m }
	refused := func(r string) map[string]string { m := all(r); m["manage"] = onlySelf; return m }
	table := map[[2]string]map[string]string{
		{"hadi", "hadi"}:     all(self),
		{"hadi", "nadia"}:    minor(),
		{"ratna", "nadia"}:   minor(),
		{"sumarni", "rafi"}:  minor(), // a guardian, not a parent
		{"hadi", "fajar"}:    refused(adult),
		{"hadi", "laras"}:    refused(married),
		{"hadi", "ratna"}:    refused(no), // a spouse without a mandate
		{"hadi", "rafi"}:     refused(no), // a child on another card
		{"hadi", "putri"}:    refused(no),
		{"budi", "putri"}:    minor(),
		{"nadia", "hadi"}:    refused(no), // children act for nobody
		{"rafi", "sumarni"}:  refused(no),
		{"sumarni", "nadia"}: refused(no),
		{"dewi", "agus"}:     func() map[string]string { m := refused(no); m["health"] = mandate; m["apply-skck"] = mandate; return m }(),
		{"agus", "dewi"}:     refused(no), // a mandate goes one way
		{"budi", "agus"}:     refused(no),
		{"dewi", "dewi"}:     all(self),
	}
	for pair, want := range table {
		for name, a := range actions {
			d, err := p.May(context.Background(), people[pair[0]], people[pair[1]], a)
			if err != nil {
				t.Fatalf("%s for %s, %s: %v", pair[0], pair[1], name, err)
			}
			if got := outcome(d); got != want[name] {
				t.Errorf("%s for %s, %s: %s, want %s", pair[0], pair[1], name, got, want[name])
			}
			if d.Relation == policy.Mandate && d.MandateID != "m1" {
				t.Errorf("%s for %s, %s: mandate %q", pair[0], pair[1], name, d.MandateID)
			}
			if pair == [2]string{"sumarni", "rafi"} && d.Allowed != d.Guardian {
				t.Errorf("Sumarni for Rafi, %s: guardian %v", name, d.Guardian)
			}
			if pair == [2]string{"hadi", "nadia"} && d.Guardian {
				t.Errorf("Hadi for Nadia, %s: a guardian, not a parent", name)
			}
			if !d.Allowed {
				if e := d.Forbidden(a); e.Code != sp.CodeForbidden || e.Message == "" {
					t.Errorf("%s for %s, %s: %+v", pair[0], pair[1], name, e)
				}
			}
		}
	}
}

// What a grantor names in a mandate: each kind with its domain or service,
// never MANAGE_MANDATES.
func TestMatterCheck(t *testing.T) {
	for _, tt := range []struct {
		m  policy.Matter
		ok bool
	}{
		{policy.Matter{Kind: policy.ViewRecords, Domain: policy.DomainHealth}, true},
		{policy.Matter{Kind: policy.ViewRecords}, false},
		{policy.Matter{Kind: policy.ViewRecords, Domain: "WEALTH"}, false},
		{policy.Matter{Kind: policy.Apply, Service: "skck-application"}, true},
		{policy.Matter{Kind: policy.Apply}, false},
		{policy.Matter{Kind: policy.ReceiveNotifications}, true},
		{policy.Matter{Kind: policy.ReceiveNotifications, Service: "x"}, false},
		{policy.Matter{Kind: policy.ManageMandates}, false},
		{policy.Matter{Kind: "EVERYTHING"}, false},
	} {
		if err := tt.m.Check(); (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt.m, err)
		}
	}
}
