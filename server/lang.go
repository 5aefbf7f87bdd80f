package server

import (
	"net/http"

	"golang.org/x/text/language"

	sp "github.com/satupintu/satupintu"
)

// languages are the languages satupintu writes in, the default first.
var languages = []sp.Lang{sp.LangID, sp.LangEN}

// langMatcher picks from languages the one a client prefers most, by the
// q-values of its Accept-Language ("en;q=0.3, id" is Indonesian; "in" is
// the old code for Indonesian; "en;q=0" refuses English).
var langMatcher = language.NewMatcher([]language.Tag{language.Indonesian, language.English})

// negotiateLang is the request's language: the best match of
// Accept-Language, Indonesian when nothing matches or the header is
// malformed.
func negotiateLang(header string) sp.Lang {
	if header == "" {
		return sp.LangID
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return sp.LangID
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return sp.LangID
	}
	return languages[i]
}

// acceptLanguage reads Accept-Language into the context for every message
// the edge and the resolvers write.
func acceptLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := sp.WithLang(r.Context(), negotiateLang(r.Header.Get("Accept-Language")))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
