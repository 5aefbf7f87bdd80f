package readmodel

import (
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
)

// Sources keeps, for one request, how fresh each agency's data was: the
// loader has every agency read report here (Agencies.Watch), home.sources
// lists the result. The zero value is ready to use.
type Sources struct {
	mu sync.Mutex
	m  map[sp.Agency]Source
}

var severity = map[SourceStatus]int{SourceOK: 0, SourceStale: 1, SourceUnavailable: 2}

// Observe merges one read of agency a: data fetched at fetchedAt (zero when
// none was served) and the agency's failure, if any. Data served despite a
// failure is stale. The worst status and the oldest fetch time win.
func (s *Sources) Observe(a sp.Agency, fetchedAt time.Time, err error) {
	st := SourceOK
	switch {
	case err != nil && fetchedAt.IsZero():
		st = SourceUnavailable
	case err != nil:
		st = SourceStale
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[sp.Agency]Source{}
	}
	cur, ok := s.m[a]
	if !ok {
		cur = Source{Agency: a, Status: st, FetchedAt: fetchedAt}
	}
	if severity[st] > severity[cur.Status] {
		cur.Status = st
	}
	if cur.Status == SourceUnavailable {
		cur.FetchedAt = time.Time{}
	} else if !fetchedAt.IsZero() && (cur.FetchedAt.IsZero() || fetchedAt.Before(cur.FetchedAt)) {
		cur.FetchedAt = fetchedAt
	}
	s.m[a] = cur
}

// Source returns what was observed of agency a.
func (s *Sources) Source(a sp.Agency) (Source, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.m[a]
	return src, ok
}

// List is every agency's source in display order (sp.Agencies); an agency
// not read is UNAVAILABLE.
func (s *Sources) List() []Source {
	out := make([]Source, 0, len(sp.Agencies))
	for _, a := range sp.Agencies {
		src, ok := s.Source(a)
		if !ok {
			src = Source{Agency: a, Status: SourceUnavailable}
		}
		out = append(out, src)
	}
	return out
}
