package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
)

// driver runs the scenarios and owns the processes it started.
type driver struct {
	o        *options
	out      io.Writer
	errOut   io.Writer
	work     string // temporary: binaries, service account, logs
	logs     string
	keepLogs bool
	bin      struct{ satupintu, agencysim, self string }
	ctl      *http.Client // control calls (tokens, faults, metrics)
	procs    []*proc
	// cacheKey is the SATUPINTU_CACHE_KEY of the satupintu and the
	// baseline loadgen starts: the same, so their ids are the same.
	cacheKey string
}

func newDriver(ctx context.Context, o *options, stdout, stderr io.Writer) (*driver, error) {
	work, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return nil, err
	}
	d := &driver{o: o, out: stdout, errOut: stderr, work: work, logs: filepath.Join(work, "logs"),
		ctl: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	d.cacheKey = o.bffEnv["SATUPINTU_CACHE_KEY"]
	if d.cacheKey == "" {
		var key [32]byte
		_, _ = rand.Read(key[:])
		d.cacheKey = hex.EncodeToString(key[:])
	}
	if o.logDir != "" {
		d.logs, d.keepLogs = o.logDir, true
	}
	if err := os.MkdirAll(d.logs, 0o755); err != nil {
		d.close()
		return nil, err
	}
	if o.profileDir != "" {
		if o.target != "" {
			fmt.Fprintln(stderr, "loadgen: -profile profiles only a satupintu loadgen starts; with -target, set SATUPINTU_PPROF_ADDR on it and use go tool pprof")
		}
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			d.close()
			return nil, err
		}
	}
	if d.bin.self, err = os.Executable(); err != nil {
		d.close()
		return nil, err
	}
	if o.target != "" {
		return d, nil // nothing to build: only the baseline (this program) may be started
	}
	dir := o.binDir
	if dir == "" {
		dir = filepath.Join(work, "bin")
	}
	if missing := missingBinaries(dir); len(missing) > 0 {
		fmt.Fprintf(stdout, "loadgen: building %s into %s …\n", strings.Join(missing, " and "), dir)
		if err := build(ctx, dir, missing); err != nil {
			d.close()
			return nil, err
		}
	}
	d.bin.satupintu, d.bin.agencysim = filepath.Join(dir, "satupintu"), filepath.Join(dir, "agencysim")
	return d, nil
}

// close stops every server still running and removes the work directory
// (with the logs, unless -log-dir put them elsewhere).
func (d *driver) close() {
	for len(d.procs) > 0 {
		d.stop(d.procs[len(d.procs)-1])
	}
	_ = os.RemoveAll(d.work)
}

func (d *driver) logDir() string {
	if d.keepLogs {
		return d.logs
	}
	return "removed; keep them with -log-dir"
}

func (d *driver) scenario(ctx context.Context, name string) error {
	switch name {
	case "home":
		return d.home(ctx)
	case "home-agency-down":
		return d.agencyDown(ctx)
	case "submit":
		return d.submit(ctx)
	case "push":
		return d.push(ctx)
	case "subscriptions":
		return d.subscriptions(ctx)
	case "overload":
		return d.overload(ctx)
	}
	return fmt.Errorf("unknown scenario %q", name)
}

// stage is what one scenario measures: a sandbox, satupintu and maybe the
// baseline, each started fresh unless given by a flag.
type stage struct {
	d         *driver
	sim       *sandbox
	bff       string
	bffProc   *proc
	bffPprof  string // satupintu's pprof listener, "" when not profiling
	bffName   string // satupintu or satupintu-uncached, naming its profiles
	base      string // "" when there is no baseline to compare with
	basePprof string // the baseline's pprof listener, "" when not profiling
	baseProc  *proc
	simProc   *proc
	simPprof  string // the agencysim's pprof listener, "" when not profiling
	started   []*proc
	citizens  []sp.NIK
	tokens    []string     // tokens[i] is citizens[i]'s
	load      *http.Client // the scenario's load client, nil before ready
}

// need is what a scenario needs of its stage.
type need struct {
	mode      bffMode
	baseline  bool // a baseline to compare with
	agencysim bool // the agencies' own simulator (stepping cases, the intake), not satupintu's /dev/* helpers
	citizens  int  // signed in
	// adults signs in adults only (17 or over by the birth date in their
	// NIK): no one else receives their case notifications, as parents
	// receive a minor child's.
	adults bool
}

