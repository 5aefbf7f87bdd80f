// Package store opens the state of one satupintu process: the engine of
// every store port, chosen once.
//
//   - The durable ports (cases and their jobs, the inbox, devices, push
//     deliveries, the access log, consents, data exports, document
//     shares) are kept in PostgreSQL with a database URL, in process
//     memory without one (dev: one process, lost when it stops).
//   - The ports that may be lost and rebuilt (the agency read cache, APQ,
//     rate limits, the webhook replay guard, the caseUpdated fan-out) are
//     kept in Redis with a Redis URL; without one, each process keeps
//     them in memory and the fan-out goes over PostgreSQL's LISTEN/NOTIFY
//     (in memory, too, without a database).
//
// So the smallest production is one PostgreSQL; Redis, when there is
// one, holds nothing that cannot be lost.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	goredis "github.com/redis/go-redis/v9"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/store/memory"
	"github.com/satupintu/satupintu/store/postgres"
	storeredis "github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/seal"
)

// Config selects and sizes the engine. The sizes bound the memory engine;
// Redis holds what it is given.
type Config struct {
	// RedisURL selects Redis (see store/redis for its forms); "" the memory engine.
	RedisURL string
	// Prefix starts every Redis key.
	Prefix string
	// CitizenKeySecret names citizens in Redis keys and channels by an
	// HMAC of their NIK; every instance must share it (at least 16 bytes).
	CitizenKeySecret []byte
	// Instance names this process's PostgreSQL connections.
	Instance string
	// QueueVisibility is how long a job of an instance that died stays
	// taken: the memory engine's claim; on River, the time past JobTimeout
	// after which a job still running is run again elsewhere.
	QueueVisibility time.Duration
	// JobTimeout is the longest a job runs on River (PostgreSQL): its
	// context ends then and it is retried. Longer than any handler's run.
	JobTimeout time.Duration
	// QueueIdle is how long an idle job runner waits before looking for
	// due jobs again (doubling while idle, up to four times).
	QueueIdle time.Duration
	// Now is the memory engine's clock for its job queue (nil: time.Now):
	// a test moves it to make scheduled jobs due. PostgreSQL's queue
	// keeps the database's time.
	Now func() time.Time
	// CacheMaxEntries bounds the agency read cache.
	CacheMaxEntries int
	// APQMaxEntries bounds the automatic persisted queries.
	APQMaxEntries int
	// LimiterMaxKeys bounds the citizens and addresses rate-limited (about
	// 100 bytes each); one pushed out starts again with a full burst.
	LimiterMaxKeys int
	// ReplayMaxEntries bounds the webhook signatures remembered.
	ReplayMaxEntries int

	// DatabaseURL selects PostgreSQL for the durable ports; "" keeps them
	// in memory.
	DatabaseURL string
	// DBPoolSize is the most PostgreSQL connections of this instance.
	DBPoolSize int
	// DBStatementTimeout bounds every statement (0: the server's setting).
	DBStatementTimeout time.Duration
	// DataKeys seal personal data in PostgreSQL.
	DataKeys *seal.Keyring
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.QueueVisibility < time.Millisecond || c.QueueIdle <= 0 {
		bad("store: queue visibility must be at least 1ms and the idle pause positive, got %s and %s", c.QueueVisibility, c.QueueIdle)
	}
	if c.Instance == "" {
		bad("store: the instance name is required")
	}
	if c.RedisURL == "" {
		for _, n := range []struct {
			name string
			v    int
		}{{"cache", c.CacheMaxEntries}, {"persisted queries", c.APQMaxEntries}, {"rate-limit keys", c.LimiterMaxKeys},
			{"webhook replay", c.ReplayMaxEntries}} {
			if n.v <= 0 {
				bad("store: the most %s entries must be positive, got %d", n.name, n.v)
			}
		}
	} else if len(c.CitizenKeySecret) < 16 {
		bad("store: the citizen key secret must be at least 16 bytes")
	}
	if c.DatabaseURL != "" {
		if c.DataKeys == nil {
			bad("store: PostgreSQL needs data keys to seal with")
		}
		if c.DBPoolSize < 1 {
			bad("store: the PostgreSQL pool size must be at least 1, got %d", c.DBPoolSize)
		}
		if c.JobTimeout <= 0 {
			bad("store: the job timeout must be positive, got %s", c.JobTimeout)
		}
	}
	return errors.Join(errs...)
}

