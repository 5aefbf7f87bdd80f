package storetest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/queue"
)

// NewCaseStore returns an empty case store under test and the job queue it
// enqueues into. Stores returned by calls within one test share their
// backend but not their keys.
type NewCaseStore func(t *testing.T) (cases.Store, queue.Queue)

// Citizens of the suites; distinct NIKs land in distinct Redis shards.
const (
	citizenA sp.NIK = "3174015708900001"
	citizenB sp.NIK = "3273024101850002"
)

// t0 is when the suite's cases are created: to the microsecond, as
// PostgreSQL keeps times, and off the millisecond, so that sorting by the
// millisecond is put to the test.
var t0 = time.Date(2025, 8, 17, 9, 30, 0, 123456000, time.UTC)

// newCase is a freshly submitted case.
func newCase(citizen sp.NIK, service, key string, createdAt time.Time) *cases.Case {
	return &cases.Case{
		Citizen: citizen, ServiceID: service, Agency: sp.AgencyPolice,
		Fields: map[string]string{"purpose": "melamar kerja"}, Status: cases.StatusSubmitted,
		CreatedAt: createdAt, UpdatedAt: createdAt,
		IdempotencyKey: key, RequestHash: "hash-" + key,
		Delivery: cases.Delivery{State: cases.DeliveryPending},
		History:  []cases.Entry{{At: createdAt, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}},
	}
}

