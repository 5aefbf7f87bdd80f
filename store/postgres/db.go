package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/store/seal"
)

// Config is how one instance reaches PostgreSQL.
type Config struct {
	// URL is DATABASE_URL: postgres://user:password@host:5432/db?sslmode=…
	// (any libpq parameter, e.g. search_path, is passed on).
	URL string
	// PoolSize is the most connections this instance opens.
	PoolSize int
	// StatementTimeout ends a statement that runs longer (0: the server's
	// setting). Migrations run without it.
	StatementTimeout time.Duration
	// ApplicationName names the connections in pg_stat_activity.
	ApplicationName string
	// Keys seal personal data and key the lookup hashes.
	Keys *seal.Keyring
}

// DB is the pool of one instance and the keys its engines seal with.
type DB struct {
	pool *pgxpool.Pool
	keys *seal.Keyring
}

// Open connects to the database cfg names and checks it: it answers, its
// schema is the one this binary knows (Migrate first), and the data keys
// can read what it holds. The caller closes the DB.
func Open(ctx context.Context, cfg Config) (_ *DB, err error) {
	if cfg.Keys == nil {
		return nil, errors.New("postgres: no data keys")
	}
	pc, err := poolConfig(cfg)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer func() {
		if err != nil {
			pool.Close()
		}
	}()
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("postgres: reaching the database: %w", err)
	}
	if err := checkSchema(ctx, pool); err != nil {
		return nil, err
	}
	keys, err := bindKeys(ctx, pool, cfg.Keys)
	if err != nil {
		return nil, err
	}
	return &DB{pool: pool, keys: keys}, nil
}

func poolConfig(cfg Config) (*pgxpool.Config, error) {
	if err := CheckURL(cfg.URL); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.PoolSize > 0 {
		pc.MaxConns = int32(cfg.PoolSize)
	}
	params := pc.ConnConfig.RuntimeParams
	if cfg.StatementTimeout > 0 {
		params["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
	}
	if cfg.ApplicationName != "" {
		params["application_name"] = cfg.ApplicationName
	}
	return pc, nil
}

// Close closes every connection of the pool.
func (db *DB) Close() { db.pool.Close() }

// Ping reports whether the database answers: /readyz asks it. A pooled
// connection that died while idle (the database restarted, the network
// cut it) fails its ping and leaves the pool; the pings go on while idle
// connections remain, so only a database that does not answer on a fresh
// one is reported.
func (db *DB) Ping(ctx context.Context) error {
	err := db.pool.Ping(ctx)
	for tries := db.pool.Stat().IdleConns(); err != nil && ctx.Err() == nil && tries >= 0; tries-- {
		err = db.pool.Ping(ctx)
	}
	if err != nil {
		return fmt.Errorf("PostgreSQL unreachable: %w", err)
	}
	return nil
}

// Pool is the connection pool, for what needs pgx itself (River's driver).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Keys are the data keys the engines seal with, bound to the database.
func (db *DB) Keys() *seal.Keyring { return db.keys }

// txAttempts bounds how often WithTx runs a transaction PostgreSQL rolled
// back for a serialization failure or a deadlock.
const txAttempts = 5

// WithTx runs fn in a transaction (READ COMMITTED) and commits it if fn
// returns nil. A transaction PostgreSQL rolled back to resolve a conflict
// (serialization failure, deadlock) is run again, so fn must be safe to
// run twice; any other failure, a failed COMMIT included, is returned:
// the caller must not report the write as done.
func (db *DB) WithTx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if err == nil || !retryable(err) || attempt == txAttempts {
			return err
		}
		// A short, random wait lets the other transaction finish.
		t := time.NewTimer(backoff.Wait(attempt, 5*time.Millisecond, 50*time.Millisecond, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryable: PostgreSQL rolled the transaction back and it may succeed
// if run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") // serialization_failure, deadlock_detected
}

// wrap gives *errp the operation's context, once. Domain errors (not
// found, a bad cursor) pass as they are: the resolvers map them.
func wrap(errp *error, format string, args ...any) {
	var domain *sp.Error
	if *errp == nil || errors.As(*errp, &domain) {
		return
	}
	*errp = fmt.Errorf("postgres: "+format+": %w", append(args, *errp)...)
}

// CheckURL reports whether u is a PostgreSQL URL pgx can use, without
// quoting it back (it holds a password).
func CheckURL(u string) error {
	if _, err := pgxpool.ParseConfig(u); err != nil {
		return errors.New("must be a PostgreSQL URL: postgres://user:password@host:5432/database?sslmode=require")
	}
	return nil
}
