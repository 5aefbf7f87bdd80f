package server

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fakeSched is a scheduling latency histogram the test fills: buckets of
// 1 ms, 10 ms and 100 ms, counts cumulative as runtime/metrics keeps them.
type fakeSched struct{ counts []uint64 }

var fakeBuckets = []float64{math.Inf(-1), 0.001, 0.010, 0.100, math.Inf(1)}

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

func newTestOverload(t *testing.T, cfg OverloadConfig) (*Overload, *fakeSched, *time.Time) {
	t.Helper()
	o := NewOverload(cfg, nil)
	sched := &fakeSched{counts: make([]uint64, len(fakeBuckets)-1)}
	now := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	o.now = func() time.Time { return now }
	o.readSched = func() ([]uint64, []float64) {
		c, b := sched.read()
		return append([]uint64(nil), c...), b // as runtime/metrics: a copy
	}
	return o, sched, &now
}

// The limit falls by a tenth in each window whose scheduling latency
// exceeded the target, down to the minimum; rises by its square root in
// each calm window where requests came near it, up to the maximum; and
// stays put in a calm window that did not use it, or one with too few
// scheduling events to judge, or after an idle spell.
func TestOverloadLimitFollowsTheScheduler(t *testing.T) {
	o, sched, now := newTestOverload(t, OverloadConfig{MinLimit: 10, InitialLimit: 100, MaxLimit: 130,
		Latency: 5 * time.Millisecond, Window: 100 * time.Millisecond})
	limit := func() int { l, _, _ := o.state(); return l }
	window := func(fill func()) {
		t.Helper()
		fill()
		*now = now.Add(100 * time.Millisecond)
		if o.acquire() { // ends the window (shed when full)
			o.release()
		}
	}
	window(func() {}) // the first request starts the first window

	window(func() { sched.add(1000, 20*time.Millisecond) }) // late
	if got := limit(); got != 90 {
		t.Fatalf("after a late window: limit %d, want 90", got)
	}
	window(func() { sched.add(990, 200*time.Microsecond); sched.add(10, 50*time.Millisecond) }) // p99 within target
	if got := limit(); got != 90 {
		t.Fatalf("after a calm window that did not use the limit: %d, want 90", got)
	}
	// A calm window with requests near the limit: it rises.
	held := 0
	fill := func() {
		for o.acquire() {
			held++
		}
		sched.add(1000, 200*time.Microsecond)
	}
	window(fill)
	if got := limit(); got != 99 { // 90 + √90
		t.Fatalf("after a calm, busy window: limit %d, want 99", got)
	}
	for range 10 {
		window(fill) // still busy
	}
	if got := limit(); got != 130 {
		t.Fatalf("limit %d, want the maximum 130", got)
	}
	for range held {
		o.release()
	}
	window(func() { sched.add(5, 20*time.Millisecond) }) // too few to judge
	if got := limit(); got != 130 {
		t.Fatalf("after a window of 5 events: %d, want 130", got)
	}
	for range 60 {
		window(func() { sched.add(1000, 20*time.Millisecond) })
	}
	if got := limit(); got != 10 {
		t.Fatalf("limit %d, want the minimum 10", got)
	}
	// Idle for a while: the next window starts afresh, whatever piled up.
	sched.add(1000, 20*time.Millisecond)
	*now = now.Add(time.Minute)
	window(func() {})
	window(func() { sched.add(1000, 200*time.Microsecond) })
	if got := limit(); got != 10 {
		t.Fatalf("after an idle spell: %d, want 10 (unchanged: that window did not use it)", got)
	}
}

// Past the limit a request is answered at once: 503, Retry-After, the
// GraphQL error shape with OVERLOADED, in the client's language, counted;
// nothing of it runs. A slot freed admits the next. Websocket upgrades and
// event streams are not counted.
func TestOverloadSheds(t *testing.T) {
	reg := prometheus.NewRegistry()
	o := NewOverload(OverloadConfig{MinLimit: 2, InitialLimit: 2, MaxLimit: 2, RetryAfter: 1500 * time.Millisecond}, reg)
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
	if _, n, _ := o.state(); n != 0 {
		t.Errorf("%d in flight after all answered", n)
	}

	var none *Overload
	if none.Handler(h) == nil {
		t.Error("a nil Overload must pass requests through")
	}
}

func TestPercentileSince(t *testing.T) {
	before := []uint64{0, 10, 0, 0}
	after := []uint64{0, 110, 5, 1} // 100 under 10 ms, 5 under 100 ms, 1 above
	if p, n := percentileSince(before, after, fakeBuckets, 0.99); n != 106 || p != 0.010 {
		t.Errorf("p99 = %v over %d; want 0.010 over 106", p, n)
	}
	if p, _ := percentileSince(before, after, fakeBuckets, 0.5); p != 0.001 {
		t.Errorf("p50 = %v, want 0.001", p)
	}
	if p, n := percentileSince(after, after, fakeBuckets, 0.99); n != 0 || p != 0 {
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
