package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
)

// Admin is what operators reach at /admin: the parked jobs of each kind
// (the parked forwards are the "outbox"), listed and replayed by
// `satupintu outbox`.
type Admin struct {
	Jobs queue.Admin
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

// ParkedJob is one parked job as GET /admin/outbox lists it.
type ParkedJob struct {
	ID string `json:"id"`
	// Key is what the job is about: a case id (replay takes it too).
	Key string `json:"key"`
	// Kind is the job's kind (forward, change, push, poll), or cancel for
	// a forward that is a cancellation notice.
	Kind       string    `json:"kind"`
	Attempts   int       `json:"attempts"`
	EnqueuedAt time.Time `json:"enqueuedAt"`
	LastError  string    `json:"lastError"`
}

// kindOf finds the kind of jobs a request names: {queue} in the path
// (forwards, changes, pushes, polls), forwards for the /admin/outbox
// aliases.
func kindOf(a *Admin, w http.ResponseWriter, r *http.Request) (queue.Kind, bool) {
	if a.Jobs == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no job queue here"})
		return "", false
	}
	name := r.PathValue("queue")
	if name == "" {
		name = queue.Forward.Queue()
	}
	k, ok := queue.KindOfQueue(name)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no queue " + name + " (forwards, changes, pushes, polls)"})
	}
	return k, ok
}

// handleOutboxList is GET /admin/queues/{queue}/dead?limit=N (and
// /admin/outbox for the forwards): the dead-lettered jobs, oldest first.
func handleOutboxList(a *Admin) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, ok := kindOf(a, w, r)
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
		jobs, err := a.Jobs.Parked(r.Context(), kind, limit)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the outbox cannot be read: " + err.Error()})
			return
		}
		out := make([]ParkedJob, 0, len(jobs))
		for _, j := range jobs {
			k := string(j.Kind)
			if j.Kind == queue.Forward && string(j.Payload) == "cancel" {
				k = "cancel"
			}
			out = append(out, ParkedJob{ID: j.ID, Key: j.Key, Kind: k, Attempts: j.Attempt, EnqueuedAt: j.EnqueuedAt, LastError: j.LastError})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// handleOutboxReplay is POST /admin/queues/{queue}/dead/{id}/replay (and
// /admin/outbox/{id}/replay): the parked job runs again, afresh. {id} is a
// job's id, or a key (a case id): then every parked job of that key.
func handleOutboxReplay(a *Admin) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, ok := kindOf(a, w, r)
		if !ok {
			return
		}
		id := r.PathValue("id")
		err := a.Jobs.Replay(r.Context(), kind, id)
		if errors.Is(err, sp.ErrNotFound) {
			err = replayKey(r.Context(), a.Jobs, kind, id)
		}
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

// replayKey replays every parked job of kind whose key is key;
// sp.ErrNotFound when there is none.
func replayKey(ctx context.Context, jobs queue.Admin, kind queue.Kind, key string) error {
	parked, err := jobs.Parked(ctx, kind, 10_000)
	if err != nil {
		return err
	}
	found := false
	for _, j := range parked {
		if j.Key != key {
			continue
		}
		found = true
		if err := jobs.Replay(ctx, kind, j.ID); err != nil && !errors.Is(err, sp.ErrNotFound) {
			return err
		}
	}
	if !found {
		return sp.ErrNotFound
	}
	return nil
}
