package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// reply is an answer as sent: status, headers and the raw body.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// graphQL decodes the body as a GraphQL response, keeping whether "data"
// was there at all (a request error has none).
func (r reply) graphQL(t *testing.T) (data map[string]any, hasData bool, errs []gqlErr) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &raw); err != nil {
		t.Fatalf("HTTP %d, body not JSON: %q", r.Status, r.Body)
	}
	if d, ok := raw["data"]; ok {
		hasData = true
		_ = json.Unmarshal(d, &data)
	}
	if e, ok := raw["errors"]; ok {
		if err := json.Unmarshal(e, &errs); err != nil {
			t.Fatalf("errors: %v in %s", err, r.Body)
		}
	}
	return data, hasData, errs
}

type gqlErr struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlErr) code() string { c, _ := e.Extensions["code"].(string); return c }

// send makes one request and reads the whole answer. header holds pairs.
func send(t *testing.T, method, url, body string, header ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// gqlBody is a POST body of query and optional variables.
func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// resolverCalls counts the fields resolved: a refused request must run none.
type resolverCalls struct{ n atomic.Int64 }

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = (*resolverCalls)(nil)

func (*resolverCalls) ExtensionName() string                   { return "ResolverCalls" }
func (*resolverCalls) Validate(graphql.ExecutableSchema) error { return nil }
func (c *resolverCalls) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	c.n.Add(1)
	return next(ctx)
}
