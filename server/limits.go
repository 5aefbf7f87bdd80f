package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
)

// queryLimits refuses operations nested too deep, with too many aliases or
// with too many fields once fragments are expanded. gqlgen has none of
// these built in. The walk stops at the first limit crossed, so a document
// whose fragments multiply (each spreading the next twice) costs no more
// than the limit to refuse.
//
// With introspection off (production) an introspection field (__schema,
// __type) is refused with FORBIDDEN before anything runs. With it on (dev
// mode), an introspection field (__schema,
// __type) and everything under it count against a budget of their own
// instead of the depth and field limits: the standard introspection query
// (graphql-js's getIntrospectionQuery, which codegen, IDEs and the
// playground send) nests type references 15 levels deep. Aliases count
// against the one limit wherever they are.
//
// It also holds the operation to gqlgen's complexity limit (one per field:
// gqlgen.yml omits custom complexity, so the count depends on the
// document alone, never on variables). Both verdicts are kept for each
// parsed operation that passed: gqlgen's query cache hands the same
// *ast.OperationDefinition to every request with the same text, so an
// app's operations (trusted documents, APQ) are walked once, not on every
// request. Walking and counting the home screen was about 170 allocations
// a request.
type queryLimits struct {
	maxDepth, maxAliases, maxFields int
	maxComplexity                   int
	introspection                   bool

	es     graphql.ExecutableSchema
	passed *lru.Cache[*ast.OperationDefinition, struct{}]
}

// newQueryLimits keeps the verdicts of up to size operations (the query
// cache's size: an operation evicted there is parsed again into a new
// pointer, and this entry ages out).
func newQueryLimits(l Limits, introspection bool) *queryLimits {
	passed, err := lru.New[*ast.OperationDefinition, struct{}](max(l.QueryCacheSize, 1))
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &queryLimits{maxDepth: l.MaxDepth, maxAliases: l.MaxAliases, maxFields: l.MaxFields,
		maxComplexity: l.MaxComplexity, introspection: introspection, passed: passed}
}

// The introspection budget: getIntrospectionQuery needs depth 15 and 230
// fields with every option on; room is left for tools that ask a little
// more. __schema itself is free of gqlgen's complexity count, so these
// bound it.
const (
	introspectionMaxDepth  = 20
	introspectionMaxFields = 400
)

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*queryLimits)(nil)

func (*queryLimits) ExtensionName() string { return "QueryLimits" }

func (q *queryLimits) Validate(schema graphql.ExecutableSchema) error {
	q.es = schema
	return nil
}

func (q *queryLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Operation
	if op == nil {
		return nil
	}
	if q.passed.Contains(op) {
		return nil
	}
	w := walk{ctx: ctx, limits: q, doc: oc.Doc, introAt: -1}
	if err := w.selections(op.SelectionSet, 1); err != nil {
		return err
	}
	if n := complexity.Calculate(ctx, q.es, op, nil); n > q.maxComplexity {
		// gqlgen's FixedComplexityLimit's message and code.
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, q.maxComplexity)
		errcode.Set(err, string(codeComplexityLimit))
		return err
	}
	q.passed.Add(op, struct{}{})
	return nil
}

type walk struct {
	ctx     context.Context // the request's, for its language
	limits  *queryLimits
	doc     *ast.QueryDocument
	fields  int
	aliases int
	inFrag  []string // fragments being expanded, against cycles
	// introAt is the depth of the introspection field being walked, -1
	// outside one; introFields counts the fields under introspection.
	introAt     int
	introFields int
}

func (w *walk) selections(set ast.SelectionSet, depth int) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			isIntro := s.Name == "__schema" || s.Name == "__type"
			if isIntro && !w.limits.introspection {
				return edgeError(w.ctx, sp.CodeForbidden, sp.Text{
					ID: "Introspeksi tidak aktif di server ini; skemanya ada di repositori satupintu.",
					EN: "Introspection is off on this server; the schema is in the satupintu repository.",
				})
			}
			entering := w.introAt < 0 && isIntro
			if entering {
				w.introAt = depth
			}
			if err := w.count(s, depth); err != nil {
				return err
			}
			if err := w.selections(s.SelectionSet, depth+1); err != nil {
				return err
			}
			if entering {
				w.introAt = -1
			}
		case *ast.InlineFragment:
			if err := w.selections(s.SelectionSet, depth); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			f := w.doc.Fragments.ForName(s.Name)
			if f == nil || contains(w.inFrag, s.Name) {
				continue // validation reports unknown and cyclic fragments
			}
			w.inFrag = append(w.inFrag, s.Name)
			err := w.selections(f.SelectionSet, depth)
			w.inFrag = w.inFrag[:len(w.inFrag)-1]
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// count checks one field at depth against the limits that apply to it.
func (w *walk) count(f *ast.Field, depth int) *gqlerror.Error {
	if w.introAt >= 0 {
		if d := depth - w.introAt + 1; d > introspectionMaxDepth {
			return w.limitError(limitText{
				"introspeksi bersarang %d tingkat; batasnya %d", "introspection is nested %d levels deep; the limit is %d",
			}, d, introspectionMaxDepth)
		}
		w.introFields++
		if w.introFields > introspectionMaxFields {
			return w.limitError(limitText{
				"introspeksi memilih lebih dari %d field", "introspection selects more than %d fields",
			}, introspectionMaxFields)
		}
	} else {
		if depth > w.limits.maxDepth {
			return w.limitError(limitText{
				"query bersarang %d tingkat; batasnya %d", "the query is nested %d levels deep; the limit is %d",
			}, depth, w.limits.maxDepth)
		}
		w.fields++
		if w.fields > w.limits.maxFields {
			return w.limitError(limitText{
				"query memilih lebih dari %d field (fragmen dijabarkan)", "the query selects more than %d fields (fragments expanded)",
			}, w.limits.maxFields)
		}
	}
	if f.Alias != "" && f.Alias != f.Name {
		w.aliases++
		if w.aliases > w.limits.maxAliases {
			return w.limitError(limitText{"query memakai lebih dari %d alias", "the query uses more than %d aliases"}, w.limits.maxAliases)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// limitText is a limit's message format in Indonesian and English.
type limitText struct{ id, en string }

func (w *walk) limitError(t limitText, args ...any) *gqlerror.Error {
	return edgeError(w.ctx, sp.CodeQueryLimit, sp.Text{
		ID: fmt.Sprintf(t.id, args...) + ": mintalah lebih sedikit dalam satu permintaan.",
		EN: fmt.Sprintf(t.en, args...) + ": ask for less in one request.",
	})
}
