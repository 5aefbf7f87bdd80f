package notifications_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

func goodRegistration() notifications.Registration {
	return notifications.Registration{Token: "fcm-dewi-android-0001:APA91b_x-y", Locale: "id",
		AppVersion: "3.2.1", Platform: notifications.PlatformAndroid}
}

func TestRegisterRefusesBadFields(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(*notifications.Registration)
		fields []string
	}{
		"empty token":        {func(r *notifications.Registration) { r.Token = "" }, []string{"token:INVALID_TOKEN"}},
		"token with a space": {func(r *notifications.Registration) { r.Token = "abc def" }, []string{"token:INVALID_TOKEN"}},
		"token with a tab":   {func(r *notifications.Registration) { r.Token = "abc\tdef" }, []string{"token:INVALID_TOKEN"}},
		"non-ASCII token":    {func(r *notifications.Registration) { r.Token = "tökén" }, []string{"token:INVALID_TOKEN"}},
		"token too long":     {func(r *notifications.Registration) { r.Token = strings.Repeat("a", 4097) }, []string{"token:INVALID_TOKEN"}},
		"locale fr":          {func(r *notifications.Registration) { r.Locale = "fr-FR" }, []string{"locale:UNSUPPORTED_LOCALE"}},
		"empty locale":       {func(r *notifications.Registration) { r.Locale = "" }, []string{"locale:UNSUPPORTED_LOCALE"}},
		"empty appVersion":   {func(r *notifications.Registration) { r.AppVersion = "" }, []string{"appVersion:INVALID_APP_VERSION"}},
		"long appVersion":    {func(r *notifications.Registration) { r.AppVersion = strings.Repeat("9", 33) }, []string{"appVersion:INVALID_APP_VERSION"}},
		"empty platform":     {func(r *notifications.Registration) { r.Platform = "" }, []string{"platform:INVALID_PLATFORM"}},
		"lower-case platform": {func(r *notifications.Registration) { r.Platform = "android" },
			[]string{"platform:INVALID_PLATFORM"}},
		"everything wrong": {func(r *notifications.Registration) { *r = notifications.Registration{Locale: "de"} },
			[]string{"token:INVALID_TOKEN", "locale:UNSUPPORTED_LOCALE", "appVersion:INVALID_APP_VERSION", "platform:INVALID_PLATFORM"}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			r := goodRegistration()
			tc.change(&r)
			d, errs, err := notifications.Register(e.ctx, e.devices, dewi, r, start)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, fe := range errs {
				got = append(got, fe.Field+":"+fe.Code)
				if fe.Message.ID == "" || fe.Message.EN == "" || fe.Message.ID == fe.Message.EN {
					t.Errorf("%s: message %+v, want both languages", fe.Field, fe.Message)
				}
			}
			if !slices.Equal(got, tc.fields) {
				t.Errorf("field errors %v, want %v", got, tc.fields)
			}
			if d != (notifications.Device{}) {
				t.Errorf("device %+v returned with errors", d)
			}
			if r.Token != "" {
				if _, err := e.devices.Get(e.ctx, r.Token); !errors.Is(err, sp.ErrNotFound) {
					t.Errorf("a refused device was stored: %v", err)
				}
			}
		})
	}
}

func TestRegisterAcceptsTheEdges(t *testing.T) {
	e := newEnv(t)
	for _, r := range []notifications.Registration{
		{Token: strings.Repeat("a", 4096), Locale: "id", AppVersion: strings.Repeat("1", 32), Platform: notifications.PlatformWeb},
		{Token: "x", Locale: "en", AppVersion: "1", Platform: notifications.PlatformIOS},
	} {
		if _, errs, err := notifications.Register(e.ctx, e.devices, dewi, r, start); err != nil || len(errs) > 0 {
			t.Errorf("token of %d bytes: %v %+v", len(r.Token), err, errs)
		}
	}
}

func TestRegisterMapsLocales(t *testing.T) {
	for locale, want := range map[string]sp.Lang{
		"id": sp.LangID, "id-ID": sp.LangID, "in": sp.LangID, "in_ID": sp.LangID, "ID": sp.LangID,
		"en": sp.LangEN, "en_US": sp.LangEN, "en-GB": sp.LangEN, "EN-us": sp.LangEN,
	} {
		e := newEnv(t)
		r := goodRegistration()
		r.Locale = locale
		d, errs, err := notifications.Register(e.ctx, e.devices, dewi, r, start)
		if err != nil || len(errs) > 0 {
			t.Errorf("locale %q: %v %+v", locale, err, errs)
			continue
		}
		stored, _ := e.devices.Get(e.ctx, r.Token)
		if d.Locale != want || stored.Locale != want {
			t.Errorf("locale %q: device %q, stored %q, want %q", locale, d.Locale, stored.Locale, want)
		}
	}
}

func TestRegisterAgainKeepsRegisteredAt(t *testing.T) {
	e := newEnv(t)
	r := goodRegistration()
	first, _, err := notifications.Register(e.ctx, e.devices, dewi, r, start)
	if err != nil {
		t.Fatal(err)
	}
	if !first.RegisteredAt.Equal(start) || !first.LastSeen.Equal(start) || first.Citizen != dewi {
		t.Errorf("first registration %+v", first)
	}

	later := start.Add(10 * 24 * time.Hour)
	r.Locale, r.AppVersion = "en-US", "3.3.0"
	again, _, err := notifications.Register(e.ctx, e.devices, dewi, r, later)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.devices.Get(e.ctx, r.Token)
	for _, d := range []notifications.Device{again, stored} {
		if !d.RegisteredAt.Equal(start) || !d.LastSeen.Equal(later) || d.Locale != sp.LangEN || d.AppVersion != "3.3.0" {
			t.Errorf("re-registration %+v: want RegisteredAt kept, the rest updated", d)
		}
	}

	// Another citizen signs in on the phone: the token moves to them.
	moved, _, err := notifications.Register(e.ctx, e.devices, budi, r, later)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Citizen != budi || !moved.RegisteredAt.Equal(later) {
		t.Errorf("moved device %+v", moved)
	}
	if devs, _ := e.devices.OfCitizen(e.ctx, dewi, start); len(devs) != 0 {
		t.Errorf("the earlier owner still has %d devices", len(devs))
	}
}
