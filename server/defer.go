package server

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// @defer is delivered in parts only where the answer can carry them:
// multipart/mixed, the incremental format Apollo Client's @defer support
// reads. Every other transport answers once (application/json,
// application/graphql-response+json, GET, SSE, websockets), so there
// @defer is treated as absent and the one answer holds the whole result,
// rather than the first part alone with "hasNext": true.

// incremental marks the requests of a transport whose answer carries
// incremental parts.
type incremental struct{ graphql.Transport }

type incrementalKey struct{}

func (t incremental) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t.Transport.Do(w, r.WithContext(context.WithValue(r.Context(), incrementalKey{}, true)), exec)
}

// wholeAnswers removes @defer from the operations of requests that arrive
// over a transport answering once.
type wholeAnswers struct{}

var _ graphql.OperationContextMutator = wholeAnswers{}

func (wholeAnswers) ExtensionName() string                   { return "WholeAnswers" }
func (wholeAnswers) Validate(graphql.ExecutableSchema) error { return nil }

func (wholeAnswers) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	// No "defer" in the text, no @defer: most operations stop here.
	if ctx.Value(incrementalKey{}) != nil || oc.Doc == nil || oc.Operation == nil || !strings.Contains(oc.RawQuery, "defer") {
		return nil
	}
	oc.Doc, oc.Operation = withoutDefer(oc.Doc, oc.Operation)
	return nil
}

// withoutDefer returns doc and its operation op with every @defer removed.
// The parsed document is shared through the query cache and must not
// change, so what holds a @defer is copied, with the path down to it; the
// rest is shared. (Fragment spreads keep pointing at the original
// fragment definitions: execution looks fragments up in doc by name.)
func withoutDefer(doc *ast.QueryDocument, op *ast.OperationDefinition) (*ast.QueryDocument, *ast.OperationDefinition) {
	var frags ast.FragmentDefinitionList
	for i, f := range doc.Fragments {
		sel, changed := selectionsWithoutDefer(f.SelectionSet)
		if !changed {
			continue
		}
		if frags == nil {
			frags = slices.Clone(doc.Fragments)
		}
		c := *f
		c.SelectionSet = sel
		frags[i] = &c
	}
	sel, opChanged := selectionsWithoutDefer(op.SelectionSet)
	if frags == nil && !opChanged {
		return doc, op
	}
	d := *doc
	if frags != nil {
		d.Fragments = frags
	}
	if opChanged {
		c := *op
		c.SelectionSet = sel
		d.Operations = slices.Clone(doc.Operations)
		for i, o := range d.Operations {
			if o == op {
				d.Operations[i] = &c
			}
		}
		op = &c
	}
	return &d, op
}

// selectionsWithoutDefer returns s without @defer, and whether it had any
// (s itself when not).
func selectionsWithoutDefer(s ast.SelectionSet) (ast.SelectionSet, bool) {
	var out ast.SelectionSet // made at the first change
	for i, sel := range s {
		n, changed := selectionWithoutDefer(sel)
		if changed && out == nil {
			out = slices.Clone(s)
		}
		if out != nil {
			out[i] = n
		}
	}
	if out == nil {
		return s, false
	}
	return out, true
}

func selectionWithoutDefer(sel ast.Selection) (ast.Selection, bool) {
	switch sel := sel.(type) {
	case *ast.Field:
		ss, changed := selectionsWithoutDefer(sel.SelectionSet)
		if !changed {
			return sel, false
		}
		c := *sel
		c.SelectionSet = ss
		return &c, true
	case *ast.InlineFragment:
		ss, changedSel := selectionsWithoutDefer(sel.SelectionSet)
		ds, changedDir := directivesWithoutDefer(sel.Directives)
		if !changedSel && !changedDir {
			return sel, false
		}
		c := *sel
		c.SelectionSet, c.Directives = ss, ds
		return &c, true
	case *ast.FragmentSpread:
		ds, changed := directivesWithoutDefer(sel.Directives)
		if !changed {
			return sel, false
		}
		c := *sel
		c.Directives = ds
		return &c, true
	}
	return sel, false
}

func directivesWithoutDefer(ds ast.DirectiveList) (ast.DirectiveList, bool) {
	if ds.ForName("defer") == nil {
		return ds, false
	}
	return slices.DeleteFunc(slices.Clone(ds), func(d *ast.Directive) bool { return d.Name == "defer" }), true
}
