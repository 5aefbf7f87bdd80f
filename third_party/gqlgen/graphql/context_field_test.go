package graphql

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
)

func TestGetResolverContext(t *testing.T) {
	require.Nil(t, GetFieldContext(context.Background()))

	rc := &FieldContext{}
	require.Equal(t, rc, GetFieldContext(WithFieldContext(context.Background(), rc)))
}

func TestNewScalarFieldContext(t *testing.T) {
	field := CollectedField{
		Field: &ast.Field{Name: "name"},
	}

	fc, err := NewScalarFieldContext("User", field, true, false, "String")
	require.NoError(t, err)
	require.Equal(t, "User", fc.Object)
	require.Equal(t, field, fc.Field)
	require.True(t, fc.IsMethod)
	require.False(t, fc.IsResolver)

	// Child callback must always return an error naming the given type.
	childFC, childErr := fc.Child(context.Background(), CollectedField{})
	require.Nil(t, childFC)
	require.EqualError(t, childErr, "field of type String does not have child fields")
}

func testContext(sel ast.SelectionSet) context.Context {
	ctx := context.Background()

	rqCtx := &OperationContext{}
	ctx = WithOperationContext(ctx, rqCtx)

	root := &FieldContext{
		Field: CollectedField{
			Selections: sel,
		},
	}
	ctx = WithFieldContext(ctx, root)

	return ctx
}

// satupintu patch: a field context's node answers its own field context,
// and any other key from the contexts below it, including values and
// cancellation set between two nodes.
func TestFieldContextNodesLookThroughEachOther(t *testing.T) {
	type key string
	base, cancel := context.WithCancel(context.WithValue(context.Background(), key("request"), "r"))
	outer := &FieldContext{Object: "Home"}
	ctx := WithFieldContext(base, outer)
	middle := &FieldContext{Object: "Health"}
	ctx = WithFieldContext(ctx, middle)
	ctx = context.WithValue(ctx, key("resolver"), "v") // a resolver's own value, between two fields
	inner := &FieldContext{Object: "Membership"}
	ctx = WithFieldContext(ctx, inner)
	leaf := &FieldContext{Object: "Coding"}
	ctx = WithFieldContext(ctx, leaf)

	if got := GetFieldContext(ctx); got != leaf {
		t.Errorf("field context %v; want the innermost", got.Object)
	}
	if leaf.Parent != inner || inner.Parent != middle || middle.Parent != outer || outer.Parent != nil {
		t.Errorf("parents: leaf→%v inner→%v middle→%v", leaf.Parent, inner.Parent, middle.Parent)
	}
	if got := ctx.Value(key("request")); got != "r" {
		t.Errorf("the request's value %v; want r", got)
	}
	if got := ctx.Value(key("resolver")); got != "v" {
		t.Errorf("the value set between fields %v; want v", got)
	}
	if got := WithFieldContext(base, &FieldContext{}).Value(key("resolver")); got != nil {
		t.Errorf("a value set below another field is seen from a sibling: %v", got)
	}
	cancel()
	if ctx.Err() == nil {
		t.Error("cancelling the request's context did not reach the innermost field")
	}
}
