package mandates_test

import (
	"context"
	"slices"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/store/memory"
)

const (
	agus sp.NIK = "3578010311750012"
	dewi sp.NIK = "3273016402900007"
	sri  sp.NIK = "3201025907850021"
)

// selfOnly is the policy's answer for MANAGE_MANDATES: oneself only.
type selfOnly struct{}

func (selfOnly) May(_ context.Context, actor, subject sp.NIK, a policy.Action) (policy.Decision, error) {
	if actor == subject {
		return policy.Decision{Allowed: true, Relation: policy.Self}, nil
	}
	return policy.Decision{Reason: policy.OnlySelf}, nil
}

// announced keeps what was announced.
type announced struct{ notes []notifications.Notification }

func (a *announced) Announce(_ context.Context, n notifications.Notification) error {
	a.notes = append(a.notes, n)
	return nil
}

func setup(t *testing.T) (*mandates.Service, *testkit.Clock, *announced) {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 12, 4, 10, 0, 0, 0, sp.Jakarta))
	a := &announced{}
	return mandates.NewService(memory.NewMandates(), selfOnly{}, a, clock.Now, nil), clock, a
}

var health = []policy.Matter{{Kind: policy.ViewRecords, Domain: policy.DomainHealth}}

func codes(errs []mandates.FieldError) []string {
	var out []string
	for _, e := range errs {
		if e.Message.ID == "" || e.Message.EN == "" {
			out = append(out, "no message")
		}
		out = append(out, e.Field+":"+e.Code)
	}
	return out
}

// At most a year: a year to the second is accepted, a second more is not.
func TestGrantAtMostAYear(t *testing.T) {
	s, clock, _ := setup(t)
	ctx := context.Background()
	if _, errs, err := s.Grant(ctx, agus, mandates.Grant{Grantee: dewi, Matters: health, ExpiresAt: clock.Now().AddDate(1, 0, 0)}); err != nil || len(errs) != 0 {
		t.Errorf("a year: %v %v", errs, err)
	}
	_, errs, err := s.Grant(ctx, agus, mandates.Grant{Grantee: dewi, Matters: health, ExpiresAt: clock.Now().AddDate(1, 0, 0).Add(time.Second)})
	if err != nil || !slices.Equal(codes(errs), []string{"expiresAt:EXPIRY_TOO_FAR"}) {
		t.Errorf("a year and a second: %v %v", codes(errs), err)
	}
	// Duplicates are kept once.
	m, _, _ := s.Grant(ctx, agus, mandates.Grant{Grantee: dewi, Matters: append(slices.Clone(health), health...), ExpiresAt: clock.Now().Add(time.Hour)})
	if len(m.Matters) != 1 {
		t.Errorf("matters %v, want one", m.Matters)
	}
	// Not to oneself, not MANAGE_MANDATES, not nothing.
	_, errs, _ = s.Grant(ctx, agus, mandates.Grant{Grantee: agus, Matters: []policy.Matter{{Kind: policy.ManageMandates}}, ExpiresAt: clock.Now()})
	if want := []string{"granteeNik:INVALID_GRANTEE", "actions.0:INVALID_ACTION", "expiresAt:EXPIRY_IN_PAST"}; !slices.Equal(codes(errs), want) {
		t.Errorf("%v, want %v", codes(errs), want)
	}
}

// PENDING until accepted, ACTIVE until revoked or expired; in force only
// while ACTIVE; both sides told at each step, each in their own inbox.
func TestLifecycle(t *testing.T) {
	s, clock, a := setup(t)
	ctx := context.Background()
	m, errs, err := s.Grant(ctx, agus, mandates.Grant{Grantee: dewi, Matters: health, ExpiresAt: clock.Now().Add(48 * time.Hour)})
	if err != nil || len(errs) != 0 || m.StatusAt(clock.Now()) != mandates.StatusPending {
		t.Fatalf("grant: %+v %v %v", m, errs, err)
	}
	inForce := func() int {
		held, err := s.InForce(ctx, agus, dewi, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(held)
	}
	if inForce() != 0 {
		t.Error("a PENDING mandate is in force")
	}
	if _, errs, _ := s.Accept(ctx, sri, m.ID); !slices.Equal(codes(errs), []string{"id:NOT_FOUND"}) {
		t.Errorf("a stranger accepting: %v", codes(errs))
	}
	if _, errs, _ := s.Accept(ctx, dewi, m.ID); len(errs) != 0 {
		t.Fatalf("accept: %v", codes(errs))
	}
	if _, errs, _ := s.Accept(ctx, dewi, m.ID); !slices.Equal(codes(errs), []string{"id:MANDATE_NOT_PENDING"}) {
		t.Errorf("accepting twice: %v", codes(errs))
	}
	if inForce() != 1 {
		t.Error("an accepted mandate is not in force")
	}
	if gs, _ := s.Grantees(ctx, agus, clock.Now()); !slices.Equal(gs, []sp.NIK{dewi}) {
		t.Errorf("grantees %v", gs)
	}
	r, errs, _ := s.Revoke(ctx, dewi, m.ID)
	if len(errs) != 0 || r.RevokedBy != mandates.SideGrantee || r.StatusAt(clock.Now()) != mandates.StatusRevoked {
		t.Fatalf("the grantee revoking: %+v %v", r, codes(errs))
	}
	if _, errs, _ := s.Revoke(ctx, agus, m.ID); !slices.Equal(codes(errs), []string{"id:MANDATE_ENDED"}) {
		t.Errorf("revoking twice: %v", codes(errs))
	}
	if inForce() != 0 {
		t.Error("a revoked mandate is in force")
	}

	// Another expires by the clock alone, and cannot be accepted late.
	late, _, _ := s.Grant(ctx, agus, mandates.Grant{Grantee: dewi, Matters: health, ExpiresAt: clock.Now().Add(time.Hour)})
	clock.Advance(time.Hour)
	if late.StatusAt(clock.Now()) != mandates.StatusExpired {
		t.Errorf("at its end: %s", late.StatusAt(clock.Now()))
	}
	if _, errs, _ := s.Accept(ctx, dewi, late.ID); !slices.Equal(codes(errs), []string{"id:MANDATE_NOT_PENDING"}) {
		t.Errorf("accepting an expired mandate: %v", codes(errs))
	}

	// granted, accepted, revoked, granted: to both, with distinct ids.
	ids := map[string]bool{}
	per := map[sp.NIK]int{}
	for _, n := range a.notes {
		if ids[n.ID] || n.Kind != notifications.KindMandate || n.Title.ID == "" || n.Body.EN == "" {
			t.Errorf("notification %+v", n)
		}
		ids[n.ID] = true
		per[n.Citizen]++
	}
	if per[agus] != 4 || per[dewi] != 4 {
		t.Errorf("notifications per side: %v, want 4 each", per)
	}
}
