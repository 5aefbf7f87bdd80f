package server

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Increments merge at their paths, through lists, into objects already
// there; one under a parent nulled by an error is dropped; errors add up;
// big integers stay whole.
func TestWholeResultMergesIncrements(t *testing.T) {
	yes, no := true, false
	first := &graphql.Response{Data: json.RawMessage(`{"home":{"name":"BUDI","cases":[{"id":"1"},{"id":"2"}],"police":null}}`), HasNext: &yes}
	parts := []*graphql.Response{
		{Path: ast.Path{ast.PathName("home")}, Data: json.RawMessage(`{"social":{"decile":2},"big":9007199254740993}`), HasNext: &yes},
		{Path: ast.Path{ast.PathName("home"), ast.PathName("cases"), ast.PathIndex(1)}, Data: json.RawMessage(`{"status":"FORWARDED"}`), HasNext: &yes},
		{Path: ast.Path{ast.PathName("home"), ast.PathName("police")}, Data: json.RawMessage(`{"licences":[]}`), HasNext: &yes,
			Errors: gqlerror.List{{Message: "police down"}}},
		{Path: ast.Path{ast.PathName("home"), ast.PathName("social")}, Data: json.RawMessage(`{"programmes":[]}`), HasNext: &no},
	}
	i := 0
	got := wholeResult(context.Background(), first, func(context.Context) *graphql.Response {
		if i == len(parts) {
			t.Fatal("read past the last increment")
		}
		i++
		return parts[i-1]
	})
	want := `{"home":{"big":9007199254740993,"cases":[{"id":"1"},{"id":"2","status":"FORWARDED"}],"name":"BUDI","police":null,"social":{"decile":2,"programmes":[]}}}`
	if string(got.Data) != want || got.HasNext != nil || len(got.Errors) != 1 {
		t.Errorf("got %s hasNext %v errors %v", got.Data, got.HasNext, got.Errors)
	}
}
