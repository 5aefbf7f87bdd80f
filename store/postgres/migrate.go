package postgres

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// The schema is a list of forward-only migrations, migrations/NNNNN_*.sql,
// embedded in the binary and applied by goose (its Provider), each in a
// transaction, recorded in goose_db_version. Instances starting together
// take turns: goose holds a session advisory lock while it migrates.
//
// River keeps its tables under its own migrator and version table
// (river_migration). To make them part of this one schema version, so
// that "database newer than the binary" covers them too, its migrations
// are applied from a goose Go migration (river.go, goMigrations): it runs
// rivermigrate's MigrateTx with the database/sql driver on goose's
// transaction, up to a pinned River migration. A River upgrade that
// brings a new migration is then a new migration here.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed queries/schema_version.sql
var schemaVersionSQL string

// lockID is the advisory lock migrations hold: "satupintu" in the top bits.
const lockID int64 = 0x5341545550494e

// migrations are the embedded migration files.
func migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

// KnownVersion is the newest schema version this binary knows: the
// version of its last migration.
func KnownVersion() int64 {
	files := MigrationFiles()
	if len(files) == 0 {
		panic("postgres: no embedded migrations")
	}
	return files[len(files)-1].Version
}

// SchemaNewerError is a database migrated by a newer satupintu: this one
// would not know its tables, so it refuses to start.
type SchemaNewerError struct{ Database, Known int64 }

func (e *SchemaNewerError) Error() string {
	return fmt.Sprintf("database schema is at version %d, this satupintu knows up to %d: "+
		"run a newer satupintu, or restore the database from before the upgrade", e.Database, e.Known)
}

// SchemaBehindError is a database not migrated yet.
type SchemaBehindError struct{ Database, Known int64 }

func (e *SchemaBehindError) Error() string {
	return fmt.Sprintf("database schema is at version %d, this satupintu needs %d: run `satupintu migrate`", e.Database, e.Known)
}

// Migration is one migration of the schema.
type Migration struct {
	Version   int64
	Name      string    // its file
	AppliedAt time.Time // zero if pending
}

// Status is where a database's schema is.
type Status struct {
	Database   int64 // the version it is at
	Known      int64 // the newest this binary knows
	Migrations []Migration
}

// Migrate brings the schema of the database at url up to KnownVersion,
// one migration (one transaction) at a time, and returns the migrations
// it applied. It refuses a database newer than the binary, before and
// after (another instance, newer, may migrate meanwhile). log receives
// goose's progress.
func Migrate(ctx context.Context, url string, log *slog.Logger) (applied []Migration, err error) {
	defer wrap(&err, "migrating")
	p, closeDB, err := provider(url, log)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	if err := refuseNewer(ctx, p); err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		applied = append(applied, Migration{Version: r.Source.Version, Name: path.Base(r.Source.Path), AppliedAt: time.Now()})
	}
	return applied, refuseNewer(ctx, p)
}

// MigrationStatus reports where the schema of the database at url is.
func MigrationStatus(ctx context.Context, url string) (_ Status, err error) {
	defer wrap(&err, "reading the schema version")
	p, closeDB, err := provider(url, slog.New(slog.DiscardHandler))
	if err != nil {
		return Status{}, err
	}
	defer closeDB()
	st := Status{Known: KnownVersion()}
	if st.Database, err = p.GetDBVersion(ctx); err != nil {
		return Status{}, err
	}
	all, err := p.Status(ctx)
	if err != nil {
		return Status{}, err
	}
	for _, m := range all {
		st.Migrations = append(st.Migrations, Migration{Version: m.Source.Version, Name: path.Base(m.Source.Path), AppliedAt: m.AppliedAt})
	}
	return st, nil
}

func refuseNewer(ctx context.Context, p *goose.Provider) error {
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return err
	}
	if known := KnownVersion(); v > known {
		return &SchemaNewerError{Database: v, Known: known}
	}
	return nil
}

// provider is goose on a database/sql handle of its own: migrations run
// without the statement timeout (an index on a large table takes long).
func provider(url string, log *slog.Logger) (*goose.Provider, func(), error) {
	if err := CheckURL(url); err != nil {
		return nil, nil, err
	}
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, nil, err
	}
	cc.RuntimeParams["statement_timeout"] = "0"
	cc.RuntimeParams["application_name"] = "satupintu migrate"
	db := stdlib.OpenDB(*cc)
	// Wait up to 5 minutes for another instance's migrations, asking
	// every second.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300), lock.WithUnlockTimeout(1, 60))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations(),
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true), goose.WithSlog(log),
		goose.WithGoMigrations(goMigrations()...))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return p, func() { db.Close() }, nil
}

// checkSchema refuses a database whose schema is not the one this binary
// knows.
func checkSchema(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) error {
	var v int64
	err := q.QueryRow(ctx, schemaVersionSQL).Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table: never migrated
		err, v = nil, 0
	}
	if err != nil {
		return fmt.Errorf("postgres: reading the schema version: %w", err)
	}
	switch known := KnownVersion(); {
	case v > known:
		return &SchemaNewerError{Database: v, Known: known}
	case v < known:
		return &SchemaBehindError{Database: v, Known: known}
	}
	return nil
}

// MigrationFile is one embedded migration: an SQL file, or a Go
// migration (SQL empty) named as if it were a file.
type MigrationFile struct {
	Version int64
	Name    string
	SQL     string
	Go      bool
}

// MigrationFiles are the embedded migrations, SQL and Go, in order.
func MigrationFiles() []MigrationFile {
	names, err := fs.Glob(migrations(), "*.sql")
	if err != nil {
		panic(err)
	}
	var out []MigrationFile
	for _, n := range names {
		b, err := fs.ReadFile(migrations(), n)
		if err != nil {
			panic(err)
		}
		out = append(out, MigrationFile{Version: versionOf(n), Name: n, SQL: string(b)})
	}
	for _, m := range goMigrations() {
		out = append(out, MigrationFile{Version: m.Version, Name: m.Source, Go: true})
	}
	slices.SortFunc(out, func(a, b MigrationFile) int { return cmp.Compare(a.Version, b.Version) })
	return out
}

// versionOf is the version a migration's name starts with.
func versionOf(name string) int64 {
	v, err := strconv.ParseInt(strings.SplitN(path.Base(name), "_", 2)[0], 10, 64)
	if err != nil {
		panic(fmt.Sprintf("postgres: migration %s: %v", name, err))
	}
	return v
}
