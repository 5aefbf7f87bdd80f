package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
)

// agencyDown measures the home screen (read cache off, so every request
// needs the agency) under steady load while one agency goes down: healthy
// first, then from the fault until the circuit breaker opens (each call
// to the agency fails slowly, with retries), then with the breaker open
// (calls fail at once). The load runs without a pause across the three.
func (d *driver) agencyDown(ctx context.Context) error {
	o := d.o
	st, hc, err := d.ready(ctx, need{mode: bffUncached, citizens: o.citizens})
	if err != nil {
		return err
	}
	defer st.close()
	do := homeBFF(ctx, hc, st.bff, st.tokens, o.downAgency)
	measure(ctx, o.concurrency, min(2*time.Second, o.duration), do) // warm-up

	latency := int(o.latency / time.Millisecond)
	l := startLoad(o.concurrency, do)
	sleep(ctx, o.duration)
	tFault := time.Since(l.t0)
	if err := st.sim.setFault(ctx, fault{Agency: o.downAgency, Down: true, LatencyMs: latency}); err != nil {
		l.stop()
		return err
	}
	defer func() {
		_ = st.sim.setFault(context.WithoutCancel(ctx), fault{Agency: o.downAgency, LatencyMs: latency})
	}()
	tOpen := time.Duration(-1)
	if waitUntil(ctx, 30*time.Second, 20*time.Millisecond, func() bool {
		state, err := breakerState(ctx, d.ctl, st.bff, o.downAgency)
		return err == nil && state == 2
	}) {
		tOpen = time.Since(l.t0)
	} else {
		fmt.Fprintf(d.out, "loadgen: the %s breaker was not seen open within 30s (satupintu_agency_breaker_state)\n", o.downAgency)
	}
	afterFrom := tOpen
	if tOpen < 0 {
		afterFrom = time.Since(l.t0) // no "after": everything since the fault is "before"
	}
	sleep(ctx, o.duration)
	samples, elapsed := l.stop()

	var healthy, before, after []sample
	for _, s := range samples {
		switch {
		case s.end <= tFault:
			healthy = append(healthy, s)
		case s.start < afterFrom:
			before = append(before, s) // met the fault before the breaker opened
		default:
			after = append(after, s)
		}
	}
	h := summarize(healthy, tFault)
	b := summarize(before, afterFrom-tFault)
	a := summarize(after, elapsed-afterFrom)
	t := newTable(d.out, measurementHeader...)
	t.row(measurementRow("healthy", h)...)
	t.row(measurementRow(string(o.downAgency)+" down, breaker closed", b)...)
	t.row(measurementRow(string(o.downAgency)+" down, breaker open", a)...)
	t.flush()
	openMs := math.NaN()
	if tOpen >= 0 {
		openMs = msOf(tOpen - tFault)
		fmt.Fprintf(d.out, "breaker open %s after the fault; p99 with it open: %+.2f ms over healthy\n",
			(tOpen - tFault).Round(time.Millisecond), msOf(a.P99-h.P99))
	}
	fmt.Fprintln(d.out, resultLine("home-agency-down", kvStr("agency", string(o.downAgency)), kvInt("concurrency", o.concurrency),
		kvMs("latency_ms", o.latency), kvNum("healthy_rps", h.RPS), kvMs("healthy_p50_ms", h.P50), kvMs("healthy_p99_ms", h.P99),
		kvInt("before_requests", b.N), kvMs("before_p50_ms", b.P50), kvMs("before_p99_ms", b.P99), kvMs("before_max_ms", b.Max),
		kvNum("breaker_open_ms", openMs), kvInt("after_requests", a.N), kvNum("after_rps", a.RPS),
		kvMs("after_p50_ms", a.P50), kvMs("after_p99_ms", a.P99), kvNum("p99_over_healthy_ms", msOf(a.P99-h.P99)),
		kvInt("degraded", b.Degraded+a.Degraded), kvInt("errors", h.Failed+b.Failed+a.Failed)))
	return nil
}

// breakerState reads satupintu_agency_breaker_state{agency=…} from
// satupintu's /metrics: 0 closed, 1 half-open, 2 open.
func breakerState(ctx context.Context, hc *http.Client, bff string, a sp.Agency) (int, error) {
	status, body, err := get(ctx, hc, bff+"/metrics")
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: HTTP %d", status)
	}
	v, err := metric(body, "satupintu_agency_breaker_state", `agency="`+string(a)+`"`)
	return int(v), err
}

// metric finds the value of a Prometheus sample whose labels contain
// label (or of the unlabelled sample when label is empty), summing the
// matches.
func metric(body []byte, name, label string) (float64, error) {
	s := bufio.NewScanner(bytes.NewReader(body))
	s.Buffer(make([]byte, 64<<10), 1<<20)
	var sum float64
	found := false
	for s.Scan() {
		line := s.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		labels, value := "", rest
		if strings.HasPrefix(rest, "{") {
			end := strings.Index(rest, "}")
			if end < 0 {
				continue
			}
			labels, value = rest[1:end], rest[end+1:]
		}
		if label != "" && !strings.Contains(labels, label) {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		sum += f
		found = true
	}
	if !found {
		return 0, fmt.Errorf("no %s{%s} in /metrics", name, label)
	}
	return sum, nil
}
