package agency

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
)

// testAgency is the agency every test client calls.
const testAgency = sp.AgencyDukcapil

// testConfig is a valid configuration with quick backoffs and a breaker
// that does not reopen by itself during a test.
func testConfig() Config {
	cfg := Defaults()
	cfg.BaseURL = "http://agency.test/api"
	cfg.Timeout = 10 * time.Second
	cfg.AttemptTimeout = 5 * time.Second
	cfg.BackoffBase = time.Millisecond
	cfg.BackoffMax = 2 * time.Millisecond
	cfg.BreakerOpenFor = time.Hour
	return cfg
}

func newTestClient(t *testing.T, cfg Config, opts Options) *Client {
	t.Helper()
	c, err := New(testAgency, cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// fakeBase is a base transport answering with fn and counting its calls.
type fakeBase struct {
	calls atomic.Int32
	fn    func(n int, r *http.Request) (*http.Response, error)
}

func (f *fakeBase) transport() http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return f.fn(int(f.calls.Add(1)), r)
	})
}

func (f *fakeBase) count() int { return int(f.calls.Load()) }

// answer builds a response; hdr is name, value pairs.
func answer(r *http.Request, status int, body string, hdr ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Header: h,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// statuses answers the n-th call with codes[n-1], the last code after that.
func statuses(codes ...int) func(int, *http.Request) (*http.Response, error) {
	return func(n int, r *http.Request) (*http.Response, error) {
		code := codes[min(n, len(codes))-1]
		return answer(r, code, "{}"), nil
	}
}

// hang blocks until the attempt's context ends, telling entered first.
func hang(entered chan<- struct{}) func(int, *http.Request) (*http.Response, error) {
	return func(_ int, r *http.Request) (*http.Response, error) {
		if entered != nil {
			entered <- struct{}{}
		}
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
}

// get sends a GET of path through c.Do.
func get(t *testing.T, ctx context.Context, c *Client, path string) (*http.Response, error) {
	t.Helper()
	return send(t, ctx, c, http.MethodGet, path)
}

func send(t *testing.T, ctx context.Context, c *Client, method, path string) (*http.Response, error) {
	t.Helper()
	req, err := c.NewRequest(ctx, method, path, nil)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	return c.Do(req)
}

// wantCode fails unless err is an *sp.Error of this client's agency with code.
func wantCode(t *testing.T, err error, code sp.ErrorCode) *sp.Error {
	t.Helper()
	var e *sp.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T); want an *sp.Error with code %s", err, err, code)
	}
	if e.Code != code || e.Agency != testAgency {
		t.Fatalf("error %v: code %s agency %q; want %s from %q", err, e.Code, e.Agency, code, testAgency)
	}
	return e
}

// newClock is a controllable Options.Now.
func newClock() *testkit.Clock { return testkit.NewClock(time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)) }

// metricValue is the value of the one counter or gauge c holds. (It does
// what prometheus/testutil.ToFloat64 does: testutil needs a module go.mod
// does not list.)
func metricValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 8)
	c.Collect(ch)
	close(ch)
	var got []float64
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatalf("metric: %v", err)
		}
		switch {
		case pb.Counter != nil:
			got = append(got, pb.Counter.GetValue())
		case pb.Gauge != nil:
			got = append(got, pb.Gauge.GetValue())
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d counters or gauges collected; want 1", len(got))
	}
	return got[0]
}

// seriesCount is how many series c holds.
func seriesCount(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric, 64)
	c.Collect(ch)
	close(ch)
	return len(ch)
}
