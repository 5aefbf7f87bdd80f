package postgres_test

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	"github.com/satupintu/satupintu/store/seal"
)

const (
	nik   sp.NIK = "3174015708900001"
	token        = "phone:APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ"
)

var (
	keyA = "a:" + strings.Repeat("a1", 32)
	keyB = "b:" + strings.Repeat("b2", 32)
	keyC = "c:" + strings.Repeat("c3", 32)
	at   = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
)

func migrated(t *testing.T) string {
	t.Helper()
	u := pgtest.NewDatabase(t)
	if _, err := postgres.Migrate(context.Background(), u, discard); err != nil {
		t.Fatal(err)
	}
	return u
}

func note(id, title string) notifications.Notification {
	return notifications.Notification{ID: id, Citizen: nik, CaseID: "case1", Status: "FORWARDED", Sequence: 1,
		Title: sp.Text{ID: title, EN: title}, Body: sp.Text{ID: "Isi " + title, EN: "Body " + title},
		DeepLink: "satupintu://cases/case1", CreatedAt: at}
}

// What identifies or concerns a citizen is not in the database in the
// clear: not the NIK, the token, or a notification's words.
func TestSealedAtRest(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	db := open(t, u, testKeys(t, keyA))
	if _, err := postgres.NewInbox(db).Add(ctx, note("case1-1", "Permohonan diteruskan")); err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewDevices(db).Register(ctx, notifications.Device{Token: token, Citizen: nik, Platform: notifications.PlatformAndroid,
		Locale: sp.LangID, AppVersion: "1.0", RegisteredAt: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewDeliveries(db).Set(ctx, "case1-1", token, notifications.Delivery{State: notifications.DeliveryDelivered, Attempts: 1, At: at}); err != nil {
		t.Fatal(err)
	}
	cs := postgres.NewCaseStore(db, newQueue(t, db))
	c, _, err := cs.Create(ctx, &cases.Case{Citizen: nik, ServiceID: "skck", Agency: sp.AgencyPolice, Status: cases.StatusSubmitted,
		Fields: map[string]string{"purpose": "Melamar kerja di Bandung"}, CreatedAt: at, UpdatedAt: at, IdempotencyKey: "k1",
		History: []cases.Entry{{At: at, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Update(ctx, c.ID, func(c *cases.Case) error {
		c.Held = []cases.Event{{ID: "e2", Sequence: 2, Status: cases.StatusInReview, Message: "Hasil lab HIV Anda diperiksa"}}
		c.History = append(c.History, cases.Entry{At: at, Status: cases.StatusSubmitted, Source: cases.SourceAgencyWebhook,
			Message: "Hasil lab HIV Anda diterima"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{string(nik), token, "Permohonan diteruskan", "APA91b", "Bandung", "HIV"}
	for _, table := range []string{"inbox", "inbox_counts", "devices", "push_deliveries", "cases", "case_history"} {
		var rows string
		pgtest.Scan(t, u, `SELECT coalesce(string_agg(t::text, E'\n'), '') FROM `+table+` t`, nil, &rows)
		if rows == "" {
			t.Fatalf("%s is empty", table)
		}
		for _, s := range secrets {
			// bytea columns read back as hex.
			if strings.Contains(rows, s) || strings.Contains(rows, hex.EncodeToString([]byte(s))) {
				t.Errorf("table %s holds %q in the clear: %s", table, s, rows)
			}
		}
	}
}

// A rotation: with the new key first, rows sealed before still read, new
// rows are sealed with the new key, and lookups still find every row. A
// key the database has used cannot be dropped: the start is refused,
// naming it. A row sealed with a key that is gone fails to read, naming
// the key, rather than reading as missing.
func TestDataKeyRotation(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)

	before := open(t, u, testKeys(t, keyA))
	if _, err := postgres.NewInbox(before).Add(ctx, note("case1-1", "lama")); err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewDevices(before).Register(ctx, notifications.Device{Token: token, Citizen: nik, Platform: notifications.PlatformIOS,
		Locale: sp.LangEN, AppVersion: "1.0", RegisteredAt: at, LastSeen: at}); err != nil {
		t.Fatal(err)
	}
	before.Close()

	during := open(t, u, testKeys(t, keyB+","+keyA))
	if during.Keys().Sealing() != "b" || during.Keys().Lookup() != "a" {
		t.Errorf("during the rotation: sealing %s, lookup %s; want b, and a (the database's lookup key)", during.Keys().Sealing(), during.Keys().Lookup())
	}
	inbox := postgres.NewInbox(during)
	if _, err := inbox.Add(ctx, note("case1-2", "baru")); err != nil {
		t.Fatal(err)
	}
	page, err := inbox.List(ctx, nik, notifications.ListQuery{})
	if err != nil || len(page.Items) != 2 || page.Items[0].Title.ID != "baru" || page.Items[1].Title.ID != "lama" {
		t.Fatalf("during the rotation: %+v, %v; want baru and lama", page.Items, err)
	}
	if d, err := postgres.NewDevices(during).Get(ctx, token); err != nil || d.Citizen != nik {
		t.Errorf("during the rotation: device %+v, %v", d, err)
	}
	for id, want := range map[string]string{"case1-1": "a", "case1-2": "b"} {
		var sealed []byte
		pgtest.Scan(t, u, `SELECT content FROM inbox WHERE id = $1`, []any{id}, &sealed)
		if got, err := seal.KeyOf(sealed); err != nil || got != want {
			t.Errorf("%s sealed with %q (%v); want %q", id, got, err, want)
		}
	}
	during.Close()

	// Dropping a key the database has used: refused at start.
	for _, ring := range []string{keyB, keyC + "," + keyB} {
		_, err := postgres.Open(ctx, postgres.Config{URL: u, Keys: testKeys(t, ring)})
		var missing *seal.MissingKeyError
		if !errors.As(err, &missing) || missing.ID != "a" || !strings.Contains(err.Error(), "SATUPINTU_DATA_KEY") {
			t.Errorf("Open without key a (%s) = %v; want a MissingKeyError naming a", ring[:1], err)
		}
	}

	// A row sealed with a key the database does not list (its data_keys
	// row deleted by hand): reading it fails, naming the key.
	c := open(t, u, testKeys(t, keyC+","+keyB+","+keyA))
	if _, err := postgres.NewInbox(c).Add(ctx, note("case1-3", "oleh c")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	pgtest.Exec(t, u, `DELETE FROM data_keys WHERE id = 'c'`)
	after := open(t, u, testKeys(t, keyB+","+keyA))
	_, err = postgres.NewInbox(after).Get(ctx, nik, "case1-3")
	var missing *seal.MissingKeyError
	if !errors.As(err, &missing) || missing.ID != "c" || errors.Is(err, sp.ErrNotFound) {
		t.Errorf("Get of a row sealed with a removed key = %v; want a MissingKeyError naming c", err)
	}
	if _, err := postgres.NewInbox(after).Get(ctx, nik, "case1-1"); err != nil {
		t.Errorf("the other rows still read: %v", err)
	}
}

// WithTx runs again a transaction PostgreSQL rolled back for a conflict,
// with nothing of the failed attempt left; other errors are returned at
// once.
func TestWithTx(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	db := open(t, u, testKeys(t, ""))
	pgtest.Exec(t, u, `CREATE TABLE attempts (n integer PRIMARY KEY)`)

	var calls atomic.Int32
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		n := calls.Add(1)
		if _, err := tx.Exec(ctx, `INSERT INTO attempts VALUES ($1)`, n); err != nil {
			return err
		}
		if n == 1 {
			_, err := tx.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$`)
			return err
		}
		return nil
	})
	var rows, first int
	pgtest.Scan(t, u, `SELECT count(*), coalesce(min(n), 0) FROM attempts`, nil, &rows, &first)
	if err != nil || calls.Load() != 2 || rows != 1 || first != 2 {
		t.Errorf("after a serialization failure: %v, %d calls, rows %d (first %d); want success on the second call, its row only", err, calls.Load(), rows, first)
	}

	calls.Store(0)
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		calls.Add(1)
		_, err := tx.Exec(ctx, `INSERT INTO attempts VALUES (2)`)
		return err
	})
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" || calls.Load() != 1 {
		t.Errorf("a unique violation: %v after %d calls; want it returned after one", err, calls.Load())
	}
}

// Every statement is bounded by the statement timeout.
func TestStatementTimeout(t *testing.T) {
	u := migrated(t)
	db, err := postgres.Open(context.Background(), postgres.Config{URL: u, StatementTimeout: 50 * time.Millisecond, Keys: testKeys(t, "")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Pool().Exec(context.Background(), `SELECT pg_sleep(2)`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" { // query_canceled
		t.Errorf("a 2s statement under a 50ms timeout: %v", err)
	}
}

// When PostgreSQL cannot be reached, every write fails with an error that
// is not a domain error: the resolvers answer it UNAVAILABLE (a store
// failure they cannot classify), never as done. Ping says so, for
// /readyz. Once it is back, the same pool works again.
func TestUnreachable(t *testing.T) {
	ctx := context.Background()
	u := migrated(t)
	proxy := pgtest.NewProxy(t, u)
	db := open(t, proxy.URL(), testKeys(t, ""))
	inbox, devices, deliveries := postgres.NewInbox(db), postgres.NewDevices(db), postgres.NewDeliveries(db)
	if _, err := inbox.Add(ctx, note("case1-1", "satu")); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	if err := db.Ping(ctx); err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("Ping while cut off = %v; want an error naming PostgreSQL", err)
	}
	writes := map[string]func() error{
		"inbox add": func() error { _, err := inbox.Add(ctx, note("case1-2", "dua")); return err },
		"mark read": func() error { _, err := inbox.MarkRead(ctx, nik, nil, at); return err },
		"delete":    func() error { _, err := inbox.Delete(ctx, nik, "case1-1"); return err },
		"register": func() error {
			return devices.Register(ctx, notifications.Device{Token: token, Citizen: nik, RegisteredAt: at, LastSeen: at})
		},
		"unregister": func() error { _, err := devices.Unregister(ctx, nik, token); return err },
		"claim":      func() error { _, _, err := deliveries.Claim(ctx, "case1-1", token, at, time.Minute); return err },
		"set": func() error {
			return deliveries.Set(ctx, "case1-1", token, notifications.Delivery{State: notifications.DeliveryFailed})
		},
		"list": func() error { _, err := inbox.List(ctx, nik, notifications.ListQuery{}); return err },
	}
	for name, write := range writes {
		err := write()
		var domain *sp.Error
		if err == nil || errors.As(err, &domain) {
			t.Errorf("%s while cut off = %v; want a store error (UNAVAILABLE), not a domain error", name, err)
		}
	}

	proxy.Restore()
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping once back: %v", err)
	}
	if p, err := inbox.List(ctx, nik, notifications.ListQuery{}); err != nil || p.Total != 1 || p.Items[0].ID != "case1-1" {
		t.Errorf("once back: %+v, %v; want the one accepted before, nothing of the failed writes", p, err)
	}
}

// Instances starting together on a new database, in the middle of a
// rotation (some seal with a, some with b, all hold both), agree on one
// lookup key, whichever it is.
func TestConcurrentStartsBindOneLookupKey(t *testing.T) {
	u := migrated(t)
	rings := []string{keyA + "," + keyB, keyB + "," + keyA, keyA + "," + keyB, keyB + "," + keyA}
	dbs := make([]*postgres.DB, len(rings))
	var wg sync.WaitGroup
	for i, ring := range rings {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), postgres.Config{URL: u, Keys: testKeys(t, ring)})
			if err != nil {
				t.Errorf("start %d: %v", i, err)
				return
			}
			dbs[i] = db
		})
	}
	wg.Wait()
	var lookups int
	var lookup string
	pgtest.Scan(t, u, `SELECT count(*), min(id) FROM data_keys WHERE lookup`, nil, &lookups, &lookup)
	if lookups != 1 {
		t.Fatalf("%d lookup keys recorded; want one", lookups)
	}
	for i, db := range dbs {
		if db == nil {
			continue
		}
		if db.Keys().Lookup() != lookup {
			t.Errorf("start %d hashes lookups with %s; the database says %s", i, db.Keys().Lookup(), lookup)
		}
		db.Close()
	}
}
