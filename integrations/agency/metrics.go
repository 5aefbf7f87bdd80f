package agency

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	sp "github.com/satupintu/satupintu"
)

// Metrics are the agency-call series. A nil *Metrics records nothing.
type Metrics struct {
	calls    *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errs     *prometheus.CounterVec
	attempts *prometheus.CounterVec
	retries  *prometheus.CounterVec
	breaker  *prometheus.GaugeVec
	cache    *prometheus.CounterVec
}

// NewMetrics registers the agency series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_agency_requests_total", Help: "Agency calls (after retries), by outcome: ok, error, cancelled (the caller gave up).",
		}, []string{"agency", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "satupintu_agency_request_duration_seconds", Help: "Agency call latency, retries included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"agency"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_agency_errors_total", Help: "Failed agency calls, by error code.",
		}, []string{"agency", "kind"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_agency_attempts_total", Help: "HTTP attempts that left for an agency.",
		}, []string{"agency"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_agency_retries_total", Help: "Retried agency reads.",
		}, []string{"agency"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "satupintu_agency_breaker_state", Help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
		}, []string{"agency"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "satupintu_agency_cache_total", Help: "Cache lookups and writes of agency reads, by result: hit, miss, stale (served when the agency failed), " +
				"error (the cache failed or was slower than its budget: a miss), write_error (a fetched value was not stored).",
		}, []string{"agency", "result"}),
	}
	reg.MustRegister(m.calls, m.latency, m.errs, m.attempts, m.retries, m.breaker, m.cache)
	return m
}

func (m *Metrics) call(a sp.Agency, d time.Duration, resp *http.Response, err error) {
	if m == nil {
		return
	}
	m.latency.WithLabelValues(string(a)).Observe(d.Seconds())
	switch {
	case errors.Is(err, context.Canceled):
		// The caller gave up: not the agency failing (the breaker agrees).
		m.calls.WithLabelValues(string(a), "cancelled").Inc()
	case err != nil:
		m.calls.WithLabelValues(string(a), "error").Inc()
		code := sp.ErrorCodeOf(err)
		var e *sp.Error
		if !errors.As(err, &e) {
			code = sp.CodeAgencyUnavailable
			if isTimeout(err) {
				code = sp.CodeAgencyTimeout
			}
		}
		m.errs.WithLabelValues(string(a), string(code)).Inc()
	case failed(resp):
		m.calls.WithLabelValues(string(a), "error").Inc()
		m.errs.WithLabelValues(string(a), "HTTP_"+strconv.Itoa(resp.StatusCode)).Inc()
	default:
		m.calls.WithLabelValues(string(a), "ok").Inc()
	}
}

// failure counts an answer the adapter judged a failure (bad or refusing).
func (m *Metrics) failure(a sp.Agency, code sp.ErrorCode) {
	if m == nil {
		return
	}
	m.errs.WithLabelValues(string(a), string(code)).Inc()
}

func (m *Metrics) attempt(a sp.Agency) {
	if m != nil {
		m.attempts.WithLabelValues(string(a)).Inc()
	}
}

func (m *Metrics) retried(a sp.Agency) {
	if m != nil {
		m.retries.WithLabelValues(string(a)).Inc()
	}
}

func (m *Metrics) breakerState(a sp.Agency, s gobreaker.State) {
	if m == nil {
		return
	}
	v := map[gobreaker.State]float64{gobreaker.StateClosed: 0, gobreaker.StateHalfOpen: 1, gobreaker.StateOpen: 2}[s]
	m.breaker.WithLabelValues(string(a)).Set(v)
}

func (m *Metrics) cacheResult(a sp.Agency, result string) {
	if m != nil {
		m.cache.WithLabelValues(string(a), result).Inc()
	}
}
