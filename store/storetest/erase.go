package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/privacy"
)

// ErasableInbox is an inbox that can be erased for a citizen
// (deleteMyData) and purged of old notifications (retention).
type ErasableInbox interface {
	notifications.Inbox
	privacy.CitizenEraser
	privacy.InboxPurger
}

// ErasableDevices is a device registry that can be erased for a citizen.
type ErasableDevices interface {
	notifications.Devices
	privacy.CitizenEraser
}

// TestInboxErasure checks deleteMyData's and retention's ways of erasing
// notifications: the counts stay exact.
func TestInboxErasure(t *testing.T, newInbox func(t *testing.T) ErasableInbox) {
	ctx := context.Background()
	t.Run("EraseCitizen", func(t *testing.T) {
		s := newInbox(t)
		for _, id := range []string{"07-a-1", "07-a-2", "07-a-3"} {
			mustAdd(t, s, note(citizenA, id, t0))
		}
		mustAdd(t, s, note(citizenB, "07-b-1", t0))
		if n, err := s.EraseCitizen(ctx, citizenA); err != nil || n != 3 {
			t.Fatalf("EraseCitizen = %d, %v; want 3", n, err)
		}
		if p, err := s.List(ctx, citizenA, notifications.ListQuery{}); err != nil || p.Total != 0 || p.Unread != 0 || len(p.Items) != 0 {
			t.Errorf("A's inbox after erasing it: %+v, %v", p, err)
		}
		if p, _ := s.List(ctx, citizenB, notifications.ListQuery{}); p.Total != 1 {
			t.Errorf("B's inbox: %d notifications; want 1", p.Total)
		}
		if n, err := s.EraseCitizen(ctx, citizenA); err != nil || n != 0 {
			t.Errorf("erasing an empty inbox: %d, %v", n, err)
		}
		// The inbox works on afterwards.
		mustAdd(t, s, note(citizenA, "07-a-9", t0))
		if p, _ := s.List(ctx, citizenA, notifications.ListQuery{}); p.Total != 1 || p.Unread != 1 {
			t.Errorf("after a new notification: %+v", p)
		}
	})
	t.Run("PurgeBefore", func(t *testing.T) {
		s := newInbox(t)
		mustAdd(t, s, note(citizenA, "07-a-1", t0))
		mustAdd(t, s, note(citizenA, "07-a-2", t0.Add(time.Hour)))
		mustAdd(t, s, note(citizenA, "07-a-3", t0.Add(2*time.Hour)))
		mustAdd(t, s, note(citizenB, "07-b-1", t0))
		if _, err := s.MarkRead(ctx, citizenA, []string{"07-a-1"}, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeBefore(ctx, t0.Add(90*time.Minute))
		if err != nil || n != 3 {
			t.Fatalf("PurgeBefore = %d, %v; want 3", n, err)
		}
		p, _ := s.List(ctx, citizenA, notifications.ListQuery{})
		if p.Total != 1 || p.Unread != 1 || len(p.Items) != 1 || p.Items[0].ID != "07-a-3" {
			t.Errorf("A's inbox after the purge: %+v; want 07-a-3 alone, unread", p)
		}
		if p, _ := s.List(ctx, citizenB, notifications.ListQuery{}); p.Total != 0 {
			t.Errorf("B's inbox after the purge: %+v", p)
		}
	})
}

// TestDevicesErasure checks deleteMyData's erasure of a citizen's devices.
func TestDevicesErasure(t *testing.T, newDevices func(t *testing.T) ErasableDevices) {
	ctx := context.Background()
	s := newDevices(t)
	for _, d := range []notifications.Device{
		{Token: "tok-a1", Citizen: citizenA, Platform: notifications.PlatformAndroid, Locale: "id", AppVersion: "2.3.0", RegisteredAt: t0, LastSeen: t0},
		{Token: "tok-a2", Citizen: citizenA, Platform: notifications.PlatformIOS, Locale: "en", AppVersion: "2.3.0", RegisteredAt: t0, LastSeen: t0},
		{Token: "tok-b1", Citizen: citizenB, Platform: notifications.PlatformWeb, Locale: "id", AppVersion: "2.3.0", RegisteredAt: t0, LastSeen: t0},
	} {
		if err := s.Register(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.EraseCitizen(ctx, citizenA); err != nil || n != 2 {
		t.Fatalf("EraseCitizen = %d, %v; want 2", n, err)
	}
	if ds, err := s.OfCitizen(ctx, citizenA, time.Time{}); err != nil || len(ds) != 0 {
		t.Errorf("A's devices after erasing them: %+v, %v", ds, err)
	}
	if ds, _ := s.OfCitizen(ctx, citizenB, time.Time{}); len(ds) != 1 {
		t.Errorf("B's devices: %+v", ds)
	}
}
