package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

// NewDevices returns an empty device registry under test. Registries
// returned by calls within one test share their backend but not their keys.
type NewDevices func(t *testing.T) notifications.Devices

// device is an Android installation of citizen last seen (and first
// registered) at seen. Tokens look like FCM's, colon included.
func device(token string, citizen sp.NIK, seen time.Time) notifications.Device {
	return notifications.Device{
		Token: token, Citizen: citizen, Platform: notifications.PlatformAndroid, Locale: sp.LangID,
		AppVersion: "3.2.1", RegisteredAt: seen, LastSeen: seen,
	}
}

func fcmToken(name string) string {
	return name + ":APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ"
}

// TestDevices runs the notifications.Devices conformance suite.
func TestDevices(t *testing.T, newDevices NewDevices) {
	ctx := context.Background()
	// notBefore that keeps every device of the suite.
	always := t0.Add(-365 * 24 * time.Hour)

	t.Run("RegisterGet", func(t *testing.T) {
		s := newDevices(t)
		d := device(fcmToken("phone"), citizenA, t0)
		d.Platform, d.Locale, d.AppVersion = notifications.PlatformIOS, sp.LangEN, "3.3.0"
		mustRegister(t, s, d)
		if got := mustGetDevice(t, s, d.Token); !sameDevice(got, d) {
			t.Errorf("Get = %+v; want %+v", got, d)
		}
		wantDevices(t, s, citizenA, always, d.Token)
		for _, token := range []string{"", fcmToken("unknown")} {
			if got, err := s.Get(ctx, token); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("Get(%q) = %+v, %v; want ErrNotFound", token, got, err)
			}
		}
		if err := s.Register(ctx, device("", citizenA, t0)); err == nil {
			t.Error("Register without a token succeeded")
		}
		if err := s.Register(ctx, device(fcmToken("orphan"), "", t0)); err == nil {
			t.Error("Register without a citizen succeeded")
		}
	})

	t.Run("RegisterAgain", func(t *testing.T) {
		s := newDevices(t)
		token := fcmToken("phone")
		mustRegister(t, s, device(token, citizenA, t0))
		later := t0.Add(36 * time.Hour)
		again := device(token, citizenA, later) // the app says registeredAt is now
		again.Locale, again.AppVersion = sp.LangEN, "3.4.0"
		mustRegister(t, s, again)
		got := mustGetDevice(t, s, token)
		if !got.RegisteredAt.Equal(t0) || !got.LastSeen.Equal(later) || got.Locale != sp.LangEN || got.AppVersion != "3.4.0" {
			t.Errorf("after registering again: registered %v, seen %v, %s, %s; want registered %v kept, seen %v, en, 3.4.0",
				got.RegisteredAt, got.LastSeen, got.Locale, got.AppVersion, t0, later)
		}
		wantDevices(t, s, citizenA, always, token)
	})

	t.Run("OfCitizenOrderAndIsolation", func(t *testing.T) {
		s := newDevices(t)
		old, newest, middle := fcmToken("tablet"), fcmToken("phone"), fcmToken("web")
		mustRegister(t, s, device(old, citizenA, t0))
		mustRegister(t, s, device(newest, citizenA, t0.Add(2*time.Hour)))
		mustRegister(t, s, device(middle, citizenA, t0.Add(time.Hour)))
		theirs := fcmToken("theirs")
		mustRegister(t, s, device(theirs, citizenB, t0.Add(3*time.Hour)))
		wantDevices(t, s, citizenA, always, newest, middle, old)
		wantDevices(t, s, citizenB, always, theirs)
		wantDevices(t, s, "3174015708900009", always)
		// A registry elsewhere (another prefix) shares nothing.
		wantDevices(t, newDevices(t), citizenA, always)
	})

	t.Run("Prune", func(t *testing.T) {
		s := newDevices(t)
		notBefore := t0.Add(-60 * 24 * time.Hour)
		stale, edge, fresh := fcmToken("stale"), fcmToken("edge"), fcmToken("fresh")
		mustRegister(t, s, device(stale, citizenA, notBefore.Add(-time.Millisecond)))
		mustRegister(t, s, device(edge, citizenA, notBefore))
		mustRegister(t, s, device(fresh, citizenA, t0))
		theirs := fcmToken("theirs")
		mustRegister(t, s, device(theirs, citizenB, t0.Add(-90*24*time.Hour)))

		wantDevices(t, s, citizenA, notBefore, fresh, edge)
		if _, err := s.Get(ctx, stale); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Get(pruned) = %v; want ErrNotFound", err)
		}
		wantDevices(t, s, citizenA, always, fresh, edge)
		// Another citizen's old device waits for their own listing.
		mustGetDevice(t, s, theirs)
		wantDevices(t, s, citizenB, always, theirs)
		wantDevices(t, s, citizenB, t0)
		wantDevices(t, s, citizenB, always)
	})

	t.Run("Unregister", func(t *testing.T) {
		s := newDevices(t)
		token := fcmToken("phone")
		mustRegister(t, s, device(token, citizenA, t0))
		if ok, err := s.Unregister(ctx, citizenB, token); err != nil || ok {
			t.Fatalf("Unregister by another citizen = %v, %v; want false", ok, err)
		}
		if got := mustGetDevice(t, s, token); got.Citizen != citizenA {
			t.Fatalf("after another's Unregister the token is %s's", got.Citizen.Masked())
		}
		wantDevices(t, s, citizenA, always, token)
		if ok, err := s.Unregister(ctx, citizenA, token); err != nil || !ok {
			t.Fatalf("Unregister by the owner = %v, %v; want true", ok, err)
		}
		if _, err := s.Get(ctx, token); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Get after Unregister = %v; want ErrNotFound", err)
		}
		wantDevices(t, s, citizenA, always)
		for _, tok := range []string{token, fcmToken("unknown"), ""} {
			if ok, err := s.Unregister(ctx, citizenA, tok); err != nil || ok {
				t.Errorf("Unregister(%q) of no device = %v, %v; want false", tok, ok, err)
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newDevices(t)
		mine, theirs := fcmToken("mine"), fcmToken("theirs")
		mustRegister(t, s, device(mine, citizenA, t0))
		mustRegister(t, s, device(theirs, citizenB, t0))
		if err := s.Delete(ctx, mine); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, mine); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Get after Delete = %v; want ErrNotFound", err)
		}
		wantDevices(t, s, citizenA, always)
		wantDevices(t, s, citizenB, always, theirs)
		for _, tok := range []string{mine, fcmToken("unknown"), ""} {
			if err := s.Delete(ctx, tok); err != nil {
				t.Errorf("Delete(%q) of no device = %v; want nil", tok, err)
			}
		}
	})

	t.Run("Move", func(t *testing.T) {
		s := newDevices(t)
		token := fcmToken("shared")
		mustRegister(t, s, device(token, citizenA, t0))
		moved := t0.Add(time.Hour)
		mustRegister(t, s, device(token, citizenB, moved))
		got := mustGetDevice(t, s, token)
		if got.Citizen != citizenB || !got.RegisteredAt.Equal(moved) {
			t.Errorf("after the move: owner %s, registered %v; want the new owner, registered %v afresh",
				got.Citizen.Masked(), got.RegisteredAt, moved)
		}
		wantDevices(t, s, citizenA, always)
		wantDevices(t, s, citizenB, always, token)
		if ok, err := s.Unregister(ctx, citizenA, token); err != nil || ok {
			t.Errorf("Unregister by the former owner = %v, %v; want false", ok, err)
		}
		wantDevices(t, s, citizenB, always, token)

		// And back.
		mustRegister(t, s, device(token, citizenA, t0.Add(2*time.Hour)))
		wantDevices(t, s, citizenA, always, token)
		wantDevices(t, s, citizenB, always)
	})

	t.Run("MoveConcurrent", func(t *testing.T) {
		s := newDevices(t)
		for round := range 10 {
			token := fcmToken(fmt.Sprintf("race-%d", round))
			if round%2 == 1 {
				mustRegister(t, s, device(token, citizenB, t0)) // some start owned
			}
			var wg sync.WaitGroup
			for i := range 10 {
				citizen := citizenA
				if i%2 == 1 {
					citizen = citizenB
				}
				wg.Go(func() {
					if err := s.Register(ctx, device(token, citizen, t0.Add(time.Duration(i)*time.Millisecond))); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			owner := mustGetDevice(t, s, token).Citizen
			listing := 0
			for _, c := range []sp.NIK{citizenA, citizenB} {
				tokens := devices(t, s, c, always)
				n := len(slices.DeleteFunc(tokens, func(tok string) bool { return tok != token }))
				if n > 1 || n == 1 && c != owner {
					t.Errorf("round %d: %s lists the token %d times; the owner is %s", round, c.Masked(), n, owner.Masked())
				}
				listing += n
			}
			if listing != 1 {
				t.Errorf("round %d: %d citizens list the token; want exactly its owner %s", round, listing, owner.Masked())
			}
		}
	})
}

func mustRegister(t *testing.T, s notifications.Devices, d notifications.Device) {
	t.Helper()
	if err := s.Register(context.Background(), d); err != nil {
		t.Fatalf("Register: %v", err)
	}
}

func mustGetDevice(t *testing.T, s notifications.Devices, token string) notifications.Device {
	t.Helper()
	d, err := s.Get(context.Background(), token)
	if err != nil {
		t.Fatalf("Get device: %v", err)
	}
	return d
}

// devices lists the citizen's tokens, checking each device is theirs and
// seen since notBefore.
func devices(t *testing.T, s notifications.Devices, citizen sp.NIK, notBefore time.Time) []string {
	t.Helper()
	ds, err := s.OfCitizen(context.Background(), citizen, notBefore)
	if err != nil {
		t.Fatalf("OfCitizen: %v", err)
	}
	tokens := make([]string, len(ds))
	for i, d := range ds {
		if d.Citizen != citizen || d.LastSeen.Before(notBefore) {
			t.Errorf("OfCitizen(%s, %v) returned a device of %s seen %v", citizen.Masked(), notBefore, d.Citizen.Masked(), d.LastSeen)
		}
		tokens[i] = d.Token
	}
	return tokens
}

// wantDevices wants the citizen's tokens in this order.
func wantDevices(t *testing.T, s notifications.Devices, citizen sp.NIK, notBefore time.Time, want ...string) {
	t.Helper()
	if got := devices(t, s, citizen, notBefore); !slices.Equal(got, want) {
		t.Errorf("OfCitizen(%s, %v) = %d devices %v; want %v", citizen.Masked(), notBefore, len(got), got, want)
	}
}

func sameDevice(a, b notifications.Device) bool {
	return a.Token == b.Token && a.Citizen == b.Citizen && a.Platform == b.Platform && a.Locale == b.Locale &&
		a.AppVersion == b.AppVersion && a.RegisteredAt.Equal(b.RegisteredAt) && a.LastSeen.Equal(b.LastSeen)
}
