package server

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

func formatted(doc *ast.QueryDocument) string {
	var b strings.Builder
	formatter.NewFormatter(&b).FormatQueryDocument(doc)
	return b.String()
}

func parse(t *testing.T, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// withoutDefer removes every @defer (inline fragments, spreads, inside
// fragment definitions and deep in fields), keeps every other directive,
// and leaves the parsed document, shared through the query cache, as it
// was.
func TestWithoutDeferCopiesWhatItChanges(t *testing.T) {
	const in = `query Home($x: Boolean!) {
		me { name }
		home {
			name @include(if: $x)
			... @defer(label: "a") { alerts { kind } }
			...Health @defer
			police { ... @skip(if: $x) @defer(if: $x) { licences { number } } }
		}
	}
	query Other { me { name } }
	fragment Health on Home { health { ... @defer { membership { cardNumber } } immunizations { id } } }
	fragment Plain on Home { name }`
	const want = `query Home($x: Boolean!) {
		me { name }
		home {
			name @include(if: $x)
			... { alerts { kind } }
			...Health
			police { ... @skip(if: $x) { licences { number } } }
		}
	}
	query Other { me { name } }
	fragment Health on Home { health { ... { membership { cardNumber } } immunizations { id } } }
	fragment Plain on Home { name }`

	doc := parse(t, in)
	before := formatted(doc)
	op := doc.Operations.ForName("Home")
	gotDoc, gotOp := withoutDefer(doc, op)

	if got, w := formatted(gotDoc), formatted(parse(t, want)); got != w {
		t.Errorf("without @defer:\n%s\nwant:\n%s", got, w)
	}
	if gotDoc.Operations.ForName("Home") != gotOp || gotOp == op {
		t.Error("the operation returned is not the copy in the document returned")
	}
	if formatted(doc) != before {
		t.Errorf("the parsed document changed:\n%s", formatted(doc))
	}
	// What held no @defer is shared, not copied.
	if gotDoc.Operations.ForName("Other") != doc.Operations.ForName("Other") ||
		gotDoc.Fragments.ForName("Plain") != doc.Fragments.ForName("Plain") ||
		gotOp.SelectionSet[0] != op.SelectionSet[0] {
		t.Error("parts without @defer were copied")
	}

	// Nothing to remove: the same document and operation.
	plain := parse(t, `{ home { name ...P } } fragment P on Home { police { licences { number } } }`)
	if d, o := withoutDefer(plain, plain.Operations[0]); d != plain || o != plain.Operations[0] {
		t.Error("a document without @defer was copied")
	}
}
