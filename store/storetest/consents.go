package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// NewConsents returns an empty consent store under test.
type NewConsents func(t *testing.T) privacy.Consents

// consent is a bank's permission to read citizen's identity for a loan.
func consent(citizen sp.NIK, granted time.Time) privacy.Consent {
	return privacy.Consent{Subject: citizen, Recipient: "bank-mandiri", Purpose: "Pengajuan KPR",
		Categories: []privacy.Category{privacy.CategoryFinance, privacy.CategoryIdentity}, GrantedAt: granted}
}

// TestConsents runs the privacy.Consents conformance suite.
func TestConsents(t *testing.T, newStore NewConsents) {
	ctx := context.Background()

	t.Run("GrantGetList", func(t *testing.T) {
		s := newStore(t)
		c := consent(citizenA, t0)
		c.ExpiresAt = t0.Add(30 * 24 * time.Hour)
		got, err := s.Grant(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == "" {
			t.Fatal("Grant assigned no id")
		}
		want := c
		want.ID = got.ID
		want.Categories = []privacy.Category{privacy.CategoryIdentity, privacy.CategoryFinance}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Grant = %+v; want %+v", got, want)
		}
		if again, err := s.Get(ctx, citizenA, got.ID); err != nil || !reflect.DeepEqual(again, want) {
			t.Errorf("Get = %+v, %v; want %+v", again, err, want)
		}
		later, err := s.Grant(ctx, consent(citizenA, t0.Add(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Grant(ctx, consent(citizenB, t0.Add(2*time.Hour))); err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx, citizenA)
		if err != nil || len(list) != 2 || list[0].ID != later.ID || list[1].ID != got.ID {
			t.Errorf("List = %+v, %v; want the later grant, then the first", list, err)
		}
		if _, err := s.Get(ctx, citizenB, got.ID); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("another citizen's Get of A's consent: %v; want ErrNotFound", err)
		}
		if !got.InForce(t0.Add(time.Hour)) || got.InForce(c.ExpiresAt) || got.InForce(t0.Add(-time.Second)) {
			t.Error("InForce: want in force between grant and expiry only")
		}
	})

	t.Run("Withdraw", func(t *testing.T) {
		s := newStore(t)
		c, err := s.Grant(ctx, consent(citizenA, t0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Withdraw(ctx, citizenB, c.ID, t0.Add(time.Minute)); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("B withdrawing A's consent: %v; want ErrNotFound", err)
		}
		if got, _ := s.Get(ctx, citizenA, c.ID); !got.InForce(t0.Add(time.Hour)) {
			t.Error("B's attempt withdrew A's consent")
		}
		at := t0.Add(time.Hour)
		w, err := s.Withdraw(ctx, citizenA, c.ID, at)
		if err != nil || !w.WithdrawnAt.Equal(at) || w.InForce(at.Add(time.Second)) {
			t.Fatalf("Withdraw = %+v, %v; want withdrawn at %s", w, err, at)
		}
		// Every reader sees it at once.
		if got, err := s.Get(ctx, citizenA, c.ID); err != nil || got.InForce(at) || !got.WithdrawnAt.Equal(at) {
			t.Errorf("Get after Withdraw = %+v, %v; want withdrawn", got, err)
		}
		again, err := s.Withdraw(ctx, citizenA, c.ID, at.Add(time.Hour))
		if err != nil || !again.WithdrawnAt.Equal(at) {
			t.Errorf("a second Withdraw = %+v, %v; want the first withdrawal kept", again, err)
		}
		if _, err := s.Withdraw(ctx, citizenA, "no-such-consent", at); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Withdraw of an unknown id: %v; want ErrNotFound", err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t)
		for name, c := range map[string]privacy.Consent{
			"no recipient": func() privacy.Consent { c := consent(citizenA, t0); c.Recipient = ""; return c }(),
			"no purpose":   func() privacy.Consent { c := consent(citizenA, t0); c.Purpose = ""; return c }(),
			"no category":  func() privacy.Consent { c := consent(citizenA, t0); c.Categories = nil; return c }(),
			"bad category": func() privacy.Consent {
				c := consent(citizenA, t0)
				c.Categories = []privacy.Category{"GOSSIP"}
				return c
			}(),
			"expired":   func() privacy.Consent { c := consent(citizenA, t0); c.ExpiresAt = t0; return c }(),
			"withdrawn": func() privacy.Consent { c := consent(citizenA, t0); c.WithdrawnAt = t0; return c }(),
		} {
			if _, err := s.Grant(ctx, c); !errors.Is(err, privacy.ErrInvalidConsent) {
				t.Errorf("%s: Grant = %v; want ErrInvalidConsent", name, err)
			}
		}
		if list, err := s.List(ctx, citizenA); err != nil || len(list) != 0 {
			t.Errorf("refused grants left %+v, %v", list, err)
		}
	})
}

// TestConsentPurge checks the retention of consents: those that ended
// (withdrawn or expired) before the cut go, the rest stay.
func TestConsentPurge(t *testing.T, newStore func(t *testing.T) interface {
	privacy.Consents
	privacy.ConsentPurger
}) {
	ctx := context.Background()
	s := newStore(t)
	open, _ := s.Grant(ctx, consent(citizenA, t0))
	withdrawn, _ := s.Grant(ctx, consent(citizenA, t0))
	if _, err := s.Withdraw(ctx, citizenA, withdrawn.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c := consent(citizenA, t0)
	c.ExpiresAt = t0.Add(2 * time.Hour)
	expired, _ := s.Grant(ctx, c)
	c.ExpiresAt = t0.Add(48 * time.Hour)
	later, _ := s.Grant(ctx, c)
	n, err := s.PurgeEndedBefore(ctx, t0.Add(24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeEndedBefore = %d, %v; want the withdrawn and the expired", n, err)
	}
	for _, id := range []string{withdrawn.ID, expired.ID} {
		if _, err := s.Get(ctx, citizenA, id); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("consent %s ended before the cut, still there: %v", id, err)
		}
	}
	for _, id := range []string{open.ID, later.ID} {
		if _, err := s.Get(ctx, citizenA, id); err != nil {
			t.Errorf("consent %s gone: %v", id, err)
		}
	}
}
