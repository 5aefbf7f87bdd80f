package readmodel

import (
	sp "github.com/satupintu/satupintu"

	"context"
	"sync"
	"time"
)

// Observation collects, for one request, how fresh each agency's data was:
// the agency chain records every read, the home screen reports the result.
type Observation struct {
	mu      sync.Mutex
	sources map[sp.Agency]Source
}

type observationKey struct{}

// Observe returns a context whose agency reads are recorded in the returned
// Observation.
func Observe(ctx context.Context) (context.Context, *Observation) {
	o := &Observation{sources: map[sp.Agency]Source{}}
	return context.WithValue(ctx, observationKey{}, o), o
}

// Source returns what was observed of agency a.
func (o *Observation) Source(a sp.Agency) (Source, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.sources[a]
	return s, ok
}

var severity = map[SourceStatus]int{SourceOK: 0, SourceStale: 1, SourceUnavailable: 2}

// RecordSource merges one read into the request's observation, if any: the
// worst status and the oldest fetch time win.
func RecordSource(ctx context.Context, a sp.Agency, st SourceStatus, at time.Time) {
	o := ObservationFrom(ctx)
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	cur, ok := o.sources[a]
	if !ok {
		cur = Source{Agency: a, Status: st, FetchedAt: at}
	}
	if severity[st] > severity[cur.Status] {
		cur.Status = st
	}
	if cur.Status == SourceUnavailable {
		cur.FetchedAt = time.Time{}
	} else if !at.IsZero() && (cur.FetchedAt.IsZero() || at.Before(cur.FetchedAt)) {
		cur.FetchedAt = at
	}
	o.sources[a] = cur
}

// ObservationFrom returns the request's observation, or nil.
func ObservationFrom(ctx context.Context) *Observation {
	o, _ := ctx.Value(observationKey{}).(*Observation)
	return o
}
