// Package store opens the state of one satupintu process: the engine of
// every store port, chosen once. Without a Redis URL it is the memory
// engine (one process, lost when it stops); with one, the Redis engine,
// shared by every instance. With a database URL, the ports PostgreSQL
// has an engine for (inbox, devices, push deliveries) are kept there
// instead, whichever engine keeps the others.
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
	"github.com/satupintu/satupintu/notifications"
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
	// Instance names this process to the job queue (the Redis consumer)
	// and its PostgreSQL connections.
	Instance string
	// QueueVisibility is how long a claimed job stays claimed unless its
	// runner, alive, extends the claim.
	QueueVisibility time.Duration
	// QueueIdle is how long an idle job runner waits before looking for
	// due jobs again (doubling while idle, up to four times).
	QueueIdle time.Duration
	// CacheMaxEntries bounds the agency read cache.
	CacheMaxEntries int
	// APQMaxEntries bounds the automatic persisted queries.
	APQMaxEntries int
	// LimiterMaxKeys bounds the citizens and addresses rate-limited (about
	// 100 bytes each); one pushed out starts again with a full burst.
	LimiterMaxKeys int
	// ReplayMaxEntries bounds the webhook signatures remembered.
	ReplayMaxEntries int

	// DatabaseURL selects PostgreSQL for the ports it has an engine for;
	// "" leaves them with the engine of the others.
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
	}
	return errors.Join(errs...)
}

// Stores are the engines of every port, opened together.
type Stores struct {
	Engine     string // "memory" or "redis", with "postgres+" in front when PostgreSQL keeps its ports
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
	// Ready are the checks /readyz runs: the engine can be reached.
	Ready []Check

	closers []func() error
}

// Check is one readiness check.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// Open opens the engines cfg selects. Redis and PostgreSQL are reached
// once, so a wrong address or password stops the start; PostgreSQL's
// schema is migrated first (a database newer than this binary stops the
// start). The caller closes the Stores.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Stores, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var s *Stores
	if cfg.RedisURL == "" {
		s = openMemory(cfg, log)
	} else {
		rc, err := storeredis.Connect(ctx, cfg.RedisURL, storeredis.ConnectOptions{})
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		if s, err = openRedis(rc, cfg, log); err != nil {
			rc.Close()
			return nil, err
		}
	}
	if cfg.DatabaseURL != "" {
		if err := s.openPostgres(ctx, cfg, log); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
	}
	return s, nil
}

// openPostgres migrates the database and moves the ports it keeps there.
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
	s.Engine = "postgres+" + s.Engine
	s.Inbox, s.Devices, s.Deliveries = postgres.NewInbox(db), postgres.NewDevices(db), postgres.NewDeliveries(db)
	shares := postgres.NewShares(db)
	s.StatusSlots, s.Shares, s.ShareHistory = postgres.NewStatusSlots(db), shares, shares
	s.Ready = append(s.Ready, Check{Name: "postgresql", Check: db.Ping})
	s.closers = append(s.closers, func() error { db.Close(); return nil })
	return nil
}

func openMemory(cfg Config, log *slog.Logger) *Stores {
	jobs := memory.NewQueue(cfg.QueueVisibility, time.Now).WithRunner(cfg.QueueIdle, log.With("component", "jobs"))
	shares := memory.NewShares()
	return &Stores{
		StatusSlots:  memory.NewStatusSlots(),
		Shares:       shares,
		ShareHistory: shares,
		Engine:       "memory",
		Cache:        memory.NewCache(cfg.CacheMaxEntries),
		Cases:        memory.NewCaseStore(jobs),
		Jobs:         jobs,
		Broker:       memory.NewBroker(),
		Devices:      memory.NewDevices(),
		Inbox:        memory.NewInbox(),
		Deliveries:   memory.NewDeliveries(),
		Limiter:      memory.NewLimiter(cfg.LimiterMaxKeys),
		APQ:          memory.NewAPQCache(cfg.APQMaxEntries),
		Replays:      memory.NewReplayGuard(cfg.ReplayMaxEntries),
	}
}

func openRedis(rc goredis.UniversalClient, cfg Config, log *slog.Logger) (*Stores, error) {
	prefix, secret := cfg.Prefix, cfg.CitizenKeySecret
	shares := memory.NewShares()
	s := &Stores{
		StatusSlots:  memory.NewStatusSlots(),
		Shares:       shares,
		ShareHistory: shares,
		Engine:       "redis",
		Cache:        storeredis.NewCache(rc, prefix),
		Limiter:      storeredis.NewLimiter(rc, prefix),
		APQ:          storeredis.NewAPQCache(rc, prefix, log.With("component", "apq")),
		Replays:      storeredis.NewReplayGuard(rc, prefix),
		Ready:        []Check{{Name: "redis", Check: func(ctx context.Context) error { return rc.Ping(ctx).Err() }}},
	}
	jobs, err := storeredis.NewQueue(rc, prefix, storeredis.QueueOptions{Consumer: cfg.Instance,
		Visibility: cfg.QueueVisibility, Idle: cfg.QueueIdle, Log: log.With("component", "jobs")})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	s.Jobs = jobs
	if s.Cases, err = storeredis.NewCaseStore(rc, prefix, secret, jobs); err != nil {
		return nil, fmt.Errorf("case store: %w", err)
	}
	broker, err := storeredis.NewBroker(rc, prefix, secret)
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	s.Broker = broker
	if s.Devices, err = storeredis.NewDevices(rc, prefix, secret); err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	if s.Inbox, err = storeredis.NewInbox(rc, prefix, secret); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	if s.Deliveries, err = storeredis.NewDeliveries(rc, prefix, secret); err != nil {
		return nil, fmt.Errorf("push deliveries: %w", err)
	}
	// The broker's subscriptions end before the client closes under them.
	s.closers = []func() error{broker.Close, rc.Close}
	return s, nil
}

// Close releases the engine: Redis subscriptions and connections. Close
// it after the work using the stores has stopped.
func (s *Stores) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}
