package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/satupintu/satupintu/internal/testkit"

	"github.com/prometheus/client_golang/prometheus"
)

// fakeSched is a scheduling latency histogram the test fills: buckets of
// 1, 3, 5, 8 and 100 ms, counts cumulative as runtime/metrics keeps them.
type fakeSched struct{ counts []uint64 }

var fakeBuckets = []float64{math.Inf(-1), 0.001, 0.003, 0.005, 0.008, 0.100, math.Inf(1)}

func (f *fakeSched) read() ([]uint64, []float64) { return f.counts, fakeBuckets }

// add records n goroutines that waited about d each.
func (f *fakeSched) add(n uint64, d time.Duration) {
	for i := len(fakeBuckets) - 2; i >= 0; i-- {
		if d.Seconds() >= fakeBuckets[i] {
			f.counts[i] += n
			return
		}
	}
}

func newTestOverload(t *testing.T, cfg OverloadConfig, reg prometheus.Registerer, log *slog.Logger) (*Overload, *fakeSched, *time.Time) {
	t.Helper()
	o := NewOverload(cfg, reg, log)
	sched := &fakeSched{counts: make([]uint64, len(fakeBuckets)-1)}
	now := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	o.now = func() time.Time { return now }
	o.readSched = func() ([]uint64, []float64) {
		c, b := sched.read()
		return append([]uint64(nil), c...), b // as runtime/metrics: a copy
	}
	return o, sched, &now
}

// The limit falls in proportion to how late the scheduler was (at most
// halved), down to the minimum; rises by its square root in each window
// near the target where requests came near it, up to the maximum; stays
// put in a window that did not use it, or one with too few scheduling
// events to judge, or after an idle spell.
func TestOverloadLimitFollowsTheScheduler(t *testing.T) {
	o, sched, now := newTestOverload(t, OverloadConfig{MinLimit: 10, InitialLimit: 100, MaxLimit: 130,
		Latency: 4 * time.Millisecond, Window: 100 * time.Millisecond}, nil, nil)
	limit := func() int { return o.snapshot().limit }
	ctx := context.Background()
	window := func(fill func()) {
		t.Helper()
		fill()
		*now = now.Add(100 * time.Millisecond)
		if o.acquire(ctx) { // ends the window (shed when full)
			o.release()
		}
	}
	window(func() {}) // the first request starts the first window

	window(func() { sched.add(1000, 5*time.Millisecond) }) // p99 5 ms: 4/5 of the limit
	if got := limit(); got != 80 {
		t.Fatalf("after a window at 5 ms: limit %d, want 80", got)
	}
	window(func() { sched.add(1000, 50*time.Millisecond) }) // far over: halved
	if got := limit(); got != 40 {
		t.Fatalf("after a window at 50 ms: limit %d, want 40", got)
	}
	window(func() { sched.add(990, 3*time.Millisecond); sched.add(10, 50*time.Millisecond) }) // p99 3 ms: within
	if got := limit(); got != 40 {
		t.Fatalf("after a window within the target that did not use the limit: %d, want 40", got)
	}
	// Within the target, with requests near the limit: it rises.
	held := 0
	fill := func() {
		for o.acquire(ctx) {
			held++
		}
		sched.add(1000, 3*time.Millisecond)
	}
	window(fill)
	if got := limit(); got != 46 { // 40 + √40
		t.Fatalf("after a busy window within the target: limit %d, want 46", got)
	}
	for range 20 {
		window(fill) // still busy
	}
	if got := limit(); got != 130 {
		t.Fatalf("limit %d, want the maximum 130", got)
	}
	for range held {
		o.release()
	}
	window(func() { sched.add(5, 50*time.Millisecond) }) // too few to judge
	if got := limit(); got != 130 {
		t.Fatalf("after a window of 5 events: %d, want 130", got)
	}
	for range 10 {
		window(func() { sched.add(1000, 50*time.Millisecond) })
	}
	if got := limit(); got != 10 {
		t.Fatalf("limit %d, want the minimum 10", got)
	}
	// Idle for a while: the next window starts afresh, whatever piled up.
	sched.add(1000, 50*time.Millisecond)
	*now = now.Add(time.Minute)
	window(func() {})
	window(func() { sched.add(1000, 3*time.Millisecond) })
	if got := limit(); got != 10 {
		t.Fatalf("after an idle spell: %d, want 10 (unchanged: that window did not use it)", got)
	}
}

