package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

// The migrations are forward-only and each runs in a transaction: none
// has a Down part or opts out of goose's transaction; versions rise
// strictly, the last one the known version. (Each piece of work takes its
// own block of versions, so work done in parallel never takes the same
// number; goose applies them in order. The Go ones, River's, are checked
// by running them: TestMigrate.)
func TestMigrationFiles(t *testing.T) {
	files := postgres.MigrationFiles()
	if len(files) == 0 {
		t.Fatal("no migrations")
	}
	last := int64(0)
	for i, f := range files {
		if f.Version <= last || !strings.HasPrefix(f.Name, fmt.Sprintf("%05d_", f.Version)) {
			t.Errorf("migration %d is %s (version %d); want a name starting with its 5-digit version, above %05d", i+1, f.Name, f.Version, last)
		}
		last = f.Version
		if f.Go {
			continue
		}
		if !strings.Contains(f.SQL, "-- +goose Up") || strings.Contains(f.SQL, "+goose Down") || strings.Contains(f.SQL, "NO TRANSACTION") {
			t.Errorf("%s: want an Up part only, in a transaction", f.Name)
		}
	}
	if last != postgres.KnownVersion() {
		t.Errorf("the last migration is version %d, the known version %d", last, postgres.KnownVersion())
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	keys := testKeys(t, "")

	// Not migrated yet: Open refuses, saying what to run.
	_, err := postgres.Open(ctx, postgres.Config{URL: u, Keys: keys})
	var behind *postgres.SchemaBehindError
	if !errors.As(err, &behind) || behind.Database != 0 || !strings.Contains(err.Error(), "satupintu migrate") {
		t.Fatalf("Open of a database never migrated = %v; want a SchemaBehindError naming satupintu migrate", err)
	}
	st, err := postgres.MigrationStatus(ctx, u)
	if err != nil || st.Database != 0 || st.Known != postgres.KnownVersion() || len(st.Migrations) != len(postgres.MigrationFiles()) {
		t.Fatalf("status before = %+v, %v", st, err)
	}
	for _, m := range st.Migrations {
		if !m.AppliedAt.IsZero() {
			t.Errorf("%s applied before Migrate", m.Name)
		}
	}

	applied, err := postgres.Migrate(ctx, u, discard)
	if err != nil || len(applied) != len(postgres.MigrationFiles()) {
		t.Fatalf("Migrate = %d applied, %v; want all %d", len(applied), err, len(postgres.MigrationFiles()))
	}
	if again, err := postgres.Migrate(ctx, u, discard); err != nil || len(again) != 0 {
		t.Errorf("Migrate again = %d applied, %v; want none", len(again), err)
	}
	st, err = postgres.MigrationStatus(ctx, u)
	if err != nil || st.Database != st.Known {
		t.Fatalf("status after = %+v, %v", st, err)
	}
	for _, m := range st.Migrations {
		if m.AppliedAt.IsZero() {
			t.Errorf("%s not applied", m.Name)
		}
	}
	// River's tables came with the schema version, at River's latest.
	var river int
	pgtest.Scan(t, u, `SELECT max(version) FROM river_migration WHERE line = 'main'`, nil, &river)
	if river != 8 {
		t.Errorf("River's migrations at %d; want 8 (River v0.51.2's last)", river)
	}
	open(t, u, keys)
}

// A database a newer satupintu migrated: this one refuses to migrate or
// open it, and says what to do.
func TestNewerDatabaseRefused(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	if _, err := postgres.Migrate(ctx, u, discard); err != nil {
		t.Fatal(err)
	}
	known := postgres.KnownVersion()
	pgtest.Exec(t, u, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true), ($2, true)`, known+1, known+2)
	want := fmt.Sprintf("database schema is at version %d, this satupintu knows up to %d: run a newer satupintu, or restore", known+2, known)
	_, err := postgres.Migrate(ctx, u, discard)
	var newer *postgres.SchemaNewerError
	if !errors.As(err, &newer) || !strings.Contains(err.Error(), want) {
		t.Errorf("Migrate = %v; want %q", err, want)
	}
	_, err = postgres.Open(ctx, postgres.Config{URL: u, Keys: testKeys(t, "")})
	if !errors.As(err, &newer) || !strings.Contains(err.Error(), want) {
		t.Errorf("Open = %v; want %q", err, want)
	}
}

// Instances starting together take turns: every migration is applied
// once, and every instance starts.
func TestConcurrentMigrations(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	const instances = 4
	var wg sync.WaitGroup
	applied := make([]int, instances)
	for i := range instances {
		wg.Go(func() {
			a, err := postgres.Migrate(ctx, u, discard)
			if err != nil {
				t.Errorf("instance %d: %v", i, err)
			}
			applied[i] = len(a)
		})
	}
	wg.Wait()
	total := 0
	for _, n := range applied {
		total += n
	}
	files := int64(len(postgres.MigrationFiles()))
	if int64(total) != files {
		t.Errorf("%d instances applied %v migrations; want %d in all, each once", instances, applied, files)
	}
	var rows, distinct int64
	pgtest.Scan(t, u, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`, nil, &rows, &distinct)
	if rows != files || distinct != rows {
		t.Errorf("goose_db_version holds %d rows of %d versions; want %d, once each", rows, distinct, files)
	}
}
