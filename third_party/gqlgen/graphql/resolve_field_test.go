package graphql

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
)

type ResolveFieldTest struct {
	name                      string
	recoverFromPanic          bool
	nonNull                   bool
	initializeFieldContextErr error
	panicMiddlewareChain      string
	panicResolverMiddleware   string
	panicFieldResolver        string
	fieldResolverValue        any
	fieldResolverErr          error
	marshalCalls              []int
	expected                  string
	expectedPanic             string
	expectedErr               string
	expectedCalls             int
}

var commonResolveFieldTests = []ResolveFieldTest{
	{
		name:               "should handle nullable field when field resolver returns nil value",
		fieldResolverValue: nil,
		expected:           "null",
		expectedCalls:      4,
	},
	{
		name:               "should fail non nullable field when field resolver returns nil value",
		nonNull:            true,
		fieldResolverValue: nil,
		expected:           "null",
		expectedErr: "input: testField cannot return null for non-null field Test.testField: " +
			"the model struct field was nil and the field has no resolver\n",
		expectedCalls: 4,
	},
	{
		name:                      "should fail when initialize field context returns an error",
		initializeFieldContextErr: errors.New("test initialize field context error"),
		expected:                  "null",
		expectedCalls:             1,
	},
	{
		name:                 "should not recover from panic when middleware chain panics",
		panicMiddlewareChain: "test middleware chain panic",
		expectedPanic:        "test middleware chain panic",
		expectedCalls:        2,
	},
	{
		name:                 "should recover from panic when middleware chain panics with recover from panic",
		recoverFromPanic:     true,
		panicMiddlewareChain: "test middleware chain panic",
		expected:             "null",
		expectedPanic:        "test middleware chain panic",
		expectedCalls:        3,
	},
	{
		name:                    "should not recover from panic when resolver middleware panics",
		panicResolverMiddleware: "test resolver middleware panic",
		expectedPanic:           "test resolver middleware panic",
		expectedCalls:           3,
	},
	{
		name:                    "should recover from panic when resolver middleware panics with recover from panic",
		recoverFromPanic:        true,
		panicResolverMiddleware: "test resolver middleware panic",
		expected:                "null",
		expectedPanic:           "test resolver middleware panic",
		expectedCalls:           4,
	},
	{
		name:               "should not recover from panic when field resolver panics",
		panicFieldResolver: "test field resolver panic",
		expectedPanic:      "test field resolver panic",
		expectedCalls:      4,
	},
	{
		name:               "should recover from panic when field resolver panics with recover from panic",
		recoverFromPanic:   true,
		panicFieldResolver: "test field resolver panic",
		expected:           "null",
		expectedPanic:      "test field resolver panic",
		expectedCalls:      5,
	},
	{
		name:             "should fail when field resolver returns an error",
		fieldResolverErr: errors.New("test field resolver error"),
		expected:         "null",
		expectedErr:      "input: testField test field resolver error\n",
		expectedCalls:    4,
	},
}

func TestResolveField(t *testing.T) {
	tests := append(
		[]ResolveFieldTest{
			{
				name:               "should resolve field",
				fieldResolverValue: "test value",
				marshalCalls:       []int{5},
				expected:           `"test value"`,
				expectedCalls:      5,
			},
			{
				name:    "should fail when field resolver returns invalid type",
				nonNull: true,
				// the tests are using string so int should fail
				fieldResolverValue: 123,
				expected:           "null",
				expectedErr:        "input: testField unexpected type int from middleware/directive chain, should be string\n",
				expectedCalls:      4,
			},
		},
		commonResolveFieldTests...,
	)

	testResolveField(
		t,
		tests,
		ResolveField,
		false,
		func(t *testing.T, test ResolveFieldTest, result Marshaler) {
			t.Helper()
			var sb strings.Builder
			if result != nil {
				result.MarshalGQL(&sb)
			}
			assert.Equal(t, test.expected, sb.String())
		},
	)
}

