package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

const registerDeviceMutation = `mutation($in: RegisterDeviceInput!) {
  registerDevice(input: $in) { device { platform } userErrors { code } } }`

// stepStatuses are the changes a lost-item report goes through after
// FORWARDED, one per /sim/step.
var stepStatuses = []string{"RECEIVED", "IN_REVIEW", "APPROVED", "COMPLETED"}

// pushesSent reads satupintu_pushes_total: sent, and finished otherwise.
func pushesSent(ctx context.Context, hc *http.Client, bff string) (sent, other float64, err error) {
	status, body, err := get(ctx, hc, bff+"/metrics")
	if err != nil {
		return 0, 0, err
	}
	if status != http.StatusOK {
		return 0, 0, fmt.Errorf("GET /metrics: HTTP %d", status)
	}
	sent, _ = metric(body, "satupintu_pushes_total", `result="sent"`) // absent before the first push
	all, _ := metric(body, "satupintu_pushes_total", "")
	return sent, all - sent, nil
}

// waitPushes waits until satupintu has sent want pushes, giving up after
// 20s without progress.
func waitPushes(ctx context.Context, hc *http.Client, bff string, want float64) (sent, other float64) {
	last, lastChange := -1.0, time.Now()
	waitUntil(ctx, 30*time.Minute, 50*time.Millisecond, func() bool {
		s, o, err := pushesSent(ctx, hc, bff)
		if err != nil {
			return false
		}
		sent, other = s, o
		if s+o != last {
			last, lastChange = s+o, time.Now()
		}
		return s+o >= want || time.Since(lastChange) > 20*time.Second
	})
	return sent, other
}

// push measures notifications from a case's status change to their
// acceptance by the fake FCM, with many devices: every citizen has a case
// and devices/citizens devices; four steps of the simulated agency, back
// to back, change every case four times; each change is pushed to each
// of the citizen's devices. The citizens are adults: a minor's changes
// would also reach their parents' devices (RECEIVE_NOTIFICATIONS).
func (d *driver) push(ctx context.Context) error {
	o := d.o
	st, hc, err := d.ready(ctx, need{mode: bffCached, agencysim: true, citizens: min(o.citizens, o.devices), adults: true})
	if err != nil {
		return err
	}
	defer st.close()
	n := len(st.tokens)
	prefix := "lg-push-" + runNonce + "-"

	began := time.Now()
	if f := onePass(o.devices, o.concurrency, func(j int64) outcome {
		locale, platform := "id", "ANDROID"
		if j%3 == 2 {
			locale, platform = "en", "IOS"
		}
		status, body, err := post(ctx, hc, st.bff+"/graphql", st.tokens[int(j)%n], gqlBody(registerDeviceMutation, map[string]any{"in": map[string]any{
			"token": fmt.Sprintf("%s%07d", prefix, j), "platform": platform, "locale": locale, "appVersion": "3.2.1"}}))
		if err != nil || status != http.StatusOK || bytes.Contains(body, []byte(`"errors"`)) || !bytes.Contains(body, []byte(`"userErrors":[]`)) {
			return failed
		}
		return ok
	}); f > 0 {
		return fmt.Errorf("registering devices: %d of %d failed", f, o.devices)
	}
	registered := time.Since(began)
	fmt.Fprintf(d.out, "%d devices registered over %d citizens in %s\n", o.devices, n, registered.Round(time.Millisecond))

	// One case each; its FORWARDED is pushed to every device (not measured:
	// it follows the submissions' pace).
	sent0, other0, err := pushesSent(ctx, d.ctl, st.bff)
	if err != nil {
		return err
	}
	if f := onePass(n, o.concurrency, func(i int64) outcome {
		return submitOne(ctx, hc, st.bff, st.tokens[i], fmt.Sprintf("lg-%s-push-%d", runNonce, i))
	}); f > 0 {
		return fmt.Errorf("submitting cases: %d of %d failed", f, n)
	}
	sent, other := waitPushes(ctx, d.ctl, st.bff, sent0+other0+float64(o.devices))
	if sent-sent0 < float64(o.devices) {
		return fmt.Errorf("FORWARDED reached %.0f of %d devices (%.0f pushes failed)", sent-sent0, o.devices, other-other0)
	}

	// The measurement: four steps, each a change of every case.
	base := sent + other
	cpu := st.meter(st.bffPID())
	t0 := time.Now()
	stepAt := map[string]time.Time{}
	for _, s := range stepStatuses {
		stepAt[s] = time.Now()
		if err := st.sim.step(ctx); err != nil {
			return err
		}
	}
	stepping := time.Since(t0)
	want := float64(len(stepStatuses) * o.devices)
	sent2, other2 := waitPushes(ctx, d.ctl, st.bff, base+want)
	used := cpu.stop()

	// When each push reached the fake FCM, from the fake itself.
	all, err := st.sim.pushes(ctx)
	if err != nil {
		return err
	}
	var lat []time.Duration
	var last time.Time
	for _, p := range all {
		at, ok := stepAt[p.Data["status"]]
		if !ok || !strings.HasPrefix(p.Token, prefix) || p.At.Before(t0) {
			continue
		}
		lat = append(lat, p.At.Sub(at))
		if p.At.After(last) {
			last = p.At
		}
	}
	slices.Sort(lat)
	span := last.Sub(t0)
	rate := math.NaN()
	if len(lat) > 0 && span > 0 {
		rate = float64(len(lat)) / span.Seconds()
	}
	changes := len(stepStatuses) * n
	t := newTable(d.out, "run", "changes", "pushes", "seconds", "pushes/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "failed")
	t.row("status change → fake FCM", fmt.Sprint(changes), fmt.Sprint(len(lat)), num(span.Seconds()), num(rate),
		ms(percentile(lat, 50)), ms(percentile(lat, 90)), ms(percentile(lat, 99)), ms(percentile(lat, 100)),
		fmt.Sprint(int(other2-other)))
	t.flush()
	fmt.Fprintf(d.out, "the four steps (webhooks delivered) took %s; satupintu counted %.0f pushes sent\n",
		stepping.Round(time.Millisecond), sent2-sent)
	cpuS := func(name string) float64 {
		if d, ok := used[name]; ok {
			return d.Seconds()
		}
		return math.NaN()
	}
	fmt.Fprintf(d.out, "CPU seconds meanwhile: satupintu %s, agencysim (webhooks, fake FCM) %s, loadgen %s\n",
		num(cpuS("server")), num(cpuS("agencysim")), num(cpuS("loadgen")))
	fmt.Fprintln(d.out, resultLine("push", kvInt("devices", o.devices), kvInt("citizens", n), kvInt("changes", changes),
		kvInt("pushes", len(lat)), kvNum("pushes_per_s", rate), kvNum("changes_per_s", ratio(float64(changes), span.Seconds())),
		kvMs("p50_ms", percentile(lat, 50)), kvMs("p90_ms", percentile(lat, 90)), kvMs("p99_ms", percentile(lat, 99)),
		kvMs("max_ms", percentile(lat, 100)), kvMs("steps_ms", stepping), kvInt("failed", int(other2-other)),
		kvNum("register_per_s", float64(o.devices)/registered.Seconds()),
		kvNum("bff_cpu_ms_per_push", 1000*cpuS("server")/float64(max(len(lat), 1))), kvNum("bff_cpu_s", cpuS("server")),
		kvNum("sim_cpu_s", cpuS("agencysim")), kvNum("loadgen_cpu_s", cpuS("loadgen"))))
	if len(lat) < int(want) {
		return fmt.Errorf("%d of %.0f pushes reached the fake FCM", len(lat), want)
	}
	return nil
}
