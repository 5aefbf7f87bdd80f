package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/satupintu/satupintu/server"
	storeredis "github.com/satupintu/satupintu/store/redis"
)

func hashOf(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

func persisted(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// getPersisted sends the hash alone over GET, as Apollo clients do for
// queries once the server knows them.
func getPersisted(t *testing.T, base, nik, hash string) answer {
	t.Helper()
	ext, _ := json.Marshal(persisted(hash))
	req, _ := http.NewRequest(http.MethodGet, base+"/graphql?extensions="+url.QueryEscape(string(ext)), nil)
	req.Header.Set("Authorization", "Bearer tok-"+nik)
	return do(t, req)
}

// The APQ flow of Apollo clients: the hash alone is unknown; the query
// with its hash answers and persists it; the hash alone then answers.
func TestAPQFlow(t *testing.T) {
	srv := serve(t, server.Deps{}) // nil APQ: the in-process LRU
	const query = "query Probe { __typename }"
	hash := hashOf(query)

	r := post(t, srv.URL, nikA, map[string]any{"extensions": persisted(hash)})
	if r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.Data != nil {
		t.Fatalf("hash only, unknown: HTTP %d %+v; want PERSISTED_QUERY_NOT_FOUND", r.Status, r)
	}
	wantOK(t, post(t, srv.URL, nikA, map[string]any{"query": query, "extensions": persisted(hash)}), "query and hash")
	wantOK(t, post(t, srv.URL, nikA, map[string]any{"extensions": persisted(hash)}), "hash only, known")
	wantOK(t, getPersisted(t, srv.URL, nikB, hash), "hash only over GET, another citizen")

	// A hash that is not the query's is refused, with a code, and nothing
	// is stored under it.
	other := hashOf("{ me { name } }")
	r = post(t, srv.URL, nikA, map[string]any{"query": query, "extensions": persisted(other)}, "Accept-Language", "en")
	if len(r.Errors) == 0 || r.Data != nil || r.code() != "PERSISTED_QUERY_HASH_MISMATCH" ||
		r.Errors[0].Message != "The persistedQuery hash is not the sha256 of the query sent." {
		t.Fatalf("query with a wrong hash: HTTP %d %+v; want refused", r.Status, r)
	}
	if r := post(t, srv.URL, nikA, map[string]any{"extensions": persisted(other)}); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("the wrong hash alone: HTTP %d %+v; want PERSISTED_QUERY_NOT_FOUND", r.Status, r)
	}
	// The persisted query is still checked like any other: no token, no answer.
	if r := post(t, srv.URL, "", map[string]any{"extensions": persisted(hash)}); r.Status != http.StatusUnauthorized {
		t.Fatalf("hash only without a token: HTTP %d; want 401", r.Status)
	}
}

// Instances sharing a Redis share persisted queries: a query sent in full
// to one is known to the others by its hash.
func TestAPQSharedAcrossInstances(t *testing.T) {
	mr := miniredis.RunT(t)
	rc, err := storeredis.Connect(context.Background(), "redis://"+mr.Addr()+"/0", storeredis.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	one := serve(t, server.Deps{APQ: storeredis.NewAPQCache(rc, "satupintu:", nil)})
	two := serve(t, server.Deps{APQ: storeredis.NewAPQCache(rc, "satupintu:", nil)})
	const query = "{ __typename }"
	hash := hashOf(query)

	if r := post(t, two.URL, nikA, map[string]any{"extensions": persisted(hash)}); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("instance two, before: %+v; want PERSISTED_QUERY_NOT_FOUND", r)
	}
	wantOK(t, post(t, one.URL, nikA, map[string]any{"query": query, "extensions": persisted(hash)}), "instance one, query and hash")
	wantOK(t, post(t, two.URL, nikA, map[string]any{"extensions": persisted(hash)}), "instance two, hash only")
	if !mr.Exists("satupintu:apq:" + hash) {
		t.Errorf("no key satupintu:apq:%s in Redis", hash)
	}
}