// While the scheduler is well within its target (under half of it, two
// windows in a row), the CPU has room: requests are admitted past the limit, which follows them
// up to the maximum, where shedding starts. A slow agency, which keeps
// requests in flight but not the CPU busy, is such a case: nothing is
// shed however long its requests last. Once the scheduler is late again,
// the limit binds, until two windows in a row are well within the target.
func TestOverloadAdmitsWhileTheCPUHasRoom(t *testing.T) {
	o, sched, now := newTestOverload(t, OverloadConfig{MinLimit: 2, InitialLimit: 4, MaxLimit: 60,
		Latency: 4 * time.Millisecond, Window: 100 * time.Millisecond}, nil, nil)
	ctx := context.Background()
	in := 0
	for range 3 { // three windows of requests that do not finish (a slow agency), 1 ms scheduling latency
		for range 15 {
			if !o.acquire(ctx) {
				t.Fatalf("request %d shed while the CPU had room (limit %d)", in+1, o.snapshot().limit)
			}
			in++
		}
		sched.add(1000, time.Millisecond)
		*now = now.Add(100 * time.Millisecond)
	}
	if s := o.snapshot(); s.limit != 45 || s.inflight != 45 {
		t.Fatalf("limit %d, %d in flight; want both 45", s.limit, s.inflight)
	}
	for range 15 {
		if !o.acquire(ctx) {
			t.Fatal("shed below the maximum")
		}
	}
	if o.acquire(ctx) {
		t.Fatal("admitted past the maximum 60")
	}
	// The CPU gets busy: the limit binds, and falls.
	sched.add(1000, 8*time.Millisecond)
	*now = now.Add(100 * time.Millisecond)
	if o.acquire(ctx) {
		t.Fatal("admitted past the limit with the scheduler late")
	}
	for range 40 {
		o.release()
	}
	if s := o.snapshot(); s.limit != 30 || s.inflight != 20 { // 60 × 4/8
		t.Fatalf("limit %d, %d in flight; want 30 and 20", s.limit, s.inflight)
	}
	for range 10 {
		if !o.acquire(ctx) {
			t.Fatal("shed under the limit")
		}
	}
	if o.acquire(ctx) {
		t.Fatal("admitted past the limit 30")
	}
	// One calm window amid late ones is not room yet (a saturated CPU has
	// such lulls); a second in a row is.
	sched.add(1000, time.Millisecond)
	*now = now.Add(100 * time.Millisecond)
	for range 5 { // the limit rises by its square root (30 + √30), no more
		if !o.acquire(ctx) {
			t.Fatal("shed under the risen limit")
		}
	}
	if s := o.snapshot(); o.acquire(ctx) || s.limit != 35 {
		t.Fatalf("after a single calm window: limit %d, admitted past it", s.limit)
	}
	sched.add(1000, time.Millisecond)
	*now = now.Add(100 * time.Millisecond)
	if !o.acquire(ctx) {
		t.Fatal("shed after two calm windows")
	}
	if s := o.snapshot(); s.limit != 36 || s.inflight != 36 {
		t.Fatalf("limit %d, %d in flight; want both 36", s.limit, s.inflight)
	}
}

