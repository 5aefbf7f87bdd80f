package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

// NewInbox returns an empty inbox store under test. Stores returned by calls
// within one test share their backend but not their keys.
type NewInbox func(t *testing.T) notifications.Inbox

// InboxLimit is how many notifications an inbox keeps.
const InboxLimit = 1000

// note is a notification of a case change, id "<case>-<version>" as the
// notifier makes them.
func note(citizen sp.NIK, id string, createdAt time.Time) notifications.Notification {
	caseID, _, _ := strings.Cut(id, "-")
	return notifications.Notification{
		ID: id, Citizen: citizen, CaseID: caseID, Status: "FORWARDED", Sequence: 2,
		Title:     sp.Text{ID: "Permohonan diteruskan", EN: "Application forwarded"},
		Body:      sp.Text{ID: "SKCK Anda diteruskan ke Polri.", EN: "Your SKCK went to the police."},
		DeepLink:  "satupintu://cases/" + caseID,
		CreatedAt: createdAt,
	}
}

// TestInbox runs the notifications.Inbox conformance suite.
func TestInbox(t *testing.T, newInbox NewInbox) {
	ctx := context.Background()

	t.Run("AddGet", func(t *testing.T) {
		s := newInbox(t)
		n := note(citizenA, "07-case1-2", t0)
		if created := mustAdd(t, s, n); !created {
			t.Fatal("Add of a new notification: created false")
		}
		if got := mustGetNote(t, s, citizenA, n.ID); !sameNote(got, n) || got.Read() {
			t.Errorf("Get = %+v; want %+v, unread", got, n)
		}
		for _, q := range []struct {
			citizen sp.NIK
			id      string
		}{{citizenB, n.ID}, {citizenA, "07-case1-3"}, {citizenA, ""}} {
			if got, err := s.Get(ctx, q.citizen, q.id); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("Get(%s, %q) = %+v, %v; want ErrNotFound", q.citizen.Masked(), q.id, got, err)
			}
		}
		if _, err := s.Add(ctx, note(citizenA, "", t0)); err == nil {
			t.Error("Add without an id succeeded")
		}
		if _, err := s.Add(ctx, note("", "07-case1-9", t0)); err == nil {
			t.Error("Add without a citizen succeeded")
		}
	})

	t.Run("AddIdempotent", func(t *testing.T) {
		s := newInbox(t)
		n := note(citizenA, "07-case1-2", t0)
		mustAdd(t, s, n)
		again := note(citizenA, n.ID, t0.Add(time.Minute))
		again.Title.ID = "diubah"
		if created := mustAdd(t, s, again); created {
			t.Error("second Add of one id: created true")
		}
		if got := mustGetNote(t, s, citizenA, n.ID); !sameNote(got, n) {
			t.Errorf("after a second Add: %+v; want the first, %+v", got, n)
		}
		wantNotes(t, s, citizenA, notifications.ListQuery{}, n.ID)
	})

	t.Run("AddConcurrent", func(t *testing.T) {
		s := newInbox(t)
		const n = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for range n {
			wg.Go(func() {
				ok, err := s.Add(ctx, note(citizenA, "07-race-2", t0))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					created++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if created != 1 {
			t.Errorf("%d concurrent Adds of one id: created %d times; want once", n, created)
		}
		if p := mustList(t, s, citizenA, notifications.ListQuery{}); p.Total != 1 || p.Unread != 1 || len(p.Items) != 1 {
			t.Errorf("after concurrent Adds: %d items, total %d, unread %d; want 1, 1, 1", len(p.Items), p.Total, p.Unread)
		}
	})

	t.Run("IDsPerCitizen", func(t *testing.T) {
		s := newInbox(t)
		mine := note(citizenA, "07-case1-2", t0)
		theirs := note(citizenB, mine.ID, t0.Add(time.Minute))
		theirs.Title.ID = "milik B"
		mustAdd(t, s, mine)
		if created := mustAdd(t, s, theirs); !created {
			t.Error("Add of another citizen's id: created false; ids are per citizen")
		}
		if got := mustGetNote(t, s, citizenA, mine.ID); !sameNote(got, mine) {
			t.Errorf("A's notification became %+v", got)
		}
		if got := mustGetNote(t, s, citizenB, mine.ID); !sameNote(got, theirs) {
			t.Errorf("B's notification is %+v; want %+v", got, theirs)
		}
		if ok, err := s.Delete(ctx, citizenB, mine.ID); err != nil || !ok {
			t.Fatalf("B's Delete = %v, %v", ok, err)
		}
		mustGetNote(t, s, citizenA, mine.ID)
		// A store elsewhere (another prefix) shares nothing.
		if _, err := newInbox(t).Get(ctx, citizenA, mine.ID); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Get in another store = %v; want ErrNotFound", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		s := newInbox(t)
		var mine []notifications.Notification
		for i := range 7 {
			mine = append(mine, note(citizenA, fmt.Sprintf("07-c%d-2", i), t0.Add(time.Duration(i)*time.Minute)))
		}
		for _, id := range []string{"07-y-3", "07-x-3", "07-z-3"} { // one instant: by id
			mine = append(mine, note(citizenA, id, t0.Add(3*time.Minute+time.Second)))
		}
		for _, n := range mine {
			mustAdd(t, s, n)
		}
		for i := range 3 {
			mustAdd(t, s, note(citizenB, fmt.Sprintf("03-b%d-2", i), t0.Add(time.Duration(i)*time.Minute+time.Second)))
		}
		want := newestFirst(mine)
		wantNotes(t, s, citizenA, notifications.ListQuery{}, want...)
		for _, first := range []int{1, 2, 3, 5, 9, 10, 11} {
			if got := listNotes(t, s, citizenA, notifications.ListQuery{First: first}, len(mine), len(mine)); !slices.Equal(got, want) {
				t.Errorf("pages of %d: %v; want %v", first, got, want)
			}
		}
		p := mustList(t, s, citizenA, notifications.ListQuery{First: 5})
		last := mustList(t, s, citizenA, notifications.ListQuery{First: 5, After: p.Next})
		if p.Next == "" || len(last.Items) != 5 || last.Next != "" {
			t.Errorf("10 in pages of 5: next %q, then %d items and next %q; want a cursor, then 5 and the end", p.Next, len(last.Items), last.Next)
		}
		// Every engine speaks the one cursor format the API hands out.
		if want := notifications.CursorAfter(p.Items[len(p.Items)-1]); p.Next != want {
			t.Errorf("next cursor %q; want notifications.CursorAfter of the last item, %q", p.Next, want)
		}
		wantNotes(t, s, citizenB, notifications.ListQuery{}, "03-b2-2", "03-b1-2", "03-b0-2")
		if p := mustList(t, s, "3174015708900009", notifications.ListQuery{}); len(p.Items) != 0 || p.Next != "" || p.Total != 0 || p.Unread != 0 {
			t.Errorf("an empty inbox lists %+v", p)
		}
	})

	t.Run("ListPageSize", func(t *testing.T) {
		s := newInbox(t)
		for i := range 105 {
			mustAdd(t, s, note(citizenA, fmt.Sprintf("07-c%03d-2", i), t0.Add(time.Duration(i)*time.Second)))
		}
		for _, tc := range []struct{ first, want int }{{0, 20}, {-1, 20}, {5, 5}, {100, 100}, {500, 100}} {
			p := mustList(t, s, citizenA, notifications.ListQuery{First: tc.first})
			if len(p.Items) != tc.want || p.Next == "" || p.Total != 105 {
				t.Errorf("List(First %d) = %d items, next %q, total %d; want %d, a next page, 105", tc.first, len(p.Items), p.Next, p.Total, tc.want)
			}
		}
	})

	t.Run("BadCursor", func(t *testing.T) {
		s := newInbox(t)
		mustAdd(t, s, note(citizenA, "07-c1-2", t0))
		for _, after := range []string{"not a cursor!", "bm8tY29sb24", "eDoxMjM"} { // "no-colon", "x:123"
			_, err := s.List(ctx, citizenA, notifications.ListQuery{After: after})
			if code := sp.ErrorCodeOf(err); err == nil || code != sp.CodeInvalidInput {
				t.Errorf("List(After %q) = %v (%s); want an INVALID_INPUT error", after, err, code)
			}
		}
	})

	t.Run("UnreadAndCounts", func(t *testing.T) {
		s := newInbox(t)
		var all []notifications.Notification
		for i := range 6 {
			n := note(citizenA, fmt.Sprintf("07-c%d-2", i), t0.Add(time.Duration(i)*time.Minute))
			mustAdd(t, s, n)
			all = append(all, n)
		}
		mustAdd(t, s, note(citizenB, "03-b0-2", t0))
		readAt := t0.Add(time.Hour)
		if n := mustMarkRead(t, s, citizenA, []string{all[1].ID, all[4].ID}, readAt); n != 2 {
			t.Errorf("MarkRead of 2 unread = %d; want 2", n)
		}
		p := mustList(t, s, citizenA, notifications.ListQuery{})
		if p.Total != 6 || p.Unread != 4 {
			t.Errorf("counts %d/%d; want total 6, unread 4", p.Total, p.Unread)
		}
		for _, n := range p.Items {
			if read := n.ID == all[1].ID || n.ID == all[4].ID; read != n.Read() || read && !n.ReadAt.Equal(readAt) {
				t.Errorf("%s read at %v; want read %v at %v", n.ID, n.ReadAt, read, readAt)
			}
		}
		unread := newestFirst([]notifications.Notification{all[0], all[2], all[3], all[5]})
		wantNotes(t, s, citizenA, notifications.ListQuery{UnreadOnly: true}, unread...)
		if got := listNotes(t, s, citizenA, notifications.ListQuery{UnreadOnly: true, First: 3}, 6, 4); !slices.Equal(got, unread) {
			t.Errorf("unread in pages of 3: %v; want %v", got, unread)
		}
		// Read again: nothing changes, the first time stays.
		if n := mustMarkRead(t, s, citizenA, []string{all[1].ID}, readAt.Add(time.Hour)); n != 0 {
			t.Errorf("MarkRead of a read one = %d; want 0", n)
		}
		if got := mustGetNote(t, s, citizenA, all[1].ID); !got.ReadAt.Equal(readAt) {
			t.Errorf("read again: ReadAt %v; want the first, %v", got.ReadAt, readAt)
		}
		if p := mustList(t, s, citizenB, notifications.ListQuery{}); p.Total != 1 || p.Unread != 1 {
			t.Errorf("B's counts %d/%d; want 1/1", p.Total, p.Unread)
		}
		// Added already read.
		read := note(citizenA, "07-c9-2", t0)
		read.ReadAt = readAt
		mustAdd(t, s, read)
		if p := mustList(t, s, citizenA, notifications.ListQuery{}); p.Total != 7 || p.Unread != 4 {
			t.Errorf("after adding a read one: %d/%d; want 7/4", p.Total, p.Unread)
		}
	})

	t.Run("MarkReadOthers", func(t *testing.T) {
		s := newInbox(t)
		mine, theirs := note(citizenA, "07-a-2", t0), note(citizenB, "03-b-2", t0)
		mustAdd(t, s, mine)
		mustAdd(t, s, theirs)
		if n := mustMarkRead(t, s, citizenA, []string{theirs.ID, "07-nope-2", mine.ID, mine.ID}, t0.Add(time.Hour)); n != 1 {
			t.Errorf("MarkRead(own, another's, unknown, own again) = %d; want 1", n)
		}
		if got := mustGetNote(t, s, citizenB, theirs.ID); got.Read() {
			t.Error("A's MarkRead marked B's notification read")
		}
		if n := mustMarkRead(t, s, citizenA, []string{theirs.ID}, t0.Add(time.Hour)); n != 0 {
			t.Errorf("MarkRead of only another's id = %d; want 0", n)
		}
		if _, err := s.MarkRead(ctx, citizenA, nil, time.Time{}); err == nil {
			t.Error("MarkRead at the zero time succeeded; it would leave them unread")
		}
	})

	t.Run("MarkReadAll", func(t *testing.T) {
		s := newInbox(t)
		for i := range 5 {
			mustAdd(t, s, note(citizenA, fmt.Sprintf("07-c%d-2", i), t0.Add(time.Duration(i)*time.Minute)))
		}
		mustAdd(t, s, note(citizenB, "03-b0-2", t0))
		first := t0.Add(time.Hour)
		mustMarkRead(t, s, citizenA, []string{"07-c2-2"}, first)
		all := t0.Add(2 * time.Hour)
		if n := mustMarkRead(t, s, citizenA, nil, all); n != 4 {
			t.Errorf("MarkRead(all) = %d; want the 4 unread", n)
		}
		p := mustList(t, s, citizenA, notifications.ListQuery{})
		if p.Total != 5 || p.Unread != 0 {
			t.Errorf("after MarkRead(all): %d/%d; want 5/0", p.Total, p.Unread)
		}
		for _, n := range p.Items {
			want := all
			if n.ID == "07-c2-2" {
				want = first
			}
			if !n.ReadAt.Equal(want) {
				t.Errorf("%s read at %v; want %v", n.ID, n.ReadAt, want)
			}
		}
		wantNotes(t, s, citizenA, notifications.ListQuery{UnreadOnly: true})
		if n := mustMarkRead(t, s, citizenA, nil, all); n != 0 {
			t.Errorf("MarkRead(all) again = %d; want 0", n)
		}
		if p := mustList(t, s, citizenB, notifications.ListQuery{}); p.Unread != 1 {
			t.Errorf("A's MarkRead(all) left B %d unread; want 1", p.Unread)
		}
		// An empty list is "all" too.
		mustAdd(t, s, note(citizenA, "07-c8-2", t0))
		mustAdd(t, s, note(citizenA, "07-c9-2", t0))
		if n := mustMarkRead(t, s, citizenA, []string{}, all); n != 2 {
			t.Errorf("MarkRead([]) = %d; want 2", n)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newInbox(t)
		a1, a2, a3 := note(citizenA, "07-a1-2", t0), note(citizenA, "07-a2-2", t0.Add(time.Minute)), note(citizenA, "07-a3-2", t0.Add(2*time.Minute))
		b1 := note(citizenB, "03-b1-2", t0)
		for _, n := range []notifications.Notification{a1, a2, a3, b1} {
			mustAdd(t, s, n)
		}
		mustMarkRead(t, s, citizenA, []string{a3.ID}, t0.Add(time.Hour))
		if ok, err := s.Delete(ctx, citizenA, a1.ID); err != nil || !ok {
			t.Fatalf("Delete(own unread) = %v, %v; want true", ok, err)
		}
		if ok, err := s.Delete(ctx, citizenA, a3.ID); err != nil || !ok {
			t.Fatalf("Delete(own read) = %v, %v; want true", ok, err)
		}
		if _, err := s.Get(ctx, citizenA, a1.ID); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Get after Delete = %v; want ErrNotFound", err)
		}
		p := mustList(t, s, citizenA, notifications.ListQuery{})
		if p.Total != 1 || p.Unread != 1 {
			t.Errorf("after deleting one unread and one read of 3: %d/%d; want 1/1", p.Total, p.Unread)
		}
		wantNotes(t, s, citizenA, notifications.ListQuery{}, a2.ID)
		for _, tc := range []struct {
			citizen sp.NIK
			id      string
		}{{citizenA, a1.ID}, {citizenB, a2.ID}, {citizenA, b1.ID}, {citizenA, ""}} {
			if ok, err := s.Delete(ctx, tc.citizen, tc.id); err != nil || ok {
				t.Errorf("Delete(%s, %q) = %v, %v; want false", tc.citizen.Masked(), tc.id, ok, err)
			}
		}
		mustGetNote(t, s, citizenA, a2.ID)
		mustGetNote(t, s, citizenB, b1.ID)
		// Deleted, then added again: it is new, unread.
		for _, n := range []notifications.Notification{a1, a3} {
			if created := mustAdd(t, s, n); !created {
				t.Errorf("Add of %s after Delete: created false", n.ID)
			}
			if got := mustGetNote(t, s, citizenA, n.ID); got.Read() {
				t.Errorf("%s added again after Delete is read at %v; its old read mark was left behind", n.ID, got.ReadAt)
			}
		}
		if p := mustList(t, s, citizenA, notifications.ListQuery{}); p.Total != 3 || p.Unread != 3 {
			t.Errorf("after adding them again: %d/%d; want 3/3", p.Total, p.Unread)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		s := newInbox(t)
		id := func(i int) string { return fmt.Sprintf("07-c%04d-2", i) }
		for i := range InboxLimit {
			mustAdd(t, s, note(citizenA, id(i), t0.Add(time.Duration(i)*time.Second)))
		}
		mustAdd(t, s, note(citizenB, "03-b0-2", t0.Add(-time.Hour)))
		// Of the five oldest, 1 and 3 are read; 5 and 7 are read and stay.
		read := []string{id(1), id(3), id(5), id(7)}
		mustMarkRead(t, s, citizenA, read, t0.Add(time.Hour))
		for i := InboxLimit; i < InboxLimit+5; i++ {
			if created := mustAdd(t, s, note(citizenA, id(i), t0.Add(time.Duration(i)*time.Second))); !created {
				t.Fatalf("Add past the limit: created false")
			}
		}
		p := mustList(t, s, citizenA, notifications.ListQuery{First: 1})
		if p.Total != InboxLimit || p.Unread != InboxLimit-2 || len(p.Items) != 1 || p.Items[0].ID != id(InboxLimit+4) {
			t.Errorf("after %d Adds: total %d, unread %d, newest %v; want %d, %d, %s",
				InboxLimit+5, p.Total, p.Unread, p.Items, InboxLimit, InboxLimit-2, id(InboxLimit+4))
		}
		for i := range 5 {
			if _, err := s.Get(ctx, citizenA, id(i)); !errors.Is(err, sp.ErrNotFound) {
				t.Errorf("Get(%s), one of the oldest = %v; want ErrNotFound", id(i), err)
			}
		}
		if got := mustGetNote(t, s, citizenA, id(5)); !got.Read() {
			t.Errorf("%s lost its read mark", id(5))
		}
		wantNotes(t, s, citizenA, notifications.ListQuery{UnreadOnly: true, First: 100}, newestUnread(id, 5, InboxLimit+5, 5, 7)...)
		// A dropped one added again is new: nothing of it was left behind.
		if created := mustAdd(t, s, note(citizenA, id(1), t0.Add(time.Duration(InboxLimit+5)*time.Second))); !created {
			t.Error("Add of a dropped id: created false")
		}
		if got := mustGetNote(t, s, citizenA, id(1)); got.Read() {
			t.Errorf("%s added again is read at %v; its old read mark was left behind", id(1), got.ReadAt)
		}
		// Older than all it keeps: not kept.
		if created := mustAdd(t, s, note(citizenA, "07-old-2", t0.Add(-time.Hour))); created {
			t.Error("Add of one older than the newest 1000: created true; want false, it is not kept")
		}
		if p := mustList(t, s, citizenA, notifications.ListQuery{First: 1}); p.Total != InboxLimit {
			t.Errorf("total %d; want %d", p.Total, InboxLimit)
		}
		// Other inboxes are not trimmed by it.
		mustGetNote(t, s, citizenB, "03-b0-2")
	})
}

// newestUnread is the ids id(to-1) down to id(from), without those read.
func newestUnread(id func(int) string, from, to int, read ...int) []string {
	var ids []string
	for i := to - 1; i >= from; i-- {
		if !slices.Contains(read, i) {
			ids = append(ids, id(i))
		}
	}
	return ids
}

// newestFirst orders notifications as List does: by CreatedAt to the
// millisecond, then ID, descending.
func newestFirst(ns []notifications.Notification) []string {
	ns = slices.Clone(ns)
	slices.SortFunc(ns, func(a, b notifications.Notification) int {
		return cmp.Or(cmp.Compare(b.CreatedAt.UnixMilli(), a.CreatedAt.UnixMilli()), strings.Compare(b.ID, a.ID))
	})
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	return ids
}

func mustAdd(t *testing.T, s notifications.Inbox, n notifications.Notification) bool {
	t.Helper()
	created, err := s.Add(context.Background(), n)
	if err != nil {
		t.Fatalf("Add(%s): %v", n.ID, err)
	}
	return created
}

func mustGetNote(t *testing.T, s notifications.Inbox, citizen sp.NIK, id string) notifications.Notification {
	t.Helper()
	n, err := s.Get(context.Background(), citizen, id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return n
}

func mustList(t *testing.T, s notifications.Inbox, citizen sp.NIK, q notifications.ListQuery) notifications.Page {
	t.Helper()
	p, err := s.List(context.Background(), citizen, q)
	if err != nil {
		t.Fatalf("List(%+v): %v", q, err)
	}
	return p
}

func mustMarkRead(t *testing.T, s notifications.Inbox, citizen sp.NIK, ids []string, at time.Time) int {
	t.Helper()
	n, err := s.MarkRead(context.Background(), citizen, ids, at)
	if err != nil {
		t.Fatalf("MarkRead(%v): %v", ids, err)
	}
	return n
}

// listNotes follows the cursor to the end and returns the ids in order,
// checking each page: the citizen's, within First, the filter kept, the
// counts given (total, unread) on every page.
func listNotes(t *testing.T, s notifications.Inbox, citizen sp.NIK, q notifications.ListQuery, total, unread int) []string {
	t.Helper()
	size := cmp.Or(max(q.First, 0), 20)
	var ids []string
	for range 1000 {
		p := mustList(t, s, citizen, q)
		if len(p.Items) > min(size, 100) {
			t.Fatalf("List(%+v) returned %d items", q, len(p.Items))
		}
		if total >= 0 && (p.Total != total || p.Unread != unread) {
			t.Errorf("List(%+v) counts %d/%d; want total %d, unread %d", q, p.Total, p.Unread, total, unread)
		}
		for _, n := range p.Items {
			if n.Citizen != citizen {
				t.Fatalf("List for %s returned %s of %s", citizen.Masked(), n.ID, n.Citizen.Masked())
			}
			if q.UnreadOnly && n.Read() {
				t.Fatalf("List(UnreadOnly) returned %s, read", n.ID)
			}
			ids = append(ids, n.ID)
		}
		if p.Next == "" {
			return ids
		}
		if len(p.Items) == 0 {
			t.Fatalf("List(%+v) returned an empty page with a next cursor", q)
		}
		q.After = p.Next
	}
	t.Fatal("List never ended")
	return nil
}

// wantNotes wants the citizen's ids in this order.
func wantNotes(t *testing.T, s notifications.Inbox, citizen sp.NIK, q notifications.ListQuery, want ...string) {
	t.Helper()
	if got := listNotes(t, s, citizen, q, -1, -1); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("List(%+v) = %v; want %v", q, got, want)
	}
}

func sameNote(a, b notifications.Notification) bool {
	return a.ID == b.ID && a.Citizen == b.Citizen && a.CaseID == b.CaseID && a.Status == b.Status &&
		a.Sequence == b.Sequence && a.Title == b.Title && a.Body == b.Body && a.DeepLink == b.DeepLink &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ReadAt.Equal(b.ReadAt)
}
