package server

import (
	"fmt"
	"math"
	"net/http"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	sp "github.com/satupintu/satupintu"
)

// CodeOverloaded is a request shed while satupintu was saturated (HTTP 503
// with Retry-After): nothing of it ran; send it again later.
const CodeOverloaded sp.ErrorCode = "OVERLOADED"

// OverloadConfig bounds the adaptive limit of /graphql requests in flight.
type OverloadConfig struct {
	// MinLimit and MaxLimit bound the limit; it starts at InitialLimit.
	MinLimit, InitialLimit, MaxLimit int
	// Latency is the most the process's scheduling latency (the p99, over
	// a window) may reach before the limit falls: goroutines waiting that
	// long for a CPU mean it has none to spare.
	Latency time.Duration
	// Window is how often the limit is reconsidered.
	Window time.Duration
	// RetryAfter is what a shed request is told to wait.
	RetryAfter time.Duration
}

// DefaultOverloadConfig suits an instance of a few cores; MaxLimit is
// well above what a core serves at once (about 1,000 home screens a second
// at 50–100 ms each), MinLimit what a saturated core still completes
// quickly.
func DefaultOverloadConfig() OverloadConfig {
	return OverloadConfig{MinLimit: 16, InitialLimit: 64, MaxLimit: 1000, Latency: 5 * time.Millisecond,
		Window: 100 * time.Millisecond, RetryAfter: time.Second}
}

// Overload sheds /graphql requests early, with 503 OVERLOADED and
// Retry-After, once the process is saturated, so that the requests it
// admits stay fast: without it, every request would slow down together
// and end in agency timeouts and full bulkheads (AGENCY_UNAVAILABLE from
// satupintu itself).
//
// The limit on requests in flight is an AIMD limit (the additive-increase,
// multiplicative-decrease member of Netflix's concurrency-limits family),
// whose congestion signal is the Go scheduler's own latency rather than
// the requests' latency: a request waits on the agencies far longer than
// on the CPU, and a slow agency must not make satupintu shed requests its
// CPU has room for (its breaker and bulkhead deal with it). Every Window,
// if the p99 of the time goroutines waited for a CPU exceeded Latency, the
// limit falls by a tenth; if it did not, and requests in flight came near
// the limit, it rises by its square root. The window is read when a
// request arrives: no goroutine, nothing done while idle.
//
// A nil *Overload sheds nothing.
type Overload struct {
	cfg OverloadConfig
	now func() time.Time
	// readSched reads the scheduling latency histogram (cumulative counts,
	// and bucket boundaries in seconds): runtime/metrics', or a test's.
	readSched func() ([]uint64, []float64)

	mu       sync.Mutex
	limit    float64
	inflight int
	peak     int // the most in flight this window
	next     time.Time
	last     []uint64 // the scheduling latency histogram's counts at the window's start
	p99      float64  // the last window's, in seconds

	shed prometheus.Counter
}

// NewOverload is an Overload with cfg (zero fields take the defaults),
// registering satupintu_overload_limit, satupintu_overload_in_flight,
// satupintu_overload_shed_total and satupintu_overload_sched_latency_seconds
// on reg (nil: none).
func NewOverload(cfg OverloadConfig, reg prometheus.Registerer) *Overload {
	def := DefaultOverloadConfig()
	if cfg.MinLimit <= 0 {
		cfg.MinLimit = def.MinLimit
	}
	if cfg.MaxLimit < cfg.MinLimit {
		cfg.MaxLimit = max(cfg.MinLimit, def.MaxLimit)
	}
	if cfg.InitialLimit <= 0 {
		cfg.InitialLimit = 4 * cfg.MinLimit
	}
	cfg.InitialLimit = min(max(cfg.InitialLimit, cfg.MinLimit), cfg.MaxLimit)
	if cfg.Latency <= 0 {
		cfg.Latency = def.Latency
	}
	if cfg.Window <= 0 {
		cfg.Window = def.Window
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = def.RetryAfter
	}
	sched := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	o := &Overload{cfg: cfg, now: time.Now, limit: float64(cfg.InitialLimit),
		readSched: func() ([]uint64, []float64) {
			metrics.Read(sched)
			if sched[0].Value.Kind() != metrics.KindFloat64Histogram {
				return nil, nil
			}
			h := sched[0].Value.Float64Histogram()
			return h.Counts, h.Buckets
		},
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "satupintu_overload_shed_total",
			Help: "/graphql requests shed with 503 OVERLOADED: the limit of requests in flight was reached while the process was saturated.",
		})}
	if reg != nil {
		reg.MustRegister(o.shed,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "satupintu_overload_limit",
				Help: "The adaptive limit of /graphql requests in flight (SATUPINTU_OVERLOAD).",
			}, func() float64 { l, _, _ := o.state(); return float64(l) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "satupintu_overload_in_flight",
				Help: "/graphql requests in flight under the overload limit (websockets and event streams are not counted).",
			}, func() float64 { _, n, _ := o.state(); return float64(n) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "satupintu_overload_sched_latency_seconds",
				Help: "The p99 of the Go scheduler's latency over the overload limit's last window (its signal: SATUPINTU_OVERLOAD_LATENCY).",
			}, func() float64 { _, _, p := o.state(); return p }))
	}
	return o
}

