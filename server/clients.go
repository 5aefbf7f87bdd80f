package server

import (
	"context"
	"net/http"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/satupintu/satupintu/apprelease"
)

// DefaultClients are the national app's client names, counted by name in
// metrics besides those the release policy names.
var DefaultClients = []string{"satupintu-android", "satupintu-ios", "satupintu-web"}

// Clients is what the edge knows of the apps that call it.
type Clients struct {
	// Releases are each app's minimum and latest version and update URL.
	Releases apprelease.Policy
	// Known are the client names metrics count by name (with the release
	// policy's); any other is "other", none sent is "none", so that a
	// client cannot grow the metrics without bound.
	Known []string
}

// label returns the metric label of a client name.
func (c Clients) label() func(name string) string {
	known := map[string]bool{}
	for _, n := range append(slices.Clone(c.Known), c.Releases.Names()...) {
		known[n] = true
	}
	return func(name string) string {
		switch {
		case name == "":
			return "none"
		case known[name]:
			return name
		}
		return "other"
	}
}

// clientAware records the app a request comes from, and the release policy
// for it, in the request's context (apprelease.RequestFrom): the gates, the
// metrics and appConfig read it there.
func clientAware(p apprelease.Policy, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := apprelease.ClientOf(r.Header)
		ctx := apprelease.WithRequest(r.Context(), apprelease.Request{Client: c, Release: p.Release(c.Name)})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// GraphQLMetrics counts GraphQL operations by client.
type GraphQLMetrics struct {
	operations     *prometheus.CounterVec
	untrusted      *prometheus.CounterVec
	updateRequired *prometheus.CounterVec
}

// NewGraphQLMetrics registers satupintu_graphql_operations_total,
// satupintu_graphql_untrusted_operations_total and
// satupintu_app_update_required_total on reg.
func NewGraphQLMetrics(reg prometheus.Registerer) *GraphQLMetrics {
	m := &GraphQLMetrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_graphql_operations_total",
			Help: "GraphQL operations by client (the apollographql-client-name header: a known app, other, or none), type (query, mutation, subscription; none when it never parsed) and result: ok, error (answered with errors), refused (not executed: a request error).",
		}, []string{"client", "type", "result"}),
		untrusted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_graphql_untrusted_operations_total",
			Help: "Operations in no trusted-documents manifest, run because SATUPINTU_TRUSTED_DOCUMENTS is log, by client.",
		}, []string{"client"}),
		updateRequired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_app_update_required_total",
			Help: "Requests refused with APP_UPDATE_REQUIRED (the app is older than SATUPINTU_MIN_APP_VERSION), by client.",
		}, []string{"client"}),
	}
	reg.MustRegister(m.operations, m.untrusted, m.updateRequired)
	return m
}

func (m *GraphQLMetrics) countUntrusted(client string) {
	if m != nil {
		m.untrusted.WithLabelValues(client).Inc()
	}
}

func (m *GraphQLMetrics) countUpdateRequired(client string) {
	if m != nil {
		m.updateRequired.WithLabelValues(client).Inc()
	}
}

// operationMetrics counts each operation once, at its first response
// (a subscription's first event), refused ones included: every answer of
// every transport goes through the executor's response chain.
type operationMetrics struct {
	m     *GraphQLMetrics
	label func(string) string
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = operationMetrics{}

func (operationMetrics) ExtensionName() string                   { return "OperationMetrics" }
func (operationMetrics) Validate(graphql.ExecutableSchema) error { return nil }

const countedStat = "satupintu.counted"

func (x operationMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || x.m == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Stats.GetExtension(countedStat) != nil {
		return resp
	}
	oc.Stats.SetExtension(countedStat, true)
	typ := "none"
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
	}
	result := "ok"
	switch {
	case len(resp.Data) == 0 && len(resp.Errors) > 0:
		result = "refused"
	case len(resp.Errors) > 0:
		result = "error"
	}
	x.m.operations.WithLabelValues(x.label(apprelease.RequestFrom(ctx).Client.Name), typ, result).Inc()
	return resp
}
