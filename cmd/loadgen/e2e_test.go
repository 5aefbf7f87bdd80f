package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/seed"
)

// TestMain also serves the baseline: loadgen starts it as its own
// executable with -serve-baseline, which under test is this binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-serve-baseline" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, append([]string{"loadgen"}, os.Args[1:]...), os.Getenv, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// binaries builds satupintu and agencysim once for the package's tests.
func binaries(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "loadgen-test-bin-"); binErr == nil {
			binErr = build(context.Background(), binDir, serverBinaries)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binDir
}

// dumpLogs shows the end of every server log of a failed test.
func dumpLogs(t *testing.T, dir string) {
	if !t.Failed() {
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, f := range files {
		t.Logf("--- %s: %s", filepath.Base(f), lastLines(f, 8))
	}
}

// Every scenario, tiny, through the real processes: each prints a RESULT
// line whose figures hold together. No duration is asserted.
func TestEveryScenarioSmoke(t *testing.T) {
	bin := binaries(t)
	logs := t.TempDir()
	t.Cleanup(func() { dumpLogs(t, logs) })
	out := &testkit.SyncBuffer{}
	err := run(t.Context(), []string{"loadgen", "-duration", "200ms", "-concurrency", "4", "-rounds", "2",
		"-citizens", "10", "-devices", "20", "-subscribers", "20", "-bin-dir", bin, "-log-dir", logs}, os.Getenv, out, out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	results := map[string]map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(line, "RESULT ") {
			continue
		}
		r, err := parseResult(line)
		if err != nil {
			t.Fatal(err)
		}
		name := r["scenario"]
		if r["mode"] != "" {
			name += "/" + r["mode"]
		}
		results[name] = r
	}
	f := func(scenario, key string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(results[scenario][key], 64)
		if err != nil || math.IsNaN(v) || v < 0 {
			t.Fatalf("%s %s=%q, want a number ≥ 0\n%s", scenario, key, results[scenario][key], out)
		}
		return v
	}
	ordered := func(scenario string, keys ...string) {
		t.Helper()
		for i := 1; i < len(keys); i++ {
			if f(scenario, keys[i-1]) > f(scenario, keys[i]) {
				t.Errorf("%s: %s > %s", scenario, keys[i-1], keys[i])
			}
		}
	}
	zero := func(scenario string, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if f(scenario, k) != 0 {
				t.Errorf("%s: %s=%s, want 0\n%s", scenario, k, results[scenario][k], out)
			}
		}
	}
	positive := func(scenario string, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if f(scenario, k) <= 0 {
				t.Errorf("%s: %s=%s, want > 0", scenario, k, results[scenario][k])
			}
		}
	}

	positive("home/cold", "bff_rps", "baseline_rps", "ratio", "bff_p50_ms", "baseline_p50_ms")
	ordered("home/cold", "bff_p50_ms", "bff_p90_ms", "bff_p99_ms")
	ordered("home/cold", "baseline_p50_ms", "baseline_p90_ms", "baseline_p99_ms")
	zero("home/cold", "errors", "baseline_errors")
	if results["home/cold"]["rounds"] != "2" || results["home/cold"]["citizens"] != "10" {
		t.Errorf("home/cold: %v", results["home/cold"])
	}
	positive("home/warm", "bff_rps", "cold_rps", "ratio_vs_cold")
	zero("home/warm", "errors")

	positive("home-agency-down", "healthy_rps", "before_requests", "after_requests", "after_rps", "degraded")
	f("home-agency-down", "breaker_open_ms") // the breaker opened: not NaN
	ordered("home-agency-down", "before_p50_ms", "before_p99_ms", "before_max_ms")
	zero("home-agency-down", "errors")

	positive("submit", "rps", "accepted", "forwards_per_s")
	zero("submit", "errors")
	if results["submit"]["forwarded"] != results["submit"]["accepted"] {
		t.Errorf("submit: %s accepted, %s forwarded", results["submit"]["accepted"], results["submit"]["forwarded"])
	}

	if p := results["push"]; p["pushes"] != "80" || p["changes"] != "40" || p["devices"] != "20" {
		t.Errorf("push: %v (want 4 changes of 10 cases, each to 2 devices)", p)
	}
	positive("push", "pushes_per_s", "p50_ms")
	ordered("push", "p50_ms", "p99_ms", "max_ms")
	zero("push", "failed")

	if s := results["subscriptions"]; s["subscribers"] != "20" || s["citizens"] != "1" {
		t.Errorf("subscriptions: %v", s)
	}
	f("subscriptions", "kb_per_conn")
	positive("subscriptions", "rss_after_mb", "event_first_ms")
	ordered("subscriptions", "event_first_ms", "event_p50_ms", "event_all_ms")
	zero("subscriptions", "missing", "connect_failed")

	positive("overload", "saturation_rps", "rate_rps", "sent", "unloaded_p99_ms", "goodput_rps")
	ordered("overload", "p50_ms", "p90_ms", "p99_ms")
	zero("overload", "failed", "skipped", "unloaded_degraded")
	if o := results["overload"]; o["shedding"] != "on" || o["factor"] != "1.20" {
		t.Errorf("overload: %v (want shedding on, at 1.2 × the saturation rate)", o)
	}
	answered := 0.0
	for _, k := range verdictNames {
		answered += f("overload", k)
	}
	if sent := f("overload", "sent"); answered != sent {
		t.Errorf("overload: %v answers of %v sent", answered, sent)
	}

	if !strings.Contains(out.String(), "loadgen: done in") {
		t.Error("no wall time at the end")
	}
	named := seed.New(time.Now())
	for _, p := range append(named.People, seed.Population(named.Today, 10)...) {
		if strings.Contains(out.String(), string(p.NIK)) {
			t.Errorf("the output holds %s's NIK", p.Name)
		}
	}
}

