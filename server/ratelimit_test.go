package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/prometheus/client_golang/prometheus"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/graph/exec"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/store/memory"
)

// stubVerifier accepts "tok-<nik>" for the citizen <nik>. The real
// verifier is tested in auth/ and end to end in cmd/satupintu.
type stubVerifier struct{}

func (stubVerifier) Verify(ctx context.Context, raw string) (auth.Principal, error) {
	nik, ok := strings.CutPrefix(raw, "tok-")
	if !ok {
		return auth.Principal{}, sp.Errorf(sp.CodeUnauthenticated, "invalid token")
	}
	return auth.Principal{NIK: sp.NIK(nik), Subject: nik, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

const (
	nikA = "3174000000000001"
	nikB = "3174000000000002"
)

// newClock is the rate limiter's clock, moved by the test.
func newClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC))
}

// serve starts the whole HTTP surface over loopback with d's settings and
// a real schema (the operations here need no agency).
func serve(t *testing.T, d server.Deps) *httptest.Server {
	t.Helper()
	if d.Schema == nil {
		res := &resolvers.Resolver{Now: time.Now}
		d.Schema = exec.NewExecutableSchema(exec.Config{Resolvers: res})
		d.Extensions = append(d.Extensions, res.Extension())
	}
	if d.Verifier == nil {
		d.Verifier = stubVerifier{}
	}
	if d.Limits == (server.Limits{}) {
		d.Limits = server.DefaultLimits()
	}
	srv := httptest.NewServer(server.NewServer(d))
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	Status int
	Header http.Header
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (a answer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}

// post sends body (a query text or a JSON object) to /graphql as the
// citizen nik ("" for none), with header pairs.
func post(t *testing.T, url, nik string, body any, header ...string) answer {
	t.Helper()
	if q, ok := body.(string); ok {
		body = map[string]any{"query": q}
	}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if nik != "" {
		req.Header.Set("Authorization", "Bearer tok-"+nik)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s %s: %d, body not JSON: %q", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return a
}

func wantOK(t *testing.T, a answer, what string) {
	t.Helper()
	if a.Status != http.StatusOK || len(a.Errors) > 0 || a.Data["__typename"] != "Query" {
		t.Fatalf("%s: HTTP %d, %+v; want 200 with data", what, a.Status, a)
	}
}

func wantLimited(t *testing.T, a answer, retryAfter int, what string) {
	t.Helper()
	if a.Status != http.StatusTooManyRequests || a.code() != "RATE_LIMITED" {
		t.Fatalf("%s: HTTP %d, %+v; want 429 RATE_LIMITED", what, a.Status, a)
	}
	if got := a.Header.Get("Retry-After"); got != strconv.Itoa(retryAfter) {
		t.Errorf("%s: Retry-After %q, want %d", what, got, retryAfter)
	}
	if got, _ := a.Errors[0].Extensions["retryAfter"].(float64); int(got) != retryAfter {
		t.Errorf("%s: extensions.retryAfter %v, want %d", what, a.Errors[0].Extensions["retryAfter"], retryAfter)
	}
	if a.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: Content-Type %q", what, a.Header.Get("Content-Type"))
	}
}

// Per IP: over the limit, 429 with Retry-After in whole seconds rounded
// up, counted before authentication; allowed again once refilled.
func TestRateLimitPerIP(t *testing.T) {
	clk := newClock()
	srv := serve(t, server.Deps{RateLimits: server.RateLimits{
		Limiter: memory.NewLimiter(100, memory.WithNow(clk.Now)),
		IP:      ratelimit.Limit{Rate: 2, Period: time.Minute, Burst: 2}, // one every 30s
	}})
	wantOK(t, post(t, srv.URL, nikA, "{ __typename }"), "request 1")
	wantOK(t, post(t, srv.URL, nikB, "{ __typename }"), "request 2, another citizen")
	// No token: the IP limit answers before authentication does.
	wantLimited(t, post(t, srv.URL, "", "{ __typename }"), 30, "request 3 without a token")
	clk.Advance(500 * time.Millisecond)
	wantLimited(t, post(t, srv.URL, nikA, "{ __typename }"), 30, "29.5s to wait") // rounded up
	clk.Advance(29500 * time.Millisecond)
	wantOK(t, post(t, srv.URL, nikA, "{ __typename }"), "after 30s")
	wantLimited(t, post(t, srv.URL, nikA, "{ __typename }"), 30, "right after")

	r := post(t, srv.URL, nikA, "{ __typename }", "Accept-Language", "en")
	if !strings.Contains(r.Errors[0].Message, "Too many requests") {
		t.Errorf("English message = %q", r.Errors[0].Message)
	}
	r = post(t, srv.URL, nikA, "{ __typename }")
	if !strings.Contains(r.Errors[0].Message, "Terlalu banyak permintaan") {
		t.Errorf("Indonesian (default) message = %q", r.Errors[0].Message)
	}
}

// X-Forwarded-For names the client only when the proxy in front is
// trusted to set it.
func TestRateLimitClientIP(t *testing.T) {
	limit := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	t.Run("TrustProxyHeaders", func(t *testing.T) {
		srv := serve(t, server.Deps{TrustProxyHeaders: true,
			RateLimits: server.RateLimits{Limiter: memory.NewLimiter(100), IP: limit}})
		wantOK(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "203.0.113.7, 10.0.0.1"), "client 1")
		wantOK(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "203.0.113.8, 10.0.0.1"), "client 2, same proxy")
		wantLimited(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "203.0.113.7"), 3600, "client 1 again")
		// One IPv6 device holds a /64: its addresses count together.
		wantOK(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "2001:db8:1:2::1"), "IPv6 client")
		wantLimited(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "2001:db8:1:2:ffff::9"), 3600, "same /64")
		wantOK(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "2001:db8:1:3::1"), "another /64")
	})
	t.Run("Untrusted", func(t *testing.T) {
		srv := serve(t, server.Deps{RateLimits: server.RateLimits{Limiter: memory.NewLimiter(100), IP: limit}})
		wantOK(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "203.0.113.7"), "first")
		wantLimited(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "203.0.113.8"), 3600,
			"a forged X-Forwarded-For from the same peer")
	})
}

