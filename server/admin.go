package server

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
)

// Admin is what operators reach at /admin: the dead letters of each work
// queue (the parked forwards are the "outbox"), listed and replayed by
// `satupintu outbox`.
type Admin struct {
	// Queues by name: forwards, changes, pushes, polls.
	Queues map[string]queue.Queue
}

// requireAdmin checks the operator token. With no token configured (dev
// mode only: production refuses to start without one) only loopback
// callers are let in.
func requireAdmin(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if token == "" {
				if !fromLoopback(r) {
					writeJSON(w, http.StatusForbidden, map[string]string{"error": "admin endpoints answer loopback callers only when no SATUPINTU_ADMIN_TOKEN is set"})
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			got := r.Header.Get("Authorization")
			if subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+token)) != 1 {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "send Authorization: Bearer <SATUPINTU_ADMIN_TOKEN>"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// ParkedJob is one parked forward as GET /admin/outbox lists it.
type ParkedJob struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Attempts   int       `json:"attempts"`
	EnqueuedAt time.Time `json:"enqueuedAt"`
	LastError  string    `json:"lastError"`
}

// queueOf finds the queue a request names: {queue} in the path, forwards
// for the /admin/outbox aliases.
func queueOf(a *Admin, w http.ResponseWriter, r *http.Request) (queue.Queue, bool) {
	name := r.PathValue("queue")
	if name == "" {
		name = "forwards"
	}
	q, ok := a.Queues[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no queue " + name + " (forwards, changes, pushes, polls)"})
	}
	return q, ok
}

// handleOutboxList is GET /admin/queues/{queue}/dead?limit=N (and
// /admin/outbox for the forwards): the dead-lettered jobs, oldest first.
func handleOutboxList(a *Admin) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, ok := queueOf(a, w, r)
		if !ok {
			return
		}
		limit := 100
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 10_000 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be 1-10000"})
				return
			}
			limit = n
		}
		jobs, err := q.Buried(r.Context(), limit)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the outbox cannot be read: " + err.Error()})
			return
		}
		out := make([]ParkedJob, 0, len(jobs))
		for _, j := range jobs {
			kind := "forward"
			if string(j.Payload) != "" {
				kind = string(j.Payload)
			}
			out = append(out, ParkedJob{ID: j.ID, Kind: kind, Attempts: j.Attempts, EnqueuedAt: j.EnqueuedAt, LastError: j.LastError})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// handleOutboxReplay is POST /admin/queues/{queue}/dead/{id}/replay (and
// /admin/outbox/{id}/replay): the job goes back to its queue, due now.
func handleOutboxReplay(a *Admin) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, ok := queueOf(a, w, r)
		if !ok {
			return
		}
		id := r.PathValue("id")
		err := q.Revive(r.Context(), id)
		switch {
		case errors.Is(err, sp.ErrNotFound):
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no parked job " + id})
		case err != nil:
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "replay failed: " + err.Error()})
		default:
			writeJSON(w, http.StatusOK, map[string]string{"replayed": id})
		}
	})
}