// Stores are the engines of every port, opened together.
type Stores struct {
	Engine     string // "memory", "postgres", "redis" or "postgres+redis": where the durable ports are, and the others
	Cache      agency.Cache
	Cases      cases.Store
	Jobs       queue.Queue // forwards, changes, pushes and polls; Cases enqueues into it
	Broker     cases.Broker
	Devices    notifications.Devices
	Inbox      notifications.Inbox
	Deliveries notifications.Deliveries
	Limiter    ratelimit.Limiter
	APQ        graphql.Cache[string]
	Replays    signature.ReplayGuard
	// The documents wallet: status-list slots and one-time shares. In
	// memory (this process only) unless PostgreSQL keeps them.
	StatusSlots  documents.StatusSlots
	Shares       documents.Shares
	ShareHistory documents.ShareHistory
	// AccessLog, Consents and Exports are the citizens' privacy (UU PDP):
	// in PostgreSQL with a database URL, in memory otherwise (never in
	// Redis: none of it may be lost).
	AccessLog AccessLog
	Consents  Consents
	Exports   privacy.Exports
	// Payments are the bills of cases' fees and their ledger: with the
	// cases (they settle a bill and move its case in one step).
	Payments payments.Store
	// Mandates between citizens: in PostgreSQL with a database URL, in
	// memory otherwise.
	Mandates mandates.Store
	// Ready are the checks /readyz runs: the engine can be reached.
	Ready []Check

	closers []func() error
}

// AccessLog is every side of the access log's engine.
type AccessLog interface {
	privacy.Log
	privacy.Reader
	privacy.Retainer
}

// Consents is every side of the consents' engine.
type Consents interface {
	privacy.Consents
	privacy.ConsentPurger
}

// Check is one readiness check.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
	// Optional: the instance serves without it (Redis holds only what may
	// be lost), so it degrades readiness instead of failing it.
	Optional bool
}

// Open opens the engines cfg selects. Redis and PostgreSQL are reached
// once, so a wrong address or password stops the start; PostgreSQL's
// schema is migrated first (a database newer than this binary stops the
// start). The caller closes the Stores.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (_ *Stores, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := openMemory(cfg, log)
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if cfg.RedisURL != "" {
		rc, err := storeredis.Connect(ctx, cfg.RedisURL, storeredis.ConnectOptions{})
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		s.closers = append(s.closers, rc.Close)
		if err := s.openRedis(rc, cfg, log); err != nil {
			return nil, err
		}
	}
	if cfg.DatabaseURL != "" {
		if err := s.openPostgres(ctx, cfg, log); err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
	}
	return s, nil
}

