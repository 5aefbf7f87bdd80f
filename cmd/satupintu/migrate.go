package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/satupintu/satupintu/store/postgres"
)

// runMigrate is `satupintu migrate [status]`: the schema of the database
// DATABASE_URL names brought up to the one this binary knows (a start
// does the same), or shown. Only DATABASE_URL is read, so a deployment
// can migrate in a job of its own before the instances start.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: satupintu migrate          apply the migrations the database lacks (forward only)")
		fmt.Fprintln(stderr, "       satupintu migrate status   show the schema version and each migration")
		fmt.Fprintln(stderr, "The database is DATABASE_URL's.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	url := getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL is not set: it names the database to migrate")
	}
	if err := postgres.CheckURL(url); err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	switch cmd := fs.Arg(0); cmd {
	case "":
		applied, err := postgres.Migrate(ctx, url, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		for _, m := range applied {
			fmt.Fprintf(stdout, "applied %s\n", m.Name)
		}
		fmt.Fprintf(stdout, "database schema at version %d (%d migrations applied now)\n", postgres.KnownVersion(), len(applied))
		return nil
	case "status":
		st, err := postgres.MigrationStatus(ctx, url)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database schema at version %d; this satupintu knows up to %d\n", st.Database, st.Known)
		if st.Database > st.Known {
			fmt.Fprintln(stdout, "the database is newer than this satupintu: run a newer one")
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED\tFILE")
		for _, m := range st.Migrations {
			state, when := "pending", "-"
			if !m.AppliedAt.IsZero() {
				state, when = "applied", m.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Version, state, when, m.Name)
		}
		return tw.Flush()
	default:
		fs.Usage()
		return fmt.Errorf("unknown migrate command %q", cmd)
	}
}
