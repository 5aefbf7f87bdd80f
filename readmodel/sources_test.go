package readmodel

import (
	"errors"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
)

func TestSourcesObserve(t *testing.T) {
	t0 := time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	down := errors.New("down")
	type read struct {
		at  time.Time
		err error
	}
	for _, tc := range []struct {
		name  string
		reads []read
		want  Source
	}{
		{"fresh", []read{{t0, nil}}, Source{Status: SourceOK, FetchedAt: t0}},
		{"stale: served from the cache despite a failure", []read{{t0, down}}, Source{Status: SourceStale, FetchedAt: t0}},
		{"failed: nothing served", []read{{time.Time{}, down}}, Source{Status: SourceUnavailable}},
		{"the oldest fetch time wins", []read{{t1, nil}, {t0, nil}}, Source{Status: SourceOK, FetchedAt: t0}},
		{"the worst status wins", []read{{t0, nil}, {t1, down}, {t1, nil}}, Source{Status: SourceStale, FetchedAt: t0}},
		{"a failure erases the fetch time", []read{{t0, nil}, {time.Time{}, down}, {t1, nil}}, Source{Status: SourceUnavailable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Sources
			for _, r := range tc.reads {
				s.Observe(sp.AgencyPolice, r.at, r.err)
			}
			tc.want.Agency = sp.AgencyPolice
			if got, ok := s.Source(sp.AgencyPolice); !ok || got != tc.want {
				t.Errorf("Source = %+v, %v; want %+v", got, ok, tc.want)
			}
		})
	}
}

func TestSourcesList(t *testing.T) {
	t0 := time.Date(2025, 8, 17, 10, 0, 0, 0, time.UTC)
	var s Sources
	s.Observe(sp.AgencySocial, t0, nil)
	s.Observe(sp.AgencyDukcapil, t0, nil)
	got := s.List()
	if len(got) != len(sp.Agencies) {
		t.Fatalf("List = %+v; want every agency", got)
	}
	for i, a := range sp.Agencies {
		want := Source{Agency: a, Status: SourceUnavailable}
		if a == sp.AgencySocial || a == sp.AgencyDukcapil {
			want = Source{Agency: a, Status: SourceOK, FetchedAt: t0}
		}
		if got[i] != want {
			t.Errorf("List[%d] = %+v; want %+v (display order; an agency not read is UNAVAILABLE)", i, got[i], want)
		}
	}
}
