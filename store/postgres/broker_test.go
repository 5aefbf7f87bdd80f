package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	"github.com/satupintu/satupintu/store/storetest"
)

func newBroker(t testing.TB, db *postgres.DB) *postgres.Broker {
	t.Helper()
	b, err := postgres.NewBroker(context.Background(), db, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBroker(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestBroker(t, func(t *testing.T) cases.Broker { return newBroker(t, openSchema(t, dbURL)) })
}

// Two instances: one publishes, the other's subscriber hears it.
func TestBrokerAcrossInstances(t *testing.T) {
	u := pgtest.NewSchema(t, pgtest.NewDatabase(t))
	if _, err := postgres.Migrate(context.Background(), u, discard); err != nil {
		t.Fatal(err)
	}
	one, two := newBroker(t, open(t, u, testKeys(t, ""))), newBroker(t, open(t, u, testKeys(t, "")))
	ch, cancel, err := two.Subscribe(context.Background(), nik, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	up := cases.Update{CaseID: "c1", Citizen: nik, Status: cases.StatusInReview, Version: 3,
		Entry: cases.Entry{At: at, Status: cases.StatusInReview, Source: cases.SourceAgencyWebhook, Message: "Diperiksa"}}
	if err := one.Publish(context.Background(), up); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ch:
		if got.CaseID != "c1" || got.Version != 3 || got.Entry.Message != "Diperiksa" {
			t.Errorf("heard %+v; want %+v", got, up)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other instance's subscriber heard nothing")
	}
}

// An update too large for a notification is sent as its case and version:
// the subscriber gets the case's latest entry, read from the store.
func TestBrokerLargeUpdate(t *testing.T) {
	ctx := context.Background()
	db := openSchema(t, pgtest.NewDatabase(t))
	cs := postgres.NewCaseStore(db, newQueue(t, db))
	c, _, err := cs.Create(ctx, &cases.Case{Citizen: nik, ServiceID: "skck", Agency: sp.AgencyPolice, Status: cases.StatusSubmitted,
		Fields: map[string]string{}, CreatedAt: at, UpdatedAt: at,
		History: []cases.Entry{{At: at, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Berkas Anda sedang diperiksa. ", 400) // 12 KB
	c, err = cs.Update(ctx, c.ID, func(c *cases.Case) error {
		c.Status = cases.StatusForwarded
		c.History = append(c.History, cases.Entry{At: at, Status: cases.StatusForwarded, Source: cases.SourceSystem, Message: long})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := newBroker(t, db)
	ch, cancel, err := b.Subscribe(ctx, nik, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if err := b.Publish(ctx, cases.Update{CaseID: c.ID, Citizen: nik, Status: c.Status, Entry: c.History[1], Version: c.Version}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ch:
		if got.CaseID != c.ID || got.Version != c.Version || got.Entry.Message != long || got.Status != cases.StatusForwarded {
			t.Errorf("heard case %s v%d %s, a message of %d bytes; want v%d FORWARDED, the long message", got.CaseID, got.Version,
				got.Status, len(got.Entry.Message), c.Version)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing heard of a large update")
	}
}

// The listening connection drops (PostgreSQL restarted, the network cut):
// the broker connects again and its subscribers hear later updates.
func TestBrokerReconnects(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewSchema(t, pgtest.NewDatabase(t))
	if _, err := postgres.Migrate(ctx, u, discard); err != nil {
		t.Fatal(err)
	}
	proxy := pgtest.NewProxy(t, u)
	listening := newBroker(t, open(t, proxy.URL(), testKeys(t, "")))
	publisher := newBroker(t, open(t, u, testKeys(t, "")))
	ch, cancel, err := listening.Subscribe(ctx, nik, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	proxy.Cut()
	proxy.Restore()
	version := int64(0)
	testkit.WaitFor(t, "an update after the connection came back", func() bool {
		version++
		if err := publisher.Publish(ctx, cases.Update{CaseID: "c1", Citizen: nik, Status: cases.StatusReceived, Version: version}); err != nil {
			t.Fatal(err)
		}
		select {
		case got, ok := <-ch:
			return ok && got.CaseID == "c1"
		case <-time.After(100 * time.Millisecond):
			return false
		}
	})
}
