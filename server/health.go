package server

import (
	"context"
	"net/http"
	"time"
)

// handleHealthz answers while the process can serve at all.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReadyz answers 200 when every required dependency is ready, 503
// naming the ones that are not; an optional one that fails is reported
// ("degraded: …") without taking the instance out of its load balancer.
func handleReadyz(checks []ReadinessCheck) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := http.StatusOK
		report := map[string]string{}
		for _, c := range checks {
			if err := c.Check(ctx); err != nil {
				if c.Optional {
					report[c.Name] = "degraded: " + err.Error()
					continue
				}
				status = http.StatusServiceUnavailable
				report[c.Name] = err.Error()
				continue
			}
			report[c.Name] = "ok"
		}
		writeJSON(w, status, map[string]any{"ready": status == http.StatusOK, "checks": report})
	})
}
