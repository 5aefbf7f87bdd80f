package agency

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	sp "github.com/satupintu/satupintu"
)

// --- identify ---

func TestHeadersOverHTTP(t *testing.T) {
	type seen struct{ client, id, issue, reqID string }
	got := make(chan seen, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Header.Get(HeaderClient), r.Header.Get(HeaderMessageID), r.Header.Get(HeaderIssue), r.Header.Get(HeaderRequestID)}
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.BaseURL = srv.URL
	c := newTestClient(t, cfg, Options{Instance: "satupintu-test-1"})

	ctx := sp.WithPurpose(sp.WithRequestID(context.Background(), "req-42"), "graphql:home")
	for range 2 {
		if _, err := get(t, ctx, c, "/citizens"); err != nil {
			t.Fatal(err)
		}
	}
	a, b := <-got, <-got
	for _, s := range []seen{a, b} {
		if s.client != "satupintu-test-1" || s.issue != "graphql:home" || s.reqID != "req-42" || s.id == "" {
			t.Errorf("headers %+v; want client satupintu-test-1, issue graphql:home, request id req-42 and a message id", s)
		}
	}
	if a.id == b.id {
		t.Errorf("two requests share X-Road-Id %q", a.id)
	}
}

func TestHeadersWithoutPurposeOrRequestID(t *testing.T) {
	var h http.Header
	f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
		h = r.Header.Clone()
		return answer(r, 200, "{}"), nil
	}}
	c := newTestClient(t, testConfig(), Options{Transport: f.transport(), Instance: "i-1"})
	req, _ := c.NewRequest(context.Background(), http.MethodGet, "/x", nil)
	if _, err := c.Do(req); err != nil {
		t.Fatal(err)
	}
	if _, ok := h[HeaderIssue]; ok {
		t.Errorf("X-Road-Issue sent without a purpose: %q", h.Get(HeaderIssue))
	}
	if _, ok := h[HeaderRequestID]; ok {
		t.Errorf("X-Request-Id sent without a request id: %q", h.Get(HeaderRequestID))
	}
	if h.Get(HeaderClient) != "i-1" || h.Get(HeaderMessageID) == "" {
		t.Errorf("headers %v; want X-Road-Client i-1 and an X-Road-Id", h)
	}
	if len(req.Header) != 0 {
		t.Errorf("the caller's request was modified: %v", req.Header)
	}
}

// --- retry ---

func TestRetryGetSucceedsOnThirdAttempt(t *testing.T) {
	f := &fakeBase{fn: statuses(503, 503, 200)}
	c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
	resp, err := get(t, context.Background(), c, "/x")
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.StatusCode != 200 || f.count() != 3 {
		t.Errorf("status %d after %d attempts; want 200 after 3", resp.StatusCode, f.count())
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "{}" {
		t.Errorf("body %q; want {}", b)
	}
}

func TestRetryNeverForWrites(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			f := &fakeBase{fn: statuses(503, 200)}
			c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
			_, err := send(t, context.Background(), c, method, "/x")
			wantCode(t, err, sp.CodeAgencyUnavailable)
			if f.count() != 1 {
				t.Errorf("%d attempts; a write is never retried", f.count())
			}
		})
	}
	t.Run("transport error", func(t *testing.T) {
		f := &fakeBase{fn: func(int, *http.Request) (*http.Response, error) { return nil, errors.New("connection reset") }}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		_, err := send(t, context.Background(), c, http.MethodPost, "/x")
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if f.count() != 1 {
			t.Errorf("%d attempts; a write is never retried", f.count())
		}
	})
}

func TestRetryHeadIsRetried(t *testing.T) {
	f := &fakeBase{fn: statuses(502, 200)}
	c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
	if _, err := send(t, context.Background(), c, http.MethodHead, "/x"); err != nil || f.count() != 2 {
		t.Errorf("HEAD: %v after %d attempts; want success after 2", err, f.count())
	}
}

