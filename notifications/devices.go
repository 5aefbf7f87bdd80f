package notifications

import (
	"context"
	"strings"
	"time"
	"unicode"

	sp "github.com/satupintu/satupintu"
)

// FieldError is a problem with what the app sent, in both languages.
type FieldError struct {
	Field, Code string
	Message     sp.Text
}

// Registration is what the app sends to register a device.
type Registration struct {
	Token, Locale, AppVersion string
	Platform                  Platform
}

// Register checks a registration and stores the device for the citizen.
// A token of another citizen moves to this one.
func Register(ctx context.Context, store Devices, citizen sp.NIK, r Registration, now time.Time) (Device, []FieldError, error) {
	var errs []FieldError
	if r.Token == "" || len(r.Token) > 4096 || strings.IndexFunc(r.Token, func(c rune) bool { return c > unicode.MaxASCII || !unicode.IsPrint(c) || c == ' ' }) >= 0 {
		errs = append(errs, FieldError{"token", "INVALID_TOKEN", sp.Text{
			ID: "Token FCM tidak valid: kirim token pendaftaran dari Firebase apa adanya.",
			EN: "Not a valid FCM token: send the registration token from Firebase as it is."}})
	}
	base, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(r.Locale, "_", "-")), "-")
	if base != "id" && base != "in" && base != "en" {
		errs = append(errs, FieldError{"locale", "UNSUPPORTED_LOCALE", sp.Text{
			ID: "Bahasa yang didukung: id (Bahasa Indonesia) atau en (English).",
			EN: "Supported languages: id (Bahasa Indonesia) or en (English)."}})
	}
	if len(r.AppVersion) == 0 || len(r.AppVersion) > 32 {
		errs = append(errs, FieldError{"appVersion", "INVALID_APP_VERSION", sp.Text{
			ID: "Versi aplikasi wajib diisi, paling panjang 32 karakter.",
			EN: "The app version is required, at most 32 characters."}})
	}
	switch r.Platform {
	case PlatformAndroid, PlatformIOS, PlatformWeb:
	default:
		errs = append(errs, FieldError{"platform", "INVALID_PLATFORM", sp.Text{ID: "Platform harus ANDROID, IOS atau WEB.", EN: "The platform must be ANDROID, IOS or WEB."}})
	}
	if len(errs) > 0 {
		return Device{}, errs, nil
	}
	d := Device{Token: r.Token, Citizen: citizen, Platform: r.Platform, Locale: sp.ParseAcceptLanguage(r.Locale),
		AppVersion: r.AppVersion, RegisteredAt: now, LastSeen: now}
	if err := store.Register(ctx, d); err != nil {
		return Device{}, nil, err
	}
	if stored, err := store.Get(ctx, d.Token); err == nil {
		d = stored // keeps the first registration time
	}
	return d, nil, nil
}
