package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// testApp is a real satupintu in dev mode on a loopback port, with its
// log captured so tests can check what it wrote.
type testApp struct {
	*app
	t    *testing.T
	logs *testkit.SyncBuffer
	// sandboxExt is the sandbox of a production-mode test (outside the app).
	sandboxExt *sim.Sandbox
}

// startApp starts satupintu with env on top of dev defaults.
func startApp(t *testing.T, env map[string]string) *testApp {
	t.Helper()
	return startAppClock(t, env, nil)
}

// startAppClock is startApp on clock (nil: time.Now): the app's clock
// (the documents wallet, the payments, the payment simulators and the job
// queue), which the test moves.
func startAppClock(t *testing.T, env map[string]string, clock *testkit.Clock) *testApp {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	cfg, _, err := loadConfig(getenv, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.Addr = "127.0.0.1:0"
	if clock != nil {
		cfg.clock = clock.Now
	}
	logs := &testkit.SyncBuffer{}
	a, err := start(context.Background(), cfg, newLogger(logs, slog.LevelDebug))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	ta := &testApp{app: a, t: t, logs: logs}
	t.Cleanup(func() {
		// Connections dialed but never used count as active for 5s in
		// Shutdown: close them so the stop is prompt.
		http.DefaultClient.CloseIdleConnections()
		if err := a.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		ta.assertLogsClean()
	})
	return ta
}

// waitQuiet waits until the forward, change and push queues hold no job,
// waiting or in flight: every change is published and notified, and every
// push is sent, given up or dead-lettered. Until the next change nothing
// more is forwarded or pushed, so a test may then count what arrived and
// know that no duplicate is still on its way.
func (ta *testApp) waitQuiet() {
	ta.t.Helper()
	waitDrained(ta.t, testkit.Timeout, ta.app.stores.Jobs)
}

// waitDrained waits until no forward, change or push job is pending,
// waiting or in flight, whichever instance enqueued or runs it. (Polls
// never drain: a polled agency's sweep comes back again and again.)
func waitDrained(t testing.TB, within time.Duration, jobs queue.Admin) {
	t.Helper()
	testkit.WaitWithin(t, within, "the work queues to drain", func() bool {
		for _, kind := range []queue.Kind{queue.Forward, queue.Change, queue.Push} {
			n, err := jobs.Depth(context.Background(), kind)
			if err != nil {
				t.Fatalf("depth of the %s queue: %v", kind.Queue(), err)
			}
			if n > 0 {
				return false
			}
		}
		return true
	})
}

// assertLogsClean fails the test if any seeded NIK or KK reached the log.
func (ta *testApp) assertLogsClean() {
	logs := ta.logs.String()
	for _, p := range seed.New(time.Now()).People {
		if strings.Contains(logs, string(p.NIK)) || strings.Contains(logs, string(p.KK)) {
			ta.t.Errorf("the log holds %s's NIK or KK", p.Name)
		}
	}
}

// token mints an access token for nik through POST /dev/token.
func (ta *testApp) token(nik sp.NIK) string {
	ta.t.Helper()
	resp, err := http.Post(ta.url+"/dev/token", "application/json", strings.NewReader(`{"nik":"`+string(nik)+`"}`))
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 {
		ta.t.Fatalf("POST /dev/token: %d %v", resp.StatusCode, err)
	}
	if tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 || tok.AccessToken == "" {
		ta.t.Fatalf("POST /dev/token answered %+v", tok)
	}
	return tok.AccessToken
}

// gqlError is one entry of errors[].
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Status int
	Header http.Header
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
}

// post sends a GraphQL POST with the given headers.
func (ta *testApp) post(token, query string, vars map[string]any, headers ...string) gqlResponse {
	ta.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return ta.do(req)
}

func (ta *testApp) do(req *http.Request) gqlResponse {
	ta.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := gqlResponse{Status: resp.StatusCode, Header: resp.Header}
	if err := json.Unmarshal(raw, &out); err != nil {
		ta.t.Fatalf("%s %s: %d, body not JSON: %q", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return out
}

// query runs a query as nik and fails the test on any error.
func (ta *testApp) query(nik sp.NIK, query string) map[string]any {
	ta.t.Helper()
	r := ta.post(ta.token(nik), query, nil)
	if r.Status != 200 || len(r.Errors) > 0 {
		ta.t.Fatalf("query as %s: HTTP %d, errors %+v", nik.Masked(), r.Status, r.Errors)
	}
	return r.Data
}

func (ta *testApp) fault(f string) {
	ta.t.Helper()
	resp, err := http.Post(ta.url+"/dev/sim/faults", "application/json", strings.NewReader(f))
	if err != nil {
		ta.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		ta.t.Fatalf("fault %s: HTTP %d", f, resp.StatusCode)
	}
}

// counts is how many requests each agency simulator has seen.
func (ta *testApp) counts() map[sp.Agency]int64 { return ta.sandbox.Counts() }

// get walks a decoded JSON value: get(v, "home", "alerts", 0, "kind").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}
