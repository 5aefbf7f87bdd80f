package server

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/apprelease"
	"github.com/satupintu/satupintu/auth"
)

// edgeGates stops two kinds of request before their document is validated
// or anything runs, each with one exception:
//
//   - an app older than its minimum version (SATUPINTU_MIN_APP_VERSION) is
//     refused with APP_UPDATE_REQUIRED, except an operation that asks only
//     appConfig: the app asks it to learn that it must update;
//   - a request without a token is refused with UNAUTHENTICATED (401),
//     except a query that asks only appConfig (and, in dev mode,
//     introspection), which the app asks before sign-in.
//
// The exceptions are decided on the document itself, every operation and
// fragment in it: a query whose root fields are all in the exception's
// list (__typename may come along, not alone). A document that does not parse gets the refusal,
// not a parse error: without a token nothing about the schema is told
// beyond what the exception may ask. authenticate lets requests without a
// token through to here; one with a bad token never gets this far.
type edgeGates struct {
	introspection bool
	tokenLimit    int
	log           *slog.Logger
	metrics       *GraphQLMetrics
	clientLabel   func(string) string
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = edgeGates{}

func (edgeGates) ExtensionName() string                   { return "EdgeGates" }
func (edgeGates) Validate(graphql.ExecutableSchema) error { return nil }

// appConfigOnly is what an outdated app may still ask.
var appConfigOnly = map[string]bool{"appConfig": true, "__typename": true}

// anonymous is what a request without a token may ask.
func (g edgeGates) anonymous() map[string]bool {
	if g.introspection {
		return map[string]bool{"appConfig": true, "__typename": true, "__schema": true, "__type": true}
	}
	return appConfigOnly
}

func (g edgeGates) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	app := apprelease.RequestFrom(ctx)
	outdated := app.Release.Outdated(app.Client.Version)
	_, signedIn := auth.PrincipalFrom(ctx)
	if !outdated && signedIn {
		return nil // the usual case costs nothing here
	}
	// Parsed again, validated and cached by gqlgen if it passes.
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, g.tokenLimit)
	if outdated && (err != nil || !onlyRootFields(doc, appConfigOnly)) {
		g.metrics.countUpdateRequired(g.clientLabel(app.Client.Name))
		g.log.InfoContext(ctx, "app update required", "request_id", sp.RequestIDFrom(ctx),
			"client", app.Client.Name, "client_version", app.Client.Version, "minimum_version", app.Release.MinimumVersion)
		return updateRequired(ctx, app)
	}
	if !signedIn && (err != nil || !onlyRootFields(doc, g.anonymous())) {
		return edgeError(ctx, sp.CodeUnauthenticated, sp.Text{
			ID: "Masuk dulu: kirim token akses sebagai Authorization: Bearer <token>.",
			EN: "Sign in first: send the access token as Authorization: Bearer <token>.",
		})
	}
	return nil
}

// updateRequired is the refusal of an outdated app: what it needs to show
// its "please update" screen is in extensions.
func updateRequired(ctx context.Context, app apprelease.Request) *gqlerror.Error {
	e := edgeError(ctx, CodeAppUpdateRequired, sp.Text{
		ID: "Versi aplikasi ini tidak didukung lagi. Perbarui ke versi " + app.Release.MinimumVersion + " atau yang lebih baru.",
		EN: "This version of the app is no longer supported. Update to version " + app.Release.MinimumVersion + " or later.",
	})
	e.Extensions["minimumVersion"] = app.Release.MinimumVersion
	e.Extensions["updateUrl"] = app.Release.UpdateURL
	return e
}

// onlyRootFields reports whether every operation of doc is a query whose
// root fields, through fragments, are all in allowed, and which asks one of
// them besides __typename ({ __typename } alone is no exception).
func onlyRootFields(doc *ast.QueryDocument, allowed map[string]bool) bool {
	if doc == nil || len(doc.Operations) == 0 {
		return false
	}
	for _, op := range doc.Operations {
		w := rootWalk{doc: doc, allowed: allowed, seen: map[string]bool{}}
		if op.Operation != ast.Query || !w.only(op.SelectionSet) || !w.asked {
			return false
		}
	}
	return true
}

type rootWalk struct {
	doc     *ast.QueryDocument
	allowed map[string]bool
	seen    map[string]bool // fragments spread, against cycles
	asked   bool            // a field besides __typename
}

func (w *rootWalk) only(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !w.allowed[s.Name] {
				return false
			}
			w.asked = w.asked || s.Name != "__typename"
		case *ast.InlineFragment:
			if !w.only(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if w.seen[s.Name] {
				continue // checked already, or a cycle validation refuses
			}
			w.seen[s.Name] = true
			f := w.doc.Fragments.ForName(s.Name)
			if f == nil || !w.only(f.SelectionSet) {
				return false
			}
		}
	}
	return true
}
