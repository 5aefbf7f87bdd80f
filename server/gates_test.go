package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/satupintu/satupintu/apprelease"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/server"
)

// Without a token only appConfig answers (and introspection in dev mode):
// anything else, however it is dressed (a fragment, an inline fragment, a
// second operation, a mutation, a document that does not parse), is 401
// and runs nothing, without telling anything of the schema.
func TestWithoutATokenOnlyAppConfigAnswers(t *testing.T) {
	for _, dev := range []bool{false, true} {
		calls := &resolverCalls{}
		srv := serve(t, server.Deps{Introspection: dev, Extensions: []graphql.HandlerExtension{calls}})
		anon := func(query string, header ...string) reply {
			return send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(query, nil),
				append([]string{"Content-Type", "application/json", "Accept", "application/graphql-response+json"}, header...)...)
		}
		refused := []string{
			`{ me { name } }`,
			`{ appConfig { updateUrl } me { name } }`,
			`{ appConfig { updateUrl } ...F } fragment F on Query { home { name } }`,
			`{ appConfig { updateUrl } ... on Query { notifications { totalCount } } }`,
			`{ ...A } fragment A on Query { ...B } fragment B on Query { me { name } }`,
			`query A { appConfig { updateUrl } } query B { me { name } }`,
			`mutation { markNotificationsRead(ids: []) { marked } }`,
			`subscription { caseUpdated { case { id } } }`,
			`{ __typename }`,
			`{ home { nonsense } }`, // a validation error would tell of home
			`{ appConfig { `,
		}
		if !dev {
			refused = append(refused, `{ __schema { types { name } } }`, `{ __type(name: "Me") { fields { name } } }`)
		}
		for _, q := range refused {
			r := anon(q, "Accept-Language", "en")
			_, hasData, errs := r.graphQL(t)
			if r.Status != http.StatusUnauthorized || hasData || len(errs) != 1 || errs[0].code() != "UNAUTHENTICATED" ||
				!strings.HasPrefix(errs[0].Message, "Sign in first") || r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("dev %v, without a token, %s: HTTP %d %s", dev, q, r.Status, r.Body)
			}
		}
		if n := calls.n.Load(); n != 0 {
			t.Errorf("dev %v: requests without a token ran %d resolvers", dev, n)
		}
		for _, q := range []string{
			`{ appConfig { minimumVersion latestVersion updateUrl } }`,
			`query AppStart { appConfig { updateRequired } __typename }`,
			`{ ...Start } fragment Start on Query { appConfig { clientName } }`,
			`{ ... on Query { appConfig { updateUrl } } }`,
		} {
			r := anon(q)
			if data, _, errs := r.graphQL(t); r.Status != 200 || len(errs) > 0 || data["appConfig"] == nil {
				t.Errorf("dev %v, %s: HTTP %d %s", dev, q, r.Status, r.Body)
			}
		}
		if dev {
			r := anon(`{ __schema { queryType { name } } __type(name: "AppConfig") { name } }`)
			if data, _, errs := r.graphQL(t); r.Status != 200 || len(errs) > 0 || data["__schema"] == nil {
				t.Errorf("introspection without a token in dev: HTTP %d %s", r.Status, r.Body)
			}
		}

		// A bad token is refused even for appConfig: the app must drop it.
		r := anon(`{ appConfig { updateUrl } }`, "Authorization", "Bearer not-a-token")
		if r.Status != http.StatusUnauthorized {
			t.Errorf("appConfig with a bad token: HTTP %d %s", r.Status, r.Body)
		}
		// So is a malformed Authorization header.
		r = anon(`{ appConfig { updateUrl } }`, "Authorization", "Basic dXNlcjpwYXNz")
		if r.Status != http.StatusUnauthorized {
			t.Errorf("appConfig with Basic auth: HTTP %d %s", r.Status, r.Body)
		}
	}
}

