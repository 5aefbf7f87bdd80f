package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// outcome classifies one request.
type outcome uint8

const (
	ok       outcome = iota
	degraded         // answered, with an expected part missing (an agency down)
	failed
)

// sample is one request: when it started and ended, from the start of the
// run, and how it went.
type sample struct {
	start, end time.Duration
	out        outcome
}

func (s sample) latency() time.Duration { return s.end - s.start }

// newLoadClient is an HTTP client keeping a connection per worker alive.
func newLoadClient(workers int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        2 * workers,
			MaxIdleConnsPerHost: 2 * workers,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// loadRun is a closed loop: each worker sends a request, waits for the
// answer, and sends the next, until stopped.
type loadRun struct {
	t0      time.Time
	stopped atomic.Bool
	seq     atomic.Int64
	wg      sync.WaitGroup
	samples [][]sample // per worker
}

// startLoad starts workers calling do; do gets a sequence number, unique
// across workers, to pick a citizen or an idempotency key with.
func startLoad(workers int, do func(seq int64) outcome) *loadRun {
	l := &loadRun{t0: time.Now(), samples: make([][]sample, workers)}
	for w := range workers {
		l.wg.Go(func() {
			for !l.stopped.Load() {
				start := time.Since(l.t0)
				out := do(l.seq.Add(1) - 1)
				l.samples[w] = append(l.samples[w], sample{start: start, end: time.Since(l.t0), out: out})
			}
		})
	}
	return l
}

// stop lets the requests in flight finish and returns every sample, with
// the time from the start to the last answer.
func (l *loadRun) stop() ([]sample, time.Duration) {
	l.stopped.Store(true)
	l.wg.Wait()
	elapsed := time.Since(l.t0)
	var all []sample
	for _, s := range l.samples {
		all = append(all, s...)
	}
	return all, elapsed
}

// measure runs a closed loop for d.
func measure(ctx context.Context, workers int, d time.Duration, do func(seq int64) outcome) ([]sample, time.Duration) {
	l := startLoad(workers, do)
	sleep(ctx, d)
	return l.stop()
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// waitUntil polls cond every interval until it holds, ctx ends or limit
// passes; it reports whether cond held.
func waitUntil(ctx context.Context, limit, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		sleep(ctx, interval)
	}
}

// gqlBody is a GraphQL POST body.
func gqlBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// post sends body to url with a bearer token and returns status and body.
func post(ctx context.Context, hc *http.Client, url, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return exchange(hc, req)
}

func get(ctx context.Context, hc *http.Client, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	return exchange(hc, req)
}

// exchange sends req and reads the whole answer.
func exchange(hc *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// gqlAnswer is a GraphQL response.
type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// graphQL runs one operation and fails on any error.
func graphQL(ctx context.Context, hc *http.Client, bff, token, query string, vars map[string]any) (json.RawMessage, error) {
	status, raw, err := post(ctx, hc, bff+"/graphql", token, gqlBody(query, vars))
	if err != nil {
		return nil, err
	}
	var a gqlAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("HTTP %d, not JSON: %.200s", status, raw)
	}
	if status != http.StatusOK || len(a.Errors) > 0 {
		var msgs []string
		for _, e := range a.Errors {
			msgs = append(msgs, fmt.Sprintf("%s (%v)", e.Message, e.Extensions["code"]))
		}
		return nil, fmt.Errorf("HTTP %d: %s", status, strings.Join(msgs, "; "))
	}
	return a.Data, nil
}

// classifyHome judges a home answer: ok with no error; degraded when the
// only errors name the agency expected down (its part null, the rest
// served); failed otherwise.
func classifyHome(status int, body []byte, err error, down string) outcome {
	if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`"home":{`)) {
		return failed
	}
	if !bytes.Contains(body, []byte(`"errors"`)) {
		return ok
	}
	if down == "" {
		return failed
	}
	var a gqlAnswer
	if json.Unmarshal(body, &a) != nil || len(a.Errors) == 0 {
		return failed
	}
	for _, e := range a.Errors {
		if e.Extensions["agency"] != down {
			return failed
		}
	}
	return degraded
}