// ready starts the stage a scenario needs, signs its citizens in and makes
// a load client of one connection per worker; close ends it all.
func (d *driver) ready(ctx context.Context, n need) (*stage, *http.Client, error) {
	st, err := d.newStage(ctx, n.mode, n.baseline)
	if err != nil {
		return nil, nil, err
	}
	if n.agencysim {
		err = st.needsAgencysim()
	}
	if err == nil {
		err = st.signIn(ctx, n.citizens, n.adults)
	}
	if err != nil {
		st.close()
		return nil, nil, err
	}
	st.load = newLoadClient(d.o.concurrency)
	return st, st.load, nil
}

// bffMode says how satupintu is started: with its read cache or without.
type bffMode int

const (
	noBFF bffMode = iota
	bffCached
	bffUncached
)

func (d *driver) newStage(ctx context.Context, mode bffMode, withBaseline bool) (_ *stage, err error) {
	// st, not the result: a failing return sets that to nil before the
	// deferred close runs.
	st := &stage{d: d}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	switch {
	case d.o.sandbox != "":
		st.sim = &sandbox{base: strings.TrimRight(d.o.sandbox, "/"), hc: d.ctl}
	case d.o.target != "":
		st.sim = &sandbox{base: strings.TrimRight(d.o.target, "/"), dev: true, hc: d.ctl}
	default:
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		env := map[string]string{
			"AGENCYSIM_ADDR": addr, "AGENCYSIM_BASE_URL": "http://" + addr, "AGENCYSIM_STEP": "0",
			"AGENCYSIM_POPULATION": fmt.Sprint(d.o.citizens), "AGENCYSIM_LOG_LEVEL": "warn",
		}
		simPprof, err := d.pprofListener(env, "AGENCYSIM_PPROF_ADDR")
		if err != nil {
			return nil, err
		}
		p, err := d.start(ctx, "agencysim", d.bin.agencysim, nil, env, addr, "/sim/stats")
		if err != nil {
			return nil, err
		}
		st.started = append(st.started, p)
		st.simProc, st.simPprof = p, simPprof
		st.sim = &sandbox{base: p.url, hc: d.ctl}
	}
	if !st.sim.dev {
		if st.sim.creds, err = st.sim.credentials(ctx); err != nil {
			return nil, err
		}
	}
	for _, a := range sp.Agencies {
		if err := st.sim.setFault(ctx, fault{Agency: a, LatencyMs: int(d.o.latency / time.Millisecond)}); err != nil {
			return nil, err
		}
	}
	if mode != noBFF {
		if err := st.startBFF(ctx, mode); err != nil {
			return nil, err
		}
	}
	if withBaseline {
		switch {
		case d.o.baselineURL != "":
			st.base = strings.TrimRight(d.o.baselineURL, "/")
		case st.sim.creds != nil:
			addr, err := freeAddr()
			if err != nil {
				return nil, err
			}
			env := map[string]string{"SATUPINTU_CACHE_KEY": d.cacheKey}
			for k, v := range st.sim.creds {
				if strings.HasPrefix(k, "SATUPINTU_") {
					env[k] = v
				}
			}
			if st.basePprof, err = d.pprofListener(env, "SATUPINTU_PPROF_ADDR"); err != nil {
				return nil, err
			}
			p, err := d.start(ctx, "baseline", d.bin.self, []string{"-serve-baseline", "-addr", addr}, env, addr, "/healthz")
			if err != nil {
				return nil, err
			}
			st.started = append(st.started, p)
			st.base, st.baseProc = p.url, p
		default:
			fmt.Fprintln(d.out, "loadgen: no baseline (it needs an agencysim: give -sandbox, or -baseline)")
		}
	}
	return st, nil
}

// startBFF starts satupintu in dev mode with every agency endpoint, secret,
// the identity provider and FCM taken from the agencysim (the embedded
// sandbox then idles), and checks the agencysim is what it calls.
func (st *stage) startBFF(ctx context.Context, mode bffMode) error {
	return st.startBFFWith(ctx, mode, nil)
}