// openPostgres migrates the database and keeps the durable ports there,
// and the fan-out too when there is no Redis.
func (s *Stores) openPostgres(ctx context.Context, cfg Config, log *slog.Logger) error {
	if _, err := postgres.Migrate(ctx, cfg.DatabaseURL, log.With("component", "migrate")); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, postgres.Config{
		URL: cfg.DatabaseURL, PoolSize: cfg.DBPoolSize, StatementTimeout: cfg.DBStatementTimeout,
		ApplicationName: strings.TrimSpace("satupintu " + cfg.Instance), Keys: cfg.DataKeys,
	})
	if err != nil {
		return err
	}
	// Closed last: after the brokers' connections.
	s.closers = append(s.closers, func() error { db.Close(); return nil })
	jobs, err := postgres.NewQueue(ctx, db, postgres.QueueOptions{JobTimeout: cfg.JobTimeout,
		RescueAfter: cfg.JobTimeout + cfg.QueueVisibility, Log: log.With("component", "jobs")})
	if err != nil {
		return err
	}
	caseStore := postgres.NewCaseStore(db, jobs)
	s.Jobs, s.Cases, s.Payments = jobs, caseStore, postgres.NewPaymentStore(db, caseStore)
	s.Inbox, s.Devices, s.Deliveries = postgres.NewInbox(db), postgres.NewDevices(db), postgres.NewDeliveries(db)
	shares := postgres.NewShares(db)
	s.StatusSlots, s.Shares, s.ShareHistory = postgres.NewStatusSlots(db), shares, shares
	accessLog := postgres.NewAccessLog(db, privacy.BatchOptions{})
	s.AccessLog, s.Consents, s.Exports = accessLog, postgres.NewConsents(db), postgres.NewExports(db)
	s.Mandates = postgres.NewMandates(db)
	// The access log's writer commits what it holds before the pool closes.
	s.closers = append([]func() error{accessLog.Close}, s.closers...)
	if cfg.RedisURL == "" {
		broker, err := postgres.NewBroker(ctx, db, log.With("component", "broker"))
		if err != nil {
			return err
		}
		s.Broker = broker
		s.closers = append([]func() error{broker.Close}, s.closers...)
		s.Engine = "postgres"
	} else {
		s.Engine = "postgres+redis"
	}
	s.Ready = append(s.Ready, Check{Name: "postgresql", Check: db.Ping})
	return nil
}

// openMemory keeps every port in this process.
func openMemory(cfg Config, log *slog.Logger) *Stores {
	jobs := memory.NewQueue(cfg.QueueVisibility, cfg.Now).WithRunner(cfg.QueueIdle, log.With("component", "jobs"))
	shares := memory.NewShares()
	caseStore := memory.NewCaseStore(jobs)
	return &Stores{
		Payments:     memory.NewPaymentStore(caseStore),
		StatusSlots:  memory.NewStatusSlots(),
		Shares:       shares,
		ShareHistory: shares,
		Engine:       "memory",
		Cache:        memory.NewCache(cfg.CacheMaxEntries),
		Cases:        caseStore,
		Jobs:         jobs,
		Broker:       memory.NewBroker(),
		Devices:      memory.NewDevices(),
		Inbox:        memory.NewInbox(),
		Deliveries:   memory.NewDeliveries(),
		Limiter:      memory.NewLimiter(cfg.LimiterMaxKeys),
		APQ:          memory.NewAPQCache(cfg.APQMaxEntries),
		Replays:      memory.NewReplayGuard(cfg.ReplayMaxEntries),
		AccessLog:    memory.NewAccessLog(),
		Consents:     memory.NewConsents(),
		Exports:      memory.NewExports(),
		Mandates:     memory.NewMandates(),
	}
}

// openRedis keeps the ports that may be lost in Redis.
func (s *Stores) openRedis(rc goredis.UniversalClient, cfg Config, log *slog.Logger) error {
	prefix := cfg.Prefix
	s.Engine = "redis"
	s.Cache = storeredis.NewCache(rc, prefix)
	s.Limiter = storeredis.NewLimiter(rc, prefix)
	s.APQ = storeredis.NewAPQCache(rc, prefix, log.With("component", "apq"))
	s.Replays = storeredis.NewReplayGuard(rc, prefix)
	s.Ready = append(s.Ready, Check{Name: "redis", Optional: true, Check: func(ctx context.Context) error { return rc.Ping(ctx).Err() }})
	broker, err := storeredis.NewBroker(rc, prefix, cfg.CitizenKeySecret)
	if err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	s.Broker = broker
	// The broker's subscriptions end before the client closes under them.
	s.closers = append([]func() error{broker.Close}, s.closers...)
	return nil
}

// Close releases the engines: subscriptions, then connections. Close it
// after the work using the stores has stopped.
func (s *Stores) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	s.closers = nil
	return errors.Join(errs...)
}
