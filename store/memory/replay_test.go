package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

var _ signature.ReplayGuard = (*memory.ReplayGuard)(nil)

func TestReplayGuard(t *testing.T) {
	storetest.TestReplayGuard(t, func(t *testing.T) (signature.ReplayGuard, storetest.Advance) {
		clk := newClock()
		return memory.NewReplayGuard(100, memory.WithNow(clk.Now)), clk.Advance
	})
}

// The guard is bounded: full, it drops the entry closest to expiry; past
// the signature window only the newest signature is held.
func TestReplayGuardIsBounded(t *testing.T) {
	c := testkit.NewClock(time.Date(2026, 3, 2, 2, 15, 0, 0, time.UTC))
	g := memory.NewReplayGuard(3, memory.WithNow(c.Now))
	v := signature.NewVerifier(c.Now, g)
	secret := []byte("police-sandbox-secret")
	sign := func(i int) string { return signature.Sign(secret, c.Now(), []byte(fmt.Sprint(i))) }
	for i := range 10 {
		if err := v.Verify(sign(i), []byte(fmt.Sprint(i)), [][]byte{secret}); err != nil {
			t.Fatal(err)
		}
		if n := g.Len(); n > 3 {
			t.Fatalf("%d entries, cap 3", n)
		}
	}
	// Expired entries go: after the window only the new one is kept.
	c.Advance(signature.Tolerance + time.Second)
	if err := v.Verify(sign(99), []byte("99"), [][]byte{secret}); err != nil {
		t.Fatal(err)
	}
	if n := g.Len(); n != 1 {
		t.Errorf("%d entries after the window, want 1", n)
	}
	if n := memory.ReplayExpiries(g); n != 1 {
		t.Errorf("%d expiries queued after the window, want 1", n)
	}
}

// A full guard never forgets the key it is asked about.
func TestFullReplayGuardStillRefusesTheRepeat(t *testing.T) {
	g := memory.NewReplayGuard(1)
	for i, want := range []bool{true, false} {
		if first, err := g.First(context.Background(), "sig:1", time.Minute); err != nil || first != want {
			t.Fatalf("call %d: First = %v, %v; want %v", i+1, first, err, want)
		}
	}
}

func TestNewReplayGuardRejectsNonPositiveSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewReplayGuard(0) did not panic")
		}
	}()
	memory.NewReplayGuard(0)
}
