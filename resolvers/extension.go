package resolvers

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/readmodel"
)

// Extension is what the resolvers need around the GraphQL executor; the
// server installs it (server.Deps.Extensions). For each response of a
// signed-in citizen it makes the records loader, and after the last part
// reports the agency failures no selected field reported; around every
// field it maps the field's error through the one table (errors.go).
func (r *Resolver) Extension() graphql.HandlerExtension { return extension{r} }

type extension struct{ r *Resolver }

var (
	_ graphql.OperationInterceptor    = extension{}
	_ graphql.ResponseInterceptor     = extension{}
	_ graphql.OperationContextMutator = extension{}
)

func (extension) ExtensionName() string                   { return "SatupintuResolvers" }
func (extension) Validate(graphql.ExecutableSchema) error { return nil }

// citizenResponse is one response's state for a signed-in citizen.
type citizenResponse struct {
	loader *readmodel.Loader

	mu       sync.Mutex
	home     ast.Path                     // where home sits in the response; nil when not asked
	subjects map[sp.NIK]*readmodel.Loader // the loaders of other people's records (Query.subject)
	// actorName is the citizen's name as Dukcapil has it, read when they
	// act for someone else: what that person's access log shows.
	actorName string
}

type responseKey struct{}

// responseFrom returns the response's state, or nil when the request is
// not a citizen's.
func responseFrom(ctx context.Context) *citizenResponse {
	rs, _ := ctx.Value(responseKey{}).(*citizenResponse)
	return rs
}

// reportAtHome makes home's path the place of the agency failures no
// selected field reports (a home screen that skipped the failing part
// still learns which agency failed).
func reportAtHome(ctx context.Context) {
	if rs := responseFrom(ctx); rs != nil {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		rs.home = graphql.GetFieldContext(ctx).Path()
	}
}

// InterceptOperation gives a query or mutation one loader for all its
// parts: a deferred fragment resolves after the first part is written, and
// must join the reads home started, not read again.
func (x extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || graphql.GetOperationContext(ctx).Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	rs := &citizenResponse{loader: readmodel.NewLoader(x.r.Agencies, p.NIK)}
	// Every agency read of the operation, the policy's too, is noted for
	// the access log; the policy reads the citizen's own record and card
	// through the loader, once with the fields that show them.
	ctx = policy.WithRegistry(ctx, rs.loader.Registry())
	return next(rs.loader.Watch(context.WithValue(ctx, responseKey{}, rs)))
}

// InterceptResponse gives each event of a subscription a loader of its own
// (one per operation would read stale records and be held while idle for
// hours), and with the operation's last part reports the failures no field
// did: only then has every field, deferred ones included, had its chance.
func (x extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	rs := responseFrom(ctx)
	if rs == nil {
		p, ok := auth.PrincipalFrom(ctx)
		if !ok {
			return next(ctx)
		}
		rs = &citizenResponse{loader: readmodel.NewLoader(x.r.Agencies, p.NIK)}
		ctx = rs.loader.Watch(context.WithValue(ctx, responseKey{}, rs))
	}
	resp := next(ctx)
	if resp == nil {
		return resp
	}
	// Each part waits for the access log entries of the reads it used.
	x.logReads(ctx, rs, resp)
	if resp.HasNext != nil && *resp.HasNext {
		return resp
	}
	rs.mu.Lock()
	home := rs.home
	rs.mu.Unlock()
	if home == nil {
		return resp
	}
	unreported := rs.loader.Unreported()
	if len(unreported) == 0 {
		return resp
	}
	// The fields' errors are already in resp; these go through the same
	// error presenter and follow them.
	before := len(graphql.GetErrors(ctx))
	for _, err := range unreported {
		graphql.AddError(ctx, gqlerror.WrapPath(home, err))
	}
	resp.Errors = append(resp.Errors, graphql.GetErrors(ctx)[before:]...)
	return resp
}

// MutateOperationContext maps every field's error the same way
// (fieldError). It wraps the operation's field middleware once, rather
// than being a FieldInterceptor: gqlgen chains an interceptor with a
// closure made for every field resolved (about 80 allocations a home).
//
// A plain field (a struct field of a scalar that cannot fail to marshal)
// has no error to map, and no extension of satupintu's looks at every
// field: such fields are written straight from their values
// (graphql.OperationContext's DirectFields), without a field context each.
// An extension that must see every field (per-field tracing) would have to
// turn that off. Queries that start all their reads in advance resolve on
// one goroutine (prefetchesAll).
func (extension) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	oc.DirectFields = true
	oc.Sequential = prefetchesAll(oc)
	inner := oc.ResolverMiddleware
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := inner(ctx, next)
		if err != nil {
			return fieldError(ctx, err)
		}
		return res, nil
	}
	return nil
}
