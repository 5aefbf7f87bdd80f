// Command loadgen is satupintu's benchmark driver (issue 7). It measures
// satupintu against the best the same machine does without it (the
// hand-written baseline of bench/baseline), in the same run:
//
//	go run ./cmd/loadgen                       # every scenario, default sizes
//	go run ./cmd/loadgen -scenario home -duration 5s -concurrency 32
//
// By default it builds satupintu and agencysim (go build, once) and starts
// each server as a process of its own: agencysim with a synthetic
// population and a per-agency latency, satupintu in dev mode pointed at
// it, and the baseline (this program with -serve-baseline). -target,
// -baseline and -sandbox aim it at servers already running instead.
//
// Output: a table per scenario and one machine-readable line each,
// "RESULT scenario=<name> key=value …". Nothing here asserts a duration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/bench/baseline"
	"github.com/satupintu/satupintu/internal/pprofmux"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		os.Exit(1)
	}
}

// scenarios in the order "all" runs them.
var scenarios = []string{"home", "home-agency-down", "submit", "push", "subscriptions", "overload"}

// options are the flags.
type options struct {
	scenarios   []string
	duration    time.Duration
	concurrency int
	latency     time.Duration
	rounds      int
	citizens    int
	devices     int
	subscribers int
	subCitizens int
	downAgency  sp.Agency
	// overload: the open loop's rate (0: overloadFactor × the saturation
	// rate measured first).
	openLoop       float64
	overloadFactor float64

	target      string // a running satupintu
	targetPID   int    // its process, for the memory of subscriptions
	baselineURL string // a running baseline
	sandbox     string // a running agencysim
	binDir      string // prebuilt satupintu and agencysim
	logDir      string // keep the servers' logs here
	profileDir  string // write satupintu's CPU profiles here
	bffLogLevel string
	bffEnv      map[string]string // more variables for a started satupintu

	serveBaseline bool
	addr          string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{bffEnv: map[string]string{}}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "all", "scenarios to run, comma-separated: "+strings.Join(scenarios, ", ")+", or all")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
	fs.IntVar(&o.concurrency, "concurrency", 64, "requests in flight (closed loop)")
	fs.DurationVar(&o.latency, "latency", 20*time.Millisecond, "simulated latency of every agency (set through /sim/faults latencyMs)")
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved rounds: satupintu and the baseline in turn (A B A B …)")
	fs.IntVar(&o.citizens, "citizens", 1000, "distinct citizens the requests are spread over (the synthetic population)")
	fs.IntVar(&o.devices, "devices", 10_000, "push: devices registered, spread over the citizens")
	fs.IntVar(&o.subscribers, "subscribers", 10_000, "subscriptions: idle caseUpdated websocket subscribers")
	fs.IntVar(&o.subCitizens, "sub-citizens", 1, "subscriptions: citizens the subscribers sign in as (1: every subscriber waits for the same event)")
	down := fs.String("down-agency", "police", "home-agency-down: the agency that goes down")
	fs.Float64Var(&o.openLoop, "open-loop", 0, "overload: requests per second of the open loop (constant arrivals); 0: -overload-factor × the saturation rate, measured first")
	fs.Float64Var(&o.overloadFactor, "overload-factor", 1.2, "overload: the open loop's rate as a multiple of the saturation rate")
	fs.StringVar(&o.target, "target", "", "URL of a running satupintu to measure instead of starting one")
	fs.IntVar(&o.targetPID, "target-pid", 0, "process id of -target, to read its memory (subscriptions)")
	fs.StringVar(&o.baselineURL, "baseline", "", "URL of a running baseline (loadgen -serve-baseline) instead of starting one")
	fs.StringVar(&o.sandbox, "sandbox", "", "URL of the running agencysim the servers use (tokens, faults, steps, intake, pushes)")
	fs.StringVar(&o.binDir, "bin-dir", "", "directory holding prebuilt satupintu and agencysim binaries (default: go build them)")
	fs.StringVar(&o.logDir, "log-dir", "", "keep the servers' logs in this directory (default: a temporary one, removed)")
	fs.StringVar(&o.profileDir, "profile", "", "write a CPU profile of each satupintu and baseline measurement, and of the agencysim loadgen started over the same window, into this directory (go tool pprof <file>)")
	fs.StringVar(&o.bffLogLevel, "bff-log-level", "info", "satupintu's SATUPINTU_LOG_LEVEL (info writes a line per request, as in production)")
	fs.Func("bff-env", "KEY=VALUE for the satupintu loadgen starts, e.g. SATUPINTU_FORWARD_CONCURRENCY=64 or DATABASE_URL=postgres://… (repeatable)", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || !strings.HasPrefix(k, "SATUPINTU_") && k != "DATABASE_URL" && k != "REDIS_URL" && k != "GOGC" && k != "GOMEMLIMIT" && k != "GODEBUG" {
			return errors.New("want SATUPINTU_…=value (or DATABASE_URL, REDIS_URL, GOGC, GOMEMLIMIT, GODEBUG)")
		}
		o.bffEnv[k] = val
		return nil
	})
	fs.BoolVar(&o.serveBaseline, "serve-baseline", false, "serve the baseline (bench/baseline) on -addr instead, configured by SATUPINTU_* variables")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8090", "with -serve-baseline: the address to listen on")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (try: loadgen -h)", fs.Arg(0))
	}
	var errs []error
	switch *scenario {
	case "all":
		o.scenarios = scenarios
	default:
		for s := range strings.SplitSeq(*scenario, ",") {
			if s = strings.TrimSpace(s); !slices.Contains(scenarios, s) {
				errs = append(errs, fmt.Errorf("-scenario: %q is not one of %s or all", s, strings.Join(scenarios, ", ")))
			}
			o.scenarios = append(o.scenarios, strings.TrimSpace(s))
		}
	}
	positive := func(name string, n int) {
		if n <= 0 {
			errs = append(errs, fmt.Errorf("-%s must be positive", name))
		}
	}
	positive("concurrency", o.concurrency)
	positive("rounds", o.rounds)
	positive("citizens", o.citizens)
	positive("devices", o.devices)
	positive("subscribers", o.subscribers)
	positive("sub-citizens", o.subCitizens)
	if o.duration <= 0 {
		errs = append(errs, errors.New("-duration must be positive"))
	}
	if o.openLoop < 0 || o.overloadFactor <= 0 {
		errs = append(errs, errors.New("-open-loop must not be negative, -overload-factor must be positive"))
	}
	if o.latency < 0 {
		errs = append(errs, errors.New("-latency must not be negative"))
	}
	o.downAgency = sp.Agency(*down)
	if !o.downAgency.Valid() {
		errs = append(errs, fmt.Errorf("-down-agency: %q is not an agency", *down))
	}
	return o, errors.Join(errs...)
}

