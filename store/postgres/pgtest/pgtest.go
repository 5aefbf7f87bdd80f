// Package pgtest gives tests a PostgreSQL database of their own, on a
// real server.
//
// The server is the one DATABASE_URL names (any database of it: tests
// create their own next to it); without DATABASE_URL, the usual local one,
// postgres://postgres@127.0.0.1:5432/postgres, if it answers. The rule:
//
//   - no server (DATABASE_URL unset and none answering locally): a test
//     that needs one is skipped, so `go test ./...` passes on a machine
//     without PostgreSQL; but if CI is set, it fails, saying so: CI must
//     run these tests (.ci/run starts a server and sets DATABASE_URL);
//   - DATABASE_URL set but the server does not answer: the test fails.
//
// Each test gets a database named satupintu_test_<random>, dropped when
// it ends (even when it fails), and may split it into schemas.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// LocalURL is the server tried when DATABASE_URL is not set.
const LocalURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	probeOnce sync.Once
	serverURL string
	probeErr  error
)

// ServerURL is the URL of the server the tests use; it skips or fails the
// test when there is none (see the package doc).
func ServerURL(t testing.TB) string {
	t.Helper()
	probeOnce.Do(func() {
		serverURL = os.Getenv("DATABASE_URL")
		if serverURL == "" {
			if probe(LocalURL) == nil {
				serverURL = LocalURL
			}
			return
		}
		if err := probe(serverURL); err != nil {
			probeErr = fmt.Errorf("DATABASE_URL is set but its server does not answer: %w", err)
		}
	})
	switch {
	case probeErr != nil:
		t.Fatal(probeErr)
	case serverURL == "" && os.Getenv("CI") != "":
		t.Fatal("CI is set but no PostgreSQL answers: set DATABASE_URL (postgres://user@host:5432/db?sslmode=disable), " +
			"or start the local server on 127.0.0.1:5432 (.ci/run does both)")
	case serverURL == "":
		t.Skip("no PostgreSQL: DATABASE_URL is not set and none answers on 127.0.0.1:5432 (CI would fail here)")
	}
	return serverURL
}

func probe(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

// NewDatabase creates an empty database on the test server and returns
// its URL; it is dropped when the test and its subtests end.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	name := "satupintu_test_" + strings.ToLower(rand.Text()[:16])
	Exec(t, server, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() {
		// FORCE: connections a failed test left open do not keep it.
		Exec(t, server, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return WithDatabase(t, server, name)
}

// NewSchema creates an empty schema in the database at dbURL and returns
// a URL whose connections use it (search_path): one database holds many
// stores that share nothing.
func NewSchema(t testing.TB, dbURL string) string {
	t.Helper()
	name := "s_" + strings.ToLower(rand.Text()[:12])
	Exec(t, dbURL, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize())
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// WithDatabase is serverURL naming database name instead.
func WithDatabase(t testing.TB, serverURL, name string) string {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("the PostgreSQL URL does not parse: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Exec runs one statement on the database at u, for a test to arrange or
// inspect what the code under test cannot.
func Exec(t testing.TB, u, statement string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, statement, args...); err != nil {
		t.Fatalf("%s: %v", statement, err)
	}
}

// Scan runs one query on the database at u and scans its one row into
// dest.
func Scan(t testing.TB, u, query string, args []any, dest ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer c.Close(ctx)
	if err := c.QueryRow(ctx, query, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
