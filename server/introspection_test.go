package server_test

import (
	"net/http"

	"os"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/satupintu/satupintu/server"
)

// graphql-js's getIntrospectionQuery() (graphql@16.15.0 from the npm
// registry), as GraphQL Code Generator, IDE plugins and GraphiQL send it:
// with its default options, and with every option on. Its type references
// nest 15 levels deep, past the depth limit of 12.
var introspectionQueries = []string{
	"testdata/introspection-graphql-js-16.15.0.graphql",
	"testdata/introspection-graphql-js-16.15.0-all-options.graphql",
}

// In dev mode the standard introspection query answers, without a token
// too (codegen from the running server), while the depth limit keeps
// refusing data fields nested past it.
func TestStandardIntrospectionQueryAnswers(t *testing.T) {
	limits := server.DefaultLimits()
	srv := serve(t, server.Deps{Introspection: true, Limits: limits})
	for _, path := range introspectionQueries {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, nik := range []string{nikA, ""} {
			header := []string{"Content-Type", "application/json", "Accept", "application/graphql-response+json"}
			if nik != "" {
				header = append(header, "Authorization", "Bearer tok-"+nik)
			}
			r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(string(b), nil), header...)
			data, _, errs := r.graphQL(t)
			if r.Status != http.StatusOK || len(errs) > 0 {
				t.Fatalf("%s (token: %v): HTTP %d %+v", path, nik != "", r.Status, errs)
			}
			types, _ := data["__schema"].(map[string]any)["types"].([]any)
			if len(types) < 50 {
				t.Errorf("%s: %d types", path, len(types))
			}
		}
	}

	// The data fields keep the limit of 12: the same nesting through a
	// data field is refused.
	deep := "{ home { me { address { village { code } } } } }"
	tight := limits
	tight.MaxDepth = 4
	small := serve(t, server.Deps{Introspection: true, Limits: tight})
	r := send(t, http.MethodPost, small.URL+"/graphql", gqlBody(deep, nil),
		"Content-Type", "application/json", "Authorization", "Bearer tok-"+nikA, "Accept", "application/graphql-response+json")
	if _, hasData, errs := r.graphQL(t); r.Status != http.StatusBadRequest || hasData || len(errs) != 1 || errs[0].code() != "QUERY_LIMIT_EXCEEDED" {
		t.Errorf("data fields nested 5 deep with a limit of 4: HTTP %d %s", r.Status, r.Body)
	}
	b, _ := os.ReadFile(introspectionQueries[0])
	r = send(t, http.MethodPost, small.URL+"/graphql", gqlBody(string(b), nil), "Content-Type", "application/json")
	if _, _, errs := r.graphQL(t); r.Status != http.StatusOK || len(errs) > 0 {
		t.Errorf("introspection with a data depth limit of 4: HTTP %d %+v", r.Status, errs)
	}
}

// Introspection is bounded by a budget of its own: nested past 20 levels,
// or selecting over 400 fields, it is refused before anything runs.
func TestIntrospectionHasItsOwnBudget(t *testing.T) {
	calls := &resolverCalls{}
	srv := serve(t, server.Deps{Introspection: true, Extensions: []graphql.HandlerExtension{calls}})
	for name, q := range map[string]string{
		"21 levels":        "{ __schema { types { fields { type " + strings.Repeat("{ ofType ", 16) + "{ name }" + strings.Repeat(" }", 16) + " } } } }",
		"401 fields":       "{ __schema { types { " + strings.Repeat("name ", 401) + "} } }",
		"__type 21 levels": `{ __type(name: "Home") { fields { type ` + strings.Repeat("{ ofType ", 17) + "{ name }" + strings.Repeat(" }", 17) + " } } }",
	} {
		r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(q, nil),
			"Content-Type", "application/json", "Authorization", "Bearer tok-"+nikA, "Accept", "application/graphql-response+json")
		if _, hasData, errs := r.graphQL(t); r.Status != http.StatusBadRequest || hasData || len(errs) != 1 || errs[0].code() != "QUERY_LIMIT_EXCEEDED" {
			t.Errorf("%s: HTTP %d %s", name, r.Status, r.Body)
		}
	}
	// 20 levels and 400 fields pass.
	for name, q := range map[string]string{
		"20 levels":  "{ __schema { types { fields { type " + strings.Repeat("{ ofType ", 15) + "{ name }" + strings.Repeat(" }", 15) + " } } } }",
		"400 fields": "{ __schema { types { " + strings.Repeat("name ", 398) + "} } }",
	} {
		r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(q, nil), "Content-Type", "application/json", "Authorization", "Bearer tok-"+nikA)
		if _, _, errs := r.graphQL(t); r.Status != http.StatusOK || len(errs) > 0 {
			t.Errorf("%s: HTTP %d %+v", name, r.Status, errs)
		}
	}
	if calls.n.Load() == 0 {
		t.Error("the counter counted nothing: it would not see a refused request run")
	}
}

// Without introspection (production) an introspection field is refused
// with FORBIDDEN before anything runs, not answered nor logged as an
// internal error.
func TestIntrospectionOffIsForbidden(t *testing.T) {
	calls := &resolverCalls{}
	srv := serve(t, server.Deps{Introspection: false, Extensions: []graphql.HandlerExtension{calls}})
	for _, q := range []string{`{ __schema { types { name } } }`, `{ __type(name: "Home") { name } }`, `{ me { name } __schema { queryType { name } } }`} {
		r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(q, nil),
			"Content-Type", "application/json", "Authorization", "Bearer tok-"+nikA, "Accept", "application/graphql-response+json", "Accept-Language", "en")
		_, hasData, errs := r.graphQL(t)
		if r.Status != http.StatusForbidden || hasData || len(errs) != 1 || errs[0].code() != "FORBIDDEN" || !strings.Contains(errs[0].Message, "Introspection is off") {
			t.Errorf("%s: HTTP %d %s", q, r.Status, r.Body)
		}
	}
	if n := calls.n.Load(); n != 0 {
		t.Errorf("%d resolvers ran for refused requests", n)
	}
}
