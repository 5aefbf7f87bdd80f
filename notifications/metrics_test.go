package notifications_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
)

func TestMetricsCountPushes(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	e.pusher.Metrics = notifications.NewMetrics(reg, e.queue)
	e.pusher.MaxAttempts = 2
	e.register(dewi, "tok-ok", "id")
	e.register(dewi, "tok-dead", "id")
	e.register(dewi, "tok-busy", "id")
	e.sender.answer = func(token string, _ int) notifications.Outcome {
		switch token {
		case "tok-dead":
			return notifications.Outcome{Failure: notifications.FailureUnregistered}
		case "tok-busy":
			return notifications.Outcome{Failure: notifications.FailureInternal}
		}
		return notifications.Outcome{}
	}

	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	if got := gauge(t, reg, "satupintu_push_queue_depth"); got != 3 {
		t.Errorf("queue depth gauge %v, want 3", got)
	}
	e.work()
	e.clock.Advance(time.Second)
	e.work() // tok-busy's second and last attempt

	for result, want := range map[string]float64{"sent": 1, "UNREGISTERED": 1, "INTERNAL": 1} {
		if got := counter(t, reg, "satupintu_pushes_total", result); got != want {
			t.Errorf("pushes_total{result=%q} %v, want %v", result, got, want)
		}
	}
	if got := counter(t, reg, "satupintu_push_retries_total", ""); got != 1 {
		t.Errorf("retries %v, want 1", got)
	}
	if got := histogramCount(t, reg, "satupintu_push_send_duration_seconds"); got != 4 {
		t.Errorf("send latency samples %d, want 4 (one per Send: three pushes, then tok-busy again)", got)
	}
	if got := gauge(t, reg, "satupintu_push_queue_depth"); got != 0 {
		t.Errorf("queue depth gauge %v, want 0", got)
	}
}

// A Pusher without metrics works the same.
func TestNilMetricsRecordNothing(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok", "id")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	e.work()
	if d := e.delivery(noteID("CASE-1", 1), "tok"); d.State != notifications.DeliveryDelivered {
		t.Errorf("delivery %+v", d)
	}
}

// metric finds the series of a family with the given result label ("" for
// an unlabelled series).
func metric(t *testing.T, reg *prometheus.Registry, name, result string) *dto.Metric {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			label := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" {
					label = l.GetValue()
				}
			}
			if label == result {
				return m
			}
		}
	}
	t.Errorf("no series %s{result=%q}", name, result)
	return &dto.Metric{}
}

func counter(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	return metric(t, reg, name, result).GetCounter().GetValue()
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	return metric(t, reg, name, "").GetGauge().GetValue()
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	return metric(t, reg, name, "").GetHistogram().GetSampleCount()
}