func TestResolveFieldStream(t *testing.T) {
	resultChan := make(chan string, 3)
	resultChan <- "test one"
	resultChan <- "test two"
	resultChan <- "test three"
	close(resultChan)
	tests := append(
		[]ResolveFieldTest{
			{
				name:               "should resolve field",
				fieldResolverValue: (<-chan string)(resultChan),
				marshalCalls:       []int{5, 6, 7},
				expected:           `{"testField":"test one"}{"testField":"test two"}{"testField":"test three"}`,
				expectedCalls:      7,
			},
			{
				name:    "should fail when field resolver returns invalid type",
				nonNull: true,
				// the tests are using <-chan string so int should fail
				fieldResolverValue: 123,
				expected:           "null",
				expectedErr:        "input: testField unexpected type int from middleware/directive chain, should be <-chan string\n",
				expectedCalls:      4,
			},
		},
		commonResolveFieldTests...,
	)
	for i, test := range tests {
		// the stream tests output empty string where the non stream tests output null
		if test.expected == "null" {
			tests[i].expected = ""
		}
	}

	testResolveField(
		t,
		tests,
		ResolveFieldStream,
		true,
		func(t *testing.T, test ResolveFieldTest, result func(ctx context.Context) Marshaler) {
			var sb strings.Builder
			if result != nil {
				for range 3 {
					m := result(context.Background())
					if m != nil {
						m.MarshalGQL(&sb)
					}
				}
			}
			assert.Equal(t, test.expected, sb.String())
		},
	)
}

func TestResolveFieldStreamWithEventContextResolveField(t *testing.T) {
	resultChan := make(chan Event[string], 3)
	resultChan <- Event[string]{Context: context.Background(), Value: "test one"}
	resultChan <- Event[string]{Context: context.Background(), Value: "test two"}
	resultChan <- Event[string]{Context: context.Background(), Value: "test three"}
	close(resultChan)
	tests := append(
		[]ResolveFieldTest{
			{
				name:               "should resolve field",
				fieldResolverValue: (<-chan Event[string])(resultChan),
				marshalCalls:       []int{5, 6, 7},
				expected:           `{"testField":"test one"}{"testField":"test two"}{"testField":"test three"}`,
				expectedCalls:      7,
			},
			{
				name:    "should fail when field resolver returns invalid type",
				nonNull: true,
				// the tests are using <-chan Event[string] so int should fail
				fieldResolverValue: 123,
				expected:           "null",
				expectedErr:        "input: testField unexpected type int from middleware/directive chain, should be <-chan graphql.Event[string]\n",
				expectedCalls:      4,
			},
		},
		commonResolveFieldTests...,
	)
	for i, test := range tests {
		// the stream tests output empty string where the non stream tests output null
		if test.expected == "null" {
			tests[i].expected = ""
		}
	}

	testResolveField(
		t,
		tests,
		ResolveFieldStreamWithEventContext,
		true,
		func(t *testing.T, test ResolveFieldTest, result func(ctx context.Context) (context.Context, Marshaler)) {
			var sb strings.Builder
			if result != nil {
				for range 3 {
					_, m := result(context.Background())
					if m != nil {
						m.MarshalGQL(&sb)
					}
				}
			}
			assert.Equal(t, test.expected, sb.String())
		},
	)
}

type resolveFieldFunc[T, R any] func(
	ctx context.Context,
	oc *OperationContext,
	field CollectedField,
	initializeFieldContext func(ctx context.Context, field CollectedField) (*FieldContext, error),
	fieldResolver func(context.Context) (any, error),
	middlewareChain func(ctx context.Context, next Resolver) Resolver,
	marshal func(ctx context.Context, sel ast.SelectionSet, v T) Marshaler,
	recoverFromPanic bool,
	nonNull bool,
) R

type resolveFieldTestKey string

