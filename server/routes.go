package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// addRoutes is every route satupintu serves.
func addRoutes(mux *http.ServeMux, d Deps) {
	rl := newRateLimiter(d)
	gql := lightWebsockets(d.Logger, newGraphQL(d, rl))
	// CORS preflights first (see CORS.handler), then what the process has
	// room for (overload.go: shedding is cheapest before anything else),
	// then per IP, before the body is read or the token verified.
	mux.Handle("/graphql", d.CORS.handler(d.Overload.Handler(rl.perIP(limitBody(d.Limits.MaxBodyBytes,
		clientAware(d.Clients.Releases, authenticate(d.Verifier, rl.perCitizen(gql))))))))
	if d.Webhook != nil {
		// Per IP first, before the body is read or the signature checked.
		mux.Handle("POST /agency/v1/cases/{caseId}/events", rl.webhookPerIP(handleAgencyEvents(d.Webhook, d.Logger)))
		if d.Webhook.AccessLog != nil {
			mux.Handle("POST /agency/v1/access-events", rl.webhookPerIP(handleAccessEvents(d.Webhook, d.Logger, d.Now)))
		}
	}
	if d.PaymentNotifications != nil {
		// Per IP first, like the agencies' webhook, before the body is read.
		mux.Handle("POST /payments/snap/", rl.webhookPerIP(d.PaymentNotifications))
	}
	handleIf(mux, "GET /payments/receipts/", d.Receipts)
	if d.Keys != nil {
		mux.Handle("GET /.well-known/jwks.json", handleJWKS(d.Keys))
	}
	if d.Exports != nil {
		mux.Handle("GET /exports/{token}", handleExportDownload(d.Exports, d.Logger, d.Now))
	}
	if d.Documents != nil {
		addDocumentRoutes(mux, d.Documents, d.Logger)
	}
	if d.Admin != nil {
		admin := requireAdmin(d.AdminToken)
		mux.Handle("GET /admin/outbox", admin(handleOutboxList(d.Admin)))
		mux.Handle("POST /admin/outbox/{id}/replay", admin(handleOutboxReplay(d.Admin)))
		mux.Handle("GET /admin/queues/{queue}/dead", admin(handleOutboxList(d.Admin)))
		mux.Handle("POST /admin/queues/{queue}/dead/{id}/replay", admin(handleOutboxReplay(d.Admin)))
	}
	if d.AdminPayments != nil {
		admin := requireAdmin(d.AdminToken)
		mux.Handle("/admin/payments", admin(d.AdminPayments))
		mux.Handle("/admin/payments/", admin(d.AdminPayments))
	}
	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(d.Ready))
	if d.Metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{}))
	}
	if d.Introspection {
		mux.Handle("GET /playground", playgroundPage())
		mux.Handle("GET /playground/{file}", playgroundAsset())
	}
	if dev := d.Dev; dev != nil {
		handleIf(mux, "GET /dev/citizens", dev.Citizens)
		handleIf(mux, "POST /dev/token", limitBody(4096, dev.Token))
		handleIf(mux, "/dev/sim/faults", limitBody(4096, dev.Faults))
		handleIf(mux, "GET /dev/sim/stats", dev.Stats)
		handleIf(mux, "GET /dev/push", dev.Push)
		handleIf(mux, "GET /dev/verifiers", dev.Verifiers)
		handleIf(mux, "POST /dev/sim/licences", dev.Licences)
		handleIf(mux, "POST /dev/pay", limitBody(4096, dev.Pay))
	}
	mux.Handle("/", http.NotFoundHandler())
}

func handleIf(mux *http.ServeMux, pattern string, h http.Handler) {
	if h != nil {
		mux.Handle(pattern, h)
	}
}
