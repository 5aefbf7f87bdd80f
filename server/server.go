// Package server is satupintu's HTTP edge: routes, middleware, the GraphQL
// handler and its limits, health and metrics. It is built once by
// cmd/satupintu from already-wired parts.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/signing"
)

// TokenVerifier checks an access token and names the citizen it is for.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (auth.Principal, error)
}

// ReadinessCheck reports whether a dependency is ready to serve.
type ReadinessCheck struct {
	Name  string
	Check func(ctx context.Context) error
	// Optional marks a dependency the instance serves without (Redis:
	// what it holds may be lost and rebuilt): when it fails, /readyz
	// still answers 200 and reports it as degraded.
	Optional bool
}

// Limits bound what one request may ask of the server.
type Limits struct {
	MaxBodyBytes   int64 // request body
	MaxDepth       int   // field nesting, fragments included
	MaxAliases     int   // aliased fields per operation
	MaxFields      int   // fields per operation after expanding fragments
	MaxComplexity  int   // gqlgen complexity (one per field)
	MaxTokens      int   // parser token limit
	QueryCacheSize int   // parsed and validated documents kept (LRU)
	// HeaderTimeout is how long a client has to send the request line and
	// headers (http.Server.ReadHeaderTimeout, set by whoever serves the
	// handler); BodyTimeout how long it has, from then, to send the body.
	// Either, past its time, closes the connection: a client sending a
	// byte at a time would otherwise hold it as long as it liked.
	HeaderTimeout time.Duration
	BodyTimeout   time.Duration
}

// DefaultLimits fit the app's real queries with room to spare.
func DefaultLimits() Limits {
	return Limits{
		MaxBodyBytes:   64 << 10,
		MaxDepth:       12,
		MaxAliases:     30,
		MaxFields:      500,
		MaxComplexity:  600,
		MaxTokens:      10_000,
		QueryCacheSize: 1000,
		HeaderTimeout:  10 * time.Second,
		BodyTimeout:    10 * time.Second,
	}
}

// DevTools are the sandbox helpers served under /dev/ in dev mode only.
type DevTools struct {
	Citizens http.Handler // GET /dev/citizens
	Token    http.Handler // POST /dev/token
	Faults   http.Handler // POST /dev/sim/faults
	Stats    http.Handler // GET /dev/sim/stats
	Push     http.Handler // GET /dev/push: what the fake FCM accepted
	// GET /dev/verifiers: the sandbox verifier's id, secret and purposes.
	Verifiers http.Handler
	// POST /dev/sim/licences: the police suspend, revoke or restore a licence.
	Licences http.Handler
	// POST /dev/pay: a payer pays a bill through the gateway simulator.
	Pay http.Handler
}

// Deps are the wired parts the server is built from.
type Deps struct {
	Logger *slog.Logger
	Schema graphql.ExecutableSchema
	// Extensions are the schema's own around the executor (the resolvers'
	// per-response loader and error mapping), after the edge's limits.
	Extensions []graphql.HandlerExtension
	Verifier   TokenVerifier
	Limits     Limits
	// WebsocketOrigins are browser origins allowed to open a websocket
	// besides the server's own host (apps send no Origin).
	WebsocketOrigins []string
	// WebsocketPing is how often the server pings an idle websocket (and
	// closes it after two missed pongs); 0 leaves keepalive to the clients'
	// pings and TCP keepalive, saving a goroutine per connection.
	WebsocketPing time.Duration
	// Introspection and the playground are for dev mode only. Introspection
	// then answers without a token, so that codegen and the playground
	// work from the running server.
	Introspection bool
	// Dev, when not nil, serves /dev/*; production leaves it nil.
	Dev *DevTools
	// Webhook receives agencies' case events; nil serves none.
	Webhook *Webhook
	// PaymentNotifications receives the payment gateway's signed
	// notifications under /payments/snap/ (SNAP paths after it), and
	// Receipts serves the receipts under /payments/receipts/; nil serves
	// none.
	PaymentNotifications http.Handler
	Receipts             http.Handler
	// AdminPayments serves /admin/payments* behind AdminToken (bills, the
	// daily report, reconciliation); nil serves none.
	AdminPayments http.Handler
	// Documents serves the issuer metadata, the status lists and the
	// verify API; nil serves none.
	Documents *Documents
	// Keys are satupintu's signing keys, published at
	// /.well-known/jwks.json; nil publishes none.
	Keys *signing.Keyring
	// Exports serves citizens' data exports at /exports/{token}, once
	// each; nil serves none.
	Exports privacy.Exports
	// Admin serves the operator endpoints (/admin/...) behind AdminToken.
	Admin      *Admin
	AdminToken string
	Metrics    prometheus.Gatherer
	Ready      []ReadinessCheck
	Now        func() time.Time

	// RateLimits bound /graphql per client IP and per citizen.
	RateLimits RateLimits
	// TrustProxyHeaders takes the client IP from X-Forwarded-For's left-most
	// entry: only behind a proxy that sets it.
	TrustProxyHeaders bool
	// APQ keeps automatic persisted queries by their sha256; nil is an LRU
	// in this process.
	APQ graphql.Cache[string]

	// TrustedDocuments are the apps' operation manifests (nil: none), and
	// TrustedMode what happens to an operation none lists ("" is off).
	TrustedDocuments *TrustedDocuments
	TrustedMode      TrustedMode
	// CORS lets browser apps on the listed origins call /graphql.
	CORS CORS
	// Clients are the apps' names and release policy (minimum versions).
	Clients Clients
	// GraphQLMetrics counts operations by client; nil: not counted.
	GraphQLMetrics *GraphQLMetrics
	// Overload sheds /graphql requests while the process is saturated
	// (overload.go); nil sheds none.
	Overload *Overload
}

// NewServer returns the whole HTTP surface.
func NewServer(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.TrustedMode == "" {
		d.TrustedMode = TrustedOff
	}
	mux := http.NewServeMux()
	addRoutes(mux, d)
	var h http.Handler = mux
	h = acceptLanguage(h)
	h = compress(h)
	h = accessLog(d.Logger, h) // outside compress: it logs the bytes sent
	h = recoverPanics(d.Logger, h)
	h = requestID(h)
	// First, on net/http's own writer: it sets the connection's deadline.
	h = bodyDeadline(d.Limits.BodyTimeout, h)
	return h
}
