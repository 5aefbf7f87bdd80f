package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/policy"
)

// NewMandates returns an empty mandate store under test.
type NewMandates func(t *testing.T) mandates.Store

// TestMandates runs the mandates.Store conformance suite.
func TestMandates(t *testing.T, newStore NewMandates) {
	ctx := context.Background()
	mk := func(id string, grantor, grantee sp.NIK, at time.Time) mandates.Mandate {
		return mandates.Mandate{ID: id, Grantor: grantor, Grantee: grantee, GrantedAt: mandates.Micro(at),
			ExpiresAt: mandates.Micro(at.Add(30 * 24 * time.Hour)),
			Matters: []policy.Matter{
				{Kind: policy.ViewRecords, Domain: policy.DomainHealth},
				{Kind: policy.Apply, Service: "skck-application"},
				{Kind: policy.ReceiveNotifications},
			}}
	}

	t.Run("CreateListBetween", func(t *testing.T) {
		s := newStore(t)
		first := mk("m1", citizenA, citizenB, t0)
		second := mk("m2", citizenB, citizenA, t0.Add(time.Hour))
		third := mk("m3", citizenA, citizenB, t0.Add(2*time.Hour))
		third.Matters = third.Matters[:1]
		for _, m := range []mandates.Mandate{first, second, third} {
			if err := s.Create(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.OfParty(ctx, citizenA)
		if err != nil || len(list) != 3 || list[0].ID != "m3" || list[1].ID != "m2" || list[2].ID != "m1" {
			t.Fatalf("OfParty(A) = %+v, %v; want m3, m2, m1", list, err)
		}
		if !reflect.DeepEqual(list[2], first) {
			t.Errorf("stored %+v; want %+v", list[2], first)
		}
		between, err := s.Between(ctx, citizenA, citizenB)
		if err != nil || len(between) != 2 || between[0].ID != "m3" || between[1].ID != "m1" {
			t.Errorf("Between(A, B) = %+v, %v; want m3, m1", between, err)
		}
		if other, err := s.OfParty(ctx, "3174010101990009"); err != nil || len(other) != 0 {
			t.Errorf("OfParty(stranger) = %+v, %v; want none", other, err)
		}
	})

	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		m := mk("m1", citizenA, citizenB, t0)
		if err := s.Create(ctx, m); err != nil {
			t.Fatal(err)
		}
		accepted := t0.Add(time.Minute)
		got, err := s.Update(ctx, "m1", func(m *mandates.Mandate) error { m.AcceptedAt = accepted; return nil })
		if err != nil || !got.AcceptedAt.Equal(accepted) {
			t.Fatalf("Update = %+v, %v", got, err)
		}
		refused := errors.New("no")
		if _, err := s.Update(ctx, "m1", func(m *mandates.Mandate) error { m.RevokedAt = t0; return refused }); !errors.Is(err, refused) {
			t.Errorf("a refused update: %v", err)
		}
		revoked := t0.Add(time.Hour)
		if _, err := s.Update(ctx, "m1", func(m *mandates.Mandate) error {
			m.RevokedAt, m.RevokedBy = revoked, mandates.SideGrantee
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		list, _ := s.Between(ctx, citizenA, citizenB)
		if len(list) != 1 || !list[0].AcceptedAt.Equal(accepted) || !list[0].RevokedAt.Equal(revoked) ||
			list[0].RevokedBy != mandates.SideGrantee || list[0].StatusAt(revoked) != mandates.StatusRevoked {
			t.Errorf("after updates: %+v", list)
		}
		if _, err := s.Update(ctx, "nope", func(*mandates.Mandate) error { return nil }); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Update of none: %v; want ErrNotFound", err)
		}
	})
}
