// Command agencysim serves the sandbox on its own: every agency simulator,
// the dev identity provider and the fake FCM, with control endpoints under
// /sim/. Several satupintu processes in production mode share one in
// multi-instance and load tests, and agency developers run it alone.
//
//	go run ./cmd/agencysim
//	go run ./cmd/agencysim env      # sandbox.env: the environment of a satupintu instance using it
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

	"github.com/satupintu/satupintu/internal/pprofmux"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/fcm"
)

// shutdownTimeout bounds the drain of requests in flight (a /sim/step
// waits for its webhook deliveries, each at most 5s).
const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "agencysim: %v\n", err)
		os.Exit(1)
	}
}

// run serves the sandbox until ctx is cancelled (SIGINT/SIGTERM), then
// drains requests in flight.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 {
		switch args[1] {
		case "-h", "-help", "--help", "help":
			printUsage(stdout)
			return nil
		case "env":
			return runEnv(ctx, args[2:], getenv, stdout, stderr)
		default:
			return fmt.Errorf("unknown argument %q (try: agencysim -h)", args[1])
		}
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	for _, w := range unknownVariables(os.Environ(), getenv) {
		log.Warn(w)
	}
	s, err := start(cfg, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-s.failed:
		_ = s.stop()
		return err
	}
	log.Info("shutting down", "timeout", shutdownTimeout.String())
	return s.stop()
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: agencysim        serve the sandbox: agency simulators, identity provider, fake FCM")
	fmt.Fprintln(w, "       agencysim env    write sandbox.env: a satupintu instance's environment for the running one (agencysim env -h)")
	fmt.Fprintln(w, "\nSettings come from the environment:")
	for _, v := range variables() {
		fmt.Fprintf(w, "  %-22s default %s\n      %s\n", v.name, v.def, v.help)
	}
	fmt.Fprintln(w, "\nServed under the base URL:")
	for _, e := range endpoints {
		fmt.Fprintf(w, "  %-24s %s\n", e.Route, e.Help)
	}
}

// simServer is a running sandbox.
type simServer struct {
	url    string // where it listens
	base   string // where callers reach it (AGENCYSIM_BASE_URL)
	sb     *sim.Sandbox
	push   *fcm.Server
	creds  map[string]string // the environment of a satupintu instance
	log    *slog.Logger
	srv    *http.Server
	pprof  *http.Server // nil unless AGENCYSIM_PPROF_ADDR is set
	failed chan error
}

// start listens on cfg.Addr and serves the sandbox in the background.
func start(cfg config, log *slog.Logger) (*simServer, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("AGENCYSIM_ADDR=%q: %w", cfg.Addr, err)
	}
	listening := "http://" + reachable(ln.Addr())
	base := cfg.BaseURL
	if base == "" {
		base = listening
		if host, _, _ := net.SplitHostPort(cfg.Addr); host == "" || net.ParseIP(host).IsUnspecified() {
			log.Warn("AGENCYSIM_BASE_URL not set: advertising a loopback URL; set it when other hosts or containers call this sandbox", "base", base)
		}
	}
	sb := sim.New(sim.Options{Logger: log, BaseURL: base, Step: cfg.Step, Polled: cfg.Polled, Population: cfg.Population})
	if sb.IdP() == nil {
		sb.Close()
		ln.Close()
		return nil, fmt.Errorf("AGENCYSIM_BASE_URL=%q: the identity provider cannot be named by it", base)
	}
	// The sandbox's own fake FCM answers only for fcm.DevProjectID; this one
	// answers for the configured project and shadows it under /fcm/.
	push := fcm.New(cfg.FCMProject, nil)
	creds, err := credentialsEnv(base, sb, push, cfg.Polled)
	if err != nil {
		sb.Close()
		ln.Close()
		return nil, err
	}
	s := &simServer{url: listening, base: base, sb: sb, push: push, creds: creds, log: log, failed: make(chan error, 1)}

	mux := http.NewServeMux()
	mux.Handle("/sim/", s.control())
	mux.Handle("/fcm/", http.StripPrefix("/fcm", push.Handler()))
	mux.Handle("/", sb)
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.PprofAddr != "" {
		pln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			sb.Close()
			ln.Close()
			return nil, fmt.Errorf("AGENCYSIM_PPROF_ADDR=%q: %w", cfg.PprofAddr, err)
		}
		s.pprof = &http.Server{Handler: pprofmux.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = s.pprof.Serve(pln) }()
		log.Info("profiling endpoint", "url", "http://"+reachable(pln.Addr())+"/debug/pprof/")
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.failed <- fmt.Errorf("serving %s: %w", ln.Addr(), err)
		}
	}()
	log.Info("agencysim listening", "url", listening, "base", base, "step", cfg.Step.String(),
		"polled", polledList(cfg.Polled), "fcmProject", cfg.FCMProject, "population", cfg.Population)
	return s, nil
}

// stop drains requests in flight, then stops the stepping of cases.
func (s *simServer) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if s.pprof != nil {
		_ = s.pprof.Close()
	}
	s.sb.Close()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// reachable is addr as a client dials it: an unspecified host (":9090",
// "0.0.0.0", "::") becomes the loopback address.
func reachable(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	return tcp.String()
}
