package server

import (
	"net/http"
	"time"

	"github.com/rs/cors"
)

// CORS lets browser apps on other origins call /graphql.
type CORS struct {
	// Origins are the browser origins allowed: exact
	// (https://app.satupintu.go.id) or a pattern with one *
	// (https://*.satupintu.go.id). None: no cross-origin access at all.
	Origins []string
}

// corsMaxAge is how long a browser may keep a preflight's answer (Chrome
// keeps at most 2 hours).
const corsMaxAge = 2 * time.Hour

// corsHeaders are the request headers a browser app may send: the token,
// the GraphQL-over-HTTP media types, the language, Apollo's client
// awareness and operation headers, and a request id.
var corsHeaders = []string{
	"Authorization", "Content-Type", "Accept", "Accept-Language",
	"apollographql-client-name", "apollographql-client-version",
	"apollo-require-preflight", "X-Apollo-Operation-Name", "X-Apollo-Operation-Id",
	HeaderRequestID,
}

// cors answers preflights and marks answers readable by the listed
// origins, with rs/cors. It runs before authentication, the rate limits and
// the body limit: a preflight carries no token and no body, costs as little
// to answer as to refuse, and a refused one (a 401 or a 429 without CORS
// headers) would reach the app only as an opaque network error instead of
// an answer it can read and act on. The request that follows is counted
// and authenticated as usual, and its answers (401 and 429 included) carry
// the CORS headers so the app can read them. Bearer tokens only: no
// cookies, so credentials are not allowed. An origin not listed gets no
// CORS headers, and the browser keeps the answer from it.
func (c CORS) handler(next http.Handler) http.Handler {
	if len(c.Origins) == 0 {
		// rs/cors takes an empty list as "every origin".
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins:   c.Origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   corsHeaders,
		ExposedHeaders:   []string{HeaderRequestID, "Retry-After", "WWW-Authenticate"},
		AllowCredentials: false,
		MaxAge:           int(corsMaxAge.Seconds()),
	}).Handler(next)
}
