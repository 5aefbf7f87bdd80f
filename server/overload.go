package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// QueueWait is the most a request waits for a slot once the limit is
	// reached (the newest first); past it, it is shed. Zero: shed at once.
	QueueWait time.Duration
	// RetryAfter is what a shed request is told to wait.
	RetryAfter time.Duration
}

// DefaultOverloadConfig suits an instance of a few cores; MaxLimit is
// well above what a core serves at once (about 1,000 home screens a second
// at 50–100 ms each), MinLimit what a saturated core still completes
// quickly.
func DefaultOverloadConfig() OverloadConfig {
	return OverloadConfig{MinLimit: 16, InitialLimit: 64, MaxLimit: 1000, Latency: 4 * time.Millisecond,
		Window: 100 * time.Millisecond, RetryAfter: time.Second}
}

// Validate reports every setting out of range at once.
func (c OverloadConfig) Validate() error {
	var errs []error
	if c.MinLimit < 1 || c.InitialLimit < c.MinLimit || c.MaxLimit < c.InitialLimit || c.MaxLimit > 1_000_000 {
		errs = append(errs, fmt.Errorf("overload: limits %d,%d,%d: want 1 ≤ min ≤ initial ≤ max ≤ 1000000", c.MinLimit, c.InitialLimit, c.MaxLimit))
	}
	if c.Latency < 100*time.Microsecond || c.Latency > time.Second {
		errs = append(errs, fmt.Errorf("overload: latency %s: want 100µs to 1s", c.Latency))
	}
	if c.Window < 10*time.Millisecond || c.Window > 10*time.Second {
		errs = append(errs, fmt.Errorf("overload: window %s: want 10ms to 10s", c.Window))
	}
	if c.QueueWait < 0 || c.QueueWait > time.Second {
		errs = append(errs, fmt.Errorf("overload: queue wait %s: want 0 to 1s", c.QueueWait))
	}
	if c.RetryAfter < time.Second || c.RetryAfter > time.Hour {
		errs = append(errs, fmt.Errorf("overload: Retry-After %s: want 1s to 1h", c.RetryAfter))
	}
	return errors.Join(errs...)
}

// Overload sheds /graphql requests early, with 503 OVERLOADED and
// Retry-After, once the process is saturated, so that the requests it
// admits stay fast: without it, every request would slow down together
// and end in agency timeouts and full bulkheads (AGENCY_UNAVAILABLE from
// satupintu itself).
//
// The limit on requests in flight follows the Go scheduler's own latency
// rather than the requests' latency: a request waits on the agencies far
// longer than on the CPU, and a slow agency must not make satupintu shed
// requests its CPU has room for (its breaker and bulkhead deal with it).
// Every Window, from the p99 of the time goroutines waited for a CPU:
//
//   - over Latency: the limit falls in proportion (× Latency/p99, at
//     most halved), down to MinLimit;
//   - under half of Latency, this window and the one before (the CPU has
//     room; one calm window amid late ones is a lull): the limit holds
//     nobody back during the next window, and follows the requests in
//     flight upwards, up to MaxLimit;
//   - in between: if requests in flight came near the limit, it rises by
//     its square root.
//
// A request that finds the limit reached waits at most QueueWait for a
// slot, the newest first (the oldest have waited longest already), then is
// shed. The window is read when a request arrives: no goroutine, nothing
// done while idle.
//
// A nil *Overload sheds nothing.
type Overload struct {
	cfg OverloadConfig
	now func() time.Time
	// readSched reads the scheduling latency histogram (cumulative counts,
	// and bucket boundaries in seconds): runtime/metrics', or a test's.
	readSched func() ([]uint64, []float64)
	log       *slog.Logger

	mu       sync.Mutex
	limit    float64
	inflight int
	peak     int // the most in flight this window
	next     time.Time
	last     []uint64 // the scheduling latency histogram's counts at the window's start
	p99      float64  // the last window's, in seconds
	calm     bool     // the last window's p99 was under half the target
	roomy    bool     // so were the two last windows': nobody waits
	waiting  []*waiter
	// The current episode of shedding: its first and latest shed, how many
	// so far.
	shedSince, shedAt time.Time
	reported          time.Time // when the episode was last logged
	shedN             int
	shedLast          int // shedN at the window's start

	shed, waited prometheus.Counter
}