func testResolveField[R any](
	t *testing.T,
	tests []ResolveFieldTest,
	resolveField resolveFieldFunc[string, R],
	stream bool,
	assertResult func(t *testing.T, test ResolveFieldTest, result R),
) {
	t.Helper()
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			calls := 0
			assertCall := func(call int) {
				calls++
				assert.Equal(t, call, calls)
			}
			marshalCalled := 0

			ctx := WithResponseContext(context.Background(), DefaultErrorPresenter, nil)
			oc := &OperationContext{
				RecoverFunc: func(ctx context.Context, err any) (userMessage error) {
					assertCall(test.expectedCalls)
					if test.expectedPanic != "" {
						assert.Equal(t, test.expectedPanic, err)
					} else {
						t.Errorf("should not panic but recover func called with: %v", err)
					}
					return nil
				},
				ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
					assertCall(3)
					ctx = context.WithValue(
						ctx,
						resolveFieldTestKey("middlewareResolver"),
						"test middleware resolver",
					)
					if test.panicResolverMiddleware != "" {
						panic(test.panicResolverMiddleware)
					}
					return next(ctx)
				},
			}
			field := CollectedField{
				Field: &ast.Field{
					Alias: "testField",
				},
			}
			var result R
			run := func() {
				result = resolveField(
					ctx,
					oc,
					field,
					func(ctx context.Context, field CollectedField) (*FieldContext, error) {
						assertCall(1)
						return &FieldContext{
							Object: "Test",
							Field:  field,
						}, test.initializeFieldContextErr
					},
					func(ctx context.Context) (any, error) {
						assertCall(4)
						assert.Equal(
							t,
							"test middleware resolver",
							ctx.Value(resolveFieldTestKey("middlewareResolver")),
							"should propagate value from resolver middleware",
						)
						if test.panicFieldResolver != "" {
							panic(test.panicFieldResolver)
						}
						return test.fieldResolverValue, test.fieldResolverErr
					},
					func(ctx context.Context, next Resolver) Resolver {
						assertCall(2)
						if test.panicMiddlewareChain != "" {
							panic(test.panicMiddlewareChain)
						}
						return func(ctx context.Context) (res any, err error) {
							ctx = context.WithValue(
								ctx,
								resolveFieldTestKey("middlewareChain"),
								"test middleware chain",
							)
							return next(ctx)
						}
					},
					func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
						assertCall(test.marshalCalls[marshalCalled])
						marshalCalled++
						if !stream {
							assert.Equal(
								t,
								"test middleware chain",
								ctx.Value(resolveFieldTestKey("middlewareChain")),
								"should propagate value from middleware chain",
							)
						}
						return MarshalString(v)
					},
					test.recoverFromPanic,
					test.nonNull,
				)
			}
			if test.expectedPanic == "" || test.recoverFromPanic {
				run()
			} else {
				assert.PanicsWithValue(t, test.expectedPanic, run)
			}
			require.EqualError(t, GetErrors(ctx), test.expectedErr)

			assertResult(t, test, result)
			assert.Equal(t, test.expectedCalls, calls)
		})
	}
}

