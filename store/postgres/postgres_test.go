package postgres_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	"github.com/satupintu/satupintu/store/seal"
	"github.com/satupintu/satupintu/store/storetest"
)

var discard = slog.New(slog.DiscardHandler)

// testKeys are the data keys of the tests.
func testKeys(t testing.TB, s string) *seal.Keyring {
	t.Helper()
	if s == "" {
		s = "test1:" + strings.Repeat("5a", 32)
	}
	r, err := seal.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// openSchema migrates a new schema of the database at dbURL and opens it:
// a store that shares nothing with the others of the database.
func openSchema(t testing.TB, dbURL string) *postgres.DB {
	t.Helper()
	u := pgtest.NewSchema(t, dbURL)
	if _, err := postgres.Migrate(context.Background(), u, discard); err != nil {
		t.Fatal(err)
	}
	return open(t, u, testKeys(t, ""))
}

func open(t testing.TB, u string, keys *seal.Keyring) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), postgres.Config{URL: u, PoolSize: 8, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestInbox(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestInbox(t, func(t *testing.T) notifications.Inbox { return postgres.NewInbox(openSchema(t, dbURL)) })
}

func TestDevices(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestDevices(t, func(t *testing.T) notifications.Devices { return postgres.NewDevices(openSchema(t, dbURL)) })
}

func TestDeliveries(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestDeliveries(t, func(t *testing.T) notifications.Deliveries {
		return postgres.NewDeliveries(openSchema(t, dbURL))
	})
}

func TestStatusSlots(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestStatusSlots(t, func(t *testing.T) documents.StatusSlots { return postgres.NewStatusSlots(openSchema(t, dbURL)) })
}

func TestShares(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	storetest.TestShares(t, func(t *testing.T) storetest.ShareStore { return postgres.NewShares(openSchema(t, dbURL)) })
}
