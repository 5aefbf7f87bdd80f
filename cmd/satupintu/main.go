// Command satupintu runs the BFF. With no settings it starts in dev mode:
// every agency simulator, the dev identity provider and the memory store
// embedded, so `go run ./cmd/satupintu` is the whole system.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "satupintu: %v\n", err)
		os.Exit(1)
	}
}

// run starts satupintu and serves until ctx is cancelled (SIGINT/SIGTERM),
// then drains requests in flight.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 {
		switch args[1] {
		case "-h", "-help", "--help", "help":
			printUsage(stdout)
			return nil
		case "outbox":
			return runOutbox(ctx, args[2:], getenv, stdout, stderr)
		case "payments":
			return runPayments(ctx, args[2:], getenv, stdout, stderr)
		case "migrate":
			return runMigrate(ctx, args[2:], getenv, stdout, stderr)
		default:
			return fmt.Errorf("unknown command %q (try: satupintu help)", args[1])
		}
	}
	cfg, warnings, err := loadConfig(getenv, os.Environ())
	if err != nil {
		return fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	lines := newLineBuffer(stdout, logFlushEvery)
	defer lines.Close()
	log := slog.New(flushAtWarn{newLogger(lines, cfg.LogLevel).Handler(), lines})
	for _, w := range warnings {
		log.Warn(w)
	}
	a, err := start(ctx, cfg, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-a.failed:
		_ = a.stop()
		return err
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	return a.stop()
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: satupintu                  start the server")
	fmt.Fprintln(w, "       satupintu outbox ...       list and replay parked forwards (satupintu outbox -h)")
	fmt.Fprintln(w, "       satupintu payments ...     list bills, reconcile open ones with the gateway, the daily report (satupintu payments -h)")
	fmt.Fprintln(w, "       satupintu migrate [status] apply (or show) the PostgreSQL schema migrations of DATABASE_URL")
	fmt.Fprintln(w, "\nSettings come from the environment:")
	for _, v := range variables() {
		req := ""
		if v.required {
			req = " (required in production)"
		}
		fmt.Fprintf(w, "  %-36s default %s%s\n      %s\n", v.name, v.def, req, v.help)
	}
}

// serve runs srv on ln in the background; a failure other than a clean
// shutdown is sent on failed.
func serve(srv *http.Server, ln net.Listener, failed chan<- error) {
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			failed <- fmt.Errorf("serving %s: %w", ln.Addr(), err)
		}
	}()
}

// newHTTPServer serves h, giving each request headerTimeout to send its
// headers. Bodies get their deadline per request (server.Limits.BodyTimeout):
// http.Server's ReadTimeout would cut websockets too.
func newHTTPServer(h http.Handler, headerTimeout time.Duration, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
