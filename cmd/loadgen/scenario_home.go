package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/bench/baseline"
)

var homeBody = gqlBody(baseline.HomeQuery, nil)

// homeBFF asks satupintu for the home screen of citizen seq mod n, with
// that citizen's token. down names the agency expected to fail, if any.
func homeBFF(ctx context.Context, hc *http.Client, bff string, tokens []string, down sp.Agency) func(int64) outcome {
	url := bff + "/graphql"
	enum := strings.ToUpper(string(down))
	return func(seq int64) outcome {
		status, body, err := post(ctx, hc, url, tokens[seq%int64(len(tokens))], homeBody)
		return classifyHome(status, body, err, enum)
	}
}

// homeBaseline asks the baseline for the same citizen's home.
func homeBaseline(ctx context.Context, hc *http.Client, base string, citizens []sp.NIK) func(int64) outcome {
	return func(seq int64) outcome {
		status, body, err := get(ctx, hc, base+"/home?nik="+string(citizens[seq%int64(len(citizens))]))
		return classifyHome(status, body, err, "")
	}
}

// home measures satupintu's home screen against the baseline's: without
// the read cache (every request reaches every agency, as the baseline's
// do), interleaved A B A B so drift hits both; then with the cache, after
// one pass over the citizens has filled it.
func (d *driver) home(ctx context.Context) error {
	o := d.o
	st, hc, err := d.ready(ctx, need{mode: bffUncached, baseline: true, citizens: o.citizens})
	if err != nil {
		return err
	}
	defer st.close()
	bff := homeBFF(ctx, hc, st.bff, st.tokens, "")
	var base func(int64) outcome
	if st.base != "" {
		base = homeBaseline(ctx, hc, st.base, st.citizens)
	}

	// Warm-up (not measured): connections, the identity provider's keys,
	// SATUSEHAT's OAuth token, the heap.
	warm := min(2*time.Second, o.duration)
	measure(ctx, o.concurrency, warm, bff)
	if base != nil {
		measure(ctx, o.concurrency, warm, base)
	}

	// measured runs one measurement, with the CPU each process spent.
	measured := func(server int, do func(int64) outcome) summary {
		m := st.meter(server)
		s := summarize(measure(ctx, o.concurrency, o.duration, do))
		return s.withCPU(m.stop(), runtime.NumCPU())
	}
	mode := "cold"
	if o.target != "" {
		mode = "target" // whatever cache the running satupintu has
	}
	t := newTable(d.out, measurementHeader...)
	var bs, ba []summary
	for r := 1; r <= o.rounds && ctx.Err() == nil; r++ {
		s := measured(st.bffPID(), bff)
		bs = append(bs, s)
		t.row(measurementRow(fmt.Sprintf("%d satupintu %s", r, mode), s)...)
		if base != nil {
			s := measured(st.basePID(), base)
			ba = append(ba, s)
			t.row(measurementRow(fmt.Sprintf("%d baseline", r), s)...)
		}
	}
	bm, am := medianSummary(bs), medianSummary(ba)
	t.row(measurementRow("median satupintu", bm)...)
	if base != nil {
		t.row(measurementRow("median baseline", am)...)
	}
	t.flush()
	kvs := []kv{kvStr("mode", mode), kvInt("concurrency", o.concurrency), kvMs("latency_ms", o.latency),
		kvInt("rounds", len(bs)), kvInt("citizens", len(st.citizens)), kvNum("bff_rps", bm.RPS)}
	if base != nil {
		fmt.Fprintf(d.out, "satupintu/baseline throughput %s; p50 %+.2f ms over the baseline\n",
			num(ratio(bm.RPS, am.RPS)), msOf(bm.P50-am.P50))
		kvs = append(kvs, kvNum("baseline_rps", am.RPS), kvRatio("ratio", ratio(bm.RPS, am.RPS)),
			kvMs("bff_p50_ms", bm.P50), kvMs("baseline_p50_ms", am.P50), kvNum("p50_delta_ms", msOf(bm.P50-am.P50)),
			kvMs("bff_p90_ms", bm.P90), kvMs("baseline_p90_ms", am.P90),
			kvMs("bff_p99_ms", bm.P99), kvMs("baseline_p99_ms", am.P99),
			kvInt("errors", failures(bs)), kvInt("baseline_errors", failures(ba)),
			kvNum("bff_cpu_ms_per_req", bm.cpuOf("server")), kvNum("baseline_cpu_ms_per_req", am.cpuOf("server")))
	} else {
		kvs = append(kvs, kvMs("bff_p50_ms", bm.P50), kvMs("bff_p90_ms", bm.P90), kvMs("bff_p99_ms", bm.P99),
			kvInt("errors", failures(bs)), kvNum("bff_cpu_ms_per_req", bm.cpuOf("server")))
	}
	kvs = append(kvs, kvNum("sim_cpu_ms_per_req", bm.cpuOf("agencysim")), kvNum("loadgen_cpu_ms_per_req", bm.cpuOf("loadgen")),
		kvNum("busy_pct", bm.Busy), kvNum("steal_pct", bm.Steal), kvNum("other_pct", bm.Other))
	fmt.Fprintln(d.out, resultLine("home", kvs...))
	if o.target != "" {
		return nil
	}

	// The same with the read cache on.
	if err := st.restartBFF(ctx, bffCached); err != nil {
		return err
	}
	bff = homeBFF(ctx, hc, st.bff, st.tokens, "")
	fill := time.Now()
	if n := onePass(len(st.tokens), o.concurrency, bff); n > 0 {
		return fmt.Errorf("filling the cache: %d of %d home screens failed", n, len(st.tokens))
	}
	fmt.Fprintf(d.out, "cache filled: %d citizens in %s\n", len(st.tokens), time.Since(fill).Round(time.Millisecond))
	measure(ctx, o.concurrency, warm, bff)
	t = newTable(d.out, measurementHeader...)
	var ws []summary
	for r := 1; r <= o.rounds && ctx.Err() == nil; r++ {
		s := measured(st.bffPID(), bff)
		ws = append(ws, s)
		t.row(measurementRow(fmt.Sprintf("%d satupintu warm", r), s)...)
	}
	wm := medianSummary(ws)
	t.row(measurementRow("median warm", wm)...)
	t.flush()
	fmt.Fprintf(d.out, "warm/cold throughput %s\n", num(ratio(wm.RPS, bm.RPS)))
	fmt.Fprintln(d.out, resultLine("home", kvStr("mode", "warm"), kvInt("concurrency", o.concurrency),
		kvMs("latency_ms", o.latency), kvInt("rounds", len(ws)), kvInt("citizens", len(st.citizens)),
		kvNum("bff_rps", wm.RPS), kvNum("cold_rps", bm.RPS), kvRatio("ratio_vs_cold", ratio(wm.RPS, bm.RPS)),
		kvMs("bff_p50_ms", wm.P50), kvMs("bff_p90_ms", wm.P90), kvMs("bff_p99_ms", wm.P99),
		kvInt("errors", failures(ws)), kvNum("bff_cpu_ms_per_req", wm.cpuOf("server")),
		kvNum("sim_cpu_ms_per_req", wm.cpuOf("agencysim")), kvNum("loadgen_cpu_ms_per_req", wm.cpuOf("loadgen")),
		kvNum("busy_pct", wm.Busy), kvNum("steal_pct", wm.Steal), kvNum("other_pct", wm.Other)))
	return nil
}

