package notifications

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/satupintu/satupintu/queue"
)

// Metrics are the push series. A nil *Metrics records nothing.
type Metrics struct {
	pushes  *prometheus.CounterVec
	retries prometheus.Counter
	latency prometheus.Histogram
}

// NewMetrics registers the push series on reg; the depth gauge reads the
// pending push jobs of jobs at each scrape.
func NewMetrics(reg prometheus.Registerer, jobs queue.Admin) *Metrics {
	m := &Metrics{
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_pushes_total", Help: "Pushes finished, by result: sent, or the failure reason.",
		}, []string{"result"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "satupintu_push_retries_total", Help: "Pushes rescheduled after a transient failure.",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "satupintu_push_send_duration_seconds", Help: "Duration of one FCM SendEach call.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "satupintu_push_queue_depth", Help: "Push jobs waiting or in flight.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := jobs.Depth(ctx, queue.Push)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(m.pushes, m.retries, m.latency, depth)
	return m
}

func (m *Metrics) sent() {
	if m != nil {
		m.pushes.WithLabelValues("sent").Inc()
	}
}

func (m *Metrics) failed(f Failure) {
	if m != nil {
		m.pushes.WithLabelValues(string(f)).Inc()
	}
}

func (m *Metrics) retried() {
	if m != nil {
		m.retries.Inc()
	}
}

func (m *Metrics) sendLatency(d time.Duration) {
	if m != nil {
		m.latency.Observe(d.Seconds())
	}
}
