package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// AccessLog is every side of an access log engine.
type AccessLog interface {
	privacy.Log
	privacy.Reader
	privacy.Retainer
}

// NewAccessLog returns an empty access log under test.
type NewAccessLog func(t *testing.T) AccessLog

// entry is an entry of a read of agency a's register about subject.
func entry(id string, subject sp.NIK, a sp.Agency, at time.Time) privacy.Entry {
	return privacy.Entry{
		ID: id, At: at, Subject: subject,
		Actor:  privacy.Actor{Kind: privacy.ActorCitizen, NIK: subject},
		Agency: a, Categories: privacy.CategoriesOf(a), Purpose: "graphql:home", LegalBasis: privacy.BasisPublicTask,
	}
}

// TestAccessLog runs the access log conformance suite.
func TestAccessLog(t *testing.T, newLog NewAccessLog) {
	ctx := context.Background()

	t.Run("RecordList", func(t *testing.T) {
		l := newLog(t)
		full := privacy.Entry{
			ID: "police:evt-1", At: t0.Add(time.Hour), Subject: citizenA,
			Actor:  privacy.Actor{Kind: privacy.ActorAgency, ID: "NRP 84051234", Name: "Bripka Sutrisno"},
			Agency: sp.AgencyPolice, Categories: []privacy.Category{privacy.CategoryPolice, privacy.CategoryIdentity},
			Purpose: "skck:POLICE-2025-000001", LegalBasis: privacy.BasisLegalObligation, CaseID: "07-case1", ShareID: "share-1",
		}
		mustRecord(t, l, entry("r1", citizenA, sp.AgencyDukcapil, t0), full, entry("r2", citizenB, sp.AgencyBPJS, t0))
		page := mustListLog(t, l, citizenA, privacy.LogQuery{})
		want := full
		want.At = want.At.UTC()
		// Stored in display order.
		want.Categories = []privacy.Category{privacy.CategoryIdentity, privacy.CategoryPolice}
		if page.Total != 2 || len(page.Entries) != 2 || page.Next != "" {
			t.Fatalf("citizen A's log: %+v; want 2 entries, one page", page)
		}
		if got := page.Entries[0]; !reflect.DeepEqual(got, want) {
			t.Errorf("newest entry read back:\n got %+v\nwant %+v", got, want)
		}
		if page.Entries[1].ID != "r1" || !page.Entries[1].At.Equal(t0) {
			t.Errorf("older entry %+v; want r1 at %s", page.Entries[1], t0)
		}
		b := mustListLog(t, l, citizenB, privacy.LogQuery{})
		if b.Total != 1 || b.Entries[0].ID != "r2" || b.Entries[0].Subject != citizenB {
			t.Errorf("citizen B's log: %+v; want only r2", b)
		}
		if empty := mustListLog(t, l, "3171010101010009", privacy.LogQuery{}); empty.Total != 0 || len(empty.Entries) != 0 {
			t.Errorf("a citizen without entries: %+v", empty)
		}
	})

	t.Run("IDsAreAssigned", func(t *testing.T) {
		l := newLog(t)
		mustRecord(t, l, entry("", citizenA, sp.AgencyBPJS, t0), entry("", citizenA, sp.AgencyBPJS, t0))
		page := mustListLog(t, l, citizenA, privacy.LogQuery{})
		if page.Total != 2 || page.Entries[0].ID == "" || page.Entries[0].ID == page.Entries[1].ID {
			t.Errorf("two entries without ids: %+v; want two distinct ids", page.Entries)
		}
	})

	t.Run("ResendAddsNothing", func(t *testing.T) {
		l := newLog(t)
		e := entry("police:evt-9", citizenA, sp.AgencyPolice, t0)
		mustRecord(t, l, e, e)
		mustRecord(t, l, e)
		if page := mustListLog(t, l, citizenA, privacy.LogQuery{}); page.Total != 1 {
			t.Errorf("one entry recorded three times: %d entries", page.Total)
		}
	})

	t.Run("AllOrNone", func(t *testing.T) {
		l := newLog(t)
		bad := entry("bad", citizenA, sp.AgencyPolice, t0)
		bad.LegalBasis = "BECAUSE"
		for name, e := range map[string]privacy.Entry{
			"no time": func() privacy.Entry { e := bad; e.LegalBasis, e.At = privacy.BasisPublicTask, time.Time{}; return e }(),
			"basis":   bad,
			"no subject": func() privacy.Entry {
				e := entry("x", "", sp.AgencyPolice, t0)
				return e
			}(),
			"category": func() privacy.Entry {
				e := entry("x", citizenA, sp.AgencyPolice, t0)
				e.Categories = []privacy.Category{"GOSSIP"}
				return e
			}(),
			"actor": func() privacy.Entry { e := entry("x", citizenA, sp.AgencyPolice, t0); e.Actor.Kind = "ALIEN"; return e }(),
		} {
			err := l.Record(ctx, entry("good-"+name, citizenA, sp.AgencyBPJS, t0), e)
			if !errors.Is(err, privacy.ErrInvalidEntry) {
				t.Errorf("%s: Record = %v; want ErrInvalidEntry", name, err)
			}
		}
		if page := mustListLog(t, l, citizenA, privacy.LogQuery{}); page.Total != 0 {
			t.Errorf("a refused batch left %d entries", page.Total)
		}
	})

	t.Run("Pages", func(t *testing.T) {
		l := newLog(t)
		// Two at one instant: the id breaks the tie.
		var all []privacy.Entry
		for i, at := range []time.Time{t0, t0.Add(time.Microsecond), t0.Add(time.Second), t0.Add(time.Second), t0.Add(time.Minute)} {
			all = append(all, entry(fmt.Sprintf("e%d", i), citizenA, sp.Agencies[i], at))
		}
		mustRecord(t, l, all...)
		want := []string{"e4", "e3", "e2", "e1", "e0"}
		var got []string
		after := ""
		for range 4 {
			page := mustListLog(t, l, citizenA, privacy.LogQuery{First: 2, After: after})
			if page.Total != 5 {
				t.Errorf("page after %q: total %d, want 5 on every page", after, page.Total)
			}
			for _, e := range page.Entries {
				got = append(got, e.ID)
			}
			if after = page.Next; after == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged through: %v; want %v", got, want)
		}
		if _, err := l.List(ctx, citizenA, privacy.LogQuery{After: "not-a-cursor"}); !errors.Is(err, sp.ErrBadCursor) {
			t.Errorf("a bad cursor: %v; want ErrBadCursor", err)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		l := newLog(t)
		agencyRead := entry("officer", citizenA, sp.AgencyPolice, t0.Add(2*time.Hour))
		agencyRead.Actor = privacy.Actor{Kind: privacy.ActorAgency, ID: "officer-7"}
		mustRecord(t, l,
			entry("id", citizenA, sp.AgencyDukcapil, t0),
			entry("health", citizenA, sp.AgencyBPJS, t0.Add(time.Hour)),
			agencyRead,
			entry("social", citizenA, sp.AgencySocial, t0.Add(3*time.Hour)))
		for _, tc := range []struct {
			name string
			q    privacy.LogQuery
			want []string
		}{
			{"categories", privacy.LogQuery{Categories: []privacy.Category{privacy.CategoryHealth, privacy.CategoryPolice}}, []string{"officer", "health"}},
			{"actors", privacy.LogQuery{ActorKinds: []privacy.ActorKind{privacy.ActorAgency}}, []string{"officer"}},
			{"from", privacy.LogQuery{From: t0.Add(time.Hour)}, []string{"social", "officer", "health"}},
			{"to", privacy.LogQuery{To: t0.Add(time.Hour)}, []string{"id"}},
			{"all of them", privacy.LogQuery{From: t0, To: t0.Add(3 * time.Hour), ActorKinds: []privacy.ActorKind{privacy.ActorCitizen},
				Categories: []privacy.Category{privacy.CategoryIdentity, privacy.CategoryHealth, privacy.CategorySocial}}, []string{"health", "id"}},
			{"nothing", privacy.LogQuery{Categories: []privacy.Category{privacy.CategoryFinance}}, nil},
		} {
			page := mustListLog(t, l, citizenA, tc.q)
			var got []string
			for _, e := range page.Entries {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, tc.want) || page.Total != len(tc.want) {
				t.Errorf("%s: %v (total %d); want %v", tc.name, got, page.Total, tc.want)
			}
		}
	})

	t.Run("CountByAgency", func(t *testing.T) {
		l := newLog(t)
		own := entry("own", citizenA, "", t0.Add(time.Hour))
		own.Categories = []privacy.Category{privacy.CategoryIdentity}
		mustRecord(t, l,
			entry("old", citizenA, sp.AgencyPolice, t0.Add(-time.Hour)),
			entry("p1", citizenA, sp.AgencyPolice, t0),
			entry("p2", citizenA, sp.AgencyPolice, t0.Add(time.Minute)),
			entry("b1", citizenA, sp.AgencyBPJS, t0.Add(time.Minute)),
			own,
			entry("other", citizenB, sp.AgencyPolice, t0))
		got, err := l.CountByAgency(ctx, citizenA, t0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[sp.Agency]int{sp.AgencyPolice: 2, sp.AgencyBPJS: 1, "": 1}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("counts since t0: %v; want %v", got, want)
		}
	})

	t.Run("Retention", func(t *testing.T) {
		l := newLog(t)
		jan := time.Date(2024, 1, 31, 23, 59, 59, 0, time.UTC)
		feb := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
		mar := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
		if err := l.Prepare(ctx, jan, mar); err != nil {
			t.Fatal(err)
		}
		mustRecord(t, l, entry("jan", citizenA, sp.AgencyPolice, jan), entry("feb", citizenA, sp.AgencyPolice, feb),
			entry("mar", citizenA, sp.AgencyPolice, mar), entry("jan-b", citizenB, sp.AgencyPolice, jan))
		// Mid-March: January and February end before it, March does not.
		if _, err := l.DropBefore(ctx, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		ids := func(subject sp.NIK) []string {
			var out []string
			for _, e := range mustListLog(t, l, subject, privacy.LogQuery{}).Entries {
				out = append(out, e.ID)
			}
			return out
		}
		if got := ids(citizenA); !slices.Equal(got, []string{"mar"}) {
			t.Errorf("after dropping before 2 March: %v; want [mar]", got)
		}
		if got := ids(citizenB); len(got) != 0 {
			t.Errorf("citizen B after the drop: %v; want none", got)
		}
		// A month dropped takes entries again (an agency reporting late).
		mustRecord(t, l, entry("late", citizenA, sp.AgencyPolice, feb.Add(time.Hour)))
		if got := ids(citizenA); !slices.Equal(got, []string{"mar", "late"}) {
			t.Errorf("after a late entry: %v", got)
		}
	})

	t.Run("AnyMonth", func(t *testing.T) {
		l := newLog(t)
		// Nothing prepared: a month is made when its first entry comes.
		far := time.Date(2031, 7, 4, 1, 2, 3, 0, time.UTC)
		mustRecord(t, l, entry("past", citizenA, sp.AgencyBPJS, time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)),
			entry("future", citizenA, sp.AgencyBPJS, far))
		if page := mustListLog(t, l, citizenA, privacy.LogQuery{}); page.Total != 2 {
			t.Errorf("entries in unprepared months: %d; want 2", page.Total)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		l := newLog(t)
		const writers, each = 16, 20
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					at := t0.Add(time.Duration(w*each+i) * time.Millisecond)
					if err := l.Record(ctx, entry(fmt.Sprintf("w%d-%d", w, i), citizenA, sp.AgencyPolice, at),
						entry(fmt.Sprintf("w%d-%d-b", w, i), citizenB, sp.AgencyBPJS, at)); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, c := range []sp.NIK{citizenA, citizenB} {
			if page := mustListLog(t, l, c, privacy.LogQuery{First: 1}); page.Total != writers*each {
				t.Errorf("%s: %d entries after concurrent records; want %d", c.Masked(), page.Total, writers*each)
			}
		}
	})
}

func mustRecord(t *testing.T, l privacy.Log, entries ...privacy.Entry) {
	t.Helper()
	if err := l.Record(context.Background(), entries...); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

func mustListLog(t *testing.T, l privacy.Reader, subject sp.NIK, q privacy.LogQuery) privacy.LogPage {
	t.Helper()
	page, err := l.List(context.Background(), subject, q)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return page
}