// startBFFWith is startBFF with settings of the scenario's own, over
// -bff-env's.
func (st *stage) startBFFWith(ctx context.Context, mode bffMode, own map[string]string) error {
	d := st.d
	if d.o.target != "" {
		st.bff = strings.TrimRight(d.o.target, "/")
		return nil
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	sa := filepath.Join(d.work, "service-account.json")
	if err := os.WriteFile(sa, []byte(st.sim.creds["GOOGLE_APPLICATION_CREDENTIALS_JSON"]), 0o600); err != nil {
		return err
	}
	env := map[string]string{
		"SATUPINTU_MODE": "dev", "SATUPINTU_ADDR": addr, "SATUPINTU_SIM_STEP": "0s",
		"SATUPINTU_LOG_LEVEL": d.o.bffLogLevel, "SATUPINTU_SHUTDOWN_TIMEOUT": "5s", "SATUPINTU_INSTANCE": "loadgen-bff",
		"GOOGLE_APPLICATION_CREDENTIALS": sa, "SATUPINTU_CACHE_KEY": d.cacheKey,
	}
	for k, v := range st.sim.creds {
		if k != "GOOGLE_APPLICATION_CREDENTIALS_JSON" {
			env[k] = v
		}
	}
	for k, v := range d.o.bffEnv {
		env[k] = v
	}
	for k, v := range own {
		env[k] = v
	}
	if st.bffPprof, err = d.pprofListener(env, "SATUPINTU_PPROF_ADDR"); err != nil {
		return err
	}
	name := "satupintu"
	if mode == bffUncached {
		name = "satupintu-uncached"
		for _, a := range sp.Agencies {
			env["SATUPINTU_"+strings.ToUpper(string(a))+"_CACHE_TTL"] = "0s"
		}
	}
	p, err := d.start(ctx, name, d.bin.satupintu, nil, env, addr, "/readyz")
	if err != nil {
		return err
	}
	st.started = append(st.started, p)
	st.bff, st.bffProc = p.url, p
	st.bffName = name
	return st.checkWiring(ctx)
}

// checkWiring asks one home screen and checks that the agencysim answered
// it: a satupintu quietly reading its embedded sandbox would have no
// latency and the benchmark would measure nothing.
func (st *stage) checkWiring(ctx context.Context) error {
	nik := seed.NIKBudi
	tok, err := st.sim.token(ctx, nik)
	if err != nil {
		return err
	}
	before, err := st.sim.stats(ctx)
	if err != nil {
		return err
	}
	// sources reads every agency (home reads only what its fields need).
	if _, err := graphQL(ctx, st.d.ctl, st.bff, tok, `{ home { name sources { agency } } }`, nil); err != nil {
		return fmt.Errorf("a first home query: %w", err)
	}
	after, err := st.sim.stats(ctx)
	if err != nil {
		return err
	}
	for _, a := range sp.Agencies {
		if after[a] <= before[a] {
			return fmt.Errorf("satupintu did not call the agencysim's %s: dev mode is not using SATUPINTU_%s_URL", a, strings.ToUpper(string(a)))
		}
	}
	return nil
}

// bffPID is satupintu's process: started here, or -target-pid (0 when
// unknown).
func (st *stage) bffPID() int {
	if st.bffProc != nil {
		return st.bffProc.pid()
	}
	return st.d.o.targetPID
}

// basePID is the baseline's process, 0 when not started here.
func (st *stage) basePID() int {
	if st.baseProc != nil {
		return st.baseProc.pid()
	}
	return 0
}

// needsAgencysim fails a scenario early that steps cases or reads the
// intake, when only a satupintu's /dev/* helpers control the sandbox.
func (st *stage) needsAgencysim() error {
	if st.sim.dev {
		return errNeedsAgencysim
	}
	return nil
}

// restartBFF replaces satupintu by a fresh one in another mode.
func (st *stage) restartBFF(ctx context.Context, mode bffMode) error {
	return st.restartBFFWith(ctx, mode, nil)
}

// restartBFFWith is restartBFF with settings of the scenario's own.
func (st *stage) restartBFFWith(ctx context.Context, mode bffMode, own map[string]string) error {
	if st.bffProc != nil {
		st.d.stop(st.bffProc)
		st.bffProc = nil
	}
	return st.startBFFWith(ctx, mode, own)
}

// close stops what the stage started; safe on a stage that failed part
// way, or on none.
func (st *stage) close() {
	if st == nil {
		return
	}
	if st.load != nil {
		st.load.CloseIdleConnections()
	}
	for i := len(st.started) - 1; i >= 0; i-- {
		st.d.stop(st.started[i])
	}
}

// signIn picks n citizens, the synthetic population first (adults only,
// when asked), and mints a token for each.
func (st *stage) signIn(ctx context.Context, n int, adults bool) error {
	all, err := st.sim.citizens(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	var pop, named []sp.NIK
	for _, c := range all {
		if born, ok := c.NIK.BirthDate(now); adults && (!ok || born.AgeOn(sp.DateOf(now)) < 17) {
			continue
		}
		if c.Note == seed.PopulationNote {
			pop = append(pop, c.NIK)
		} else {
			named = append(named, c.NIK)
		}
	}
	list := append(pop, named...)
	if len(list) < n {
		fmt.Fprintf(st.d.out, "loadgen: the sandbox serves %d citizens, fewer than the %d asked for\n", len(list), n)
		n = len(list)
	}
	st.citizens = list[:n]
	st.tokens = make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, nik := range st.citizens {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			st.tokens[i], errs[i] = st.sim.token(ctx, nik)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sandbox controls the simulated world: agencysim's /sim/* API, or the
// /dev/* helpers of a satupintu in dev mode (which cannot step cases or
// show the intake).
type sandbox struct {
	base  string
	dev   bool
	creds map[string]string // agencysim only
	hc    *http.Client
}

var errNeedsAgencysim = errors.New("this needs agencysim's control API: give -sandbox (or let loadgen start everything)")

type citizen struct {
	NIK  sp.NIK `json:"nik"`
	Name string `json:"name"`
	Note string `json:"note"`
}

func (s *sandbox) path(sim, dev string) string {
	if s.dev {
		return s.base + dev
	}
	return s.base + sim
}

func (s *sandbox) citizens(ctx context.Context) ([]citizen, error) {
	var out []citizen
	return out, s.call(ctx, http.MethodGet, s.path("/sim/citizens", "/dev/citizens"), nil, &out)
}

func (s *sandbox) token(ctx context.Context, nik sp.NIK) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	body := map[string]any{"nik": nik}
	if !s.dev {
		body["ttlSeconds"] = 6 * 3600
	}
	if err := s.call(ctx, http.MethodPost, s.path("/sim/token", "/dev/token"), body, &tok); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func (s *sandbox) credentials(ctx context.Context) (map[string]string, error) {
	var out map[string]string
	return out, s.call(ctx, http.MethodGet, s.base+"/sim/credentials", nil, &out)
}

// fault is one agency's entry of the fault switch.
type fault struct {
	Agency    sp.Agency `json:"agency"`
	Down      bool      `json:"down,omitempty"`
	LatencyMs int       `json:"latencyMs,omitempty"`
}

func (s *sandbox) setFault(ctx context.Context, f fault) error {
	return s.call(ctx, http.MethodPost, s.path("/sim/faults", "/dev/sim/faults"), f, nil)
}

func (s *sandbox) stats(ctx context.Context) (map[sp.Agency]int64, error) {
	var out struct {
		Requests map[sp.Agency]int64 `json:"requests"`
	}
	return out.Requests, s.call(ctx, http.MethodGet, s.path("/sim/stats", "/dev/sim/stats"), nil, &out)
}

// step moves every open case one step; it answers once the webhooks of
// the step are delivered.
func (s *sandbox) step(ctx context.Context) error {
	if s.dev {
		return errNeedsAgencysim
	}
	return s.call(ctx, http.MethodPost, s.base+"/sim/step", nil, nil)
}

type intake struct {
	Requests int `json:"requests"`
	Distinct int `json:"distinct"`
}

func (s *sandbox) intake(ctx context.Context, a sp.Agency) (intake, error) {
	if s.dev {
		return intake{}, errNeedsAgencysim
	}
	var out map[sp.Agency]intake
	err := s.call(ctx, http.MethodGet, s.base+"/sim/intake", nil, &out)
	return out[a], err
}

// push is one message the fake FCM accepted.
type push struct {
	Token string            `json:"token"`
	Data  map[string]string `json:"data"`
	At    time.Time         `json:"at"`
}

func (s *sandbox) pushes(ctx context.Context) ([]push, error) {
	var out []push
	return out, s.call(ctx, http.MethodGet, s.path("/sim/push", "/dev/push"), nil, &out)
}

func (s *sandbox) call(ctx context.Context, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d %s", method, strings.TrimPrefix(url, s.base), resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, strings.TrimPrefix(url, s.base), err)
		}
	}
	return nil
}

// pprofListener, with -profile, gives a process loadgen starts a free
// address for its pprof listener (env[key]) and returns the listener's
// URL; "" without -profile.
func (d *driver) pprofListener(env map[string]string, key string) (string, error) {
	if d.o.profileDir == "" {
		return "", nil
	}
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	env[key] = addr
	return "http://" + addr, nil
}
