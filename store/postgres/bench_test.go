package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

// BenchmarkInboxAdd adds notifications from many goroutines, each to one
// of 10,000 citizens, as case changes arrive: each Add is one durable
// commit.
func BenchmarkInboxAdd(b *testing.B) {
	ctx := context.Background()
	db := openSchema(b, pgtest.NewDatabase(b))
	inbox := postgres.NewInbox(db)
	var n atomic.Int64
	start := time.Now()
	b.SetParallelism(8) // goroutines per GOMAXPROCS: waiting on commits
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			citizen := sp.NIK(fmt.Sprintf("3174%012d", i%10_000))
			if _, err := inbox.Add(ctx, notifications.Notification{ID: fmt.Sprintf("c%d-1", i), Citizen: citizen, CaseID: fmt.Sprint(i),
				Status: "FORWARDED", Sequence: 1, Title: sp.Text{ID: "Permohonan diteruskan", EN: "Application forwarded"},
				Body: sp.Text{ID: "SKCK Anda diteruskan ke Polri.", EN: "Your SKCK went to the police."}, CreatedAt: time.Now()}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "adds/s")
}

// BenchmarkInboxList reads the first page of a 100-notification inbox.
func BenchmarkInboxList(b *testing.B) {
	ctx := context.Background()
	inbox := postgres.NewInbox(openSchema(b, pgtest.NewDatabase(b)))
	const citizen sp.NIK = "3174015708900001"
	for i := range 100 {
		if _, err := inbox.Add(ctx, notifications.Notification{ID: fmt.Sprintf("c%d-1", i), Citizen: citizen,
			Title: sp.Text{ID: "x"}, CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if p, err := inbox.List(ctx, citizen, notifications.ListQuery{}); err != nil || len(p.Items) != 20 {
				b.Errorf("List = %d items, %v", len(p.Items), err)
				return
			}
		}
	})
}

// BenchmarkPushDelivery is the push path's writes: claim a push, record
// it delivered (two durable commits).
func BenchmarkPushDelivery(b *testing.B) {
	ctx := context.Background()
	s := postgres.NewDeliveries(openSchema(b, pgtest.NewDatabase(b)))
	var n atomic.Int64
	start := time.Now()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id, tok := fmt.Sprintf("c%d-1", n.Add(1)), "phone:APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ"
			d, ok, err := s.Claim(ctx, id, tok, time.Now(), time.Minute)
			if err != nil || !ok {
				b.Errorf("Claim = %v, %v", ok, err)
				return
			}
			d.State, d.Name = notifications.DeliveryDelivered, "projects/p/messages/1"
			if err := s.Set(ctx, id, tok, d); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "pushes/s")
}

// BenchmarkCaseCreate submits cases from many goroutines, each for one of
// 10,000 citizens: one transaction per case (the case, its first history
// entry and its forward job in River), each a durable commit. Run with
// -benchtime=10s or more: a short run measures little.
func BenchmarkCaseCreate(b *testing.B) {
	ctx := context.Background()
	u := pgtest.NewSchema(b, pgtest.NewDatabase(b))
	if _, err := postgres.Migrate(ctx, u, discard); err != nil {
		b.Fatal(err)
	}
	// A pool as an instance's default (20): commits wait on the disk, so
	// the more in flight, the more each flush carries.
	db, err := postgres.Open(ctx, postgres.Config{URL: u, PoolSize: 20, Keys: testKeys(b, "")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	var sync string
	pgtest.Scan(b, pgtest.ServerURL(b), "SHOW synchronous_commit", nil, &sync)
	if sync != "on" {
		b.Fatalf("synchronous_commit is %s: the commits would not be durable", sync)
	}
	s := postgres.NewCaseStore(db, newQueue(b, db))
	var n atomic.Int64
	start := time.Now()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			now := time.Now()
			_, created, err := s.Create(ctx, &cases.Case{Citizen: sp.NIK(fmt.Sprintf("3174%012d", i%10_000)), ServiceID: "lost-item-report",
				Agency: sp.AgencyPolice, Status: cases.StatusSubmitted, CreatedAt: now, UpdatedAt: now,
				Fields:         map[string]string{"itemType": "KTP", "location": "Stasiun Manggarai"},
				IdempotencyKey: fmt.Sprint("bench-", i), RequestHash: "h", Delivery: cases.Delivery{State: cases.DeliveryPending},
				History: []cases.Entry{{At: now, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}})
			if err != nil || !created {
				b.Errorf("Create = %v, %v", created, err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "cases/s")
}
