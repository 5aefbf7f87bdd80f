package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/satupintu/satupintu/notifications"
)

// NewDeliveries returns an empty record of deliveries under test. Records
// returned by calls within one test share their backend but not their keys.
type NewDeliveries func(t *testing.T) notifications.Deliveries

// TestDeliveries runs the notifications.Deliveries conformance suite.
func TestDeliveries(t *testing.T, newDeliveries NewDeliveries) {
	ctx := context.Background()
	// Ids with a shard first (as the Redis engines made them) and without.
	ids := []string{"07-abcdefghijklmnopqrstuvwxyz-3", "abcdefghijklmnopqrstuvwxyz23-3"}

	t.Run("Claim", func(t *testing.T) {
		s := newDeliveries(t)
		id, token := ids[0], fcmToken("phone")
		at := time.Now().Truncate(time.Millisecond)
		d, ok, err := s.Claim(ctx, id, token, at, time.Minute)
		if err != nil || !ok || d.State != notifications.DeliverySending || d.Attempts != 1 || !d.HeldUntil.Equal(at.Add(time.Minute)) {
			t.Fatalf("first Claim = %+v, %v, %v; want SENDING, attempt 1, held a minute", d, ok, err)
		}
		// Held: nobody else may send, and nothing changes.
		if d, ok, err := s.Claim(ctx, id, token, at.Add(30*time.Second), time.Minute); err != nil || ok || d.Attempts != 1 {
			t.Errorf("Claim while held = %+v, %v, %v; want refused, unchanged", d, ok, err)
		}
		// Lapsed (its worker died): taken over, attempt 2.
		if d, ok, err := s.Claim(ctx, id, token, at.Add(2*time.Minute), time.Minute); err != nil || !ok || d.Attempts != 2 {
			t.Errorf("Claim after the hold lapsed = %+v, %v, %v; want taken, attempt 2", d, ok, err)
		}
		// Finished: never claimed again.
		if err := s.Set(ctx, id, token, notifications.Delivery{State: notifications.DeliveryDelivered, Name: "projects/p/messages/1", Attempts: 2, At: at}); err != nil {
			t.Fatal(err)
		}
		if d, ok, err := s.Claim(ctx, id, token, at.Add(time.Hour), time.Minute); err != nil || ok || d.State != notifications.DeliveryDelivered {
			t.Errorf("Claim after delivery = %+v, %v, %v; want refused with the DELIVERED record", d, ok, err)
		}
	})

	t.Run("ClaimConcurrent", func(t *testing.T) {
		s := newDeliveries(t)
		const n = 20
		var won atomic.Int32
		var wg sync.WaitGroup
		at := time.Now()
		for range n {
			wg.Go(func() {
				_, ok, err := s.Claim(ctx, ids[1], fcmToken("tablet"), at, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Errorf("%d of %d concurrent Claims won; want exactly 1", won.Load(), n)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		s := newDeliveries(t)
		for _, id := range ids {
			if d, ok, err := s.Get(ctx, id, fcmToken("phone")); err != nil || ok {
				t.Errorf("Get(%s) of nothing = %+v, %v, %v; want ok false", id, d, ok, err)
			}
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		for _, id := range ids {
			s := newDeliveries(t)
			token := fcmToken("phone")
			steps := []notifications.Delivery{
				{State: notifications.DeliverySending, Attempts: 1, At: t0},
				{State: notifications.DeliverySending, Attempts: 2, Reason: "UNAVAILABLE", At: t0.Add(time.Second)},
				{State: notifications.DeliveryDelivered, Name: "projects/satupintu/messages/0:1723886400%31bd", Attempts: 2, At: t0.Add(2 * time.Second)},
			}
			for _, d := range steps {
				if err := s.Set(ctx, id, token, d); err != nil {
					t.Fatalf("Set(%s): %v", id, err)
				}
				got, ok, err := s.Get(ctx, id, token)
				if err != nil || !ok || got.State != d.State || got.Name != d.Name || got.Reason != d.Reason ||
					got.Attempts != d.Attempts || !got.At.Equal(d.At) {
					t.Errorf("Get(%s) after Set(%+v) = %+v, %v, %v", id, d, got, ok, err)
				}
			}
		}
	})

	t.Run("Isolation", func(t *testing.T) {
		s := newDeliveries(t)
		phone, tablet := fcmToken("phone"), fcmToken("tablet")
		failed := notifications.Delivery{State: notifications.DeliveryFailed, Reason: "INVALID_MESSAGE", Attempts: 1, At: t0}
		if err := s.Set(ctx, ids[0], phone, failed); err != nil {
			t.Fatal(err)
		}
		for i, q := range []struct{ id, token string }{
			{ids[0], tablet}, {ids[1], phone}, {ids[0] + "x", phone}, {ids[0], phone + "x"},
		} {
			if _, ok, err := s.Get(ctx, q.id, q.token); err != nil || ok {
				t.Errorf("case %d: Get of another pair = ok %v, %v; want nothing", i, ok, err)
			}
		}
		if _, ok, _ := newDeliveries(t).Get(ctx, ids[0], phone); ok {
			t.Error("another store (prefix) sees the record")
		}
		for _, q := range []struct{ id, token string }{{"", phone}, {ids[0], ""}} {
			if err := s.Set(ctx, q.id, q.token, failed); err == nil {
				t.Errorf("Set(%q, token %v) succeeded; want an error", q.id, q.token != "")
			}
		}
	})

	t.Run("Many", func(t *testing.T) {
		s := newDeliveries(t)
		for i := range 20 {
			d := notifications.Delivery{State: notifications.DeliveryDelivered, Name: fmt.Sprint(i), Attempts: 1, At: t0}
			if err := s.Set(ctx, fmt.Sprintf("%02d-case-%d", i%16, i), fcmToken(fmt.Sprint(i)), d); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 20 {
			got, ok, err := s.Get(ctx, fmt.Sprintf("%02d-case-%d", i%16, i), fcmToken(fmt.Sprint(i)))
			if err != nil || !ok || got.Name != fmt.Sprint(i) {
				t.Errorf("record %d = %+v, %v, %v", i, got, ok, err)
			}
		}
	})
}