// With QueueWait, a request that finds the limit reached waits for a slot:
// a slot freed goes to the newest waiting request; one that waited
// QueueWait is shed (or as soon as its client leaves). Both are counted.
func TestOverloadQueueWaitsNewestFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		o := NewOverload(OverloadConfig{MinLimit: 2, InitialLimit: 2, MaxLimit: 2, QueueWait: 10 * time.Millisecond}, reg, nil)
		ctx := context.Background()
		if !o.acquire(ctx) || !o.acquire(ctx) {
			t.Fatal("under the limit: shed")
		}
		got := make(chan string, 3)
		wait := func(name string, ctx context.Context) {
			go func() {
				if o.acquire(ctx) {
					got <- name + " admitted"
				} else {
					got <- name + " shed"
				}
			}()
			synctest.Wait() // it is waiting
		}
		start := time.Now()
		wait("old", ctx)
		time.Sleep(2 * time.Millisecond)
		wait("new", ctx)
		if s := o.snapshot(); s.waiting != 2 || s.inflight != 2 {
			t.Fatalf("%d waiting, %d in flight; want 2 and 2", s.waiting, s.inflight)
		}
		o.release()
		if g := <-got; g != "new admitted" {
			t.Fatalf("after a release: %s, want the newest admitted", g)
		}
		if g := <-got; g != "old shed" || time.Since(start) != 10*time.Millisecond {
			t.Fatalf("%s after %s; want the oldest shed after waiting 10ms", g, time.Since(start))
		}
		gone, cancel := context.WithCancel(ctx)
		wait("gone", gone)
		cancel()
		if g := <-got; g != "gone shed" {
			t.Fatalf("a request whose client left: %s", g)
		}
		m := gathered(t, reg)
		if m["satupintu_overload_shed_total"] != 2 || m["satupintu_overload_waited_total"] != 3 ||
			m["satupintu_overload_waiting"] != 0 || m["satupintu_overload_in_flight"] != 2 {
			t.Errorf("metrics %v", m)
		}
	})
}

// An operator sees an episode of shedding begin, go on (every ten
// seconds) and end in the log, with how many were shed.
func TestOverloadLogsEpisodes(t *testing.T) {
	var buf testkit.SyncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	o, sched, now := newTestOverload(t, OverloadConfig{MinLimit: 1, InitialLimit: 1, MaxLimit: 1,
		Latency: 4 * time.Millisecond, Window: 100 * time.Millisecond}, nil, log)
	ctx := context.Background()
	next := func(d time.Duration) {
		sched.add(1000, d)
		*now = now.Add(100 * time.Millisecond)
	}
	if !o.acquire(ctx) {
		t.Fatal("the first request shed")
	}
	next(8 * time.Millisecond)
	for range 3 {
		if o.acquire(ctx) {
			t.Fatal("admitted past the limit")
		}
	}
	for range 101 { // ten seconds more of shedding, one request a window
		next(8 * time.Millisecond)
		if o.acquire(ctx) {
			t.Fatal("admitted past the limit")
		}
	}
	o.release()
	next(time.Millisecond)
	if !o.acquire(ctx) { // a window without any: the episode ends
		t.Fatal("shed with a slot free")
	}
	next(time.Millisecond)
	o.acquire(ctx)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "level=WARN msg=\"overload: shedding /graphql requests (503 OVERLOADED)\" limit=1") ||
		!strings.Contains(lines[1], "level=WARN msg=\"overload: still shedding\" shed=103 for=10s limit=1") ||
		!strings.Contains(lines[2], "level=INFO msg=\"overload: shedding stopped\" shed=104 for=10.1s limit=1") {
		t.Errorf("log:\n%s", buf.String())
	}
}

