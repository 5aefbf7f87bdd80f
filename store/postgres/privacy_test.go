package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	sp "github.com/satupintu/satupintu"

	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	"github.com/satupintu/satupintu/store/storetest"
)

func TestAccessLog(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestAccessLog(t, func(t *testing.T) storetest.AccessLog {
		l := postgres.NewAccessLog(openSchema(t, dbURL), privacy.BatchOptions{})
		t.Cleanup(func() { _ = l.Close() })
		return l
	})
}

func TestConsents(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestConsents(t, func(t *testing.T) privacy.Consents { return postgres.NewConsents(openSchema(t, dbURL)) })
}

// The database itself refuses to change or remove what the log holds:
// only dropping a whole month (retention) takes entries away.
func TestAccessLogIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewSchema(t, pgtest.NewDatabase(t))
	if _, err := postgres.Migrate(ctx, u, discard); err != nil {
		t.Fatal(err)
	}
	l := postgres.NewAccessLog(open(t, u, testKeys(t, "")), privacy.BatchOptions{})
	t.Cleanup(func() { _ = l.Close() })
	at := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	e := privacy.Entry{ID: "e1", At: at, Subject: "3174015708900001", Actor: privacy.Actor{Kind: privacy.ActorCitizen},
		Agency: sp.AgencyPolice, Categories: []privacy.Category{privacy.CategoryPolice}, Purpose: "graphql:home",
		LegalBasis: privacy.BasisPublicTask}
	if err := l.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, stmt := range []string{
		"UPDATE access_log SET purpose = 'rewritten'",
		"DELETE FROM access_log",
		"DELETE FROM access_log_y2026m03",
		"UPDATE access_log_y2026m03 SET at = at - interval '1 year'",
		"TRUNCATE access_log",
	} {
		_, err := c.Exec(ctx, stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" || !strings.Contains(pe.Message, "append-only") {
			t.Errorf("%s: %v; want the append-only refusal (42501)", stmt, err)
		}
	}
	var n int
	pgtest.Scan(t, u, "SELECT count(*) FROM access_log WHERE purpose = 'graphql:home'", nil, &n)
	if n != 1 {
		t.Fatalf("the entry is gone or changed: %d left", n)
	}
	// Retention drops the month whole.
	if _, err := l.DropBefore(ctx, at.AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	pgtest.Scan(t, u, "SELECT count(*) FROM access_log", nil, &n)
	if n != 0 {
		t.Errorf("%d entries after dropping their month", n)
	}
}

func TestExports(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestExports(t, func(t *testing.T) privacy.Exports { return postgres.NewExports(openSchema(t, dbURL)) })
}

func TestInboxErasure(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestInboxErasure(t, func(t *testing.T) storetest.ErasableInbox { return postgres.NewInbox(openSchema(t, dbURL)) })
}

func TestDevicesErasure(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestDevicesErasure(t, func(t *testing.T) storetest.ErasableDevices {
		return postgres.NewDevices(openSchema(t, dbURL))
	})
}

func TestConsentPurge(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestConsentPurge(t, func(t *testing.T) interface {
		privacy.Consents
		privacy.ConsentPurger
	} {
		return postgres.NewConsents(openSchema(t, dbURL))
	})
}

// BenchmarkAccessLogRecord records a home screen's six entries per
// request from many requests at once, as responses do: the group commit
// at work. It reports the process's CPU per request (what the log adds to
// a home request, beside its ~2 ms) and the records per second.
func BenchmarkAccessLogRecord(b *testing.B) {
	ctx := context.Background()
	l := postgres.NewAccessLog(openSchema(b, pgtest.NewDatabase(b)), privacy.BatchOptions{})
	b.Cleanup(func() { _ = l.Close() })
	var n atomic.Int64
	now := time.Now()
	if err := l.Prepare(ctx, now, now.AddDate(0, 1, 0)); err != nil {
		b.Fatal(err)
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start, startCPU := time.Now(), cpu()
	b.SetParallelism(16) // requests in flight per GOMAXPROCS: each waits on a commit
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			citizen := sp.NIK(fmt.Sprintf("3174%012d", i%10_000))
			reads := make([]sp.AgencyRead, 0, len(sp.Agencies))
			for _, a := range sp.Agencies {
				reads = append(reads, sp.AgencyRead{Agency: a, Citizen: citizen, Purpose: "graphql:home", FetchedAt: time.Now(), Called: true})
			}
			if err := l.Record(ctx, privacy.ReadEntries(reads, privacy.Actor{Kind: privacy.ActorCitizen, NIK: citizen}, time.Now())...); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64((cpu()-startCPU).Microseconds())/float64(n.Load()), "cpu-µs/request")
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "requests/s")
}

func TestMandates(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestMandates(t, func(t *testing.T) mandates.Store { return postgres.NewMandates(openSchema(t, dbURL)) })
}