var releases = apprelease.Policy{
	Minimum:          map[string]string{"satupintu-android": "2.3.0", "satupintu-ios": "2.3.0"},
	Latest:           map[string]string{"satupintu-android": "2.5.1"},
	UpdateURL:        map[string]string{"satupintu-android": "https://play.google.com/store/apps/details?id=id.go.satupintu"},
	DefaultUpdateURL: "https://satupintu.go.id/update",
}

// An app older than its minimum version gets APP_UPDATE_REQUIRED with the
// minimum and where to update, runs nothing, and is counted; appConfig
// still answers it. Apps at or above the minimum, apps not held to one,
// and requests naming no app pass.
func TestMinimumAppVersion(t *testing.T) {
	calls := &resolverCalls{}
	reg := prometheus.NewRegistry()
	logs := &testkit.SyncBuffer{}
	srv := serve(t, server.Deps{
		Clients:        server.Clients{Releases: releases, Known: server.DefaultClients},
		GraphQLMetrics: server.NewGraphQLMetrics(reg),
		Extensions:     []graphql.HandlerExtension{calls},
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
	})
	as := func(client, version, query string, header ...string) reply {
		h := []string{"Content-Type", "application/json", "Authorization", "Bearer tok-" + nikA, "Accept", "application/graphql-response+json"}
		if client != "" {
			h = append(h, "apollographql-client-name", client)
		}
		if version != "" {
			h = append(h, "apollographql-client-version", version)
		}
		return send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(query, nil), append(h, header...)...)
	}

	for _, tc := range []struct{ client, version, url string }{
		{"satupintu-android", "2.2.9", "https://play.google.com/store/apps/details?id=id.go.satupintu"},
		{"satupintu-android", "2.3.0-rc.1", "https://play.google.com/store/apps/details?id=id.go.satupintu"},
		{"satupintu-ios", "1.9", "https://satupintu.go.id/update"},
		{"satupintu-ios", "", "https://satupintu.go.id/update"},         // no version: cannot show it is new enough
		{"satupintu-ios", "build 77", "https://satupintu.go.id/update"}, // not a semantic version
	} {
		for _, q := range []string{`{ __typename }`, `mutation { markNotificationsRead(ids: []) { marked } }`, `{ appConfig { updateUrl } me { name } }`, `{ me { `} {
			r := as(tc.client, tc.version, q, "Accept-Language", "en")
			_, hasData, errs := r.graphQL(t)
			if r.Status != http.StatusBadRequest || hasData || len(errs) != 1 || errs[0].code() != "APP_UPDATE_REQUIRED" ||
				errs[0].Extensions["minimumVersion"] != "2.3.0" || errs[0].Extensions["updateUrl"] != tc.url ||
				!strings.Contains(errs[0].Message, "Update to version 2.3.0") {
				t.Errorf("%s %s, %s: HTTP %d %s", tc.client, tc.version, q, r.Status, r.Body)
			}
		}
		// Under application/json the same error answers 200.
		r := as(tc.client, tc.version, `{ me { name } }`, "Accept", "application/json")
		if _, _, errs := r.graphQL(t); r.Status != 200 || len(errs) != 1 || errs[0].code() != "APP_UPDATE_REQUIRED" {
			t.Errorf("%s %s under application/json: HTTP %d %s", tc.client, tc.version, r.Status, r.Body)
		}
	}
	if n := calls.n.Load(); n != 0 {
		t.Errorf("outdated apps ran %d resolvers", n)
	}
	if got := counterValue(t, reg, "satupintu_app_update_required_total", map[string]string{"client": "satupintu-ios"}); got != 15 {
		t.Errorf("update-required counted %v times for satupintu-ios, want 15", got)
	}
	if !strings.Contains(logs.String(), `"msg":"app update required","request_id"`) || !strings.Contains(logs.String(), `"client_version":"2.2.9"`) {
		t.Errorf("log:\n%s", logs)
	}

	// An outdated app still learns about its update, with or without a token.
	r := as("satupintu-android", "2.2.0", `{ appConfig { clientName minimumVersion latestVersion updateUrl updateRequired updateAvailable } }`)
	data, _, errs := r.graphQL(t)
	want := map[string]any{"clientName": "satupintu-android", "minimumVersion": "2.3.0", "latestVersion": "2.5.1",
		"updateUrl": "https://play.google.com/store/apps/details?id=id.go.satupintu", "updateRequired": true, "updateAvailable": true}
	if got, _ := json.Marshal(data["appConfig"]); r.Status != 200 || len(errs) > 0 || string(got) != mustJSON(want) {
		t.Errorf("appConfig of an outdated app: HTTP %d %s", r.Status, r.Body)
	}
	r = send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(`{ appConfig { updateRequired } }`, nil), "Content-Type", "application/json",
		"apollographql-client-name", "satupintu-ios", "apollographql-client-version", "2.0.0")
	if data, _, _ := r.graphQL(t); r.Status != 200 || data["appConfig"].(map[string]any)["updateRequired"] != true {
		t.Errorf("appConfig of an outdated app, without a token: HTTP %d %s", r.Status, r.Body)
	}

	// Those at or above the minimum, not held to one, or naming no app run.
	for _, tc := range [][2]string{{"satupintu-android", "2.3.0"}, {"satupintu-android", "v2.10.0"}, {"satupintu-ios", "2.3.0+77"},
		{"satupintu-web", "0.1.0"}, {"some-script", ""}, {"", ""}} {
		r := as(tc[0], tc[1], `{ __typename appConfig { updateRequired updateAvailable } }`)
		data, _, errs := r.graphQL(t)
		if r.Status != 200 || len(errs) > 0 || data["appConfig"].(map[string]any)["updateRequired"] != false {
			t.Errorf("%s %s: HTTP %d %s", tc[0], tc[1], r.Status, r.Body)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Operations are counted by client: a known app by name, any other as
// "other", none sent as "none"; the access log names the app and version.
func TestOperationsCountedByClient(t *testing.T) {
	reg := prometheus.NewRegistry()
	logs := &testkit.SyncBuffer{}
	srv := serve(t, server.Deps{
		Clients:        server.Clients{Releases: releases, Known: server.DefaultClients},
		GraphQLMetrics: server.NewGraphQLMetrics(reg),
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
	})
	for i, tc := range []struct{ client, query string }{
		{"satupintu-web", "{ __typename }"},
		{"satupintu-web", "{ __typename }"},
		{"satupintu-web", "{ nonsense }"},
		{"satupintu-android", "{ __typename }"},
		{"curl-by-someone-" + strings.Repeat("x", 10), "{ __typename }"},
		{"another-one", "{ __typename }"},
		{"", "{ __typename }"},
		{"satupintu-web", "mutation { markNotificationsRead(ids: []) { marked } }"},
	} {
		h := []string{"Content-Type", "application/json", "Authorization", "Bearer tok-" + nikA}
		if tc.client != "" {
			h = append(h, "apollographql-client-name", tc.client, "apollographql-client-version", "3.1."+string(rune('0'+i)))
		}
		send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(tc.query, nil), h...)
	}
	for _, tc := range []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"client": "satupintu-web", "type": "query", "result": "ok"}, 2},
		{map[string]string{"client": "satupintu-web", "type": "none", "result": "refused"}, 1},
		{map[string]string{"client": "satupintu-web", "type": "mutation"}, 1},
		{map[string]string{"client": "satupintu-android", "type": "query", "result": "ok"}, 1},
		{map[string]string{"client": "other", "type": "query", "result": "ok"}, 2},
		{map[string]string{"client": "none", "type": "query", "result": "ok"}, 1},
	} {
		if got := counterValue(t, reg, "satupintu_graphql_operations_total", tc.labels); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.labels, got, tc.want)
		}
	}
	if !strings.Contains(logs.String(), `"client":"satupintu-android","client_version":"3.1.3"`) {
		t.Errorf("the access log does not name the app:\n%s", logs)
	}
}