var fetchedAt = regexp.MustCompile(`"fetchedAt":"[^"]*"`)

// The baseline writes, byte for byte, what satupintu answers to
// baseline.HomeQuery (but for the fetch times), for every named citizen and
// some of the synthetic ones; and satupintu in dev mode reads the
// agencysim it is pointed at, not its embedded sandbox.
func TestBaselineWritesWhatSatupintuAnswers(t *testing.T) {
	bin := binaries(t)
	logs := t.TempDir()
	t.Cleanup(func() { dumpLogs(t, logs) })
	o, err := parseFlags([]string{"-citizens", "10", "-latency", "0", "-bin-dir", bin, "-log-dir", logs}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	d, err := newDriver(ctx, o, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	st, err := d.newStage(ctx, bffUncached, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	citizens, err := st.sim.citizens(ctx)
	if named := len(seed.New(time.Now()).People); err != nil || len(citizens) != named+10 {
		t.Fatalf("citizens: %d %v, want %d named and 10 synthetic", len(citizens), err, named)
	}
	hc := newLoadClient(4)
	defer hc.CloseIdleConnections()
	for _, c := range citizens {
		tok, err := st.sim.token(ctx, c.NIK)
		if err != nil {
			t.Fatal(err)
		}
		_, bff, err := post(ctx, hc, st.bff+"/graphql", tok, homeBody)
		if err != nil {
			t.Fatal(err)
		}
		_, base, err := get(ctx, hc, st.base+"/home?nik="+string(c.NIK))
		if err != nil {
			t.Fatal(err)
		}
		norm := func(b []byte) []byte { return bytes.TrimSpace(fetchedAt.ReplaceAll(b, []byte(`"fetchedAt":"…"`))) }
		if got, want := norm(base), norm(bff); !bytes.Equal(got, want) {
			t.Errorf("%s (%s):\nbaseline  %s\nsatupintu %s", c.Name, c.NIK.Masked(), got, want)
		}
		if bytes.Contains(bff, []byte(`"errors"`)) || !bytes.Contains(bff, []byte(`"status":"OK"`)) {
			t.Errorf("%s: satupintu answered %s", c.Name, bff)
		}
	}

	// The embedded sandbox of dev mode saw nothing: the agencysim served it all.
	var embedded struct {
		Requests map[sp.Agency]int64 `json:"requests"`
	}
	_, raw, err := get(ctx, hc, st.bff+"/dev/sim/stats")
	if err != nil || json.Unmarshal(raw, &embedded) != nil {
		t.Fatalf("GET /dev/sim/stats: %v %s", err, raw)
	}
	for a, n := range embedded.Requests {
		if n != 0 {
			t.Errorf("the embedded %s simulator received %d requests", a, n)
		}
	}
	ext, err := st.sim.stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range sp.Agencies {
		if ext[a] < int64(len(citizens)) {
			t.Errorf("the agencysim's %s received %d requests for %d home screens", a, ext[a], len(citizens))
		}
	}
}
