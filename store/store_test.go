package store_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/store"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	storeredis "github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/seal"
)

func config() store.Config {
	return store.Config{
		Prefix:           "satupintu-store-test:",
		CitizenKeySecret: []byte("0123456789abcdef0123456789abcdef"),
		Instance:         "test",
		QueueVisibility:  30 * time.Second,
		QueueIdle:        20 * time.Millisecond,
		JobTimeout:       time.Minute,
		CacheMaxEntries:  10,
		APQMaxEntries:    10,
		LimiterMaxKeys:   10,
		ReplayMaxEntries: 10,
	}
}

var discard = slog.New(slog.DiscardHandler)

// Each engine opens every port, and they work.
func TestOpen(t *testing.T) {
	redisURL := "redis://" + miniredis.RunT(t).Addr()
	if u := os.Getenv("REDIS_URL"); u != "" {
		redisURL = u
	}
	for engine, url := range map[string]string{"memory": "", "redis": redisURL} {
		t.Run(engine, func(t *testing.T) {
			cfg := config()
			cfg.RedisURL = url
			cfg.Prefix += engine + ":" + time.Now().Format("150405.000000000") + ":"
			s, err := store.Open(context.Background(), cfg, discard)
			if err != nil {
				t.Fatal(err)
			}
			if url != "" {
				t.Cleanup(func() { deleteKeys(t, url, cfg.Prefix) })
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			if s.Engine != engine {
				t.Errorf("Engine = %q, want %q", s.Engine, engine)
			}
			if s.Cache == nil || s.Cases == nil || s.Jobs == nil || s.Broker == nil || s.Devices == nil || s.Inbox == nil ||
				s.Deliveries == nil || s.Limiter == nil || s.APQ == nil || s.Replays == nil {
				t.Fatalf("a port is missing: %+v", s)
			}
			ctx := context.Background()
			// The kinds of jobs are kept apart.
			if err := s.Jobs.Enqueue(ctx, queue.NewJob{Kind: queue.Poll, Key: "poll-1"}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Jobs.Depth(ctx, queue.Push); err != nil || n != 0 {
				t.Errorf("pushes pending %d, %v; want none: the poll is a job of another kind", n, err)
			}
			if n, err := s.Jobs.Depth(ctx, queue.Poll); err != nil || n != 1 {
				t.Errorf("polls pending %d, %v; want the one enqueued", n, err)
			}
			if first, err := s.Replays.First(ctx, "sig:1", time.Minute); err != nil || !first {
				t.Errorf("replay guard: %v, %v", first, err)
			}
			if d, err := s.Limiter.Allow(ctx, "k", ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}); err != nil || !d.Allowed {
				t.Errorf("limiter: %+v, %v", d, err)
			}
			if _, err := s.Devices.OfCitizen(ctx, sp.NIK("3174011505800001"), time.Time{}); err != nil {
				t.Errorf("devices: %v", err)
			}
			for _, c := range s.Ready {
				if err := c.Check(ctx); err != nil {
					t.Errorf("readiness %s: %v", c.Name, err)
				}
			}
			if want := map[string]int{"memory": 0, "redis": 1}[engine]; len(s.Ready) != want {
				t.Errorf("%d readiness checks, want %d", len(s.Ready), want)
			}
		})
	}
}

// With a database URL, the schema is migrated and the durable ports (cases
// and their jobs, the inbox, devices, push deliveries) are kept in
// PostgreSQL, with or without Redis for the others; without Redis, case
// updates fan out over PostgreSQL. /readyz asks PostgreSQL too.
func TestOpenPostgres(t *testing.T) {
	keys, err := seal.Parse(strings.Repeat("0f", 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{"memory", "redis"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			cfg := config()
			if engine == "redis" {
				cfg.RedisURL = "redis://" + miniredis.RunT(t).Addr()
			}
			cfg.DatabaseURL, cfg.DBPoolSize, cfg.DataKeys = pgtest.NewDatabase(t), 4, keys
			s, err := store.Open(ctx, cfg, discard)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if want := map[string]string{"memory": "postgres", "redis": "postgres+redis"}[engine]; s.Engine != want {
				t.Errorf("Engine = %q; want %q", s.Engine, want)
			}
			st, err := postgres.MigrationStatus(ctx, cfg.DatabaseURL)
			if err != nil || st.Database != postgres.KnownVersion() {
				t.Errorf("schema at %d (%v); want migrated to %d", st.Database, err, postgres.KnownVersion())
			}
			nik := sp.NIK("3174011505800001")
			if _, err := s.Inbox.Add(ctx, notifications.Notification{ID: "c1-1", Citizen: nik, CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := s.Devices.Register(ctx, notifications.Device{Token: "tok", Citizen: nik, LastSeen: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := s.Deliveries.Set(ctx, "c1-1", "tok", notifications.Delivery{State: notifications.DeliveryDelivered, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
			c, _, err := s.Cases.Create(ctx, &cases.Case{Citizen: nik, ServiceID: "skck", Agency: sp.AgencyPolice,
				Status: cases.StatusSubmitted, CreatedAt: time.Now(), UpdatedAt: time.Now(),
				History: []cases.Entry{{At: time.Now(), Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}})
			if err != nil {
				t.Fatal(err)
			}
			var rows int
			pgtest.Scan(t, cfg.DatabaseURL, `SELECT (SELECT count(*) FROM inbox) + (SELECT count(*) FROM devices) + (SELECT count(*) FROM push_deliveries)
				+ (SELECT count(*) FROM cases) + (SELECT count(*) FROM case_history) + (SELECT count(*) FROM river_job WHERE kind = 'forward')`, nil, &rows)
			if rows != 6 {
				t.Errorf("%d rows in PostgreSQL; want the notification, the device, the delivery, the case, its entry and its forward", rows)
			}
			if n, err := s.Jobs.Depth(ctx, queue.Forward); err != nil || n != 1 {
				t.Errorf("forwards pending %d, %v; want the case's", n, err)
			}
			updates, cancel, err := s.Broker.Subscribe(ctx, nik, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer cancel()
			if err := s.Broker.Publish(ctx, cases.Update{CaseID: c.ID, Citizen: nik, Status: cases.StatusForwarded, Version: 2}); err != nil {
				t.Fatal(err)
			}
			select {
			case u := <-updates:
				if u.Version != 2 {
					t.Errorf("heard %+v", u)
				}
			case <-time.After(5 * time.Second):
				t.Error("a published update was not heard")
			}
			names := map[string]bool{}
			for _, c := range s.Ready {
				names[c.Name] = true
				if err := c.Check(ctx); err != nil {
					t.Errorf("readiness %s: %v", c.Name, err)
				}
			}
			if !names["postgresql"] || names["redis"] != (engine == "redis") {
				t.Errorf("readiness checks %v", names)
			}
		})
	}
}

// A bad configuration names every problem at once; an unreachable Redis
// names REDIS_URL and never the password.
func TestOpenRefuses(t *testing.T) {
	cfg := config()
	cfg.QueueVisibility, cfg.CacheMaxEntries, cfg.ReplayMaxEntries = 0, 0, -1
	_, err := store.Open(context.Background(), cfg, discard)
	if err == nil {
		t.Fatal("a bad configuration was opened")
	}
	for _, want := range []string{"visibility", "cache", "webhook replay"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not mention %s: %v", want, err)
		}
	}

	cfg = config()
	cfg.RedisURL = "redis://:hunter2-secret@127.0.0.1:1"
	cfg.CitizenKeySecret = []byte("short")
	if _, err := store.Open(context.Background(), cfg, discard); err == nil || !strings.Contains(err.Error(), "citizen key secret") {
		t.Errorf("a short citizen key secret: %v", err)
	}
	cfg.CitizenKeySecret = config().CitizenKeySecret
	_, err = store.Open(context.Background(), cfg, discard)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("unreachable Redis: %v", err)
	}

	cfg = config()
	cfg.DatabaseURL, cfg.JobTimeout = "postgres://satupintu:hunter2-secret@127.0.0.1:1/satupintu?sslmode=disable", 0
	if _, err := store.Open(context.Background(), cfg, discard); err == nil || !strings.Contains(err.Error(), "data keys") ||
		!strings.Contains(err.Error(), "pool size") || !strings.Contains(err.Error(), "job timeout") {
		t.Errorf("PostgreSQL without keys or a pool: %v", err)
	}
	cfg.DataKeys, _ = seal.Parse(strings.Repeat("0f", 32))
	cfg.DBPoolSize, cfg.JobTimeout = 2, time.Minute
	_, err = store.Open(context.Background(), cfg, discard)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("unreachable PostgreSQL: %v", err)
	}
}

// deleteKeys removes what a test wrote under prefix (rate-limit keys put
// "rate:" in front of it).
func deleteKeys(t *testing.T, url, prefix string) {
	ctx := context.Background()
	c, err := storeredis.Connect(ctx, url, storeredis.ConnectOptions{})
	if err != nil {
		t.Errorf("cleaning up Redis: %v", err)
		return
	}
	defer c.Close()
	iter := c.Scan(ctx, 0, "*"+prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
}
