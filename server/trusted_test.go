package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/server"
)

// The operations an app ships, as its build writes them.
const (
	appConfigOp = "query AppStart { appConfig { minimumVersion updateUrl } }"
	typenameOp  = "query Probe { __typename }"
	markReadOp  = "mutation MarkRead { markNotificationsRead(ids: []) { marked } }"
)

type manifestOp struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Body string `json:"body"`
}

// writeManifest writes an Apollo persisted query manifest of ops.
func writeManifest(t *testing.T, name string, ops ...manifestOp) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops})
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func op(name, typ, body string) manifestOp {
	return manifestOp{ID: hashOf(body), Name: name, Type: typ, Body: body}
}

// A manifest is checked against the schema when loaded; an error names the
// file and the operation, and every bad operation of every file is named.
func TestTrustedDocumentsAreCheckedWhenLoaded(t *testing.T) {
	good := writeManifest(t, "android.json", op("AppStart", "query", appConfigOp), op("MarkRead", "mutation", markReadOp))
	// The iOS app's manifest shares an operation with Android's.
	ios := writeManifest(t, "ios.json", op("AppStart", "query", appConfigOp), op("Probe", "query", typenameOp))
	docs, err := server.LoadTrustedDocuments(schema().Schema(), []string{good, ios})
	if err != nil {
		t.Fatal(err)
	}
	if docs.Len() != 3 {
		t.Errorf("%d operations, want 3", docs.Len())
	}

	wrongID := op("AppStart", "query", appConfigOp)
	wrongID.ID = hashOf("something else")
	bad := writeManifest(t, "web.json",
		op("Home", "query", "query Home { home { nonsense } }"),
		op("Typo", "query", "query Typo { appConfig { "),
		op("Probe", "mutation", typenameOp),
		op("Other", "query", typenameOp),
		wrongID,
		op("Two", "query", "query Two { __typename } query Three { __typename }"),
	)
	notAManifest := filepath.Join(t.TempDir(), "notes.json")
	os.WriteFile(notAManifest, []byte(`{"format":"something-else","version":2}`), 0o600)
	_, err = server.LoadTrustedDocuments(schema().Schema(), []string{good, bad, notAManifest, "/nonexistent/manifest.json"})
	if err == nil {
		t.Fatal("bad manifests loaded")
	}
	for _, want := range []string{
		`web.json: operation 1 "Home"`, `Cannot query field "nonsense" on type "Home"`,
		`web.json: operation 2 "Typo"`,
		`web.json: operation 3 "Probe"`, "the body is a query, the manifest says \"mutation\"",
		`web.json: operation 4 "Other"`, `the body's operation is named "Probe"`,
		`web.json: operation 5 "AppStart"`, "the id is not the sha256 of the body",
		`web.json: operation 6 "Two"`, "2 operations",
		"notes.json", `want "apollo-persisted-query-manifest" version 1`,
		"/nonexistent/manifest.json",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "android.json") {
		t.Errorf("the good manifest is named: %v", err)
	}
}

// trustedServer serves with the manifest above in mode, counting resolvers,
// metrics and logs.
type trustedServer struct {
	url   string
	apq   *lru.LRU[string]
	calls *resolverCalls
	m     *server.GraphQLMetrics
	reg   *prometheus.Registry
	logs  *testkit.SyncBuffer
}

