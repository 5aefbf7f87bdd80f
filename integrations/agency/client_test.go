package agency

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	sp "github.com/satupintu/satupintu"
)

// nikPath is a path that carries a NIK, as agency paths do.
const (
	testNIK = "3171010101900001"
	nikPath = "/citizens/" + testNIK + "?nik=" + testNIK
)

func TestNewRequestJoinsBaseAndPath(t *testing.T) {
	cfg := testConfig()
	cfg.BaseURL = "https://agency.test/api/v2/"
	c := newTestClient(t, cfg, Options{})
	for path, want := range map[string]string{
		"/citizens/1?x=y": "https://agency.test/api/v2/citizens/1?x=y",
		"citizens/1":      "https://agency.test/api/v2/citizens/1",
		"/a%2Fb":          "https://agency.test/api/v2/a%2Fb",
		// Only the path of an absolute URL is used: no call leaves for another host.
		"https://evil.test/steal": "https://agency.test/api/v2/steal",
	} {
		req, err := c.NewRequest(context.Background(), http.MethodGet, path, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if got := req.URL.String(); got != want {
			t.Errorf("NewRequest(%q) = %s; want %s", path, got, want)
		}
	}
}

func TestDoErrors(t *testing.T) {
	t.Run("5xx after retries", func(t *testing.T) {
		f := &fakeBase{fn: statuses(500)}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		_, err := get(t, context.Background(), c, nikPath)
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if f.count() != 3 {
			t.Errorf("%d attempts; want 3", f.count())
		}
	})
	t.Run("429 after retries", func(t *testing.T) {
		f := &fakeBase{fn: statuses(429)}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		_, err := get(t, context.Background(), c, nikPath)
		wantCode(t, err, sp.CodeAgencyUnavailable)
	})
	t.Run("timeout", func(t *testing.T) {
		f := &fakeBase{fn: hang(nil)}
		cfg := testConfig()
		cfg.Timeout = 60 * time.Millisecond
		cfg.AttemptTimeout = 20 * time.Millisecond
		c := newTestClient(t, cfg, Options{Transport: f.transport()})
		_, err := get(t, context.Background(), c, nikPath)
		wantCode(t, err, sp.CodeAgencyTimeout)
	})
	t.Run("caller deadline", func(t *testing.T) {
		f := &fakeBase{fn: hang(nil)}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := get(t, ctx, c, nikPath)
		wantCode(t, err, sp.CodeAgencyTimeout)
	})
	t.Run("transport error", func(t *testing.T) {
		boom := errors.New("connection refused")
		f := &fakeBase{fn: func(int, *http.Request) (*http.Response, error) { return nil, boom }}
		c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
		_, err := get(t, context.Background(), c, nikPath)
		wantCode(t, err, sp.CodeAgencyUnavailable)
		if !errors.Is(err, boom) {
			t.Errorf("error %v; want the cause kept for the log", err)
		}
	})
}

// zeros is an endless body.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestDoBodyLimit(t *testing.T) {
	body := func(n int64) *fakeBase {
		return &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
			resp := answer(r, 200, "")
			resp.Body = io.NopCloser(io.LimitReader(zeros{}, n))
			resp.ContentLength = -1
			return resp, nil
		}}
	}
	f := body(MaxBody)
	c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
	resp, err := get(t, context.Background(), c, nikPath)
	if err != nil {
		t.Fatalf("a body of exactly MaxBody: %v", err)
	}
	if n, _ := io.Copy(io.Discard, resp.Body); n != MaxBody {
		t.Errorf("read %d bytes; want %d", n, MaxBody)
	}

	f = body(MaxBody + 1)
	c = newTestClient(t, testConfig(), Options{Transport: f.transport()})
	_, err = get(t, context.Background(), c, nikPath)
	wantCode(t, err, sp.CodeAgencyBadResponse)
	if f.count() != 1 {
		t.Errorf("%d attempts; an oversized answer is not worth a retry", f.count())
	}
}