// Past the limit a request is answered at once: 503, Retry-After, the
// GraphQL error shape with OVERLOADED, in the client's language, counted;
// nothing of it runs. A slot freed admits the next. Websocket upgrades and
// event streams are not counted.
func TestOverloadSheds(t *testing.T) {
	reg := prometheus.NewRegistry()
	o := NewOverload(OverloadConfig{MinLimit: 2, InitialLimit: 2, MaxLimit: 2, RetryAfter: 1500 * time.Millisecond}, reg, nil)
	release := make(chan struct{})
	var started sync.WaitGroup
	var ran sync.Mutex
	runs := 0
	h := acceptLanguage(o.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran.Lock()
		runs++
		ran.Unlock()
		if r.URL.Query().Has("hold") {
			started.Done()
			<-release
		}
		w.WriteHeader(http.StatusOK)
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()

	held := make(chan int, 2)
	started.Add(2)
	for range 2 {
		go func() {
			resp, err := http.Get(srv.URL + "/graphql?hold")
			if err != nil {
				held <- 0
				return
			}
			resp.Body.Close()
			held <- resp.StatusCode
		}()
	}
	started.Wait()

	for lang, want := range map[string]string{"id": "Layanan sedang penuh; coba lagi dalam 2 detik.", "en": "The service is at capacity; try again in 2 s."} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" ||
			len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != string(CodeOverloaded) ||
			body.Errors[0].Extensions["retryAfter"] != 2.0 || body.Errors[0].Message != want {
			t.Errorf("%s: HTTP %d Retry-After %q %+v %v", lang, resp.StatusCode, resp.Header.Get("Retry-After"), body, err)
		}
	}
	// Uncounted: an upgrade and an event stream pass while full.
	for _, hdr := range [][2]string{{"Upgrade", "websocket"}, {"Accept", "text/event-stream"}} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql", nil)
		req.Header.Set(hdr[0], hdr[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: HTTP %d, want it passed", hdr[1], resp.StatusCode)
		}
	}
	ran.Lock()
	if runs != 4 {
		t.Errorf("%d requests ran, want the 2 held and the 2 uncounted", runs)
	}
	ran.Unlock()
	got := gathered(t, reg)
	for name, want := range map[string]float64{"satupintu_overload_shed_total": 2, "satupintu_overload_limit": 2,
		"satupintu_overload_in_flight": 2, "satupintu_overload_sched_latency_seconds": 0} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (%v), want %v", name, v, ok, want)
		}
	}

	close(release)
	for range 2 {
		if s := <-held; s != http.StatusOK {
			t.Errorf("a held request: HTTP %d", s)
		}
	}
	resp, err := http.Get(srv.URL + "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the slots free again: HTTP %d", resp.StatusCode)
	}
	if n := o.snapshot().inflight; n != 0 {
		t.Errorf("%d in flight after all answered", n)
	}

	var none *Overload
	if none.Handler(h) == nil {
		t.Error("a nil Overload must pass requests through")
	}
}

func TestPercentileSince(t *testing.T) {
	buckets := []float64{math.Inf(-1), 0.001, 0.010, 0.100, math.Inf(1)}
	before := []uint64{0, 10, 0, 0}
	after := []uint64{0, 110, 5, 1} // 100 under 10 ms, 5 under 100 ms, 1 above
	if p, n := percentileSince(before, after, buckets, 0.99); n != 106 || p != 0.010 {
		t.Errorf("p99 = %v over %d; want 0.010 over 106", p, n)
	}
	if p, _ := percentileSince(before, after, buckets, 0.5); p != 0.001 {
		t.Errorf("p50 = %v, want 0.001", p)
	}
	if p, n := percentileSince(after, after, buckets, 0.99); n != 0 || p != 0 {
		t.Errorf("nothing gained: %v over %d", p, n)
	}
}

// gathered is every metric reg holds, by name (one series each).
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				out[mf.GetName()] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[mf.GetName()] = m.Gauge.GetValue()
			}
		}
	}
	return out
}

// The defaults are valid; every setting out of range is reported at once.
func TestOverloadConfigValidate(t *testing.T) {
	if err := DefaultOverloadConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	err := OverloadConfig{MinLimit: 8, InitialLimit: 4, MaxLimit: 100, Latency: time.Microsecond, Window: time.Millisecond,
		QueueWait: -time.Millisecond, RetryAfter: 0}.Validate()
	for _, want := range []string{"limits 8,4,100", "latency 1µs", "window 1ms", "queue wait -1ms", "Retry-After 0s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: does not name %q", err, want)
		}
	}
}
