package server

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/signing"
)

// handleJWKS is GET /.well-known/jwks.json: satupintu's public signing
// keys, against which anyone checks what it signed (a citizen's data
// export; documents), offline too.
func handleJWKS(keys *signing.Keyring) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, err := keys.JWKS()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the keys cannot be published"})
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		// Keys rotate rarely, and a new one is published before it signs.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(set)
	})
}

// handleExportDownload is GET /exports/{token}: a citizen's data export,
// once. The token is the credential (the link is in the citizen's app
// only); the answer is the signed document (a JWS), never cached anywhere.
func handleExportDownload(exports privacy.Exports, log *slog.Logger, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		doc, err := exports.Take(r.Context(), r.PathValue("token"), now())
		switch {
		case errors.Is(err, privacy.ErrExportGone):
			writeJSON(w, http.StatusGone, map[string]string{"error": "this link was used already or has expired: ask for a new copy in the app"})
			return
		case errors.Is(err, sp.ErrNotFound):
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no data export at this link"})
			return
		case err != nil:
			log.ErrorContext(r.Context(), "data export download failed", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "try again shortly"})
			return
		}
		w.Header().Set("Content-Type", "application/jwt")
		w.Header().Set("Content-Disposition", `attachment; filename="satupintu-data-export.jwt"`)
		_, _ = w.Write(doc)
	})
}