func (o *Overload) state() (limit, inflight int, p99 float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int(o.limit), o.inflight, o.p99
}

// Handler sheds what next cannot take. Websocket upgrades and event
// streams pass uncounted: they last as long as the client stays.
func (o *Overload) Handler(next http.Handler) http.Handler {
	if o == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		if !o.acquire() {
			o.shed.Inc()
			o.refuse(w, r)
			return
		}
		defer o.release()
		next.ServeHTTP(w, r)
	})
}

func (o *Overload) acquire() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if now := o.now(); !now.Before(o.next) {
		o.adjust(now)
	}
	if o.inflight >= int(o.limit) {
		return false
	}
	o.inflight++
	o.peak = max(o.peak, o.inflight)
	return true
}

func (o *Overload) release() {
	o.mu.Lock()
	o.inflight--
	o.mu.Unlock()
}

// adjust ends a window: the limit falls if the scheduler was late, rises
// if it was not and the limit was nearly used.
func (o *Overload) adjust(now time.Time) {
	idle := now.Sub(o.next) > o.cfg.Window // no request for a whole window
	o.next = now.Add(o.cfg.Window)
	counts, buckets := o.readSched()
	last := o.last
	o.last = slices.Clone(counts) // runtime/metrics may reuse counts

	peak := o.peak
	o.peak = o.inflight
	if idle || len(last) != len(counts) {
		return // the histogram covers more than this window
	}
	p99, n := percentileSince(last, counts, buckets, 0.99)
	if n < 32 {
		return // too few scheduling events to tell
	}
	o.p99 = p99
	switch {
	case p99 > o.cfg.Latency.Seconds():
		o.limit = max(float64(o.cfg.MinLimit), o.limit*0.9)
	case float64(peak) >= 0.8*o.limit:
		o.limit = min(float64(o.cfg.MaxLimit), o.limit+max(1, math.Sqrt(o.limit)))
	}
}

// percentileSince is the p-th quantile of what a cumulative histogram
// gained from before to after (the lower bound of its bucket), and how
// many samples it gained.
func percentileSince(before, after []uint64, buckets []float64, p float64) (float64, uint64) {
	var n uint64
	for i := range after {
		n += after[i] - before[i]
	}
	if n == 0 {
		return 0, 0
	}
	want := uint64(math.Ceil(p * float64(n)))
	var seen uint64
	for i := range after {
		if seen += after[i] - before[i]; seen >= want {
			if b := buckets[i]; !math.IsInf(b, -1) {
				return b, n
			}
			return 0, n
		}
	}
	return buckets[len(buckets)-1], n
}

// refuse answers 503 with Retry-After and the GraphQL error shape.
func (o *Overload) refuse(w http.ResponseWriter, r *http.Request) {
	secs := retryAfterSeconds(o.cfg.RetryAfter)
	msg := sp.Text{
		ID: fmt.Sprintf("Layanan sedang penuh; coba lagi dalam %d detik.", secs),
		EN: fmt.Sprintf("The service is at capacity; try again in %d s.", secs),
	}.In(sp.LangFrom(r.Context()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{
			"code": CodeOverloaded, "retryAfter": secs,
		}}},
	})
}
