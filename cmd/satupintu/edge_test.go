package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/satupintu/satupintu/sim/seed"
)

// Hostile and malformed requests are refused with a clear error, call no
// agency, and leave the server serving.
func TestEdgeRefusesBadRequests(t *testing.T) {
	ta := startApp(t, map[string]string{"SATUPINTU_GRAPHQL_MAX_DEPTH": "4", "SATUPINTU_GRAPHQL_MAX_COMPLEXITY": "8"})
	tok := ta.token(seed.NIKBudi)
	before := ta.counts()

	// Introspection has a depth budget of its own (20), past the data
	// fields' (here 4); a cyclic one nested past it is refused all the same.
	deepIntrospection := "{ __schema { types { fields { type " + strings.Repeat("{ ofType ", 20) + "{ name }" + strings.Repeat(" }", 20) + " } } } }"
	aliases := "{ " + strings.Repeat("", 0)
	for i := range 31 {
		aliases += fmt.Sprintf("a%d: __typename ", i)
	}
	aliases += "}"
	// A request error answers 4xx with no data under
	// application/graphql-response+json, and 200 with the same error and
	// no data under application/json (GraphQL over HTTP).
	cases := []struct {
		name, query string
		status      int
		code        string
	}{
		{"nested past the depth limit", `{ home { me { address { village { code } } } } }`, 400, "QUERY_LIMIT_EXCEEDED"},
		{"cyclic introspection nested deep", deepIntrospection, 400, "QUERY_LIMIT_EXCEEDED"},
		{"alias flood", aliases, 400, "QUERY_LIMIT_EXCEEDED"},
		// Nine fields, one over the limit of 8; each case is sent twice
		// (below), so a refusal is not remembered as a pass.
		{"over the complexity limit", `{ home { name alerts { id kind severity agency title message } } }`, 400, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"malformed GraphQL", `{ home { name `, 400, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{ home { nonsense } }`, 400, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for accept, status := range map[string]int{"application/graphql-response+json": tc.status, "application/json": 200} {
				r := ta.post(tok, tc.query, nil, "Accept", accept)
				if r.Status != status || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != tc.code {
					t.Errorf("%s: HTTP %d errors %+v, want %d %s", accept, r.Status, r.Errors, status, tc.code)
				}
				if r.Data != nil {
					t.Errorf("%s: data = %v, want none", accept, r.Data)
				}
			}
		})
	}

	t.Run("variable with a malformed NIK-free type is refused", func(t *testing.T) {
		r := ta.post(tok, `query($x: Int!) { home { name } }`, map[string]any{"x": "not a number"}, "Accept", "application/graphql-response+json")
		if r.Status != 400 || len(r.Errors) == 0 {
			t.Errorf("HTTP %d errors %+v", r.Status, r.Errors)
		}
	})

	t.Run("oversized body", func(t *testing.T) {
		big := `{"query":"{ home { name } }","variables":{"pad":"` + strings.Repeat("x", 70<<10) + `"}}`
		req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		r := ta.do(req)
		if r.Status != http.StatusRequestEntityTooLarge || r.Errors[0].Extensions["code"] != "PAYLOAD_TOO_LARGE" {
			t.Errorf("HTTP %d errors %+v", r.Status, r.Errors)
		}
	})

	t.Run("body that is not JSON", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", strings.NewReader(`{"query":`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		if r := ta.do(req); r.Status != http.StatusBadRequest {
			t.Errorf("HTTP %d errors %+v", r.Status, r.Errors)
		}
	})

	for a, n := range ta.counts() {
		if n != before[a] {
			t.Errorf("%s was called %d times by refused requests", a, n-before[a])
		}
	}

	// Still serving.
	if d := ta.query(seed.NIKBudi, `{ home { name } }`); get(d, "home", "name") != "BUDI SANTOSO" {
		t.Errorf("after the bad requests: %v", d)
	}
}

func TestGETServesQueriesOnly(t *testing.T) {
	ta := startApp(t, nil)
	tok := ta.token(seed.NIKDewi)
	req, _ := http.NewRequest(http.MethodGet, ta.url+"/graphql?query="+url.QueryEscape(`{ me { name } }`), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if r := ta.do(req); r.Status != 200 || get(r.Data, "me", "name") != "DEWI LESTARI" {
		t.Errorf("GET query: HTTP %d %+v", r.Status, r)
	}
}

func TestIntrospectionInDevMode(t *testing.T) {
	ta := startApp(t, nil)
	r := ta.post(ta.token(seed.NIKDewi), `{ __type(name: "Home") { fields { name } } }`, nil)
	if r.Status != 200 || len(list(r.Data, "__type", "fields")) == 0 {
		t.Errorf("introspection in dev: HTTP %d %+v", r.Status, r.Errors)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	ta := startApp(t, nil)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(ta.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}