// medianSummary is the median of each figure over rounds.
func medianSummary(ss []summary) summary {
	if len(ss) == 0 {
		return summary{}
	}
	ms := func(f func(summary) time.Duration) time.Duration {
		return time.Duration(medianOf(ss, func(s summary) float64 { return float64(f(s)) }))
	}
	out := summary{
		RPS:   medianOf(ss, func(s summary) float64 { return s.RPS }),
		Busy:  medianOf(ss, func(s summary) float64 { return s.Busy }),
		Steal: medianOf(ss, func(s summary) float64 { return s.Steal }),
		Other: medianOf(ss, func(s summary) float64 { return s.Other }),
		P50:   ms(func(s summary) time.Duration { return s.P50 }),
		P90:   ms(func(s summary) time.Duration { return s.P90 }),
		P99:   ms(func(s summary) time.Duration { return s.P99 }),
		Max:   ms(func(s summary) time.Duration { return s.Max }),
	}
	for name := range ss[0].CPU {
		if out.CPU == nil {
			out.CPU = map[string]float64{}
		}
		out.CPU[name] = medianOf(ss, func(s summary) float64 { return s.cpuOf(name) })
	}
	for _, s := range ss {
		out.N += s.N
		out.OK += s.OK
		out.Degraded += s.Degraded
		out.Failed += s.Failed
		out.Elapsed += s.Elapsed
	}
	return out
}

func failures(ss []summary) int {
	n := 0
	for _, s := range ss {
		n += s.Failed
	}
	return n
}

// onePass calls do once for each of n items, workers at a time, and
// returns how many failed.
func onePass(n, workers int, do func(int64) outcome) int {
	var (
		mu      sync.Mutex
		nFailed int
		wg      sync.WaitGroup
	)
	next := make(chan int64)
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if do(i) == failed {
					mu.Lock()
					nFailed++
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- int64(i)
	}
	close(next)
	wg.Wait()
	return nFailed
}
