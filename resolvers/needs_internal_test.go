package resolvers

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"

	"github.com/satupintu/satupintu/graph/exec"
)

// TestSequentialOnlyWhenEveryRootPrefetches: an operation resolves its
// fields one after another only when all its root fields start their reads
// in advance; a query with anything else, or a mutation, keeps gqlgen's
// concurrent resolution, which overlaps the waits of resolvers that read
// as they go.
func TestSequentialOnlyWhenEveryRootPrefetches(t *testing.T) {
	r := &Resolver{Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	e := executor.New(exec.NewExecutableSchema(exec.Config{Resolvers: r}))
	e.Use(r.Extension())
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{`{ home { name } }`, true},
		{`query Q { health { immunizations { date } } home { name alerts { id } } __typename }`, true},
		{`query Q { ...F } fragment F on Query { home { name } }`, true},
		{`query Q($skip: Boolean = true) { home { name } appConfig @skip(if: $skip) { __typename } }`, true},
		{`query Q($skip: Boolean = false) { home { name } appConfig @skip(if: $skip) { __typename } }`, false},
		{`{ home { name } appConfig { __typename } }`, false},
		{`{ appConfig { __typename } }`, false},
		{`mutation { __typename }`, false},
	} {
		ctx := graphql.StartOperationTrace(context.Background())
		oc, errs := e.CreateOperationContext(ctx, &graphql.RawParams{Query: tc.query})
		if errs != nil {
			t.Fatalf("%s: %v", tc.query, errs)
		}
		if oc.Sequential != tc.want {
			t.Errorf("%s: Sequential %v; want %v", tc.query, oc.Sequential, tc.want)
		}
		if !oc.DirectFields {
			t.Errorf("%s: plain fields not written directly", tc.query)
		}
	}
}
