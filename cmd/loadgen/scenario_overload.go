package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// verdict is how an open-loop request went.
type verdict uint8

const (
	vOK       verdict = iota // home, complete
	vShed                    // 503 OVERLOADED (or 429): refused at once, nothing ran
	vBulkhead                // home, with a part missing because satupintu's own bulkhead was full
	vTimeout                 // home, with a part missing because an agency call timed out
	vAgency                  // home, with a part missing for another agency failure
	vFailed                  // no home: a transport error, another status, no data
	nVerdicts
)

var verdictNames = [nVerdicts]string{"ok", "shed", "degraded_bulkhead", "degraded_timeout", "degraded_agency", "failed"}

// isBulkhead tells satupintu's own bulkhead from an agency's failure: both
// are AGENCY_UNAVAILABLE (and one metric), but the bulkhead's message says
// why (integrations/agency: "too many calls to <agency> in flight").
func isBulkhead(code, message string) bool {
	return code == "AGENCY_UNAVAILABLE" && strings.Contains(message, "in flight")
}

// judgeHome classifies an answer to the home query, and names the first
// error of a degraded one ("CODE: message") for the report.
func judgeHome(status int, body []byte, err error) (verdict, string) {
	if err != nil {
		return vFailed, "transport"
	}
	if status == http.StatusServiceUnavailable && bytes.Contains(body, []byte(`"OVERLOADED"`)) ||
		status == http.StatusTooManyRequests {
		return vShed, ""
	}
	if status != http.StatusOK || !bytes.Contains(body, []byte(`"home":{`)) {
		return vFailed, fmt.Sprintf("HTTP %d", status)
	}
	if !bytes.Contains(body, []byte(`"errors"`)) {
		return vOK, ""
	}
	var a gqlAnswer
	if json.Unmarshal(body, &a) != nil || len(a.Errors) == 0 {
		return vFailed, "unreadable"
	}
	worst, first := vAgency, ""
	for _, e := range a.Errors {
		code, _ := e.Extensions["code"].(string)
		if first == "" {
			first = code + ": " + e.Message
		}
		switch {
		case isBulkhead(code, e.Message):
			return vBulkhead, code + ": " + e.Message
		case code == "AGENCY_TIMEOUT":
			worst = vTimeout
		case !strings.HasPrefix(code, "AGENCY_"):
			return vFailed, code + ": " + e.Message
		}
	}
	return worst, first
}

// openSample is one open-loop request.
type openSample struct {
	latency time.Duration
	v       verdict
}

// openRun is the outcome of an open loop.
type openRun struct {
	rate    float64 // offered per second
	sent    int
	skipped int // not sent: too many in flight already (loadgen's own cap)
	elapsed time.Duration
	count   [nVerdicts]int
	// answered is the latency of every answer not shed (ok or degraded),
	// sorted; shed that of the shed ones.
	answered, shed []time.Duration
	reasons        map[string]int // degraded answers' first error
}

func (r openRun) goodput() float64 { return float64(r.count[vOK]) / r.elapsed.Seconds() }

func (r openRun) degraded() int { return r.count[vBulkhead] + r.count[vTimeout] + r.count[vAgency] }

// maxOpenInFlight bounds the requests an open loop keeps waiting: past it
// the arrivals are counted as skipped rather than exhaust loadgen.
const maxOpenInFlight = 20_000

