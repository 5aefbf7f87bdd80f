package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

// `satupintu migrate` brings the database's schema up, once; `migrate
// status` shows where it is. Only DATABASE_URL is needed.
func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)}
	migrate := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"satupintu", "migrate"}, args...), func(k string) string { return env[k] }, &out, io.Discard)
		return out.String(), err
	}
	first := postgres.MigrationFiles()[0].Name
	out, err := migrate("status")
	if err != nil || !strings.Contains(out, "database schema at version 0") || !strings.Contains(out, "pending") || !strings.Contains(out, first) {
		t.Errorf("status before: %v\n%s", err, out)
	}
	out, err = migrate()
	if err != nil || !strings.Contains(out, "applied "+first) {
		t.Errorf("migrate: %v\n%s", err, out)
	}
	out, err = migrate("status")
	want := fmt.Sprintf("database schema at version %d; this satupintu knows up to %d", postgres.KnownVersion(), postgres.KnownVersion())
	if err != nil || !strings.Contains(out, want) || strings.Contains(out, "pending") {
		t.Errorf("status after: %v\n%s", err, out)
	}
	if out, err = migrate(); err != nil || strings.Contains(out, "applied "+first) || !strings.Contains(out, "0 migrations applied") {
		t.Errorf("migrate again applied something: %v\n%s", err, out)
	}
	delete(env, "DATABASE_URL")
	if _, err := migrate(); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("migrate without DATABASE_URL: %v", err)
	}
}

// A start against a database a newer satupintu migrated is refused, and
// says why and what to do; so is `satupintu migrate`.
func TestStartRefusesANewerDatabase(t *testing.T) {
	ctx := context.Background()
	env, _ := productionEnv(t)
	env["SATUPINTU_ADDR"] = "127.0.0.1:0"
	db := env["DATABASE_URL"]
	if _, err := postgres.Migrate(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	known := postgres.KnownVersion()
	pgtest.Exec(t, db, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, known+6)
	want := fmt.Sprintf("database schema is at version %d, this satupintu knows up to %d: run a newer satupintu, or restore", known+6, known)
	for _, args := range [][]string{{"satupintu"}, {"satupintu", "migrate"}} {
		err := run(ctx, args, func(k string) string { return env[k] }, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", strings.Join(args, " "), err, want)
		}
	}
}

// PostgreSQL out of reach: a write that cannot commit answers UNAVAILABLE
// and is never reported as done, /readyz names PostgreSQL, and once it is
// back everything works again with nothing of the failed writes kept.
func TestPostgresUnreachable(t *testing.T) {
	env, sb := productionEnv(t)
	proxy := pgtest.NewProxy(t, env["DATABASE_URL"])
	env["DATABASE_URL"] = proxy.URL()
	ta := startProduction(t, env)
	defer ta.stop()
	tok, _, err := sb.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ta.register(tok, "before-the-cut", "ANDROID", "id")
	if status, checks := readyz(t, ta.url); status != 200 || checks["postgresql"] != "ok" {
		t.Fatalf("/readyz before the cut: %d %v", status, checks)
	}

	proxy.Cut()
	r := ta.post(tok, registerDevice, map[string]any{"in": map[string]any{
		"token": "during-the-cut", "platform": "IOS", "locale": "en", "appVersion": "3.2.1"}})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAVAILABLE" || get(r.Data, "registerDevice") != nil {
		t.Errorf("registerDevice with PostgreSQL cut off: %+v %v; want UNAVAILABLE and no payload", r.Errors, r.Data)
	}
	r = ta.post(tok, `mutation { markNotificationsRead { marked } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAVAILABLE" {
		t.Errorf("markNotificationsRead with PostgreSQL cut off: %+v %v; want UNAVAILABLE", r.Errors, r.Data)
	}
	status, checks := readyz(t, ta.url)
	if status != http.StatusServiceUnavailable || checks["postgresql"] == "ok" || !strings.Contains(checks["postgresql"], "PostgreSQL") {
		t.Errorf("/readyz with PostgreSQL cut off: %d %v; want 503 naming postgresql", status, checks)
	}

	proxy.Restore()
	if status, checks := readyz(t, ta.url); status != 200 {
		t.Errorf("/readyz once back: %d %v", status, checks)
	}
	ta.register(tok, "after-the-cut", "ANDROID", "id")
	devices := ta.post(tok, `{ devices { platform } }`, nil)
	if n := len(list(devices.Data, "devices")); len(devices.Errors) != 0 || n != 2 {
		t.Errorf("devices once back: %d (%+v); want the two registered while it answered", n, devices.Errors)
	}
}

func readyz(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Checks map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body.Checks
}
