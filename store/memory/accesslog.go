package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

var (
	_ privacy.Log      = (*AccessLog)(nil)
	_ privacy.Reader   = (*AccessLog)(nil)
	_ privacy.Retainer = (*AccessLog)(nil)
)

// AccessLog is the access log in process memory: each citizen's entries
// oldest first, so that recording one (almost always the newest) appends
// rather than moving every older entry along. It has no update or delete
// but DropBefore (retention).
type AccessLog struct {
	mu      sync.RWMutex
	bySubj  map[sp.NIK][]privacy.Entry // oldest first; read backwards
	entries map[entryKey]bool
}

type entryKey struct {
	id string
	at int64 // unix microseconds
}

// NewAccessLog returns an empty access log.
func NewAccessLog() *AccessLog {
	return &AccessLog{bySubj: map[sp.NIK][]privacy.Entry{}, entries: map[entryKey]bool{}}
}

// Record stores the entries, all or none; an entry whose ID and At are
// logged already is skipped.
func (l *AccessLog) Record(ctx context.Context, entries ...privacy.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	norm := make([]privacy.Entry, len(entries))
	for i, e := range entries {
		n, err := privacy.Normalize(e)
		if err != nil {
			return err
		}
		n.Categories = slices.Clone(n.Categories)
		norm[i] = n
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range norm {
		k := entryKey{e.ID, e.At.UnixMicro()}
		if l.entries[k] {
			continue
		}
		l.entries[k] = true
		list := l.bySubj[e.Subject]
		i, _ := slices.BinarySearchFunc(list, e, oldestFirst)
		l.bySubj[e.Subject] = slices.Insert(list, i, e)
	}
	return nil
}

// oldestFirst orders entries by At, then ID, both ascending: read
// backwards, newest first as the log is shown.
func oldestFirst(a, b privacy.Entry) int {
	return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
}

// List pages through the subject's entries, newest first.
func (l *AccessLog) List(ctx context.Context, subject sp.NIK, q privacy.LogQuery) (privacy.LogPage, error) {
	at, id, paged, err := privacy.ParseCursor(q.After)
	if err != nil {
		return privacy.LogPage{}, err
	}
	if err := ctx.Err(); err != nil {
		return privacy.LogPage{}, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	var page privacy.LogPage
	size := q.Size()
	for _, e := range slices.Backward(l.bySubj[subject]) { // newest first
		if !q.Matches(e) {
			continue
		}
		page.Total++
		if paged && !privacy.Before(e, at, id) {
			continue
		}
		if len(page.Entries) < size {
			e.Categories = slices.Clone(e.Categories)
			page.Entries = append(page.Entries, e)
		} else if page.Next == "" {
			page.Next = privacy.Cursor(page.Entries[size-1])
		}
	}
	return page, nil
}

// CountByAgency counts the subject's entries at or after since, per agency.
func (l *AccessLog) CountByAgency(ctx context.Context, subject sp.NIK, since time.Time) (map[sp.Agency]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := map[sp.Agency]int{}
	for _, e := range slices.Backward(l.bySubj[subject]) { // newest first
		if e.At.Before(since) {
			break // newest first: the rest is older
		}
		out[e.Agency]++
	}
	return out, nil
}

// Prepare has nothing to make ready in memory.
func (l *AccessLog) Prepare(ctx context.Context, from, until time.Time) error { return ctx.Err() }

// DropBefore drops the entries of every month that ends at or before
// before, as dropping PostgreSQL's monthly partitions does.
func (l *AccessLog) DropBefore(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// The month holding before ends after it: it stays whole.
	cut := privacy.MonthStart(before)
	l.mu.Lock()
	defer l.mu.Unlock()
	dropped := 0
	for subj, list := range l.bySubj {
		// Oldest first: the entries before cut are the first i.
		i := slices.IndexFunc(list, func(e privacy.Entry) bool { return !e.At.Before(cut) })
		if i < 0 {
			i = len(list)
		}
		if i == 0 {
			continue
		}
		for _, e := range list[:i] {
			delete(l.entries, entryKey{e.ID, e.At.UnixMicro()})
		}
		dropped += i
		if i == len(list) {
			delete(l.bySubj, subj)
		} else {
			l.bySubj[subj] = slices.Clone(list[i:])
		}
	}
	return dropped, nil
}
