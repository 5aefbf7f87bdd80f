package graphql

import (
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/vektah/gqlparser/v2/ast"
)

// satupintu patch: the fields CollectFields collects for a selection
// depend on the document, the object's type and, through @skip, @include
// and @defer, on the request's variables. For a document none of whose
// directives takes a variable, they are the same for every request, so
// they are kept with the document, which gqlgen's query cache hands to
// every request with the same text (an app's persisted and trusted
// operations): collected once, not on every request. That was about 8% of
// a home screen's CPU and 50 allocations.
//
// The caches are keyed by a weak pointer to the document and dropped when
// it is collected, so a document that is not cached costs one entry for
// its life and no more.

// docFieldsCache is a document's shared cache; nil store: not shareable.
// responseSize is the length of the last response to one of its
// operations (response_size.go).
type docFieldsCache struct {
	store        *collectFieldsCacheStore
	responseSize *atomic.Int64
}

var docFieldsCaches sync.Map // weak.Pointer[ast.QueryDocument] -> docFieldsCache

// collectFieldsCacheFor is the cache CollectFields uses for c.
func (c *OperationContext) collectFieldsCacheFor() *collectFieldsCacheStore {
	if s := c.fieldsCache.Load(); s != nil {
		return s
	}
	s := docCacheOf(c.Doc).store
	if s == nil {
		s = &c.collectFieldsCache
	}
	c.fieldsCache.CompareAndSwap(nil, s)
	return c.fieldsCache.Load()
}

// docCacheOf is doc's cache; its store is nil when a directive in doc
// takes a variable. A nil doc has an empty one.
func docCacheOf(doc *ast.QueryDocument) docFieldsCache {
	if doc == nil {
		return docFieldsCache{}
	}
	key := weak.Make(doc)
	if v, ok := docFieldsCaches.Load(key); ok {
		return v.(docFieldsCache)
	}
	c := docFieldsCache{responseSize: new(atomic.Int64)}
	if !directivesTakeVariables(doc) {
		c.store = &collectFieldsCacheStore{}
	}
	v, loaded := docFieldsCaches.LoadOrStore(key, c)
	if !loaded {
		runtime.AddCleanup(doc, func(k weak.Pointer[ast.QueryDocument]) { docFieldsCaches.Delete(k) }, key)
	}
	return v.(docFieldsCache)
}

// directivesTakeVariables reports whether a directive anywhere in doc (its
// operations and fragments) has an argument holding a variable.
func directivesTakeVariables(doc *ast.QueryDocument) bool {
	for _, op := range doc.Operations {
		if directivesHoldVariables(op.Directives) || selectionsTakeVariables(op.SelectionSet) {
			return true
		}
	}
	for _, f := range doc.Fragments {
		if directivesHoldVariables(f.Directives) || selectionsTakeVariables(f.SelectionSet) {
			return true
		}
	}
	return false
}

func selectionsTakeVariables(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if directivesHoldVariables(s.Directives) || selectionsTakeVariables(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if directivesHoldVariables(s.Directives) || selectionsTakeVariables(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if directivesHoldVariables(s.Directives) {
				return true
			}
		}
	}
	return false
}

func directivesHoldVariables(ds ast.DirectiveList) bool {
	for _, d := range ds {
		for _, a := range d.Arguments {
			if valueHoldsVariable(a.Value) {
				return true
			}
		}
	}
	return false
}

func valueHoldsVariable(v *ast.Value) bool {
	if v == nil {
		return false
	}
	if v.Kind == ast.Variable {
		return true
	}
	for _, c := range v.Children {
		if valueHoldsVariable(c.Value) {
			return true
		}
	}
	return false
}