// waiter is a request waiting for a slot; ready is closed once it has one.
type waiter struct {
	ready    chan struct{}
	admitted bool
}

// NewOverload is an Overload with cfg (zero fields take the defaults),
// registering satupintu_overload_limit, satupintu_overload_in_flight,
// satupintu_overload_waiting, satupintu_overload_shed_total,
// satupintu_overload_waited_total and
// satupintu_overload_sched_latency_seconds on reg (nil: none), and logging
// each episode of shedding on log (nil: none).
func NewOverload(cfg OverloadConfig, reg prometheus.Registerer, log *slog.Logger) *Overload {
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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sched := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	o := &Overload{cfg: cfg, now: time.Now, limit: float64(cfg.InitialLimit), log: log, calm: true, roomy: true,
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
			Help: "/graphql requests shed with 503 OVERLOADED: the limit of requests in flight was reached while the process was saturated, and no slot freed within SATUPINTU_OVERLOAD_QUEUE.",
		}),
		waited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "satupintu_overload_waited_total",
			Help: "/graphql requests that found the limit reached and waited (at most SATUPINTU_OVERLOAD_QUEUE) for a slot, admitted or not.",
		})}
	if reg != nil {
		reg.MustRegister(o.shed, o.waited,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "satupintu_overload_limit",
				Help: "The adaptive limit of /graphql requests in flight (SATUPINTU_OVERLOAD).",
			}, func() float64 { return float64(o.snapshot().limit) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "satupintu_overload_in_flight",
				Help: "/graphql requests in flight under the overload limit (websockets and event streams are not counted).",
			}, func() float64 { return float64(o.snapshot().inflight) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "satupintu_overload_waiting",
				Help: "/graphql requests waiting for a slot under the overload limit.",
			}, func() float64 { return float64(o.snapshot().waiting) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "satupintu_overload_sched_latency_seconds",
				Help: "The p99 of the Go scheduler's latency over the overload limit's last window (its signal: SATUPINTU_OVERLOAD_LATENCY).",
			}, func() float64 { return o.snapshot().p99 }))
	}
	return o
}

type overloadState struct {
	limit, inflight, waiting int
	p99                      float64
}

func (o *Overload) snapshot() overloadState {
	o.mu.Lock()
	defer o.mu.Unlock()
	return overloadState{int(o.limit), o.inflight, len(o.waiting), o.p99}
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
		if !o.acquire(r.Context()) {
			o.refuse(w, r)
			return
		}
		defer o.release()
		next.ServeHTTP(w, r)
	})
}