func TestRetryBudget(t *testing.T) {
	for _, retries := range []int{0, 1, 2, 5} {
		f := &fakeBase{fn: statuses(503)}
		cfg := testConfig()
		cfg.Retries = retries
		c := newTestClient(t, cfg, Options{Transport: f.transport()})
		_, err := get(t, context.Background(), c, "/x")
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if f.count() != retries+1 {
			t.Errorf("Retries=%d: %d attempts; want %d", retries, f.count(), retries+1)
		}
	}
}

func TestRetryNotForClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 422} {
		f := &fakeBase{fn: statuses(code, 200)}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		resp, err := get(t, context.Background(), c, "/x")
		if err != nil {
			t.Fatalf("HTTP %d: Do: %v; want the response for the adapter to judge", code, err)
		}
		if resp.StatusCode != code || f.count() != 1 {
			t.Errorf("HTTP %d: got %d after %d attempts; want %d after 1", code, resp.StatusCode, f.count(), code)
		}
	}
}

func TestRetry429WithRetryAfterZero(t *testing.T) {
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		if n == 1 {
			return answer(r, 429, "", "Retry-After", "0"), nil
		}
		return answer(r, 200, "{}"), nil
	}}
	c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
	if _, err := get(t, context.Background(), c, "/x"); err != nil || f.count() != 2 {
		t.Errorf("429 then 200: %v after %d attempts; want success after 2", err, f.count())
	}
}

// A Retry-After beyond the call's deadline ends the call at once instead of
// sleeping into the deadline. Fake time (synctest) makes "at once" exact.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	for _, after := range []string{"30", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)} {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
				return answer(r, 503, "", "Retry-After", after), nil
			}}
			cfg := testConfig() // Timeout 10 s
			c := newTestClient(t, cfg, Options{Transport: f.transport()})
			start := time.Now()
			_, err := get(t, context.Background(), c, "/x")
			wantCode(t, err, sp.CodeAgencyUnavailable)
			if f.count() != 1 {
				t.Errorf("Retry-After %s: %d attempts; want 1", after, f.count())
			}
			if waited := time.Since(start); waited != 0 {
				t.Errorf("Retry-After %s: waited %s of fake time; want no wait", after, waited)
			}
		})
	}
}

// A Retry-After within the deadline is honoured: the retry comes no sooner.
func TestRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Time
		f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
			at = append(at, time.Now())
			if n == 1 {
				return answer(r, 503, "", "Retry-After", "3"), nil
			}
			return answer(r, 200, "{}"), nil
		}}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		if _, err := get(t, context.Background(), c, "/x"); err != nil {
			t.Fatal(err)
		}
		if len(at) != 2 || at[1].Sub(at[0]) != 3*time.Second {
			t.Errorf("attempts at %v; want two, 3 s apart", at)
		}
	})
}

func TestRetryCancelledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
			return answer(r, 503, "", "Retry-After", "5"), nil
		}}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := get(t, ctx, c, "/x")
			done <- err
		}()
		synctest.Wait() // the call is waiting out the Retry-After
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v; want the context's error (context.Canceled)", err)
		}
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if waited := time.Since(start); waited != 0 {
			t.Errorf("returned after %s of fake time; want at once", waited)
		}
		if f.count() != 1 {
			t.Errorf("%d attempts; want 1", f.count())
		}
		if s := c.BreakerState(); s != "closed" {
			t.Errorf("breaker %s after a cancelled call; want closed", s)
		}
	})
}

func TestRetryTransportErrors(t *testing.T) {
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		if n < 3 {
			return nil, errors.New("connection reset by peer")
		}
		return answer(r, 200, "{}"), nil
	}}
	c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
	if _, err := get(t, context.Background(), c, "/x"); err != nil || f.count() != 3 {
		t.Errorf("%v after %d attempts; want success after 3", err, f.count())
	}
}

