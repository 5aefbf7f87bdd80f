package memory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Inbox = (*Inbox)(nil)

// maxInbox is how many notifications a citizen keeps; Add drops the oldest.
const maxInbox = 1000

// Inbox keeps each citizen's notifications in process memory, under one
// mutex. Ids are unique per citizen.
type Inbox struct {
	mu        sync.Mutex
	byCitizen map[sp.NIK]map[string]notifications.Notification
}

// NewInbox returns an empty inbox store.
func NewInbox() *Inbox {
	return &Inbox{byCitizen: map[sp.NIK]map[string]notifications.Notification{}}
}

// notePosition is where a notification sorts: by creation to the
// millisecond (as PostgreSQL lists it), then id.
func notePosition(n notifications.Notification) sp.Position {
	return sp.PositionOf(n.CreatedAt, n.ID)
}

// Add stores n unless the citizen has a notification with its id. An inbox
// keeps the newest maxInbox (by CreatedAt, then ID): the oldest goes, and
// Add of one older than all of those reports false.
func (s *Inbox) Add(_ context.Context, n notifications.Notification) (bool, error) {
	if n.ID == "" || n.Citizen == "" {
		return false, errors.New("memory inbox: add: a notification needs an id and a citizen")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	box := s.byCitizen[n.Citizen]
	if box == nil {
		box = map[string]notifications.Notification{}
		s.byCitizen[n.Citizen] = box
	}
	if _, ok := box[n.ID]; ok {
		return false, nil
	}
	box[n.ID] = n
	if len(box) > maxInbox {
		oldest := notePosition(n)
		for _, m := range box {
			if p := notePosition(m); p.Compare(oldest) < 0 {
				oldest = p
			}
		}
		delete(box, oldest.ID)
	}
	_, kept := box[n.ID]
	return kept, nil
}

// Get returns one of the citizen's notifications, or
// sp.ErrNotFound.
func (s *Inbox) Get(_ context.Context, citizen sp.NIK, id string) (notifications.Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.byCitizen[citizen][id]
	if !ok {
		return notifications.Notification{}, sp.ErrNotFound
	}
	return n, nil
}

// List pages through the citizen's notifications, newest first by
// CreatedAt (to the millisecond) and then ID. Total and Unread count the
// whole inbox, whatever the filter.
func (s *Inbox) List(_ context.Context, citizen sp.NIK, q notifications.ListQuery) (notifications.Page, error) {
	first := q.Size()
	after, paged, err := parseInboxCursor(q.After)
	if err != nil {
		return notifications.Page{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var page notifications.Page
	var items []notifications.Notification
	for _, n := range s.byCitizen[citizen] {
		page.Total++
		if !n.Read() {
			page.Unread++
		}
		if (!q.UnreadOnly || !n.Read()) && (!paged || notePosition(n).Compare(after) < 0) {
			items = append(items, n)
		}
	}
	slices.SortFunc(items, func(a, b notifications.Notification) int {
		return notePosition(b).Compare(notePosition(a))
	})
	if len(items) > first {
		items = items[:first]
		page.Next = notePosition(items[first-1]).Cursor()
	}
	page.Items = items
	return page, nil
}

// parseInboxCursor decodes a cursor; "" is the start (ok false).
func parseInboxCursor(s string) (sp.Position, bool, error) {
	p, ok, err := sp.ParsePosition(s)
	if err != nil {
		return p, ok, fmt.Errorf("memory inbox: cursor %q: %w", s, err)
	}
	return p, ok, nil
}

// MarkRead marks the citizen's given notifications (all when ids is empty)
// read at at; ids not in the citizen's inbox are ignored.
func (s *Inbox) MarkRead(_ context.Context, citizen sp.NIK, ids []string, at time.Time) (int, error) {
	if at.IsZero() {
		return 0, errors.New("memory inbox: mark read: a zero time would leave them unread")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	box := s.byCitizen[citizen]
	if len(ids) == 0 {
		ids = slices.Collect(maps.Keys(box))
	}
	changed := 0
	for _, id := range ids {
		if n, ok := box[id]; ok && !n.Read() {
			n.ReadAt = at
			box[id] = n
			changed++
		}
	}
	return changed, nil
}

// Delete removes one of the citizen's notifications.
func (s *Inbox) Delete(_ context.Context, citizen sp.NIK, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byCitizen[citizen][id]; !ok {
		return false, nil
	}
	delete(s.byCitizen[citizen], id)
	return true, nil
}
