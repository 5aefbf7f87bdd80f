package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
)

const submitMutation = `mutation($in: SubmitServiceRequestInput!) {
  submitServiceRequest(input: $in) { case { id status } userErrors { field code message } } }`

// lostItemReport is a submission of the lost-item report (police, online,
// no eligibility rule, any number open at once) under idempotency key key.
func lostItemReport(key string) []byte {
	yesterday := sp.DateOf(time.Now()).AddDays(-1).String()
	return gqlBody(submitMutation, map[string]any{"in": map[string]any{
		"serviceId": "lost-item-report", "idempotencyKey": key,
		"fields": []map[string]string{
			{"name": "itemType", "value": "KTP"},
			{"name": "lostOn", "value": yesterday},
			{"name": "location", "value": "Pasar Minggu, Jakarta Selatan"},
			{"name": "description", "value": "Dompet berisi KTP-el dan kartu ATM"},
		},
	}})
}

// submitOne submits and judges: ok when the case comes back SUBMITTED
// without an error or a userError.
func submitOne(ctx context.Context, hc *http.Client, bff, token, key string) outcome {
	status, body, err := post(ctx, hc, bff+"/graphql", token, lostItemReport(key))
	if err != nil || status != http.StatusOK || bytes.Contains(body, []byte(`"errors"`)) ||
		!bytes.Contains(body, []byte(`"status":"SUBMITTED"`)) || !bytes.Contains(body, []byte(`"userErrors":[]`)) {
		return failed
	}
	return ok
}

// runNonce keeps idempotency keys of different runs apart (a -target
// keeps its cases).
var runNonce = strconv.FormatInt(time.Now().UnixNano(), 36)

// intakePoll is the police intake at one moment of a submit run.
type intakePoll struct {
	at       time.Duration
	distinct int
	requests int
}

// submit measures submitServiceRequest: how fast satupintu accepts cases
// (written with their forward job, answered at once), and how fast the
// forwarder delivers them to the simulated agency's intake.
func (d *driver) submit(ctx context.Context) error {
	o := d.o
	st, hc, err := d.ready(ctx, need{mode: bffCached, citizens: o.citizens})
	if err != nil {
		return err
	}
	defer st.close()
	n := int64(len(st.tokens))
	key := func(phase string, seq int64) string { return fmt.Sprintf("lg-%s-%s-%d", runNonce, phase, seq) }

	// Warm-up: a few cases through the whole path, forwards included.
	warm := min(len(st.tokens), 2*o.concurrency)
	if f := onePass(warm, o.concurrency, func(i int64) outcome {
		return submitOne(ctx, hc, st.bff, st.tokens[i%n], key("warm", i))
	}); f > 0 {
		return fmt.Errorf("warm-up: %d of %d submissions failed", f, warm)
	}
	in0, err := st.sim.intake(ctx, sp.AgencyPolice)
	watchIntake := err == nil
	if err != nil && !errors.Is(err, errNeedsAgencysim) {
		return err
	}
	if watchIntake {
		waitUntil(ctx, 30*time.Second, 50*time.Millisecond, func() bool {
			in, err := st.sim.intake(ctx, sp.AgencyPolice)
			in0 = in
			return err == nil && in.Distinct >= warm
		})
	}

	cpu := st.meter(st.bffPID())
	l := startLoad(o.concurrency, func(seq int64) outcome {
		return submitOne(ctx, hc, st.bff, st.tokens[seq%n], key("run", seq))
	})
	var (
		polls    []intakePoll
		pollMu   sync.Mutex
		pollDone = make(chan struct{})
		pollStop = make(chan struct{})
	)
	if watchIntake {
		go func() {
			defer close(pollDone)
			for {
				if in, err := st.sim.intake(ctx, sp.AgencyPolice); err == nil {
					pollMu.Lock()
					polls = append(polls, intakePoll{at: time.Since(l.t0), distinct: in.Distinct - in0.Distinct, requests: in.Requests - in0.Requests})
					pollMu.Unlock()
				}
				select {
				case <-pollStop:
					return
				case <-time.After(250 * time.Millisecond):
				}
			}
		}()
	}
	sleep(ctx, o.duration)
	samples, elapsed := l.stop()
	s := summarize(samples, elapsed).withCPU(cpu.stop(), runtime.NumCPU())
	atEnd, endErr := st.sim.intake(ctx, sp.AgencyPolice) // what was forwarded while submitting

	forwarded, inWindow, drain, requests := -1, math.NaN(), time.Duration(-1), -1
	fwdRate := math.NaN()
	if watchIntake {
		// Wait for the forwarder to deliver everything accepted; give up
		// after 15s without progress.
		last, lastChange := -1, time.Now()
		waitUntil(ctx, 10*time.Minute, 50*time.Millisecond, func() bool {
			pollMu.Lock()
			defer pollMu.Unlock()
			if len(polls) == 0 {
				return false
			}
			cur := polls[len(polls)-1].distinct
			if cur != last {
				last, lastChange = cur, time.Now()
			}
			return cur >= s.OK || time.Since(lastChange) > 15*time.Second
		})
		close(pollStop)
		<-pollDone
		if len(polls) == 0 {
			return errors.New("the agencysim's intake could not be read")
		}
		if endErr == nil {
			inWindow = float64(atEnd.Distinct-in0.Distinct) / elapsed.Seconds()
		}
		end := polls[len(polls)-1]
		forwarded, requests = end.distinct, end.requests
		// The first poll that saw everything forwarded.
		for _, p := range polls {
			if p.distinct >= end.distinct {
				drain = max(p.at-elapsed, 0)
				fwdRate = float64(end.distinct) / p.at.Seconds()
				break
			}
		}
	}
	drainMs := math.NaN()
	if drain >= 0 {
		drainMs = msOf(drain)
	}
	t := newTable(d.out, measurementHeader...)
	t.row(measurementRow("submitServiceRequest", s)...)
	t.flush()
	if watchIntake {
		fmt.Fprintf(d.out, "accepted %d; forwarded %d (%d intake requests): %s/s while submitting, %s/s until the last; last one %s after the submissions ended\n",
			s.OK, forwarded, requests, num(inWindow), num(fwdRate), drain.Round(time.Millisecond))
	}
	fmt.Fprintln(d.out, resultLine("submit", kvStr("service", "lost-item-report"), kvInt("concurrency", o.concurrency),
		kvMs("latency_ms", o.latency), kvNum("rps", s.RPS), kvMs("p50_ms", s.P50), kvMs("p90_ms", s.P90), kvMs("p99_ms", s.P99),
		kvInt("accepted", s.OK), kvInt("errors", s.Failed), kvInt("forwarded", forwarded), kvInt("forward_requests", requests),
		kvNum("forwards_in_window_per_s", inWindow), kvNum("forwards_per_s", fwdRate), kvNum("forward_drain_ms", drainMs),
		kvNum("bff_cpu_ms_per_req", s.cpuOf("server")), kvNum("sim_cpu_ms_per_req", s.cpuOf("agencysim")),
		kvNum("loadgen_cpu_ms_per_req", s.cpuOf("loadgen")), kvNum("busy_pct", s.Busy), kvNum("steal_pct", s.Steal), kvNum("other_pct", s.Other)))
	if watchIntake && forwarded < s.OK {
		return fmt.Errorf("%d cases accepted, %d forwarded", s.OK, forwarded)
	}
	return nil
}