func TestAttemptTimeoutCutsHangingAttempt(t *testing.T) {
	var firstErr error
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		if n == 1 {
			<-r.Context().Done()
			firstErr = r.Context().Err()
			return nil, firstErr
		}
		return answer(r, 200, "{}"), nil
	}}
	cfg := testConfig()
	cfg.AttemptTimeout = 20 * time.Millisecond
	c := newTestClient(t, cfg, Options{Transport: f.transport()})
	if _, err := get(t, context.Background(), c, "/x"); err != nil {
		t.Fatalf("Do: %v; want the second attempt to succeed", err)
	}
	if f.count() != 2 || !errors.Is(firstErr, context.DeadlineExceeded) {
		t.Errorf("%d attempts, first ended with %v; want 2, the first cut by its deadline", f.count(), firstErr)
	}
}

// The attempt reads the whole body inside its own deadline: a body that
// stalls is cut too.
func TestAttemptTimeoutCoversTheBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"partial":`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	cfg := testConfig()
	cfg.BaseURL = srv.URL
	cfg.Timeout = 200 * time.Millisecond
	cfg.AttemptTimeout = 50 * time.Millisecond
	c := newTestClient(t, cfg, Options{})
	_, err := get(t, context.Background(), c, "/x")
	wantCode(t, err, sp.CodeAgencyTimeout)
}

// --- breaker ---

func breakerConfig(failures uint32, openFor time.Duration) Config {
	cfg := testConfig()
	cfg.BreakerFailures = failures
	cfg.BreakerOpenFor = openFor
	return cfg
}

func TestBreakerOpensAfterFailedCalls(t *testing.T) {
	f := &fakeBase{fn: statuses(503)}
	c := newTestClient(t, breakerConfig(2, time.Hour), Options{Transport: f.transport()}) // Retries 2
	ctx := context.Background()

	get(t, ctx, c, "/x")
	if f.count() != 3 || c.BreakerState() != "closed" {
		t.Fatalf("after one failed call: %d attempts, breaker %s; want 3 attempts (retries are one call), closed", f.count(), c.BreakerState())
	}
	get(t, ctx, c, "/x")
	if c.BreakerState() != "open" {
		t.Fatalf("after two failed calls the breaker is %s; want open", c.BreakerState())
	}
	before := f.count()
	for range 3 {
		_, err := get(t, ctx, c, "/x")
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if !errors.Is(err, gobreaker.ErrOpenState) {
			t.Errorf("error %v; want it to wrap gobreaker.ErrOpenState", err)
		}
	}
	if f.count() != before {
		t.Errorf("%d calls reached the agency while the breaker was open", f.count()-before)
	}
}

func TestBreakerIgnoresReadsThatSucceedOnRetry(t *testing.T) {
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		if n%2 == 1 {
			return answer(r, 503, ""), nil
		}
		return answer(r, 200, "{}"), nil
	}}
	c := newTestClient(t, breakerConfig(1, time.Hour), Options{Transport: f.transport()})
	for range 3 {
		if _, err := get(t, context.Background(), c, "/x"); err != nil {
			t.Fatal(err)
		}
	}
	if c.BreakerState() != "closed" {
		t.Errorf("breaker %s; a read that succeeds on retry is no failure", c.BreakerState())
	}
}

// tripAndWaitHalfOpen opens c's breaker (BreakerFailures 1, Retries 0)
// with one failing call, then lets its open period pass. It runs in a
// synctest bubble, where the breaker's clock is the bubble's fake one.
func tripAndWaitHalfOpen(t *testing.T, c *Client) {
	t.Helper()
	get(t, context.Background(), c, "/x")
	if s := c.BreakerState(); s != "open" {
		t.Fatalf("breaker %s after a failed call; want open", s)
	}
	advance(c.cfg.BreakerOpenFor - time.Millisecond)
	if s := c.BreakerState(); s != "open" {
		t.Fatalf("breaker %s before its open period ended; want open", s)
	}
	advance(2 * time.Millisecond)
	if s := c.BreakerState(); s != "half-open" {
		t.Fatalf("breaker %s after its open period; want half-open", s)
	}
}

// advance moves a synctest bubble's fake clock on by d: nothing really
// waits, and nothing else runs meanwhile unless it was due.
func advance(d time.Duration) { <-time.After(d) }

func TestBreakerProbeSucceedsAndCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ok sync.Mutex // guards healthy
		healthy := false
		f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
			ok.Lock()
			defer ok.Unlock()
			if healthy {
				return answer(r, 200, "{}"), nil
			}
			return answer(r, 503, ""), nil
		}}
		cfg := breakerConfig(1, 10*time.Second)
		cfg.Retries = 0
		c := newTestClient(t, cfg, Options{Transport: f.transport()})
		tripAndWaitHalfOpen(t, c)

		ok.Lock()
		healthy = true
		ok.Unlock()
		before := f.count()
		if _, err := get(t, context.Background(), c, "/x"); err != nil {
			t.Fatalf("probe: %v", err)
		}
		if f.count() != before+1 || c.BreakerState() != "closed" {
			t.Errorf("probe: %d attempts, breaker %s; want 1, closed", f.count()-before, c.BreakerState())
		}
	})
}

func TestBreakerProbeFailsAndReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBase{fn: statuses(503)}
		cfg := breakerConfig(1, 10*time.Second)
		cfg.Retries = 0
		c := newTestClient(t, cfg, Options{Transport: f.transport()})
		tripAndWaitHalfOpen(t, c)

		before := f.count()
		_, err := get(t, context.Background(), c, "/x")
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if f.count() != before+1 {
			t.Fatalf("probe made %d attempts; want 1", f.count()-before)
		}
		if s := c.BreakerState(); s != "open" {
			t.Fatalf("breaker %s after a failed probe; want open", s)
		}
		get(t, context.Background(), c, "/x")
		if f.count() != before+1 {
			t.Errorf("a call reached the agency right after the failed probe")
		}
	})
}

// While the probe is out, other calls fail at once.
func TestBreakerHalfOpenLetsOneProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		entered := make(chan struct{}, 1)
		release := make(chan struct{})
		f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
			if n == 1 {
				return answer(r, 503, ""), nil
			}
			entered <- struct{}{}
			<-release
			return answer(r, 200, "{}"), nil
		}}
		cfg := breakerConfig(1, 10*time.Second)
		cfg.Retries = 0
		c := newTestClient(t, cfg, Options{Transport: f.transport()})
		tripAndWaitHalfOpen(t, c)

		probe := make(chan error, 1)
		go func() {
			_, err := get(t, context.Background(), c, "/x")
			probe <- err
		}()
		<-entered
		_, err := get(t, context.Background(), c, "/x")
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if !errors.Is(err, gobreaker.ErrTooManyRequests) {
			t.Errorf("second call during the probe: %v; want gobreaker.ErrTooManyRequests", err)
		}
		close(release)
		if err := <-probe; err != nil {
			t.Fatalf("probe: %v", err)
		}
		if f.count() != 2 || c.BreakerState() != "closed" {
			t.Errorf("%d attempts, breaker %s; want 2, closed", f.count(), c.BreakerState())
		}
	})
}

func TestBreakerIgnoresCallerCancellation(t *testing.T) {
	entered := make(chan struct{}, 1)
	f := &fakeBase{fn: hang(entered)}
	cfg := breakerConfig(1, time.Hour)
	c := newTestClient(t, cfg, Options{Transport: f.transport()})

	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := get(t, ctx, c, "/x")
			done <- err
		}()
		<-entered
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v; want context.Canceled", err)
		}
	}
	if s := c.BreakerState(); s != "closed" {
		t.Errorf("breaker %s after cancelled calls; a caller giving up is not the agency failing", s)
	}
	if f.count() != 3 {
		t.Errorf("%d attempts; a cancelled call is not retried", f.count())
	}
}

func TestBreakerCountsTimeouts(t *testing.T) {
	f := &fakeBase{fn: hang(nil)}
	cfg := breakerConfig(1, time.Hour)
	cfg.Timeout = 30 * time.Millisecond
	cfg.AttemptTimeout = 30 * time.Millisecond
	c := newTestClient(t, cfg, Options{Transport: f.transport()})
	_, err := get(t, context.Background(), c, "/x")
	wantCode(t, err, sp.CodeAgencyTimeout)
	if s := c.BreakerState(); s != "open" {
		t.Errorf("breaker %s after a timed-out call; want open", s)
	}
}

// --- bulkhead ---

func TestBulkhead(t *testing.T) {
	entered := make(chan struct{}, 2)
	release := make(chan struct{})
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		if n <= 2 {
			entered <- struct{}{}
			<-release
		}
		return answer(r, 200, "{}"), nil
	}}
	cfg := breakerConfig(1, time.Hour)
	cfg.MaxConcurrent = 2
	c := newTestClient(t, cfg, Options{Transport: f.transport()})

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := get(t, context.Background(), c, "/x"); err != nil {
				t.Errorf("blocked call: %v", err)
			}
		})
	}
	<-entered
	<-entered
	_, err := get(t, context.Background(), c, "/x")
	e := wantCode(t, err, sp.CodeAgencyUnavailable)
	if !errors.Is(err, errBulkheadFull) {
		t.Errorf("error %v; want the bulkhead's", e)
	}
	if f.count() != 2 {
		t.Errorf("%d calls reached the agency; the third must not", f.count())
	}
	close(release)
	wg.Wait()

	if _, err := get(t, context.Background(), c, "/x"); err != nil {
		t.Errorf("after the calls finished: %v; want calls to go through again", err)
	}
	if c.BreakerState() != "closed" {
		t.Errorf("breaker %s; a bulkhead rejection is no agency failure", c.BreakerState())
	}
}

// Over real HTTP too, a caller hanging up mid-call neither trips the
// breaker nor counts as an agency error.
func TestCancellationOverHTTP(t *testing.T) {
	entered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	m := NewMetrics(prometheus.NewRegistry())
	cfg := breakerConfig(1, time.Hour)
	cfg.BaseURL = srv.URL
	c := newTestClient(t, cfg, Options{Metrics: m})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := get(t, ctx, c, "/x")
		done <- err
	}()
	<-entered
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want context.Canceled", err)
	}
	if s := c.BreakerState(); s != "closed" {
		t.Errorf("breaker %s; want closed", s)
	}
	a := string(testAgency)
	if got := metricValue(t, m.calls.WithLabelValues(a, "cancelled")); got != 1 {
		t.Errorf("cancelled calls %v; want 1", got)
	}
	if n := seriesCount(m.errs); n != 0 {
		t.Errorf("%d error series after a cancelled call; want none", n)
	}
}

// Two agencies behind one host, each with a busy wave of calls: the second
// wave reuses the first wave's connections instead of redialling (the
// default pool keeps 100 idle in all).
func TestSharedTransportKeepsEveryAgencysConnections(t *testing.T) {
	var dials sync.WaitGroup
	var mu sync.Mutex
	conns := 0
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dials.Done()
		<-release
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	cfg := Defaults()
	cfg.MaxConcurrent = 150
	tr := NewTransport(map[sp.Agency]Config{sp.AgencyPolice: cfg, sp.AgencySocial: cfg})
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	const inFlight = 300 // both agencies' bulkheads full
	for wave := range 2 {
		dials.Add(inFlight)
		var done sync.WaitGroup
		for range inFlight {
			done.Go(func() {
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		dials.Wait() // all in flight at once
		release <- struct{}{}
		for range inFlight - 1 {
			release <- struct{}{}
		}
		done.Wait()
		mu.Lock()
		if conns != inFlight {
			t.Errorf("after wave %d: %d connections dialled, want %d (idle ones were closed)", wave+1, conns, inFlight)
		}
		mu.Unlock()
	}
}