// recordingLimiter remembers the keys it was asked about.
type recordingLimiter struct {
	ratelimit.Limiter
	mu   sync.Mutex
	keys []string
}

func (r *recordingLimiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	r.mu.Lock()
	r.keys = append(r.keys, key)
	r.mu.Unlock()
	return r.Limiter.Allow(ctx, key, l)
}

// Per citizen: the limit follows the citizen across addresses and does
// not touch another citizen at the same address; keys name neither the
// NIK nor the address.
func TestRateLimitPerCitizen(t *testing.T) {
	rec := &recordingLimiter{Limiter: memory.NewLimiter(100)}
	srv := serve(t, server.Deps{TrustProxyHeaders: true, RateLimits: server.RateLimits{
		Limiter: rec,
		Citizen: ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 3},
		IP:      ratelimit.Limit{Rate: 100, Period: time.Minute, Burst: 100},
	}})
	for i, ip := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		wantOK(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", ip), "citizen A, request "+strconv.Itoa(i+1))
	}
	wantLimited(t, post(t, srv.URL, nikA, "{ __typename }", "X-Forwarded-For", "203.0.113.4"), 60, "citizen A from a fourth address")
	wantOK(t, post(t, srv.URL, nikB, "{ __typename }", "X-Forwarded-For", "203.0.113.1"), "citizen B at A's first address")

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.keys) != 10 { // 5 requests, each per IP and per citizen
		t.Errorf("%d limiter calls, want 10: %v", len(rec.keys), rec.keys)
	}
	for _, k := range rec.keys {
		if strings.Contains(k, nikA) || strings.Contains(k, nikB) || strings.Contains(k, "203.0.113") {
			t.Errorf("limiter key %q names a NIK or an address", k)
		}
	}
}

// Only /graphql is limited: health, metrics, the agency webhook, the
// operators' and the dev endpoints are not.
func TestRateLimitExemptRoutes(t *testing.T) {
	stub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) })
	srv := serve(t, server.Deps{
		RateLimits: server.RateLimits{Limiter: memory.NewLimiter(100),
			IP:      ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1},
			Citizen: ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}},
		Metrics: prometheus.NewRegistry(),
		Dev:     &server.DevTools{Citizens: stub, Token: stub},
		Webhook: &server.Webhook{Secrets: func(sp.Agency) [][]byte { return nil }, Verifier: signature.NewVerifier(time.Now, memory.NewReplayGuard(1<<10))},
		Admin:   &server.Admin{},
	})
	wantOK(t, post(t, srv.URL, nikA, "{ __typename }"), "the one /graphql request allowed")
	wantLimited(t, post(t, srv.URL, nikA, "{ __typename }"), 3600, "the second")
	for range 3 {
		for _, r := range []struct{ method, path string }{
			{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"},
			{"GET", "/dev/citizens"}, {"POST", "/dev/token"},
			{"POST", "/agency/v1/cases/c1/events"}, {"GET", "/admin/outbox"},
		} {
			req, _ := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
				t.Errorf("%s %s: HTTP %d; want it unlimited", r.method, r.path, resp.StatusCode)
			}
		}
	}
}

// failingLimiter is a limiter whose store is down.
type failingLimiter struct{}

func (failingLimiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
}