// run is the program: flags in, tables and RESULT lines out.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args[1:], stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.serveBaseline {
		return serveBaseline(ctx, o.addr, getenv, stdout)
	}
	if limit, err := raiseFileLimit(); err != nil {
		fmt.Fprintf(stderr, "loadgen: file-descriptor limit not raised: %v\n", err)
	} else if need := o.subscribers + 2*o.concurrency + 256; slices.Contains(o.scenarios, "subscriptions") && limit < uint64(need) {
		fmt.Fprintf(stderr, "loadgen: the file-descriptor limit (%d) is below what %d subscribers need (%d)\n", limit, o.subscribers, need)
	}
	started := time.Now()
	d, err := newDriver(ctx, o, stdout, stderr)
	if err != nil {
		return err
	}
	defer d.close()
	fmt.Fprintf(stdout, "loadgen: %s; scenarios %s; duration %s, concurrency %d, agency latency %s, rounds %d, citizens %d\n",
		machine(), strings.Join(o.scenarios, ","), o.duration, o.concurrency, o.latency, o.rounds, o.citizens)
	var failed []string
	for _, s := range o.scenarios {
		if err := ctx.Err(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n== %s ==\n", s)
		began := time.Now()
		if err := d.scenario(ctx, s); err != nil {
			fmt.Fprintln(stdout, resultLine(s, kvStr("error", err.Error())))
			failed = append(failed, s)
		}
		fmt.Fprintf(stdout, "(%s took %s)\n", s, time.Since(began).Round(100*time.Millisecond))
	}
	fmt.Fprintf(stdout, "\nloadgen: done in %s\n", time.Since(started).Round(100*time.Millisecond))
	if len(failed) > 0 {
		return fmt.Errorf("scenarios failed: %s (logs: %s)", strings.Join(failed, ", "), d.logDir())
	}
	return nil
}

// raiseFileLimit lifts the soft limit on open files to the hard one:
// thousands of sockets are held at once. Started servers inherit it.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, err
		}
	}
	return l.Cur, nil
}

// serveBaseline is loadgen -serve-baseline: the baseline as a process of
// its own, configured like satupintu from SATUPINTU_* variables.
func serveBaseline(ctx context.Context, addr string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := baseline.ConfigFromEnv(getenv)
	if err != nil {
		return fmt.Errorf("baseline configuration: %w", err)
	}
	h, err := baseline.New(cfg)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	failed := make(chan error, 1)
	go func() { failed <- srv.Serve(ln) }()
	// loadgen -profile profiles the baseline too, as satupintu, through
	// net/http/pprof on a listener of its own.
	if a := getenv("SATUPINTU_PPROF_ADDR"); a != "" {
		pln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("SATUPINTU_PPROF_ADDR: %w", err)
		}
		psrv := &http.Server{Handler: pprofmux.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = psrv.Serve(pln) }()
		defer psrv.Close()
	}
	fmt.Fprintf(stdout, "baseline listening on http://%s\n", ln.Addr())
	select {
	case err := <-failed:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