// openLoop sends requests at a constant rate for d, each on a goroutine of
// its own, whether or not the earlier ones were answered (an open loop:
// arrivals do not slow down when the server does), and waits for the
// answers.
func openLoop(ctx context.Context, rate float64, d time.Duration, do func(seq int64) (verdict, string)) openRun {
	run := openRun{rate: rate, reasons: map[string]int{}}
	var (
		mu       sync.Mutex
		samples  []openSample
		wg       sync.WaitGroup
		inFlight atomic.Int64
	)
	t0 := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		elapsed := time.Since(t0)
		if elapsed >= d {
			break
		}
		for due := int(elapsed.Seconds() * rate); run.sent+run.skipped < due; {
			if inFlight.Load() >= maxOpenInFlight {
				run.skipped++
				continue
			}
			seq := int64(run.sent)
			run.sent++
			inFlight.Add(1)
			wg.Go(func() {
				defer inFlight.Add(-1)
				start := time.Now()
				v, reason := do(seq)
				s := openSample{latency: time.Since(start), v: v}
				mu.Lock()
				samples = append(samples, s)
				if reason != "" && v != vOK && v != vShed {
					run.reasons[reason]++
				}
				mu.Unlock()
			})
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	run.elapsed = time.Since(t0)
	wg.Wait()
	for _, s := range samples {
		run.count[s.v]++
		switch s.v {
		case vShed:
			run.shed = append(run.shed, s.latency)
		case vFailed:
		default:
			run.answered = append(run.answered, s.latency)
		}
	}
	slices.Sort(run.answered)
	slices.Sort(run.shed)
	return run
}

// overload measures satupintu past its capacity, in an open loop: its
// saturation rate first (a closed loop at -concurrency, without shedding),
// then its latency unloaded (an open loop at a tenth of the rate) and at
// -overload-factor × saturation (or -open-loop RPS), with shedding as
// configured (SATUPINTU_OVERLOAD=on unless -bff-env says otherwise).
// Answers are told apart: complete, shed (503 OVERLOADED), degraded by
// satupintu's own bulkhead, by agency timeouts, by other agency failures,
// and failed.
func (d *driver) overload(ctx context.Context) error {
	o := d.o
	st, hc, err := d.ready(ctx, need{mode: bffUncached, citizens: o.citizens})
	if err != nil {
		return err
	}
	defer st.close()
	// Open loops keep many more requests in flight than -concurrency.
	open := newLoadClient(1024)
	defer open.CloseIdleConnections()
	home := func(bff string) func(int64) (verdict, string) {
		url := bff + "/graphql"
		return func(seq int64) (verdict, string) {
			status, body, err := post(ctx, open, url, st.tokens[seq%int64(len(st.tokens))], homeBody)
			return judgeHome(status, body, err)
		}
	}
	shedding := o.bffEnv["SATUPINTU_OVERLOAD"]
	if shedding == "" {
		shedding = "on"
	}

	rate, saturation := o.openLoop, math.NaN()
	if rate <= 0 {
		// The saturation rate: satupintu without shedding, in a closed loop.
		if err := st.restartBFFWith(ctx, bffUncached, map[string]string{"SATUPINTU_OVERLOAD": "off"}); err != nil {
			return err
		}
		bff := homeBFF(ctx, hc, st.bff, st.tokens, "")
		measure(ctx, o.concurrency, min(2*time.Second, o.duration), bff)
		s := summarize(measure(ctx, o.concurrency, o.duration, bff))
		saturation = s.RPS
		rate = o.overloadFactor * saturation
		fmt.Fprintf(d.out, "saturation: %s rps (closed loop at %d, p50 %s ms); offering %s × that: %s rps\n",
			num(saturation), o.concurrency, ms(s.P50), num(o.overloadFactor), num(rate))
	}
	if err := st.restartBFFWith(ctx, bffUncached, map[string]string{"SATUPINTU_OVERLOAD": shedding}); err != nil {
		return err
	}
	do := home(st.bff)
	low := max(1, rate/10)
	openLoop(ctx, low, min(2*time.Second, o.duration), do) // warm-up
	unloaded := openLoop(ctx, low, o.duration, do)
	watch := watchOverload(ctx, hc, st.bff)
	loaded := openLoop(ctx, rate, o.duration, do)
	limits, scheds := watch()
	shed, _ := metricValue(ctx, hc, st.bff, "satupintu_overload_shed_total")
	limit, _ := metricValue(ctx, hc, st.bff, "satupintu_overload_limit")

	t := newTable(d.out, "run", "offered rps", "sent", "ok", "shed", "bulkhead", "timeout", "agency", "failed", "goodput rps",
		"p50 ms", "p90 ms", "p99 ms", "max ms", "shed p99 ms")
	for _, r := range []struct {
		name string
		run  openRun
	}{{"unloaded", unloaded}, {"overloaded", loaded}} {
		a := r.run.answered
		var top time.Duration
		if len(a) > 0 {
			top = a[len(a)-1]
		}
		t.row(r.name, num(r.run.rate), fmt.Sprint(r.run.sent), fmt.Sprint(r.run.count[vOK]), fmt.Sprint(r.run.count[vShed]),
			fmt.Sprint(r.run.count[vBulkhead]), fmt.Sprint(r.run.count[vTimeout]), fmt.Sprint(r.run.count[vAgency]),
			fmt.Sprint(r.run.count[vFailed]), num(r.run.goodput()), ms(percentile(a, 50)), ms(percentile(a, 90)),
			ms(percentile(a, 99)), ms(top), ms(percentile(r.run.shed, 99)))
	}
	t.flush()
	if len(loaded.reasons) > 0 {
		reasons := make([]string, 0, len(loaded.reasons))
		for r := range loaded.reasons {
			reasons = append(reasons, r)
		}
		sort.Slice(reasons, func(i, j int) bool { return loaded.reasons[reasons[i]] > loaded.reasons[reasons[j]] })
		for _, r := range reasons[:min(5, len(reasons))] {
			fmt.Fprintf(d.out, "  degraded %5d× %.120s\n", loaded.reasons[r], r)
		}
	}
	p99u, p99 := percentile(unloaded.answered, 99), percentile(loaded.answered, 99)
	fmt.Fprintf(d.out, "answers not shed: p99 %s ms, %s × the unloaded p99 (%s ms); shed %s%%, degraded by satupintu's bulkheads %d\n",
		ms(p99), num(ratio(float64(p99), float64(p99u))), ms(p99u), num(pct(loaded.count[vShed], loaded.sent)), loaded.count[vBulkhead])
	kvs := []kv{kvStr("shedding", shedding), kvNum("saturation_rps", saturation), kvNum("rate_rps", rate),
		kvNum("factor", ratio(rate, saturation)), kvInt("sent", loaded.sent), kvInt("skipped", loaded.skipped)}
	for v := range nVerdicts {
		kvs = append(kvs, kvInt(verdictNames[v], loaded.count[v]))
	}
	kvs = append(kvs, kvNum("shed_pct", pct(loaded.count[vShed], loaded.sent)), kvNum("goodput_rps", loaded.goodput()),
		kvMs("unloaded_p50_ms", percentile(unloaded.answered, 50)), kvMs("unloaded_p99_ms", p99u),
		kvMs("p50_ms", percentile(loaded.answered, 50)), kvMs("p90_ms", percentile(loaded.answered, 90)), kvMs("p99_ms", p99),
		kvRatio("p99_vs_unloaded", ratio(float64(p99), float64(p99u))), kvMs("shed_p99_ms", percentile(loaded.shed, 99)),
		kvInt("unloaded_degraded", unloaded.degraded()+unloaded.count[vFailed]),
		kvNum("server_shed_total", shed), kvNum("limit_end", limit), kvNum("limit_median", median(limits)),
		kvNum("sched_p99_median_ms", 1000*median(scheds)))
	fmt.Fprintln(d.out, resultLine("overload", kvs...))
	return nil
}

func pct(n, of int) float64 {
	if of == 0 {
		return math.NaN()
	}
	return 100 * float64(n) / float64(of)
}

// metricValue is one unlabelled metric of satupintu's /metrics, NaN when
// it has none (shedding off).
func metricValue(ctx context.Context, hc *http.Client, bff, name string) (float64, error) {
	status, body, err := get(ctx, hc, bff+"/metrics")
	if err != nil || status != http.StatusOK {
		return math.NaN(), fmt.Errorf("GET /metrics: HTTP %d %v", status, err)
	}
	v, err := metric(body, name, "")
	if err != nil {
		return math.NaN(), err
	}
	return v, nil
}

// watchOverload samples satupintu's overload limit and its signal (the
// scheduler's p99 latency) every half second until the returned function
// is called, which returns them.
func watchOverload(ctx context.Context, hc *http.Client, bff string) func() (limits, scheds []float64) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var limits, scheds []float64
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			sleep(ctx, 500*time.Millisecond)
			status, body, err := get(ctx, hc, bff+"/metrics")
			if err != nil || status != http.StatusOK {
				continue
			}
			if v, err := metric(body, "satupintu_overload_limit", ""); err == nil {
				limits = append(limits, v)
			}
			if v, err := metric(body, "satupintu_overload_sched_latency_seconds", ""); err == nil {
				scheds = append(scheds, v)
			}
		}
	}()
	return func() ([]float64, []float64) {
		cancel()
		<-done
		return limits, scheds
	}
}