// A failing limiter lets requests through, warns at most once per 10s and
// counts each pass in the metrics.
func TestRateLimitFailsOpen(t *testing.T) {
	clk := newClock()
	logs := &testkit.SyncBuffer{}
	reg := prometheus.NewRegistry()
	srv := serve(t, server.Deps{
		Logger:  slog.New(slog.NewJSONHandler(logs, nil)),
		Now:     clk.Now,
		Metrics: reg,
		RateLimits: server.RateLimits{Limiter: failingLimiter{}, Metrics: server.NewRateLimitMetrics(reg),
			IP:      ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1},
			Citizen: ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}},
	})
	warnings := func() int { return strings.Count(logs.String(), "rate limiter failed") }
	for i := range 5 {
		wantOK(t, post(t, srv.URL, nikA, "{ __typename }"), "request "+strconv.Itoa(i+1)+" with the limiter down")
	}
	if n := warnings(); n != 1 {
		t.Errorf("%d warnings for 5 requests within 10s; want 1", n)
	}
	clk.Advance(10 * time.Second)
	wantOK(t, post(t, srv.URL, nikA, "{ __typename }"), "10s later")
	if n := warnings(); n != 2 {
		t.Errorf("%d warnings after 10s; want 2", n)
	}
	if strings.Contains(logs.String(), nikA) {
		t.Error("the log holds the NIK")
	}

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`satupintu_rate_limit_decisions_total{limit="ip",result="failed_open"} 6`,
		`satupintu_rate_limit_decisions_total{limit="citizen",result="failed_open"} 6`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// hangingLimiter answers only when its caller gives up.
type hangingLimiter struct{}

func (hangingLimiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	<-ctx.Done()
	return ratelimit.Decision{}, ctx.Err()
}

// A limiter that hangs costs a request its Timeout, not more.
func TestRateLimitSlowLimiterFailsOpen(t *testing.T) {
	srv := serve(t, server.Deps{RateLimits: server.RateLimits{Limiter: hangingLimiter{}, Timeout: 50 * time.Millisecond,
		IP: ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}}})
	start := time.Now()
	wantOK(t, post(t, srv.URL, nikA, "{ __typename }"), "with the limiter hanging")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the request took %v; want about the 50ms timeout", d)
	}
}

// A websocket counts once against its IP, at the upgrade, and once against
// its citizen, at connection_init; the operations it carries do not count.
func TestRateLimitWebsocket(t *testing.T) {
	srv := serve(t, server.Deps{RateLimits: server.RateLimits{Limiter: memory.NewLimiter(100),
		IP:      ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 2},
		Citizen: ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/graphql"
	dial := func() *websocket.Conn {
		t.Helper()
		c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	type msg struct {
		Type    string          `json:"type"`
		ID      string          `json:"id,omitempty"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	initAs := func(c *websocket.Conn, nik string) {
		t.Helper()
		payload, _ := json.Marshal(map[string]string{"Authorization": "Bearer tok-" + nik})
		if err := wsjson.Write(ctx, c, msg{Type: "connection_init", Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}

	c := dial() // IP: 1 of 2
	initAs(c, nikA)
	var m msg
	if err := wsjson.Read(ctx, c, &m); err != nil || m.Type != "connection_ack" {
		t.Fatalf("after connection_init: %+v, %v; want connection_ack", m, err)
	}
	for i := range 5 {
		id := strconv.Itoa(i + 1)
		query, _ := json.Marshal(map[string]string{"query": "{ __typename }"})
		if err := wsjson.Write(ctx, c, msg{Type: "subscribe", ID: id, Payload: query}); err != nil {
			t.Fatal(err)
		}
		for done := false; !done; {
			if err := wsjson.Read(ctx, c, &m); err != nil {
				t.Fatalf("operation %s: %v", id, err)
			}
			switch m.Type {
			case "next":
				if !strings.Contains(string(m.Payload), `"__typename":"Query"`) {
					t.Fatalf("operation %s: %s", id, m.Payload)
				}
			case "complete":
				done = true
			case "ping", "pong", "ka":
			default:
				t.Fatalf("operation %s: %+v; want next and complete", id, m)
			}
		}
	}

	// IP: 2 of 2; citizen A: over.
	c2 := dial()
	initAs(c2, nikA)
	for {
		err := wsjson.Read(ctx, c2, &m)
		if err == nil {
			continue // connection_error comes before the close
		}
		if websocket.CloseStatus(err) != 4429 {
			t.Fatalf("second socket of citizen A: %v; want closed with 4429", err)
		}
		break
	}
	// The IP's two requests were the two upgrades.
	wantLimited(t, post(t, srv.URL, nikB, "{ __typename }"), 3600, "an HTTP request after two upgrades")
}