// A body that breaks off mid-way is the connection failing: retried, and
// unavailable if it keeps happening.
func TestDoBrokenBody(t *testing.T) {
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		resp := answer(r, 200, "")
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"a":`), errReader{io.ErrUnexpectedEOF}))
		return resp, nil
	}}
	c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
	_, err := get(t, context.Background(), c, nikPath)
	wantCode(t, err, sp.CodeAgencyUnavailable)
	if f.count() != 3 {
		t.Errorf("%d attempts; want 3", f.count())
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Agency paths carry NIKs and errors end up in logs: no error names the URL.
func TestErrorsNeverCarryTheURL(t *testing.T) {
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hanging.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	check := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		if strings.Contains(err.Error(), testNIK) {
			t.Errorf("%s: error names the NIK: %v", name, err)
		}
	}
	real := func(base string, timeout time.Duration) *Client {
		cfg := testConfig()
		cfg.BaseURL = base
		cfg.Timeout, cfg.AttemptTimeout = timeout, timeout
		cfg.Retries = 0
		return newTestClient(t, cfg, Options{})
	}
	_, err := get(t, context.Background(), real(closedURL, time.Second), nikPath)
	check("connection refused", err)
	wantCode(t, err, sp.CodeAgencyUnavailable)
	_, err = get(t, context.Background(), real(hanging.URL, 30*time.Millisecond), nikPath)
	check("timeout", err)
	wantCode(t, err, sp.CodeAgencyTimeout)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = get(t, ctx, real(hanging.URL, time.Second), nikPath)
	check("cancelled", err)

	for name, fn := range map[string]func(int, *http.Request) (*http.Response, error){
		"503": statuses(503),
		"transport error": func(_ int, r *http.Request) (*http.Response, error) {
			return nil, errors.New("dial failed")
		},
		"oversized": func(_ int, r *http.Request) (*http.Response, error) {
			resp := answer(r, 200, "")
			resp.Body = io.NopCloser(io.LimitReader(zeros{}, MaxBody+1))
			return resp, nil
		},
	} {
		f := &fakeBase{fn: fn}
		c := newTestClient(t, breakerConfig(1, time.Hour), Options{Transport: f.transport()})
		_, err := get(t, context.Background(), c, nikPath)
		check(name, err)
		_, err = get(t, context.Background(), c, nikPath)
		check(name+", breaker open", err)
	}
}

// Agencies do not redirect; following one would send the API key and the
// NIK-bearing path wherever the agency points.
func TestDoDoesNotFollowRedirects(t *testing.T) {
	other := make(chan string, 1)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other <- r.Header.Get("X-Api-Key")
	}))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.BaseURL = srv.URL
	c := newTestClient(t, cfg, Options{})
	var v map[string]any
	found, err := c.GetJSON(context.Background(), nikPath, "secret-key", &v)
	wantCode(t, err, sp.CodeAgencyBadResponse)
	if found {
		t.Error("found after a redirect")
	}
	select {
	case key := <-other:
		t.Errorf("the redirect was followed (API key %q sent elsewhere)", key)
	default:
	}
}

func TestDoJSON(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   int
		code   sp.ErrorCode // "" for no error
		value  string
	}{
		{"ok", 200, `{"name":"Budi"}`, 200, "", "Budi"},
		{"not found", 404, `{"error":{"code":"NOT_FOUND"}}`, 404, "", ""},
		{"not found, any body", 404, `<html>`, 404, "", ""},
		{"malformed", 200, `{"name":`, 200, sp.CodeAgencyBadResponse, ""},
		{"unauthorized", 401, ``, 401, sp.CodeAgencyRejected, ""},
		{"forbidden", 403, ``, 403, sp.CodeAgencyRejected, ""},
		{"teapot", 418, ``, 418, sp.CodeAgencyBadResponse, ""},
		{"unavailable", 503, ``, 0, sp.CodeAgencyUnavailable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
				return answer(r, tc.status, tc.body), nil
			}}
			c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
			req, _ := c.NewRequest(context.Background(), http.MethodGet, nikPath, nil)
			var v struct{ Name string }
			status, err := c.DoJSON(req, &v)
			if status != tc.want {
				t.Errorf("status %d; want %d", status, tc.want)
			}
			if tc.code == "" {
				if err != nil {
					t.Errorf("error %v; want none", err)
				}
			} else {
				wantCode(t, err, tc.code)
			}
			if v.Name != tc.value {
				t.Errorf("decoded %q; want %q", v.Name, tc.value)
			}
		})
	}
}

func TestGetJSON(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		found  bool
		code   sp.ErrorCode
	}{
		{"ok", 200, `{"name":"Budi"}`, true, ""},
		{"unknown citizen", 404, `{"error":{"code":"NOT_FOUND","message":"no such citizen"}}`, false, ""},
		{"404 of another kind", 404, `{"error":{"code":"ROUTE_NOT_FOUND"}}`, false, sp.CodeAgencyBadResponse},
		{"404 without a body", 404, ``, false, sp.CodeAgencyBadResponse},
		{"404 as html", 404, `<html>not found</html>`, false, sp.CodeAgencyBadResponse},
		{"malformed", 200, `{`, true, sp.CodeAgencyBadResponse},
		{"bad request", 400, `{"error":{"code":"INVALID_NIK"}}`, false, sp.CodeAgencyRejected},
		{"unauthorized", 401, `{"error":{"code":"UNAUTHORIZED"}}`, false, sp.CodeAgencyRejected},
		{"forbidden", 403, ``, false, sp.CodeAgencyRejected},
		{"unavailable", 503, ``, false, sp.CodeAgencyUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var h http.Header
			f := &fakeBase{fn: func(_ int, r *http.Request) (*http.Response, error) {
				h = r.Header.Clone()
				return answer(r, tc.status, tc.body), nil
			}}
			c := newTestClient(t, testConfig(), Options{Transport: f.transport()})
			var v struct{ Name string }
			found, err := c.GetJSON(context.Background(), nikPath, "k-123", &v)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("error %v; want none", err)
				}
			} else {
				wantCode(t, err, tc.code)
			}
			if tc.code == "" && found != tc.found {
				t.Errorf("found %v; want %v", found, tc.found)
			}
			if tc.found && tc.code == "" && v.Name != "Budi" {
				t.Errorf("decoded %+v", v)
			}
			if h.Get("X-Api-Key") != "k-123" || h.Get("Accept") != "application/json" {
				t.Errorf("headers %v; want X-Api-Key and Accept: application/json", h)
			}
		})
	}
}

func TestNewRefusesBadSetups(t *testing.T) {
	if _, err := New(testAgency, Config{}, Options{}); err == nil {
		t.Error("New accepted an empty config")
	}
	if _, err := New(testAgency, testConfig(), Options{Cache: newMapCache(), CacheTimeout: time.Second}); err == nil {
		t.Error("New accepted a cache without a cache key")
	}
	if _, err := New(testAgency, testConfig(), Options{Cache: newMapCache(), CacheKey: []byte("k")}); err == nil {
		t.Error("New accepted a cache without a cache timeout")
	}
}

func TestValidateReportsEverything(t *testing.T) {
	if err := testConfig().Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	bad := Config{
		BaseURL: "ftp://x", Timeout: -1, AttemptTimeout: 0, Retries: 11,
		BackoffBase: 0, BackoffMax: -1, BreakerFailures: 0, BreakerOpenFor: 0,
		MaxConcurrent: 0, DefaultTTL: -1, TTL: map[string]time.Duration{"family": -time.Second},
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("Validate accepted a config with every field wrong")
	}
	for _, want := range []string{"base URL", "timeout must", "attempt timeout", "retries", "backoff",
		"breaker failures", "breaker open", "max concurrent", "TTLs must not", "TTL of family"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q:\n%v", want, err)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 10 {
		t.Errorf("%d problems reported; want 10:\n%v", n, err)
	}

	for name, mutate := range map[string]func(*Config){
		"relative URL":             func(c *Config) { c.BaseURL = "/api" },
		"attempt over the timeout": func(c *Config) { c.AttemptTimeout = c.Timeout + 1 },
		"backoff max under base":   func(c *Config) { c.BackoffMax = c.BackoffBase - 1 },
		"negative retries":         func(c *Config) { c.Retries = -1 },
		"negative stale allowance": func(c *Config) { c.StaleFor = -1 },
		"zero concurrency":         func(c *Config) { c.MaxConcurrent = 0 },
		"zero breaker open period": func(c *Config) { c.BreakerOpenFor = 0 },
		"zero breaker failures":    func(c *Config) { c.BreakerFailures = 0 },
		"zero attempt timeout":     func(c *Config) { c.AttemptTimeout = 0 },
		"negative per-kind TTL":    func(c *Config) { c.TTL = map[string]time.Duration{"x": -1} },
		"URL without host":         func(c *Config) { c.BaseURL = "http://" },
		"unparseable URL":          func(c *Config) { c.BaseURL = "http://[::1" },
		"zero backoff base":        func(c *Config) { c.BackoffBase = 0 },
		"retries over the ceiling": func(c *Config) { c.Retries = 11 },
		"zero timeout":             func(c *Config) { c.Timeout = 0 },
		"negative default TTL":     func(c *Config) { c.DefaultTTL = -1 },
		"empty URL":                func(c *Config) { c.BaseURL = "" },
		"backoff max zero":         func(c *Config) { c.BackoffMax = 0 },
		"attempt timeout negative": func(c *Config) { c.AttemptTimeout = -1 },
		"concurrency negative":     func(c *Config) { c.MaxConcurrent = -5 },
		"breaker open negative":    func(c *Config) { c.BreakerOpenFor = -time.Second },
		"https URL without host":   func(c *Config) { c.BaseURL = "https://" },
	} {
		c := testConfig()
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDefaultsAndTTL(t *testing.T) {
	d := Defaults()
	d.BaseURL = "https://agency.test"
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults with a base URL: %v", err)
	}
	d.TTL = map[string]time.Duration{"family": time.Hour, "none": 0}
	if d.TTLFor("family") != time.Hour || d.TTLFor("none") != 0 || d.TTLFor("other") != d.DefaultTTL {
		t.Errorf("TTLFor: %s %s %s", d.TTLFor("family"), d.TTLFor("none"), d.TTLFor("other"))
	}
}

// --- metrics ---

func TestMetricsCalls(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	f := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		switch {
		case n <= 2: // call 1: 503, 200 (one retry)
			return answer(r, []int{503, 200}[n-1], "{}"), nil
		case n <= 5: // call 2: 503 ×3
			return answer(r, 503, ""), nil
		default: // call 3: transport errors
			return nil, errors.New("reset")
		}
	}}
	cfg := breakerConfig(2, time.Hour)
	c := newTestClient(t, cfg, Options{Transport: f.transport(), Metrics: m})
	a := string(testAgency)
	if got := metricValue(t, m.breaker.WithLabelValues(a)); got != 0 {
		t.Errorf("breaker gauge %v at start; want 0 (closed)", got)
	}
	get(t, context.Background(), c, "/x")
	get(t, context.Background(), c, "/x")
	get(t, context.Background(), c, "/x") // opens the breaker
	get(t, context.Background(), c, "/x") // refused by it

	for _, tc := range []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"requests ok", m.calls.WithLabelValues(a, "ok"), 1},
		{"requests error", m.calls.WithLabelValues(a, "error"), 3},
		{"errors HTTP_503", m.errs.WithLabelValues(a, "HTTP_503"), 1},
		{"errors unavailable", m.errs.WithLabelValues(a, string(sp.CodeAgencyUnavailable)), 2},
		{"attempts", m.attempts.WithLabelValues(a), 8},
		{"retries", m.retries.WithLabelValues(a), 5},
		{"breaker open", m.breaker.WithLabelValues(a), 2},
	} {
		if got := metricValue(t, tc.c); got != tc.want {
			t.Errorf("%s = %v; want %v", tc.name, got, tc.want)
		}
	}
	if n := seriesCount(m.latency); n != 1 {
		t.Errorf("%d latency series; want 1", n)
	}
}

func TestMetricsBreakerGauge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := NewMetrics(prometheus.NewRegistry())
		f := &fakeBase{fn: statuses(503, 200)}
		cfg := breakerConfig(1, 10*time.Second)
		cfg.Retries = 0
		c := newTestClient(t, cfg, Options{Transport: f.transport(), Metrics: m})
		gauge := func() float64 { return metricValue(t, m.breaker.WithLabelValues(string(testAgency))) }
		tripAndWaitHalfOpen(t, c)
		if gauge() != 1 {
			t.Errorf("breaker gauge %v when half-open; want 1", gauge())
		}
		if _, err := get(t, context.Background(), c, "/x"); err != nil {
			t.Fatal(err)
		}
		if gauge() != 0 {
			t.Errorf("breaker gauge %v when closed again; want 0", gauge())
		}
	})
}

func TestMetricsTimeout(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	f := &fakeBase{fn: hang(nil)}
	cfg := testConfig()
	cfg.Timeout, cfg.AttemptTimeout, cfg.Retries = 20*time.Millisecond, 20*time.Millisecond, 0
	c := newTestClient(t, cfg, Options{Transport: f.transport(), Metrics: m})
	get(t, context.Background(), c, "/x")
	if got := metricValue(t, m.errs.WithLabelValues(string(testAgency), string(sp.CodeAgencyTimeout))); got != 1 {
		t.Errorf("timeouts counted %v; want 1", got)
	}
}

func TestMetricsNilIsSilent(t *testing.T) {
	var m *Metrics
	m.call(testAgency, 0, nil, errors.New("x"))
	m.attempt(testAgency)
	m.retried(testAgency)
	m.cacheResult(testAgency, "hit")
	m.failure(testAgency, sp.CodeAgencyBadResponse)
}

func TestRetryAfterOfAFailedCall(t *testing.T) {
	base := &fakeBase{fn: func(n int, r *http.Request) (*http.Response, error) {
		return answer(r, http.StatusTooManyRequests, "", "Retry-After", "7"), nil
	}}
	c := newTestClient(t, testConfig(), Options{Transport: base.transport()})
	req, _ := c.NewRequest(context.Background(), http.MethodPost, "/x", nil)
	_, err := c.Do(req)
	if got := RetryAfterOf(err); got != 7*time.Second {
		t.Errorf("RetryAfterOf = %s (err %v), want 7s", got, err)
	}
	if RetryAfterOf(errors.New("other")) != 0 {
		t.Error("RetryAfterOf of an unrelated error is not 0")
	}
}