// move is an update to status with one history entry.
func move(to cases.Status, at time.Time) func(*cases.Case) error {
	return func(c *cases.Case) error {
		c.Status, c.UpdatedAt = to, at
		c.History = append(c.History, cases.Entry{At: at, Status: to, Source: cases.SourceSystem})
		return nil
	}
}

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// TestCaseStore runs the cases.Store conformance suite.
func TestCaseStore(t *testing.T, newStore NewCaseStore) {
	ctx := context.Background()

	// Retention: closed cases whose last change is older than the cutoff
	// go, with their history; open ones stay whatever their age; the
	// idempotency key of a purged case is free again.
	t.Run("PurgeClosedBefore", func(t *testing.T) {
		s, _ := newStore(t)
		p, ok := s.(privacy.ClosedCasePurger)
		if !ok {
			t.Fatalf("%T does not purge closed cases (privacy.ClosedCasePurger)", s)
		}
		create := func(key string) *cases.Case {
			t.Helper()
			c, _, err := s.Create(ctx, newCase(citizenA, "skck", key, t0))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		old, recent, open := create("purge-old"), create("purge-recent"), create("purge-open")
		for _, m := range []struct {
			c  *cases.Case
			at time.Time
		}{{old, t0.Add(time.Hour)}, {recent, t0.Add(72 * time.Hour)}} {
			if _, err := s.Update(ctx, m.c.ID, move(cases.StatusRejected, m.at)); err != nil {
				t.Fatal(err)
			}
		}
		other, _, err := s.Create(ctx, newCase(citizenB, "skck", "purge-other", t0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, other.ID, move(cases.StatusRejected, t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		n, err := p.PurgeClosedBefore(ctx, t0.Add(24*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("PurgeClosedBefore = %d, %v; want 2 (A's and B's old closed cases)", n, err)
		}
		for _, id := range []string{old.ID, other.ID} {
			if _, err := s.Get(ctx, id); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("case %s after its purge: %v, want not found", id, err)
			}
		}
		for _, id := range []string{recent.ID, open.ID} {
			if c, err := s.Get(ctx, id); err != nil || len(c.History) == 0 {
				t.Errorf("case %s should stay: %v", id, err)
			}
		}
		if n, err := s.Count(ctx, citizenA, ""); err != nil || n != 2 {
			t.Errorf("A's cases after the purge: %d, %v; want 2", n, err)
		}
		if again, created, err := s.Create(ctx, newCase(citizenA, "skck", "purge-old", t0.Add(48*time.Hour))); err != nil || !created || again.ID == old.ID {
			t.Errorf("the purged case's key again: created %v, %v", created, err)
		}
		if n, err := p.PurgeClosedBefore(ctx, t0.Add(24*time.Hour)); err != nil || n != 0 {
			t.Errorf("purging again: %d, %v", n, err)
		}
	})

	t.Run("CreateGetForward", func(t *testing.T) {
		s, q := newStore(t)
		in := newCase(citizenA, "skck", "key-0001", t0)
		c, created := mustCreate(t, s, in)
		if !created || c.ID == "" || !urlSafe.MatchString(c.ID) || c.Version != 1 {
			t.Fatalf("Create = id %q, version %d, created %v; want a URL-safe id, version 1, created", c.ID, c.Version, created)
		}
		got := mustGet(t, s, c.ID)
		if got.Citizen != citizenA || got.ServiceID != "skck" || got.Fields["purpose"] != "melamar kerja" ||
			got.Status != cases.StatusSubmitted || !got.CreatedAt.Equal(t0) || len(got.History) != 1 ||
			got.IdempotencyKey != "key-0001" || got.RequestHash != "hash-key-0001" || got.Version != 1 {
			t.Errorf("Get = %+v; want the created case", got)
		}
		jobs := drain(t, q, queue.Forward, 1)
		if jobs[0].Key != c.ID || !jobs[0].EnqueuedAt.Equal(t0) || len(jobs[0].Payload) != 0 {
			t.Errorf("forward job %s enqueued %v; want key %s, enqueued at creation %v, no payload", show(jobs[0]), jobs[0].EnqueuedAt, c.ID, t0)
		}
		wantDepth(t, q, queue.Change, 0)
		// The forward is unique: a second one of the case waits for the first.
		mustEnqueue(t, q, cases.ForwardJob(c), cases.ForwardJob(c))
		wantDepth(t, q, queue.Forward, 1)
	})

	t.Run("Actor", func(t *testing.T) {
		s, _ := newStore(t)
		in := newCase(citizenA, "skck", "key-0001", t0)
		in.Actor = citizenB
		c, _ := mustCreate(t, s, in)
		if got := mustGet(t, s, c.ID); got.Actor != citizenB || got.Citizen != citizenA {
			t.Errorf("Get = citizen %s, actor %s; want the case's subject and its actor", got.Citizen.Masked(), got.Actor.Masked())
		}
		own, _ := mustCreate(t, s, newCase(citizenA, "skck", "key-0002", t0.Add(time.Second)))
		if got := mustGet(t, s, own.ID); got.Actor != "" {
			t.Errorf("a case the citizen applied for themself has actor %s", got.Actor.Masked())
		}
		page, _, err := s.List(ctx, citizenA, cases.ListQuery{First: 10})
		if err != nil || len(page) != 2 || page[1].Actor != citizenB {
			t.Errorf("List = %d cases, %v; want the actor on the older", len(page), err)
		}
		if _, err := s.Update(ctx, c.ID, func(c *cases.Case) error { c.Actor = ""; return nil }); err == nil {
			if got := mustGet(t, s, c.ID); got.Actor != citizenB {
				t.Errorf("an update changed the actor to %q", got.Actor)
			}
		}
	})

	t.Run("CasesAreCopies", func(t *testing.T) {
		s, _ := newStore(t)
		in := newCase(citizenA, "skck", "key-0001", t0)
		c, _ := mustCreate(t, s, in)
		in.Fields["purpose"], in.History[0].Message = "changed by caller", "changed"
		c.Fields["purpose"], c.Status = "changed by reader", cases.StatusCompleted
		got := mustGet(t, s, c.ID)
		got.History[0].Message = "changed by reader"
		got = mustGet(t, s, c.ID)
		if got.Fields["purpose"] != "melamar kerja" || got.Status != cases.StatusSubmitted || got.History[0].Message != "" {
			t.Errorf("stored case changed through a caller's copy: %+v", got)
		}
	})

	t.Run("IdempotencyKey", func(t *testing.T) {
		s, q := newStore(t)
		first, _ := mustCreate(t, s, newCase(citizenA, "skck", "key-0001", t0))
		again, created, err := s.Create(ctx, newCase(citizenA, "skck", "key-0001", t0.Add(time.Minute)))
		if err != nil || created || again.ID != first.ID || !again.CreatedAt.Equal(t0) {
			t.Fatalf("second Create with the key = %v, created %v, %v; want the first case %s", again, created, err, first.ID)
		}
		wantDepth(t, q, queue.Forward, 1)
		wantList(t, s, citizenA, cases.ListQuery{}, first.ID)
	})

	t.Run("IdempotencyKeyConcurrent", func(t *testing.T) {
		s, q := newStore(t)
		const n = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := map[string]int{}
		createdCount := 0
		for range n {
			wg.Go(func() {
				c, created, err := s.Create(ctx, newCase(citizenA, "skck", "key-race", t0))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids[c.ID]++
				if created {
					createdCount++
				}
			})
		}
		wg.Wait()
		if len(ids) != 1 || createdCount != 1 {
			t.Errorf("%d concurrent Creates with one key: ids %v, created %d times; want one case created once", n, ids, createdCount)
		}
		wantDepth(t, q, queue.Forward, 1)
	})

	t.Run("IdempotencyKeyPerCitizen", func(t *testing.T) {
		s, q := newStore(t)
		a, createdA := mustCreate(t, s, newCase(citizenA, "skck", "key-shared", t0))
		b, createdB := mustCreate(t, s, newCase(citizenB, "skck", "key-shared", t0))
		if !createdA || !createdB || a.ID == b.ID || b.Citizen != citizenB {
			t.Errorf("two citizens with one key: %s (created %v), %s (created %v); want two cases", a.ID, createdA, b.ID, createdB)
		}
		wantDepth(t, q, queue.Forward, 2)
		// Find goes by citizen and key.
		for _, tc := range []struct {
			citizen sp.NIK
			want    string
		}{{citizenA, a.ID}, {citizenB, b.ID}} {
			got, err := s.Find(ctx, tc.citizen, "key-shared")
			if err != nil || got.ID != tc.want {
				t.Errorf("Find(%s, key-shared) = %v, %v; want %s", tc.citizen.Masked(), got, err, tc.want)
			}
		}
		for _, key := range []string{"key-unknown", ""} {
			if _, err := s.Find(ctx, citizenA, key); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("Find(%q) = %v; want sp.ErrNotFound", key, err)
			}
		}
	})

	t.Run("SingleOpen", func(t *testing.T) {
		s, q := newStore(t)
		one := newCase(citizenA, "kip", "key-0001", t0)
		one.SingleOpen = true
		first, _ := mustCreate(t, s, one)

		two := newCase(citizenA, "kip", "key-0002", t0.Add(time.Minute))
		two.SingleOpen = true
		_, created, err := s.Create(ctx, two)
		var busy *cases.InProgress
		if !errors.As(err, &busy) || created || busy.Case == nil || busy.Case.ID != first.ID {
			t.Fatalf("second open case of a single-open service: created %v, %v; want *InProgress naming %s", created, err, first.ID)
		}
		wantList(t, s, citizenA, cases.ListQuery{}, first.ID)
		wantDepth(t, q, queue.Forward, 1)

		// Other citizens and other services are not affected.
		other := newCase(citizenB, "kip", "key-0003", t0)
		other.SingleOpen = true
		mustCreate(t, s, other)
		mustCreate(t, s, newCase(citizenA, "skck", "key-0004", t0))

		// Once the first is closed, a new one may start.
		mustUpdate(t, s, first.ID, move(cases.StatusCancelled, t0.Add(2*time.Minute)))
		second, created := mustCreate(t, s, two)
		if !created || second.ID == first.ID {
			t.Fatalf("Create after the open case closed: %s, created %v; want a new case", second.ID, created)
		}
		three := newCase(citizenA, "kip", "key-0005", t0.Add(3*time.Minute))
		three.SingleOpen = true
		if _, _, err := s.Create(ctx, three); !errors.As(err, &busy) || busy.Case.ID != second.ID {
			t.Errorf("third open case: %v; want *InProgress naming the second, %s", err, second.ID)
		}
	})

	t.Run("GetUnknown", func(t *testing.T) {
		s, _ := newStore(t)
		other, _ := newStore(t)
		elsewhere, _ := mustCreate(t, other, newCase(citizenA, "skck", "key-0001", t0))
		for _, id := range []string{"", "nope", "00-", "99-aaaaaaaaaaaaaaaaaaaaaaaaaa", "../etc", elsewhere.ID} {
			if c, err := s.Get(ctx, id); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("Get(%q) = %v, %v; want sp.ErrNotFound", id, c, err)
			}
			if _, err := s.Update(ctx, id, move(cases.StatusForwarded, t0)); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("Update(%q) = %v; want sp.ErrNotFound", id, err)
			}
		}
	})

	t.Run("Update", func(t *testing.T) {
		s, q := newStore(t)
		c, _ := mustCreate(t, s, newCase(citizenA, "skck", "key-0001", t0))
		at := t0.Add(time.Hour)
		got := mustUpdate(t, s, c.ID, func(c *cases.Case) error {
			c.AgencyRef = "POL-123"
			return move(cases.StatusForwarded, at)(c)
		})
		if got.Version != 2 || got.Status != cases.StatusForwarded || got.AgencyRef != "POL-123" || len(got.History) != 2 || !got.UpdatedAt.Equal(at) {
			t.Errorf("Update returned %+v; want version 2, FORWARDED, POL-123, 2 entries, updated %v", got, at)
		}
		if stored := mustGet(t, s, c.ID); stored.Version != 2 || stored.AgencyRef != "POL-123" {
			t.Errorf("Get after Update = version %d, ref %q; want 2, POL-123", stored.Version, stored.AgencyRef)
		}
		j := drain(t, q, queue.Change, 1)[0]
		if want := string(cases.ChangePayload(1, 2, 2)); j.Key != c.ID || string(j.Payload) != want || !j.EnqueuedAt.Equal(at) {
			t.Errorf("change job %s enqueued %v; want %s, %s (entry 1 added, version 2), enqueued at the update %v", show(j), j.EnqueuedAt, c.ID, want, at)
		}

		// Two entries at once: one job naming both.
		mustUpdate(t, s, c.ID, func(c *cases.Case) error {
			c.History = append(c.History, cases.Entry{At: at, Status: c.Status, Source: cases.SourceAgencyWebhook, Message: "a"},
				cases.Entry{At: at, Status: c.Status, Source: cases.SourceAgencyWebhook, Message: "b"})
			return nil
		})
		j = drain(t, q, queue.Change, 1)[0]
		if want := string(cases.ChangePayload(2, 4, 3)); string(j.Payload) != want {
			t.Errorf("change job payload %q; want %s (entries 2 and 3, version 3)", j.Payload, want)
		}

		// No new entry: stored, no job.
		got = mustUpdate(t, s, c.ID, func(c *cases.Case) error { c.Delivery.Attempts = 3; return nil })
		if got.Version != 4 || got.Delivery.Attempts != 3 {
			t.Errorf("Update without history = version %d, attempts %d; want 4, 3", got.Version, got.Delivery.Attempts)
		}
		wantDepth(t, q, queue.Change, 0)
	})

	t.Run("UpdateNoChange", func(t *testing.T) {
		s, q := newStore(t)
		c, _ := mustCreate(t, s, newCase(citizenA, "skck", "key-0001", t0))
		got, err := s.Update(ctx, c.ID, func(c *cases.Case) error {
			c.Status = cases.StatusRejected // scribbled on, then given up
			c.History = append(c.History, cases.Entry{Status: cases.StatusRejected})
			return cases.ErrNoChange
		})
		if err != nil || got.Version != 1 || got.Status != cases.StatusSubmitted || len(got.History) != 1 {
			t.Fatalf("Update with ErrNoChange = %+v, %v; want the current case, version 1", got, err)
		}
		if stored := mustGet(t, s, c.ID); stored.Version != 1 || stored.Status != cases.StatusSubmitted {
			t.Errorf("stored after ErrNoChange: version %d, %s; want 1, SUBMITTED", stored.Version, stored.Status)
		}
		wantDepth(t, q, queue.Change, 0)
		wantOpen(t, s, sp.AgencyPolice, c.ID)
	})

	t.Run("UpdateError", func(t *testing.T) {
		s, _ := newStore(t)
		c, _ := mustCreate(t, s, newCase(citizenA, "skck", "key-0001", t0))
		boom := errors.New("boom")
		if _, err := s.Update(ctx, c.ID, func(c *cases.Case) error {
			c.Status = cases.StatusRejected
			return boom
		}); !errors.Is(err, boom) {
			t.Errorf("Update whose function fails = %v; want its error", err)
		}
		if stored := mustGet(t, s, c.ID); stored.Version != 1 || stored.Status != cases.StatusSubmitted {
			t.Errorf("stored after a failed update: version %d, %s; want 1, SUBMITTED", stored.Version, stored.Status)
		}
		if _, err := s.Update(ctx, c.ID, func(c *cases.Case) error { c.Citizen = citizenB; return nil }); err == nil {
			t.Error("Update moving the case to another citizen succeeded; want an error")
		}
	})

	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s, q := newStore(t)
		c, _ := mustCreate(t, s, newCase(citizenA, "skck", "key-0001", t0))
		const n = 50
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := s.Update(ctx, c.ID, func(c *cases.Case) error {
					c.History = append(c.History, cases.Entry{At: t0, Status: c.Status, Source: cases.SourceAgencyWebhook, Message: fmt.Sprint(i)})
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := mustGet(t, s, c.ID)
		if got.Version != 1+n || len(got.History) != 1+n {
			t.Errorf("after %d concurrent updates: version %d, %d entries; want %d, %d", n, got.Version, len(got.History), 1+n, 1+n)
		}
		seen := map[string]bool{}
		for _, e := range got.History[1:] {
			seen[e.Message] = true
		}
		if len(seen) != n {
			t.Errorf("%d distinct entries kept; want %d: an update was lost", len(seen), n)
		}
		// Each job names its own entry: together they cover the history once.
		covered := map[int]bool{}
		for _, j := range drain(t, q, queue.Change, n) {
			from, to, _, ok := cases.ParseChange(j.Payload)
			if j.Key != c.ID || !ok || to != from+1 || covered[from] {
				t.Errorf("change job %s payload %q; want one new entry not named before", j.Key, j.Payload)
			}
			covered[from] = true
		}
	})

	t.Run("LeavingOpenStatuses", func(t *testing.T) {
		s, _ := newStore(t)
		one := newCase(citizenA, "kip", "key-0001", t0)
		one.SingleOpen = true
		a, _ := mustCreate(t, s, one)
		b, _ := mustCreate(t, s, newCase(citizenB, "skck", "key-0002", t0.Add(time.Second)))
		wantOpen(t, s, sp.AgencyPolice, a.ID, b.ID)
		mustUpdate(t, s, a.ID, move(cases.StatusForwarded, t0.Add(time.Minute)))
		wantOpen(t, s, sp.AgencyPolice, a.ID, b.ID)
		mustUpdate(t, s, a.ID, move(cases.StatusReceived, t0.Add(2*time.Minute)))
		mustUpdate(t, s, a.ID, move(cases.StatusInReview, t0.Add(3*time.Minute)))
		mustUpdate(t, s, a.ID, move(cases.StatusApproved, t0.Add(4*time.Minute)))
		mustUpdate(t, s, a.ID, move(cases.StatusCompleted, t0.Add(5*time.Minute)))
		wantOpen(t, s, sp.AgencyPolice, b.ID)
		mustUpdate(t, s, b.ID, move(cases.StatusRejected, t0.Add(time.Minute)))
		wantOpen(t, s, sp.AgencyPolice)
		again := newCase(citizenA, "kip", "key-0003", t0.Add(time.Hour))
		again.SingleOpen = true
		if _, created := mustCreate(t, s, again); !created {
			t.Error("single-open Create after the open case completed: not created")
		}
	})

	t.Run("List", func(t *testing.T) {
		s, _ := newStore(t)
		var mine []string // newest first
		for i := range 7 {
			c, _ := mustCreate(t, s, newCase(citizenA, "skck", fmt.Sprintf("key-a%03d", i), t0.Add(time.Duration(i)*time.Minute)))
			mine = append([]string{c.ID}, mine...)
		}
		for i := range 3 {
			mustCreate(t, s, newCase(citizenB, "skck", fmt.Sprintf("key-b%03d", i), t0.Add(time.Duration(i)*time.Minute+time.Second)))
		}
		wantList(t, s, citizenA, cases.ListQuery{}, mine...)
		for _, first := range []int{1, 2, 3, 7, 8} {
			if got := listAll(t, s, citizenA, cases.ListQuery{First: first}); !slices.Equal(got, mine) {
				t.Errorf("pages of %d: %v; want %v", first, got, mine)
			}
		}
		if got := listAll(t, s, "3174015708900009", cases.ListQuery{}); len(got) != 0 {
			t.Errorf("a citizen without cases lists %v", got)
		}
		// Two moved on: filter by status.
		mustUpdate(t, s, mine[1], move(cases.StatusForwarded, t0.Add(time.Hour)))
		mustUpdate(t, s, mine[4], move(cases.StatusForwarded, t0.Add(time.Hour)))
		wantList(t, s, citizenA, cases.ListQuery{Status: cases.StatusForwarded}, mine[1], mine[4])
		wantList(t, s, citizenA, cases.ListQuery{Status: cases.StatusSubmitted}, mine[0], mine[2], mine[3], mine[5], mine[6])
		if got := listAll(t, s, citizenA, cases.ListQuery{Status: cases.StatusSubmitted, First: 2}); !slices.Equal(got, []string{mine[0], mine[2], mine[3], mine[5], mine[6]}) {
			t.Errorf("SUBMITTED in pages of 2: %v", got)
		}
		wantList(t, s, citizenA, cases.ListQuery{Status: cases.StatusCompleted})
		if _, _, err := s.List(ctx, citizenA, cases.ListQuery{After: "not a cursor!"}); err == nil {
			t.Error("List with a malformed cursor succeeded; want an error")
		}
	})

	t.Run("Count", func(t *testing.T) {
		s, _ := newStore(t)
		wantCount(t, s, citizenA, "", 0)
		var mine []string
		for i := range 4 {
			c, _ := mustCreate(t, s, newCase(citizenA, "skck", fmt.Sprintf("key-a%03d", i), t0.Add(time.Duration(i)*time.Minute)))
			mine = append(mine, c.ID)
		}
		mustCreate(t, s, newCase(citizenB, "skck", "key-b000", t0))
		mustCreate(t, s, newCase(citizenA, "skck", "key-a000", t0)) // the same key again: no new case
		wantCount(t, s, citizenA, "", 4)
		wantCount(t, s, citizenB, "", 1)
		wantCount(t, s, citizenA, cases.StatusSubmitted, 4)
		// A case that moves leaves its status's count for the next one's.
		mustUpdate(t, s, mine[2], move(cases.StatusForwarded, t0.Add(time.Hour)))
		mustUpdate(t, s, mine[3], move(cases.StatusForwarded, t0.Add(time.Hour)))
		mustUpdate(t, s, mine[3], move(cases.StatusRejected, t0.Add(2*time.Hour)))
		wantCount(t, s, citizenA, "", 4)
		wantCount(t, s, citizenA, cases.StatusSubmitted, 2)
		wantCount(t, s, citizenA, cases.StatusForwarded, 1)
		wantCount(t, s, citizenA, cases.StatusRejected, 1)
		wantCount(t, s, citizenA, cases.StatusCompleted, 0)
		// The count is what List pages through.
		for _, st := range []cases.Status{"", cases.StatusSubmitted, cases.StatusForwarded} {
			n, _ := s.Count(ctx, citizenA, st)
			if got := listAll(t, s, citizenA, cases.ListQuery{Status: st, First: 1}); len(got) != n {
				t.Errorf("Count(%q) = %d, List pages through %d", st, n, len(got))
			}
		}
	})

	t.Run("ListPageSize", func(t *testing.T) {
		s, _ := newStore(t)
		for i := range 105 {
			mustCreate(t, s, newCase(citizenA, "skck", fmt.Sprintf("key-%04d", i), t0.Add(time.Duration(i)*time.Second)))
		}
		for _, tc := range []struct{ first, want int }{{0, 20}, {-1, 20}, {5, 5}, {100, 100}, {500, 100}} {
			page, next, err := s.List(ctx, citizenA, cases.ListQuery{First: tc.first})
			if err != nil || len(page) != tc.want || next == "" {
				t.Errorf("List(First %d) = %d cases, next %q, %v; want %d and a next page", tc.first, len(page), next, err, tc.want)
			}
		}
	})

	t.Run("ListEqualTimes", func(t *testing.T) {
		s, _ := newStore(t)
		var all []string
		for i := range 5 {
			c, _ := mustCreate(t, s, newCase(citizenA, "skck", fmt.Sprintf("key-%04d", i), t0))
			all = append(all, c.ID)
		}
		got := listAll(t, s, citizenA, cases.ListQuery{First: 2})
		if len(got) != 5 || len(uniq(got)) != 5 || !sameSet(got, all) {
			t.Errorf("pages over 5 cases created at one instant: %v; want each of %v once", got, all)
		}
	})

	t.Run("OpenCases", func(t *testing.T) {
		s, _ := newStore(t)
		var open []string
		for i := range 14 {
			citizen := sp.NIK(fmt.Sprintf("31740157089%05d", i+1)) // many citizens: many shards
			c, _ := mustCreate(t, s, newCase(citizen, "skck", "key-0001", t0.Add(time.Duration(i%3)*time.Second)))
			open = append(open, c.ID)
		}
		for i := range 3 {
			c := newCase(sp.NIK(fmt.Sprintf("32730241018%05d", i+1)), "bpjs-card", "key-0001", t0)
			c.Agency = sp.AgencyBPJS
			mustCreate(t, s, c)
		}
		mustUpdate(t, s, open[3], move(cases.StatusCancelled, t0.Add(time.Hour)))
		mustUpdate(t, s, open[9], move(cases.StatusRejected, t0.Add(time.Hour)))
		open = slices.Delete(slices.Delete(open, 9, 10), 3, 4)
		wantOpen(t, s, sp.AgencyPolice, open...)
		for _, limit := range []int{1, 3, 5, 12, 13} {
			if got := openAll(t, s, sp.AgencyPolice, limit); len(got) != len(open) || !sameSet(got, open) || len(uniq(got)) != len(got) {
				t.Errorf("OpenCases in pages of %d: %v; want each of %v once", limit, got, open)
			}
		}
		if got := openAll(t, s, sp.AgencyBPJS, 2); len(got) != 3 {
			t.Errorf("bpjs open cases: %v; want 3", got)
		}
		if got := openAll(t, s, sp.AgencySocial, 2); len(got) != 0 {
			t.Errorf("social open cases: %v; want none", got)
		}
		if _, _, err := s.OpenCases(ctx, sp.AgencyPolice, "not a cursor!", 5); err == nil {
			t.Error("OpenCases with a malformed cursor succeeded; want an error")
		}
	})
}

func mustCreate(t *testing.T, s cases.Store, c *cases.Case) (*cases.Case, bool) {
	t.Helper()
	stored, created, err := s.Create(context.Background(), c)
	if err != nil {
		t.Fatalf("Create(%s, %s): %v", c.ServiceID, c.IdempotencyKey, err)
	}
	return stored, created
}

func mustGet(t *testing.T, s cases.Store, id string) *cases.Case {
	t.Helper()
	c, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return c
}

func mustUpdate(t *testing.T, s cases.Store, id string, f func(*cases.Case) error) *cases.Case {
	t.Helper()
	c, err := s.Update(context.Background(), id, f)
	if err != nil {
		t.Fatalf("Update(%s): %v", id, err)
	}
	return c
}

// listAll follows the cursor to the end and returns the ids in order,
// checking that every case is the citizen's.
func listAll(t *testing.T, s cases.Store, citizen sp.NIK, q cases.ListQuery) []string {
	t.Helper()
	var ids []string
	for range 1000 {
		page, next, err := s.List(context.Background(), citizen, q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		for _, c := range page {
			if c.Citizen != citizen {
				t.Fatalf("List for %s returned case %s of %s", citizen.Masked(), c.ID, c.Citizen.Masked())
			}
			if q.Status != "" && c.Status != q.Status {
				t.Fatalf("List(status %s) returned case %s in %s", q.Status, c.ID, c.Status)
			}
			ids = append(ids, c.ID)
		}
		if next == "" {
			return ids
		}
		if len(page) == 0 {
			t.Fatalf("List(%+v) returned an empty page with a next cursor", q)
		}
		// Every engine speaks the one cursor format the API hands out.
		if want := cases.CursorAfter(page[len(page)-1]); next != want {
			t.Fatalf("List(%+v) next cursor %q, want cases.CursorAfter of the last case %q", q, next, want)
		}
		q.After = next
	}
	t.Fatal("List never ended")
	return nil
}

func wantList(t *testing.T, s cases.Store, citizen sp.NIK, q cases.ListQuery, want ...string) {
	t.Helper()
	if got := listAll(t, s, citizen, q); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("List(%+v) = %v; want %v", q, got, want)
	}
}

func wantCount(t *testing.T, s cases.Store, citizen sp.NIK, status cases.Status, want int) {
	t.Helper()
	if n, err := s.Count(context.Background(), citizen, status); err != nil || n != want {
		t.Errorf("Count(%s, %q) = %d, %v; want %d", citizen.Masked(), status, n, err, want)
	}
}

func openAll(t *testing.T, s cases.Store, a sp.Agency, limit int) []string {
	t.Helper()
	var ids []string
	after := ""
	for range 1000 {
		page, next, err := s.OpenCases(context.Background(), a, after, limit)
		if err != nil {
			t.Fatalf("OpenCases(%s, %q, %d): %v", a, after, limit, err)
		}
		if len(page) > limit {
			t.Fatalf("OpenCases(%s, limit %d) returned %d ids", a, limit, len(page))
		}
		ids = append(ids, page...)
		if next == "" {
			return ids
		}
		after = next
	}
	t.Fatal("OpenCases never ended")
	return nil
}

func wantOpen(t *testing.T, s cases.Store, a sp.Agency, want ...string) {
	t.Helper()
	if got := openAll(t, s, a, 100); !sameSet(got, want) || len(got) != len(want) {
		t.Errorf("OpenCases(%s) = %v; want %v", a, got, want)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(uniq(a), uniq(b))
}

func uniq(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}
