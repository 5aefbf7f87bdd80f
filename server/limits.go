package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
)

// queryLimits refuses operations nested too deep, with too many aliases or
// with too many fields once fragments are expanded. gqlgen has none of
// these built in. The walk stops at the first limit crossed, so a document
// whose fragments multiply (each spreading the next twice) costs no more
// than the limit to refuse.
type queryLimits struct {
	maxDepth, maxAliases, maxFields int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = queryLimits{}

func (queryLimits) ExtensionName() string                          { return "QueryLimits" }
func (queryLimits) Validate(schema graphql.ExecutableSchema) error { return nil }

func (q queryLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walk{limits: q, doc: oc.Doc}
	if err := w.selections(oc.Operation.SelectionSet, 1); err != nil {
		return err
	}
	return nil
}

type walk struct {
	limits  queryLimits
	doc     *ast.QueryDocument
	fields  int
	aliases int
	inFrag  []string // fragments being expanded, against cycles
}

func (w *walk) selections(set ast.SelectionSet, depth int) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if depth > w.limits.maxDepth {
				return limitError("the query is nested %d levels deep; the limit is %d", depth, w.limits.maxDepth)
			}
			w.fields++
			if w.fields > w.limits.maxFields {
				return limitError("the query selects more than %d fields (fragments expanded)", w.limits.maxFields)
			}
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
				if w.aliases > w.limits.maxAliases {
					return limitError("the query uses more than %d aliases", w.limits.maxAliases)
				}
			}
			if err := w.selections(s.SelectionSet, depth+1); err != nil {
				return err
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func limitError(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...) + ": ask for less in one request",
		Extensions: map[string]any{"code": string(sp.CodeQueryLimit)},
	}
}
