package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestDeliveries(t *testing.T) {
	storetest.TestDeliveries(t, func(t *testing.T) notifications.Deliveries { return memory.NewDeliveries() })
}

// TestDeliveriesExpire: a record is gone 30 days after its last Set, and
// the expired ones are swept as the map grows.
func TestDeliveriesExpire(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := memory.NewDeliveries(memory.WithNow(clk.Now))
	d := notifications.Delivery{State: notifications.DeliveryDelivered, Name: "projects/p/messages/1", Attempts: 1, At: clk.Now()}
	if err := s.Set(ctx, "n-1", "token", d); err != nil {
		t.Fatal(err)
	}
	clk.Advance(29 * 24 * time.Hour)
	if _, ok, _ := s.Get(ctx, "n-1", "token"); !ok {
		t.Fatal("record gone after 29 days; want it kept 30")
	}
	if err := s.Set(ctx, "n-1", "token", d); err != nil { // set again: 30 days from now
		t.Fatal(err)
	}
	clk.Advance(29 * 24 * time.Hour)
	if _, ok, _ := s.Get(ctx, "n-1", "token"); !ok {
		t.Fatal("record gone 29 days after its last Set")
	}
	clk.Advance(24 * time.Hour)
	if got, ok, _ := s.Get(ctx, "n-1", "token"); ok {
		t.Fatalf("record %+v still there 30 days after its last Set", got)
	}

	// Many records, all expired: a later Set sweeps them.
	for i := range 5000 {
		if err := s.Set(ctx, fmt.Sprintf("n-%d", i), "token", d); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(31 * 24 * time.Hour)
	for i := range 5000 {
		if err := s.Set(ctx, fmt.Sprintf("m-%d", i), "token", d); err != nil {
			t.Fatal(err)
		}
	}
	if n := memory.DeliveriesLen(s); n > 6000 {
		t.Errorf("%d records held after 5000 expired and 5000 new; want the expired swept", n)
	}
}