// acquire takes a slot, waiting at most QueueWait for one; false: shed
// (counted).
func (o *Overload) acquire(ctx context.Context) bool {
	o.mu.Lock()
	if now := o.now(); !now.Before(o.next) {
		o.adjust(now)
	}
	if o.inflight < int(o.limit) && len(o.waiting) == 0 || o.roomy && o.inflight < o.cfg.MaxLimit {
		o.inflight++
		o.peak = max(o.peak, o.inflight)
		if o.roomy {
			o.limit = max(o.limit, float64(o.inflight))
		}
		o.mu.Unlock()
		return true
	}
	if o.cfg.QueueWait <= 0 || len(o.waiting) >= int(o.limit) {
		o.shedLocked()
		o.mu.Unlock()
		return false
	}
	w := &waiter{ready: make(chan struct{})}
	o.waiting = append(o.waiting, w)
	o.mu.Unlock()
	o.waited.Inc()

	t := time.NewTimer(o.cfg.QueueWait)
	defer t.Stop()
	select {
	case <-w.ready:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if w.admitted { // a slot came as the wait ended
		return true
	}
	if i := slices.Index(o.waiting, w); i >= 0 {
		o.waiting = slices.Delete(o.waiting, i, i+1)
	}
	o.shedLocked()
	return false
}

func (o *Overload) release() {
	o.mu.Lock()
	o.inflight--
	o.admitWaiting()
	o.mu.Unlock()
}

// admitWaiting gives the free slots to the newest waiting requests.
func (o *Overload) admitWaiting() {
	for len(o.waiting) > 0 && o.inflight < int(o.limit) {
		w := o.waiting[len(o.waiting)-1]
		o.waiting = o.waiting[:len(o.waiting)-1]
		w.admitted = true
		close(w.ready)
		o.inflight++
		o.peak = max(o.peak, o.inflight)
	}
}

func (o *Overload) shedLocked() {
	o.shed.Inc()
	o.shedAt = o.now()
	if o.shedN == 0 {
		o.shedSince = o.shedAt
	}
	o.shedN++
}

// adjust ends a window: the limit falls if the scheduler was late, rises
// if it was not and the limit was nearly used.
func (o *Overload) adjust(now time.Time) {
	idle := now.Sub(o.next) > o.cfg.Window // no request for a whole window
	o.next = now.Add(o.cfg.Window)
	counts, buckets := o.readSched()
	last := o.last
	o.last = slices.Clone(counts) // runtime/metrics may reuse counts
	shed := o.shedN - o.shedLast
	o.endEpisode(now)

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
	before := o.limit
	defer func() {
		o.log.Debug("overload: window", "sched_p99", time.Duration(p99*float64(time.Second)), "sched_events", n,
			"peak_in_flight", peak, "in_flight", o.inflight, "waiting", len(o.waiting), "shed", shed,
			"limit_before", int(before), "limit", int(o.limit), "roomy", o.roomy)
	}()
	target := o.cfg.Latency.Seconds()
	calm := p99 <= target/2
	o.roomy = calm && o.calm
	o.calm = calm
	switch {
	case p99 > target:
		o.limit = max(float64(o.cfg.MinLimit), o.limit*max(0.5, target/p99))
	case !o.roomy && float64(peak) >= 0.8*o.limit: // (roomy: it followed the requests in flight)
		o.limit = min(float64(o.cfg.MaxLimit), o.limit+max(1, math.Sqrt(o.limit)))
	}
	o.admitWaiting()
}

// episodeReport is how often a long episode of shedding is logged again.
const episodeReport = 10 * time.Second

// endEpisode logs an episode of shedding as it starts, every
// episodeReport while it lasts, and once a window passes without any.
func (o *Overload) endEpisode(now time.Time) {
	switch {
	case o.shedN == 0:
	case o.shedN > o.shedLast:
		switch {
		case o.shedLast == 0:
			o.log.Warn("overload: shedding /graphql requests (503 OVERLOADED)", "limit", int(o.limit),
				"in_flight", o.inflight, "sched_p99", time.Duration(o.p99*float64(time.Second)))
			o.reported = now
		case now.Sub(o.reported) >= episodeReport:
			o.log.Warn("overload: still shedding", "shed", o.shedN, "for", o.shedAt.Sub(o.shedSince).Round(time.Millisecond),
				"limit", int(o.limit), "in_flight", o.inflight, "sched_p99", time.Duration(o.p99*float64(time.Second)))
			o.reported = now
		}
		o.shedLast = o.shedN
		return
	default:
		o.log.Info("overload: shedding stopped", "shed", o.shedN, "for", o.shedAt.Sub(o.shedSince).Round(time.Millisecond),
			"limit", int(o.limit), "sched_p99", time.Duration(o.p99*float64(time.Second)))
		o.shedN, o.shedLast = 0, 0
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
