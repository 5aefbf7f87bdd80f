package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/sim/seed"
)

// manifestFile writes an Apollo persisted query manifest of named bodies.
func manifestFile(t *testing.T, name string, ops map[string]string) string {
	t.Helper()
	var list []map[string]string
	for opName, body := range ops {
		sum := sha256.Sum256([]byte(body))
		typ := "query"
		if strings.HasPrefix(body, "mutation") {
			typ = "mutation"
		}
		list = append(list, map[string]string{"id": hex.EncodeToString(sum[:]), "name": opName, "type": typ, "body": body})
	}
	b, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": list})
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The edge's settings: read, checked, and named when wrong.
func TestAppEdgeSettings(t *testing.T) {
	load := func(env map[string]string) (Config, error) {
		c, _, err := loadConfig(func(k string) string { return env[k] }, nil)
		return c, err
	}
	c, err := load(nil)
	if err != nil || c.TrustedMode != server.TrustedOff || len(c.CORSOrigins) != 0 || len(c.Releases.Names()) != 0 {
		t.Fatalf("dev defaults: %v %+v", err, c)
	}
	manifest := manifestFile(t, "android.json", map[string]string{"Probe": "query Probe { __typename }"})
	c, err = load(map[string]string{
		"SATUPINTU_CORS_ORIGINS":           "https://app.satupintu.go.id, https://*.preview.satupintu.go.id",
		"SATUPINTU_TRUSTED_DOCUMENTS":      "log",
		"SATUPINTU_TRUSTED_DOCUMENTS_FILE": manifest + "," + manifest,
		"SATUPINTU_MIN_APP_VERSION":        "satupintu-android:2.3.0,satupintu-ios:2.3.1",
		"SATUPINTU_LATEST_APP_VERSION":     "satupintu-android:2.5.0",
		"SATUPINTU_APP_UPDATE_URL":         "https://satupintu.go.id/update,satupintu-android:https://play.google.com/store/apps/details?id=id.go.satupintu",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CORSOrigins) != 2 || c.TrustedMode != server.TrustedLog || len(c.TrustedFiles) != 2 ||
		c.Releases.Release("satupintu-ios").MinimumVersion != "2.3.1" || c.Releases.Release("satupintu-ios").UpdateURL != "https://satupintu.go.id/update" ||
		c.Releases.Release("satupintu-android").LatestVersion != "2.5.0" {
		t.Errorf("settings read: %+v", c)
	}

	for name, env := range map[string]map[string]string{
		"SATUPINTU_CORS_ORIGINS":           {"SATUPINTU_CORS_ORIGINS": "app.satupintu.go.id"},
		"SATUPINTU_TRUSTED_DOCUMENTS":      {"SATUPINTU_TRUSTED_DOCUMENTS": "strict"},
		"SATUPINTU_TRUSTED_DOCUMENTS_FILE": {"SATUPINTU_TRUSTED_DOCUMENTS_FILE": "/nonexistent/manifest.json"},
		"SATUPINTU_MIN_APP_VERSION":        {"SATUPINTU_MIN_APP_VERSION": "satupintu-android:latest"},
		"SATUPINTU_LATEST_APP_VERSION":     {"SATUPINTU_LATEST_APP_VERSION": "2.3.0"},
		"SATUPINTU_APP_UPDATE_URL":         {"SATUPINTU_APP_UPDATE_URL": "satupintu-android:play-store"},
	} {
		if _, err := load(env); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: err %v does not name %s", env, err, name)
		}
	}
	// Across settings: a minimum needs an update URL; log and enforce need
	// a manifest.
	if _, err := load(map[string]string{"SATUPINTU_MIN_APP_VERSION": "satupintu-android:2.3.0"}); err == nil ||
		!strings.Contains(err.Error(), "SATUPINTU_APP_UPDATE_URL") || !strings.Contains(err.Error(), "no update URL") {
		t.Errorf("a minimum without an update URL: %v", err)
	}
	if _, err := load(map[string]string{"SATUPINTU_TRUSTED_DOCUMENTS": "enforce"}); err == nil || !strings.Contains(err.Error(), "SATUPINTU_TRUSTED_DOCUMENTS_FILE") {
		t.Errorf("enforce without a manifest: %v", err)
	}
}

// Production enforces trusted documents unless told otherwise, and so
// needs the apps' manifests to start.
func TestProductionEnforcesTrustedDocuments(t *testing.T) {
	env, _ := productionEnv(t)
	delete(env, "SATUPINTU_TRUSTED_DOCUMENTS")
	_, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err == nil || !strings.Contains(err.Error(), "SATUPINTU_TRUSTED_DOCUMENTS=enforce (the production default) needs SATUPINTU_TRUSTED_DOCUMENTS_FILE") {
		t.Fatalf("production without a manifest: %v", err)
	}
	env["SATUPINTU_TRUSTED_DOCUMENTS_FILE"] = manifestFile(t, "android.json", map[string]string{
		"Me": "query Me { me { name } }",
	})
	cfg, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil || cfg.TrustedMode != server.TrustedEnforce {
		t.Fatalf("production with a manifest: %v, mode %s", err, cfg.TrustedMode)
	}
}

// A manifest is checked against the schema at start: an operation that
// does not validate stops it, naming the file and the operation.
func TestInvalidTrustedDocumentStopsTheStart(t *testing.T) {
	path := manifestFile(t, "ios-2.3.0.json", map[string]string{
		"Me":     "query Me { me { name } }",
		"Broken": "query Broken { me { shoeSize } }",
	})
	env := map[string]string{"SATUPINTU_TRUSTED_DOCUMENTS_FILE": path, "SATUPINTU_TRUSTED_DOCUMENTS": "enforce"}
	cfg, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	a, err := start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		a.stop()
		t.Fatal("started with an operation that does not validate")
	}
	for _, want := range []string{"SATUPINTU_TRUSTED_DOCUMENTS_FILE", path, `"Broken"`, `Cannot query field "shoeSize"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not name %s: %v", want, err)
		}
	}
}

// End to end in dev mode with enforce: the app's operations run, by id or
// text; anything else is refused and reaches no agency; an outdated app is
// told to update; a browser app on a listed origin is answered with CORS
// headers; and appConfig answers before sign-in.
func TestAppDeveloperEdgeEndToEnd(t *testing.T) {
	const home = "query Home { home { name } }"
	const appStart = "query AppStart { appConfig { minimumVersion latestVersion updateUrl updateRequired } }"
	ta := startApp(t, map[string]string{
		"SATUPINTU_TRUSTED_DOCUMENTS":      "enforce",
		"SATUPINTU_TRUSTED_DOCUMENTS_FILE": manifestFile(t, "android.json", map[string]string{"Home": home, "AppStart": appStart}),
		"SATUPINTU_MIN_APP_VERSION":        "satupintu-android:2.3.0",
		"SATUPINTU_LATEST_APP_VERSION":     "satupintu-android:2.4.0",
		"SATUPINTU_APP_UPDATE_URL":         "satupintu-android:https://play.google.com/store/apps/details?id=id.go.satupintu",
		"SATUPINTU_CORS_ORIGINS":           "https://app.satupintu.go.id",
	})
	tok := ta.token(seed.NIKBudi)
	android := []string{"apollographql-client-name", "satupintu-android", "apollographql-client-version", "2.4.0",
		"Accept", "application/graphql-response+json", "Origin", "https://app.satupintu.go.id"}
	sum := sha256.Sum256([]byte(home))
	byID := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	r := ta.postWith(tok, map[string]any{"extensions": byID}, android...)
	if r.Status != 200 || len(r.Errors) > 0 || get(r.Data, "home", "name") != "BUDI SANTOSO" {
		t.Fatalf("the app's operation by id: HTTP %d %+v", r.Status, r.Errors)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "https://app.satupintu.go.id" {
		t.Errorf("no CORS headers for a listed origin: %v", r.Header)
	}

	before := ta.counts()
	r = ta.postWith(tok, map[string]any{"query": "{ home { name police { licences { class } } } }"}, android...)
	if r.Status != 400 || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_ALLOWED" || r.Data != nil {
		t.Errorf("an operation in no manifest: HTTP %d %+v", r.Status, r.Errors)
	}
	old := append([]string{}, android...)
	old[3] = "2.2.0"
	r = ta.postWith(tok, map[string]any{"extensions": byID}, old...)
	if r.Status != 400 || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "APP_UPDATE_REQUIRED" ||
		r.Errors[0].Extensions["updateUrl"] != "https://play.google.com/store/apps/details?id=id.go.satupintu" {
		t.Errorf("an outdated app: HTTP %d %+v", r.Status, r.Errors)
	}
	for a, n := range ta.counts() {
		if n != before[a] {
			t.Errorf("%s was called %d times by refused requests", a, n-before[a])
		}
	}

	// Before sign-in the outdated app learns what to do.
	r = ta.postWith("", map[string]any{"query": appStart}, old...)
	if r.Status != 200 || len(r.Errors) > 0 || get(r.Data, "appConfig", "updateRequired") != true ||
		get(r.Data, "appConfig", "minimumVersion") != "2.3.0" || get(r.Data, "appConfig", "latestVersion") != "2.4.0" {
		t.Errorf("appConfig before sign-in: HTTP %d %+v %v", r.Status, r.Errors, r.Data)
	}

	// The metrics count by client.
	resp, err := http.Get(ta.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var metrics strings.Builder
	_, _ = io.Copy(&metrics, resp.Body)
	for _, want := range []string{
		`satupintu_graphql_operations_total{client="satupintu-android",result="ok",type="query"} 2`,
		`satupintu_app_update_required_total{client="satupintu-android"} 1`,
	} {
		if !strings.Contains(metrics.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// postWith sends a GraphQL POST body as is, with the given header pairs.
func (ta *testApp) postWith(token string, body map[string]any, headers ...string) gqlResponse {
	ta.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return ta.do(req)
}

// Payments are on by default in production too: a start without the
// gateway's and the treasury's settings is refused, naming each missing
// one; SATUPINTU_PAYMENTS=off starts without them.
func TestProductionPaymentsOnNeedGatewayAndTreasury(t *testing.T) {
	env, _ := productionEnv(t)
	delete(env, "SATUPINTU_PAYMENTS")
	_, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err == nil {
		t.Fatal("production started with payments on and no gateway or treasury")
	}
	for _, name := range []string{"SATUPINTU_SNAP_URL", "SATUPINTU_SNAP_CLIENT_ID", "SATUPINTU_SNAP_CLIENT_SECRET",
		"SATUPINTU_SNAP_PRIVATE_KEY_FILE", "SATUPINTU_SNAP_GATEWAY_KEY_FILE", "SATUPINTU_SNAP_PARTNER_SERVICE_ID",
		"SATUPINTU_SIMPONI_URL", "SATUPINTU_SIMPONI_USER"} {
		if !strings.Contains(err.Error(), "SATUPINTU_PAYMENTS=on needs "+name) {
			t.Errorf("the refusal does not name %s:\n%v", name, err)
		}
	}
	env["SATUPINTU_PAYMENTS"] = "off"
	if cfg, _, err := loadConfig(func(k string) string { return env[k] }, nil); err != nil || cfg.Payments {
		t.Fatalf("production with payments off: %v (payments %v)", err, cfg.Payments)
	}
}

// Dev mode bills fees by default, against the sandbox's gateway and
// treasury.
func TestDevPaymentsOnByDefault(t *testing.T) {
	cfg, _, err := loadConfig(func(string) string { return "" }, nil)
	if err != nil || !cfg.Payments {
		t.Fatalf("dev defaults: %v (payments %v)", err, cfg.Payments)
	}
}
