package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/postgres"
)

// Records past their expiry are purged in batches; newer ones stay.
func TestDeliveriesPurge(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewDeliveries(open(t, migrated(t), testKeys(t, "")))
	for i := range 5 {
		if err := s.Set(ctx, fmt.Sprintf("case%d-1", i), token, notifications.Delivery{State: notifications.DeliveryDelivered, Attempts: 1, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Purge(ctx, time.Now(), 100); err != nil || n != 0 {
		t.Errorf("Purge of nothing expired = %d, %v", n, err)
	}
	later := time.Now().Add(postgres.DeliveryTTL + time.Minute)
	if n, err := s.Purge(ctx, later, 3); err != nil || n != 3 {
		t.Errorf("Purge(most 3) = %d, %v; want 3", n, err)
	}
	if n, err := s.Purge(ctx, later, 3); err != nil || n != 2 {
		t.Errorf("Purge(most 3) again = %d, %v; want the other 2", n, err)
	}
	for i := range 5 {
		if _, ok, err := s.Get(ctx, fmt.Sprintf("case%d-1", i), token); err != nil || ok {
			t.Errorf("record %d after the purge: ok %v, %v", i, ok, err)
		}
	}
}
