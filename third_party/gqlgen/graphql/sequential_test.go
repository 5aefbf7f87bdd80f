package graphql

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// satupintu patch: OperationContext.Sequential. The tasks below append to
// one slice without a lock: run concurrently, the race detector fails the
// test, and the order would not be the fields' or the elements'.

func TestSequentialFieldSetResolvesInTurn(t *testing.T) {
	for _, sequential := range []bool{true, false} {
		oc := &OperationContext{Sequential: sequential}
		fields := make([]CollectedField, 4)
		for i := range fields {
			fields[i] = CollectedField{Field: &ast.Field{Alias: string(rune('a' + i))}}
		}
		m := NewFieldSet(fields)
		deferred := NewDeferredGroup(context.Background())
		var order []int
		var done [4]bool
		for i := range fields {
			m.ResolveConcurrently(oc, &deferred, i, true, true, func(context.Context) Marshaler {
				if sequential {
					order = append(order, i)
				}
				done[i] = true
				return MarshalInt(i)
			})
		}
		m.Dispatch(context.Background())
		if sequential && !slices.Equal(order, []int{0, 1, 2, 3}) {
			t.Errorf("sequential: fields resolved in the order %v; want 0 1 2 3", order)
		}
		for i, v := range m.Values {
			if v == nil || !done[i] {
				t.Errorf("sequential=%v: field %d not resolved", sequential, i)
			}
		}
	}
}

func TestSequentialSliceMarshalsInTurn(t *testing.T) {
	ctx := WithOperationContext(context.Background(), &OperationContext{Sequential: true})
	var order []int
	ret := MarshalSliceConcurrently(ctx, 5, 0, false, func(ctx context.Context, i int) Marshaler {
		order = append(order, i)
		if GetFieldContext(ctx).Index == nil || *GetFieldContext(ctx).Index != i {
			t.Errorf("element %d: its field context has the index %v", i, GetFieldContext(ctx).Index)
		}
		return MarshalInt(i)
	})
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Errorf("elements marshalled in the order %v; want 0 1 2 3 4", order)
	}
	for i, v := range ret {
		if v == nil {
			t.Errorf("element %d missing", i)
		}
	}
}

// A sequential list reports an element's panic, and nulls that element
// only, as a concurrent one does.
func TestSequentialSliceNullsAPanickingElement(t *testing.T) {
	ctx := WithOperationContext(withTestResponseContext(context.Background()), &OperationContext{Sequential: true})
	ret := MarshalSliceConcurrently(ctx, 3, 0, false, func(_ context.Context, i int) Marshaler {
		if i == 1 {
			panic("test panic")
		}
		return MarshalString("ok")
	})
	var b bytes.Buffer
	ret.MarshalGQL(&b)
	if b.String() != `["ok",null,"ok"]` {
		t.Errorf("list %s; want the panicking element null", b.String())
	}
	var got []string
	for _, err := range GetErrors(ctx) {
		got = append(got, err.Message)
	}
	if !slices.Equal(got, []string{"input: [1] internal system error"}) {
		t.Errorf("errors %v; want the panic at [1]", got)
	}
}