func serveTrusted(t *testing.T, mode server.TrustedMode) trustedServer {
	t.Helper()
	docs, err := server.LoadTrustedDocuments(schema().Schema(), []string{
		writeManifest(t, "android.json", op("AppStart", "query", appConfigOp), op("Probe", "query", typenameOp), op("MarkRead", "mutation", markReadOp)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := trustedServer{apq: lru.New[string](100), calls: &resolverCalls{}, reg: prometheus.NewRegistry(), logs: &testkit.SyncBuffer{}}
	ts.m = server.NewGraphQLMetrics(ts.reg)
	srv := serve(t, server.Deps{
		TrustedDocuments: docs, TrustedMode: mode, APQ: ts.apq, GraphQLMetrics: ts.m,
		Extensions: []graphql.HandlerExtension{ts.calls},
		Logger:     slog.New(slog.NewJSONHandler(ts.logs, nil)),
		Clients:    server.Clients{Known: server.DefaultClients},
	})
	ts.url = srv.URL
	return ts
}

func (ts trustedServer) post(t *testing.T, body map[string]any, header ...string) reply {
	t.Helper()
	b, _ := json.Marshal(body)
	return send(t, http.MethodPost, ts.url+"/graphql", string(b),
		append([]string{"Authorization", "Bearer tok-" + nikA, "Content-Type", "application/json", "Accept", "application/graphql-response+json"}, header...)...)
}

// enforce: an operation in no manifest is refused with
// PERSISTED_QUERY_NOT_ALLOWED and runs nothing, whether sent as text, as a
// new APQ registration or by an unknown hash; the manifests' operations run
// by id (POST and GET) or as their exact text.
func TestTrustedDocumentsEnforce(t *testing.T) {
	ts := serveTrusted(t, server.TrustedEnforce)
	const unknown = "query Sneaky { __typename alias: __typename }"
	for name, body := range map[string]map[string]any{
		"text":                    {"query": unknown},
		"APQ registration":        {"query": unknown, "extensions": persisted(hashOf(unknown))},
		"unknown hash":            {"extensions": persisted(hashOf(unknown))},
		"a mutation not in it":    {"query": "mutation { markNotificationsRead(ids: []) { unreadCount } }"},
		"a manifest's op, edited": {"query": typenameOp + " "},
	} {
		r := ts.post(t, body, "Accept-Language", "en")
		_, hasData, errs := r.graphQL(t)
		if r.Status != http.StatusBadRequest || hasData || len(errs) != 1 || errs[0].code() != "PERSISTED_QUERY_NOT_ALLOWED" ||
			errs[0].Message != "This operation is not among the apps' trusted documents." {
			t.Errorf("%s: HTTP %d %s", name, r.Status, r.Body)
		}
	}
	if n := ts.calls.n.Load(); n != 0 {
		t.Errorf("refused operations ran %d resolvers", n)
	}
	if _, ok := ts.apq.Get(context.Background(), hashOf(unknown)); ok {
		t.Error("enforce mode registered an APQ query")
	}

	// By id alone, POST and GET; by the exact text, with or without its id.
	for name, r := range map[string]reply{
		"id, POST":      ts.post(t, map[string]any{"extensions": persisted(hashOf(typenameOp))}),
		"text":          ts.post(t, map[string]any{"query": typenameOp}),
		"text and hash": ts.post(t, map[string]any{"query": typenameOp, "extensions": persisted(hashOf(typenameOp))}),
		"id, GET": send(t, http.MethodGet, ts.url+"/graphql?extensions="+url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"`+hashOf(typenameOp)+`"}}`), "",
			"Authorization", "Bearer tok-"+nikA),
	} {
		if data, _, errs := r.graphQL(t); r.Status != 200 || len(errs) > 0 || data["__typename"] != "Query" {
			t.Errorf("%s: HTTP %d %s", name, r.Status, r.Body)
		}
	}
	// A mutation of the manifest runs by id (over POST).
	r := ts.post(t, map[string]any{"extensions": persisted(hashOf(markReadOp))})
	if _, _, errs := r.graphQL(t); len(errs) == 1 && errs[0].code() == "PERSISTED_QUERY_NOT_ALLOWED" {
		t.Errorf("the manifest's mutation by id: %s", r.Body)
	}
	// A wrong hash with a manifest's text is a mismatch, not a lookup.
	r = ts.post(t, map[string]any{"query": typenameOp, "extensions": persisted(hashOf(appConfigOp))})
	if _, _, errs := r.graphQL(t); r.Status != 400 || len(errs) != 1 || errs[0].code() != "PERSISTED_QUERY_HASH_MISMATCH" {
		t.Errorf("a manifest's text with another's hash: HTTP %d %s", r.Status, r.Body)
	}
}

// log: an operation in no manifest runs, and is counted and logged (its
// name and hash, never its text); the manifests' operations are neither.
func TestTrustedDocumentsLog(t *testing.T) {
	ts := serveTrusted(t, server.TrustedLog)
	const unknown = `query Unlisted { appConfig { updateUrl } __typename }`
	r := ts.post(t, map[string]any{"query": unknown}, "apollographql-client-name", "satupintu-web", "apollographql-client-version", "1.0.0")
	if data, _, errs := r.graphQL(t); r.Status != 200 || len(errs) > 0 || data["__typename"] != "Query" {
		t.Fatalf("an unlisted operation in log mode: HTTP %d %s", r.Status, r.Body)
	}
	ts.post(t, map[string]any{"query": typenameOp}, "apollographql-client-name", "satupintu-web")
	ts.post(t, map[string]any{"extensions": persisted(hashOf(typenameOp))}, "apollographql-client-name", "some-script")
	if got := counterValue(t, ts.reg, "satupintu_graphql_untrusted_operations_total", map[string]string{"client": "satupintu-web"}); got != 1 {
		t.Errorf("untrusted operations counted for satupintu-web: %v, want 1", got)
	}
	logs := ts.logs.String()
	if strings.Count(logs, "operation not in a trusted-documents manifest") != 1 || !strings.Contains(logs, `"operation":"Unlisted"`) ||
		!strings.Contains(logs, hashOf(unknown)) || !strings.Contains(logs, `"client":"satupintu-web"`) {
		t.Errorf("log:\n%s", logs)
	}
	if strings.Contains(logs, "updateUrl") {
		t.Errorf("the log holds the operation's text:\n%s", logs)
	}
	// APQ still registers in log mode.
	const fresh = "query Fresh { __typename appConfig { latestVersion } }"
	ts.post(t, map[string]any{"query": fresh, "extensions": persisted(hashOf(fresh))})
	if q, ok := ts.apq.Get(context.Background(), hashOf(fresh)); !ok || q != fresh {
		t.Error("log mode did not keep the APQ registration")
	}
}

// counterValue is the value of the counter name with labels, 0 if none.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			got := map[string]string{}
			for _, l := range m.Label {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// off: anything runs; a manifest still serves its ids, and APQ works as
// before (TestAPQFlow); an APQ text is kept only once it passed every gate.
func TestTrustedDocumentsOff(t *testing.T) {
	ts := serveTrusted(t, server.TrustedOff)
	if r := ts.post(t, map[string]any{"extensions": persisted(hashOf(typenameOp))}); r.Status != 200 {
		t.Errorf("a manifest's id in off mode: HTTP %d %s", r.Status, r.Body)
	}
	const q = "query Mine { __typename appConfig { clientName } }"
	if r := ts.post(t, map[string]any{"query": q}); r.Status != 200 {
		t.Errorf("an unlisted operation in off mode: HTTP %d %s", r.Status, r.Body)
	}
	// Registered without a token: refused (401), and nothing kept.
	const secret = "query Secret { me { name } }"
	b, _ := json.Marshal(map[string]any{"query": secret, "extensions": persisted(hashOf(secret))})
	r := send(t, http.MethodPost, ts.url+"/graphql", string(b), "Content-Type", "application/json")
	if r.Status != http.StatusUnauthorized {
		t.Errorf("APQ registration without a token: HTTP %d %s", r.Status, r.Body)
	}
	// Over the limits: refused, nothing kept.
	flood := "query Flood { "
	for i := range 31 {
		flood += "a" + strconv.Itoa(i) + ": __typename "
	}
	flood += "}"
	if r := ts.post(t, map[string]any{"query": flood, "extensions": persisted(hashOf(flood))}); r.Status != http.StatusBadRequest {
		t.Errorf("an alias flood: HTTP %d %s", r.Status, r.Body)
	}
	for _, h := range []string{hashOf(secret), hashOf(flood)} {
		if _, ok := ts.apq.Get(context.Background(), h); ok {
			t.Errorf("kept %s, a query refused", h)
		}
	}
}