func TestResolveFieldRuntimeNonNull(t *testing.T) {
	t.Run(
		"should return RequiredNull when MarkNonNull is called and resolver returns nil",
		func(t *testing.T) {
			ctx := WithResponseContext(context.Background(), DefaultErrorPresenter, nil)
			oc := &OperationContext{
				ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
					return next(ctx)
				},
			}
			field := CollectedField{
				Field: &ast.Field{
					Alias: "testField",
				},
			}
			result := ResolveField(
				ctx,
				oc,
				field,
				func(ctx context.Context, field CollectedField) (*FieldContext, error) {
					return &FieldContext{Object: "Test", Field: field}, nil
				},
				func(ctx context.Context) (any, error) {
					MarkNonNull(ctx)
					return nil, nil
				},
				func(ctx context.Context, next Resolver) Resolver { return next },
				func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
					t.Error("marshal should not be called for nil result")
					return nil
				},
				false,
				false, // nullable in schema
			)
			assert.Same(
				t,
				RequiredNull,
				result,
				"should return RequiredNull sentinel for runtime non-null violation",
			)
			require.EqualError(
				t,
				GetErrors(ctx),
				"input: testField cannot return null for non-null field Test.testField: "+
					"the field was marked non-null at runtime and resolved to nil\n",
			)
		},
	)

	t.Run(
		"should return RequiredNull when MarkNonNull is called and resolver returns error",
		func(t *testing.T) {
			ctx := WithResponseContext(context.Background(), DefaultErrorPresenter, nil)
			oc := &OperationContext{
				ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
					return next(ctx)
				},
			}
			field := CollectedField{
				Field: &ast.Field{
					Alias: "testField",
				},
			}
			result := ResolveField(
				ctx,
				oc,
				field,
				func(ctx context.Context, field CollectedField) (*FieldContext, error) {
					return &FieldContext{Object: "Test", Field: field}, nil
				},
				func(ctx context.Context) (any, error) {
					MarkNonNull(ctx)
					return nil, errors.New("backend failure")
				},
				func(ctx context.Context, next Resolver) Resolver { return next },
				func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
					t.Error("marshal should not be called")
					return nil
				},
				false,
				false, // nullable in schema
			)
			assert.Same(
				t,
				RequiredNull,
				result,
				"should return RequiredNull when resolver errors with MarkNonNull",
			)
		},
	)

	t.Run(
		"should return normal result when MarkNonNull is called and resolver succeeds",
		func(t *testing.T) {
			ctx := WithResponseContext(context.Background(), DefaultErrorPresenter, nil)
			oc := &OperationContext{
				ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
					return next(ctx)
				},
			}
			field := CollectedField{
				Field: &ast.Field{
					Alias: "testField",
				},
			}
			result := ResolveField(
				ctx,
				oc,
				field,
				func(ctx context.Context, field CollectedField) (*FieldContext, error) {
					return &FieldContext{Object: "Test", Field: field}, nil
				},
				func(ctx context.Context) (any, error) {
					MarkNonNull(ctx)
					return "hello", nil
				},
				func(ctx context.Context, next Resolver) Resolver { return next },
				func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
					return MarshalString(v)
				},
				false,
				false,
			)
			var sb strings.Builder
			result.MarshalGQL(&sb)
			assert.Equal(
				t,
				`"hello"`,
				sb.String(),
				"successful resolve should return marshaled value, not a null sentinel",
			)
		},
	)

	t.Run("should return Null (not RequiredNull) without MarkNonNull", func(t *testing.T) {
		ctx := WithResponseContext(context.Background(), DefaultErrorPresenter, nil)
		oc := &OperationContext{
			ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
				return next(ctx)
			},
		}
		field := CollectedField{
			Field: &ast.Field{
				Alias: "testField",
			},
		}
		result := ResolveField(
			ctx,
			oc,
			field,
			func(ctx context.Context, field CollectedField) (*FieldContext, error) {
				return &FieldContext{Object: "Test", Field: field}, nil
			},
			func(ctx context.Context) (any, error) {
				return nil, nil
			},
			func(ctx context.Context, next Resolver) Resolver { return next },
			func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
				t.Error("marshal should not be called")
				return nil
			},
			false,
			false,
		)
		assert.Same(t, Null, result, "nullable field without MarkNonNull should return Null")
	})

	t.Run(
		"should return Null when both static nonNull and MarkNonNull are set",
		func(t *testing.T) {
			ctx := WithResponseContext(context.Background(), DefaultErrorPresenter, nil)
			oc := &OperationContext{
				ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
					return next(ctx)
				},
			}
			field := CollectedField{
				Field: &ast.Field{
					Alias: "testField",
				},
			}
			result := ResolveField(
				ctx,
				oc,
				field,
				func(ctx context.Context, field CollectedField) (*FieldContext, error) {
					return &FieldContext{Object: "Test", Field: field}, nil
				},
				func(ctx context.Context) (any, error) {
					MarkNonNull(ctx)
					return nil, nil
				},
				func(ctx context.Context, next Resolver) Resolver { return next },
				func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
					t.Error("marshal should not be called")
					return nil
				},
				false,
				true, // static nonNull
			)
			assert.Same(
				t,
				Null,
				result,
				"static nonNull should return Null (existing template handles Invalids)",
			)
		},
	)

	t.Run("MarkNonNull should work when called from middleware chain", func(t *testing.T) {
		ctx := WithResponseContext(context.Background(), DefaultErrorPresenter, nil)
		oc := &OperationContext{
			ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
				res, err = next(ctx)
				if err != nil {
					MarkNonNull(ctx)
				}
				return res, err
			},
		}
		field := CollectedField{
			Field: &ast.Field{
				Alias: "testField",
			},
		}
		result := ResolveField(
			ctx,
			oc,
			field,
			func(ctx context.Context, field CollectedField) (*FieldContext, error) {
				return &FieldContext{Object: "Test", Field: field}, nil
			},
			func(ctx context.Context) (any, error) {
				return nil, errors.New("resolver failed")
			},
			func(ctx context.Context, next Resolver) Resolver { return next },
			func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
				t.Error("marshal should not be called")
				return nil
			},
			false,
			false,
		)
		assert.Same(
			t,
			RequiredNull,
			result,
			"MarkNonNull from ResolverMiddleware should trigger RequiredNull",
		)
	})
}

