package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// loadBalancer spreads requests round-robin over the live instances and
// skips one that does not answer, as the load balancer in front of
// satupintu would: agencies' webhooks reach whichever instance is up.
type loadBalancer struct {
	mu       sync.Mutex
	backends []string
	next     int
	srv      *httptest.Server
}

func newLoadBalancer(t *testing.T) *loadBalancer {
	lb := &loadBalancer{}
	lb.srv = httptest.NewServer(lb)
	t.Cleanup(lb.srv.Close)
	return lb
}

func (lb *loadBalancer) URL() string { return lb.srv.URL }

func (lb *loadBalancer) set(urls ...string) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.backends = append([]string(nil), urls...)
}

func (lb *loadBalancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	lb.mu.Lock()
	backends, start := lb.backends, lb.next
	lb.next++
	lb.mu.Unlock()
	for i := range backends {
		target := backends[(start+i)%len(backends)]
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			continue // that instance is down: try the next
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		return
	}
	http.Error(w, "no instance answers", http.StatusBadGateway)
}
