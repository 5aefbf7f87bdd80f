package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// River's migrations (its line "main") are brought up to that of River
// v0.51.2, the version in go.mod: 8. They take two of ours, as
// PostgreSQL does not let a transaction use an enum value it added
// (River's 4 adds the job state "pending", its 6 indexes by it).
// Upgrading River to one with a newer migration takes a new Go migration
// below, up to it.
func goMigrations() []*goose.Migration {
	var out []*goose.Migration
	for _, m := range []struct {
		version int64
		name    string
		river   int
	}{{2, "00002_river_1_to_5.go", 5}, {3, "00003_river_6_to_8.go", 8}} {
		g := goose.NewGoMigration(m.version, &goose.GoFunc{RunTx: riverUp(m.river)}, nil)
		g.Source = m.name
		out = append(out, g)
	}
	return out
}

// riverUp applies River's own migrations up to version, in goose's
// transaction: River's tables (river_job, river_queue, river_leader, …)
// and its river_migration table arrive or move with the schema version,
// all or nothing.
func riverUp(version int) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		m, err := rivermigrate.New(riverdatabasesql.New(nil), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return err
		}
		if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: version}); err != nil {
			return fmt.Errorf("river migrations up to %d: %w", version, err)
		}
		return nil
	}
}
