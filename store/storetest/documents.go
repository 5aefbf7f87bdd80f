package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/privacy"
)

// NewStatusSlots returns status slots under test, none allocated.
type NewStatusSlots func(t *testing.T) documents.StatusSlots

// TestStatusSlots runs the documents.StatusSlots conformance suite.
func TestStatusSlots(t *testing.T, newSlots NewStatusSlots) {
	ctx := context.Background()
	t.Run("StableSlotsAndLatestStatus", func(t *testing.T) {
		s := newSlots(t)
		put := func(key string, v uint8) int64 {
			t.Helper()
			n, err := s.Put(ctx, key, v, t0)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		sim := put("SIM:7512-1175-000322", 2)
		skck := put("SKCK:SKCK/YANMAS/0733", 1)
		ktp := put("IKD:3174011505800001", 0)
		if sim == skck || skck == ktp || sim == ktp || sim < 0 || skck < 0 || ktp < 0 {
			t.Fatalf("slots %d, %d, %d: want three distinct, not negative", sim, skck, ktp)
		}
		if again := put("SIM:7512-1175-000322", 2); again != sim {
			t.Errorf("the same document got slot %d, then %d", sim, again)
		}
		wantStatuses(t, s, map[int64]uint8{sim: 2, skck: 1})
		// The suspension lifted: back to VALID, which lists nothing.
		if again := put("SIM:7512-1175-000322", 0); again != sim {
			t.Errorf("the same document got slot %d, then %d", sim, again)
		}
		wantStatuses(t, s, map[int64]uint8{skck: 1})
		got, err := s.Statuses(ctx, skck+1, skck+1)
		if err != nil || len(got) != 0 {
			t.Errorf("an empty range = %v, %v", got, err)
		}
	})

	t.Run("ConcurrentFirstReads", func(t *testing.T) {
		s := newSlots(t)
		const readers = 8
		slots := make([]int64, readers)
		var wg sync.WaitGroup
		for i := range readers {
			wg.Go(func() {
				n, err := s.Put(ctx, "JKN:0001234567801", 0, t0)
				if err != nil {
					t.Error(err)
				}
				slots[i] = n
			})
		}
		wg.Wait()
		for _, n := range slots {
			if n != slots[0] {
				t.Fatalf("one document got several slots at once: %v", slots)
			}
		}
	})
}

func wantStatuses(t *testing.T, s documents.StatusSlots, want map[int64]uint8) {
	t.Helper()
	got, err := s.Statuses(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
}

// ShareStore is both share ports, as every engine implements them.
type ShareStore interface {
	documents.Shares
	documents.ShareHistory
	privacy.CitizenEraser
}

// NewShares returns an empty share store under test.
type NewShares func(t *testing.T) ShareStore

func share(id string, subject sp.NIK, created time.Time) documents.Share {
	return documents.Share{
		ID: id, CodeHash: documents.HashCode("CODE" + id), Subject: subject, DocumentType: documents.TypeSIM, DocumentClass: "A",
		Agency: sp.AgencyPolice, Claims: []string{"name", "age_over_17"}, Purpose: "age-check", CreatedAt: created,
		ExpiresAt: created.Add(3 * time.Minute), Presentation: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~WyJzYWx0IiwibmFtZSIsIkRFV0kiXQ~",
	}
}

// TestShares runs the documents.Shares and ShareHistory conformance suite.
func TestShares(t *testing.T, newShares NewShares) {
	ctx := context.Background()
	t.Run("CreateFindRedeemOnce", func(t *testing.T) {
		s := newShares(t)
		in := share("s1", citizenA, t0)
		if err := s.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := s.ByCode(ctx, in.CodeHash)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "s1" || got.Subject != citizenA || got.DocumentType != documents.TypeSIM || got.DocumentClass != "A" ||
			got.Agency != sp.AgencyPolice || !slices.Equal(got.Claims, in.Claims) || got.Purpose != "age-check" ||
			!got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(in.ExpiresAt) || got.Presentation != in.Presentation ||
			!got.VerifiedAt.IsZero() || got.Offline {
			t.Errorf("ByCode = %+v, want %+v", got, in)
		}
		if _, err := s.ByCode(ctx, documents.HashCode("NOPE")); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("an unknown code: %v, want ErrNotFound", err)
		}
		at := t0.Add(time.Minute)
		r, err := s.Redeem(ctx, "s1", documents.Redemption{At: at, VerifierID: "bank-a", VerifierName: "Bank A"})
		if err != nil {
			t.Fatal(err)
		}
		if !r.VerifiedAt.Equal(at) || r.VerifierID != "bank-a" || r.VerifierName != "Bank A" || r.Subject != citizenA {
			t.Errorf("Redeem = %+v", r)
		}
		if _, err := s.Redeem(ctx, "s1", documents.Redemption{At: at, VerifierID: "bank-b", VerifierName: "Bank B"}); !errors.Is(err, documents.ErrShareUsed) {
			t.Errorf("a second redemption: %v, want ErrShareUsed", err)
		}
		if got, _ := s.ByCode(ctx, in.CodeHash); got.VerifierID != "bank-a" || !got.VerifiedAt.Equal(at) {
			t.Errorf("after a refused second redemption: %+v", got)
		}
		if _, err := s.Redeem(ctx, "nope", documents.Redemption{At: at}); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("redeeming no share: %v, want ErrNotFound", err)
		}
	})

	t.Run("ExpiredAndReleased", func(t *testing.T) {
		s := newShares(t)
		in := share("s2", citizenA, t0)
		if err := s.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Redeem(ctx, "s2", documents.Redemption{At: in.ExpiresAt, VerifierID: "v"}); !errors.Is(err, documents.ErrShareExpired) {
			t.Errorf("redeeming at expiry: %v, want ErrShareExpired", err)
		}
		if _, err := s.Redeem(ctx, "s2", documents.Redemption{At: t0, VerifierID: "v", VerifierName: "V"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, "s2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ByCode(ctx, in.CodeHash); !got.VerifiedAt.IsZero() || got.VerifierID != "" {
			t.Errorf("after Release: %+v", got)
		}
		if _, err := s.Redeem(ctx, "s2", documents.Redemption{At: t0, VerifierID: "w", VerifierName: "W"}); err != nil {
			t.Errorf("redeeming a released share: %v", err)
		}
	})

	t.Run("OneWinnerAtOnce", func(t *testing.T) {
		s := newShares(t)
		if err := s.Create(ctx, share("s3", citizenA, t0)); err != nil {
			t.Fatal(err)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for i := range 8 {
			wg.Go(func() {
				_, err := s.Redeem(ctx, "s3", documents.Redemption{At: t0, VerifierID: fmt.Sprint("v", i), VerifierName: "V"})
				switch {
				case err == nil:
					mu.Lock()
					wins++
					mu.Unlock()
				case !errors.Is(err, documents.ErrShareUsed):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d verifiers redeemed one share", wins)
		}
	})

	t.Run("HistoryNewestFirstAndPerCitizen", func(t *testing.T) {
		s := newShares(t)
		for i := range 5 {
			if err := s.Create(ctx, share(fmt.Sprint("a", i), citizenA, t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Create(ctx, share("b0", citizenB, t0)); err != nil {
			t.Fatal(err)
		}
		first, err := s.List(ctx, citizenA, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		if ids(first) != "a4,a3,a2" {
			t.Errorf("first page %s, want a4,a3,a2", ids(first))
		}
		after := first[2].Position()
		rest, err := s.List(ctx, citizenA, &after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if ids(rest) != "a1,a0" {
			t.Errorf("second page %s, want a1,a0", ids(rest))
		}
		if n, err := s.Count(ctx, citizenA); err != nil || n != 5 {
			t.Errorf("Count(A) = %d, %v; want 5", n, err)
		}
		if b, _ := s.List(ctx, citizenB, nil, 10); ids(b) != "b0" {
			t.Errorf("B's history %s, want b0", ids(b))
		}
	})
	// deleteMyData: a citizen's shares go (the access log keeps that a
	// verifier saw them); another's stay; a code erased verifies nothing.
	t.Run("EraseCitizen", func(t *testing.T) {
		s := newShares(t)
		for i := range 2 {
			if err := s.Create(ctx, share(fmt.Sprint("a", i), citizenA, t0)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Create(ctx, share("b0", citizenB, t0)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.EraseCitizen(ctx, citizenA); err != nil || n != 2 {
			t.Fatalf("EraseCitizen = %d, %v; want 2", n, err)
		}
		if n, _ := s.Count(ctx, citizenA); n != 0 {
			t.Errorf("A has %d shares after erasing them", n)
		}
		if _, err := s.ByCode(ctx, share("a0", citizenA, t0).CodeHash); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("an erased share's code: %v, want not found", err)
		}
		if n, _ := s.Count(ctx, citizenB); n != 1 {
			t.Errorf("B has %d shares, want 1", n)
		}
		if n, err := s.EraseCitizen(ctx, citizenA); err != nil || n != 0 {
			t.Errorf("erasing again: %d, %v", n, err)
		}
	})
}

func ids(ss []documents.Share) string {
	var out string
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s.ID
	}
	return out
}