func TestMarkNonNull(t *testing.T) {
	t.Run("sets NonNull on FieldContext", func(t *testing.T) {
		fc := &FieldContext{Object: "Test"}
		ctx := WithFieldContext(context.Background(), fc)
		assert.False(t, fc.NonNull)
		MarkNonNull(ctx)
		assert.True(t, fc.NonNull)
	})

	t.Run("no-op without FieldContext", func(t *testing.T) {
		assert.NotPanics(t, func() {
			MarkNonNull(context.Background())
		})
	})
}

func TestRequiredNullMarshal(t *testing.T) {
	var sb strings.Builder
	RequiredNull.MarshalGQL(&sb)
	assert.Equal(t, "null", sb.String(), "RequiredNull should marshal to null")
	assert.NotSame(t, Null, RequiredNull, "RequiredNull must be a distinct pointer from Null")
}

func TestResolveFieldMiddlewareReturningMarshaler(t *testing.T) {
	t.Run(
		"should not call field resolver when field resolver returns a Marshaler",
		func(t *testing.T) {
			oc := &OperationContext{
				ResolverMiddleware: func(ctx context.Context, next Resolver) (res any, err error) {
					return next(ctx)
				},
			}
			field := CollectedField{
				Field: &ast.Field{
					Alias: "testField",
				},
			}
			result := ResolveField(
				context.Background(),
				oc,
				field,
				func(ctx context.Context, field CollectedField) (*FieldContext, error) {
					return &FieldContext{
						Object: "Test",
						Field:  field,
					}, nil
				},
				func(ctx context.Context) (any, error) {
					t.Error("should not call field resolver")
					return nil, nil
				},
				func(ctx context.Context, next Resolver) Resolver {
					return func(ctx context.Context) (res any, err error) {
						return MarshalString("test value"), nil
					}
				},
				func(ctx context.Context, sel ast.SelectionSet, v string) Marshaler {
					t.Error("should not call marshal")
					return nil
				},
				false,
				false,
			)
			var sb strings.Builder
			result.MarshalGQL(&sb)
			assert.Equal(t, `"test value"`, sb.String())
		},
	)
}
