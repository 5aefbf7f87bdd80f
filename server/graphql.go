package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
)

func init() {
	// Over-limit operations are the client's fault: 400/422, not 200.
	errcode.RegisterErrorType(string(sp.CodeQueryLimit), errcode.KindProtocol)
}

// newGraphQL builds the gqlgen handler with the edge's limits.
func newGraphQL(d Deps, rl *rateLimiter) http.Handler {
	// Resolver and list-element goroutines run on idle workers whose stacks
	// have already grown (third_party/README.md): growing a new goroutine's
	// stack was about 15% of a home screen's CPU. satupintu resolves no
	// GraphQL inside testing/synctest bubbles and sets no pprof labels.
	graphql.ReuseGoroutines(true)
	srv := handler.New(d.Schema)
	// Subscriptions first: the first transport that accepts a request wins.
	srv.AddTransport(newWebsocketTransport(d, rl))
	srv.AddTransport(transport.SSE{})
	// @defer's parts over multipart/mixed (Apollo Client's format), before
	// httpTransport, which takes every other GET and POST and would answer
	// the same requests once (see defer.go). Parts ready within 10 ms go out
	// together; a shorter tick would wake every open deferred answer that
	// much more often.
	srv.AddTransport(incremental{transport.MultipartMixed{Boundary: "graphql", DeliveryTimeout: 10 * time.Millisecond}})
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodOptions, http.MethodGet, http.MethodPost}})
	srv.AddTransport(httpTransport{}) // GET and POST, after the streaming transports
	srv.AddTransport(otherMethods{})

	srv.Use(wholeAnswers{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](d.Limits.QueryCacheSize))
	srv.SetParserTokenLimit(d.Limits.MaxTokens)
	srv.SetDisableSuggestion(!d.Introspection)
	if d.Introspection {
		srv.Use(extension.Introspection{})
	}
	label := d.Clients.label()
	persisted := persistedQueries{apq: apqCache(d), trusted: d.TrustedDocuments, mode: d.TrustedMode}
	// Before parsing: the text of a hash, then the gates (an outdated app,
	// no token), so that neither is parsed and validated for what it may
	// not ask.
	srv.Use(persisted)
	srv.Use(edgeGates{introspection: d.Introspection, tokenLimit: d.Limits.MaxTokens, log: d.Logger, metrics: d.GraphQLMetrics, clientLabel: label})
	// After validation: the limits, then what passed them is kept (APQ) or
	// logged (trusted documents in log mode).
	srv.Use(newQueryLimits(d.Limits, d.Introspection))
	srv.Use(persistedCommit{persistedQueries: persisted, log: d.Logger, metrics: d.GraphQLMetrics, label: label})
	srv.Use(operationMetrics{m: d.GraphQLMetrics, label: label})

	srv.SetErrorPresenter(presentError(d.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		d.Logger.ErrorContext(ctx, "panic in resolver", "request_id", sp.RequestIDFrom(ctx),
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return sp.Errorf(sp.CodeInternal, "internal error")
	})
	srv.AroundOperations(tokenLifetime)
	for _, x := range d.Extensions {
		srv.Use(x)
	}
	return srv
}

// tokenLifetime ends a subscription when the token that opened it expires
// (a websocket's context already does: see websocketInit).
func tokenLifetime(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	p, ok := auth.PrincipalFrom(ctx)
	if oc := graphql.GetOperationContext(ctx); ok && oc.Operation != nil && oc.Operation.Operation == ast.Subscription && !endsBy(ctx, p.ExpiresAt) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, p.ExpiresAt)
		context.AfterFunc(ctx, cancel)
	}
	return next(ctx)
}

// endsBy reports whether ctx ends at t or earlier.
func endsBy(ctx context.Context, t time.Time) bool {
	d, ok := ctx.Deadline()
	return ok && !d.After(t)
}

// presentError writes errors out as clients read them: an *sp.Error (the
// resolvers map domain errors to one: resolvers/errors.go) keeps its code,
// message and agency; gqlgen's own errors (parse, validation) pass
// through; anything else is "internal error" with the detail in the log.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var e *sp.Error
		switch {
		case errors.As(err, &e):
			gerr.Message = sp.ErrorMessageOf(err)
			if gerr.Extensions == nil {
				gerr.Extensions = map[string]any{}
			}
			gerr.Extensions["code"] = string(e.Code)
			if e.Agency != "" {
				gerr.Extensions["agency"] = agencyEnum(e.Agency)
				log.WarnContext(ctx, "agency failed", "request_id", sp.RequestIDFrom(ctx),
					"agency", e.Agency, "code", e.Code, "error", err.Error())
			} else if e.Code == sp.CodeInternal {
				log.ErrorContext(ctx, "internal error", "request_id", sp.RequestIDFrom(ctx), "error", err.Error())
			}
		case isGQLError(err):
			// Parser, validation, limit and argument errors: already
			// client-safe. Each gets a code, and gqlgen's own a wrapper in
			// Indonesian.
			if gerr.Extensions == nil {
				gerr.Extensions = map[string]any{}
			}
			code := codeOf(gerr)
			switch {
			case code != "":
			case gerr.Err != nil:
				// gqlgen wraps the cause of an input it could not coerce
				// (a scalar's or enum's unmarshalling): the client's.
				code = sp.CodeInvalidInput
				gerr.Extensions["code"] = string(code)
			default:
				// A value the schema does not allow (gqlgen's "must not be
				// null"): a bug on this side.
				code = sp.CodeInternal
				gerr.Extensions["code"] = string(code)
				log.ErrorContext(ctx, "internal error", "request_id", sp.RequestIDFrom(ctx), "error", err.Error())
			}
			if prefix, ok := gqlgenPrefixes[code]; ok && sp.LangFrom(ctx) == sp.LangID {
				gerr.Message = prefix + gerr.Message
			}
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			gerr.Message = sp.Text{ID: "Permintaan terlalu lama; coba lagi.", EN: "The request took too long; try again."}.In(sp.LangFrom(ctx))
			gerr.Extensions = map[string]any{"code": string(sp.CodeUnavailable)}
		default:
			log.ErrorContext(ctx, "internal error", "request_id", sp.RequestIDFrom(ctx), "error", err.Error())
			gerr.Message = sp.Text{ID: "Terjadi kesalahan internal.", EN: "internal error"}.In(sp.LangFrom(ctx))
			gerr.Extensions = map[string]any{"code": string(sp.CodeInternal)}
		}
		return gerr
	}
}

// gqlgenPrefixes say in Indonesian what gqlgen's English messages are
// about; the detail (a field name, a position) stays as gqlgen wrote it.
var gqlgenPrefixes = map[sp.ErrorCode]string{
	codeParseFailed:      "Dokumen GraphQL tidak dapat diurai: ",
	codeValidationFailed: "Operasi GraphQL tidak sesuai skema: ",
	codeComplexityLimit:  "Operasi terlalu rumit; mintalah lebih sedikit dalam satu permintaan: ",
}

func isGQLError(err error) bool {
	var g *gqlerror.Error
	return errors.As(err, &g)
}

// agencyEnum is the agency as the GraphQL enum Agency spells it.
func agencyEnum(a sp.Agency) string { return strings.ToUpper(string(a)) }
