package satupintu

import (
	"context"
	"strings"
)

// Lang is a language a citizen reads: Bahasa Indonesia first, English second.
type Lang string

const (
	LangID Lang = "id"
	LangEN Lang = "en"
)

// ParseAcceptLanguage picks id or en from an Accept-Language header (or a
// device locale such as "en-US"), in the order the client prefers;
// Indonesian when neither is named.
func ParseAcceptLanguage(h string) Lang {
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		base, _, _ = strings.Cut(base, "_")
		switch base {
		case "id", "in":
			return LangID
		case "en":
			return LangEN
		}
	}
	return LangID
}

type langKey struct{}

// WithLang records the language of the request.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

// LangFrom returns the request's language, Indonesian by default.
func LangFrom(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok {
		return l
	}
	return LangID
}

// Text is a message in both languages.
type Text struct {
	ID string
	EN string
}

// In returns the text in l.
func (t Text) In(l Lang) string {
	if l == LangEN && t.EN != "" {
		return t.EN
	}
	return t.ID
}
