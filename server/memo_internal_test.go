package server

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMemoEmptiesWhenFull(t *testing.T) {
	m := newMemo[int](2)
	m.put("a", 1)
	m.put("b", 2)
	if v, ok := m.get([]byte("a")); !ok || v != 1 {
		t.Fatalf("a: %v %v", v, ok)
	}
	m.put("c", 3) // full: emptied first
	if _, ok := m.getString("a"); ok {
		t.Error("a still held past the bound")
	}
	if v, ok := m.getString("c"); !ok || v != 3 {
		t.Errorf("c: %v %v", v, ok)
	}
}

// A body read before gives the same parameters, each request its own copy;
// a body with variables is decoded every time.
func TestKnownBodiesGiveTheirOwnParameters(t *testing.T) {
	read := func(body string) (query, op string, vars map[string]any) {
		t.Helper()
		r := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		p, status, err := readParams(context.Background(), r)
		if err != nil || status != 0 {
			t.Fatalf("%s: %d %v", body, status, err)
		}
		q, o, v := p.Query, p.OperationName, p.Variables
		p.Query, p.OperationName = "changed by a later stage", "changed"
		return q, o, v
	}
	const body = `{"query":"query Me { home { name } }","operationName":"Me"}`
	for range 2 {
		if q, op, _ := read(body); q != "query Me { home { name } }" || op != "Me" {
			t.Errorf("got %q %q", q, op)
		}
	}
	const withVars = `{"query":"query Q($n: Int) { home { name } }","variables":{"n":1}}`
	for i := range 2 {
		if _, _, v := read(withVars); v["n"] == nil {
			t.Errorf("request %d: variables %v", i, v)
		}
	}
	if _, ok := knownBodies.getString(withVars); ok {
		t.Error("a body with variables was remembered")
	}
}
