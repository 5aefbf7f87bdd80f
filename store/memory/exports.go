package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

var _ privacy.Exports = (*Exports)(nil)

// Exports keeps citizens' data exports in process memory.
type Exports struct {
	mu      sync.Mutex
	byID    map[string]*memExport
	byToken map[string]string // token hash -> id
}

type memExport struct {
	e   privacy.Export
	doc []byte
}

// NewExports returns an empty export store.
func NewExports() *Exports {
	return &Exports{byID: map[string]*memExport{}, byToken: map[string]string{}}
}

// Create stores a new export, preparing.
func (s *Exports) Create(ctx context.Context, e privacy.Export) error {
	if e.ID == "" || e.Subject == "" || e.RequestedAt.IsZero() {
		return errors.New("memory exports: an export needs an id, a subject and a request time")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[e.ID]; ok {
		return errors.New("memory exports: the id is taken")
	}
	s.byID[e.ID] = &memExport{e: privacy.Export{ID: e.ID, Subject: e.Subject, RequestedAt: privacy.Micro(e.RequestedAt)}}
	return ctx.Err()
}

// Find returns the export id.
func (s *Exports) Find(ctx context.Context, id string) (privacy.Export, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.byID[id]
	if !ok {
		return privacy.Export{}, sp.ErrNotFound
	}
	return x.e, ctx.Err()
}

// List returns the subject's exports, newest first.
func (s *Exports) List(ctx context.Context, subject sp.NIK) ([]privacy.Export, error) {
	s.mu.Lock()
	out := []privacy.Export{}
	for _, x := range s.byID {
		if x.e.Subject == subject {
			out = append(out, x.e)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b privacy.Export) int {
		return cmp.Or(b.RequestedAt.Compare(a.RequestedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, ctx.Err()
}

// Complete makes the export ready with its document.
func (s *Exports) Complete(ctx context.Context, id string, document []byte, token string, readyAt, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.byID[id]
	if !ok {
		return sp.ErrNotFound
	}
	if !x.e.ReadyAt.IsZero() {
		return nil
	}
	x.e.ReadyAt, x.e.ExpiresAt, x.e.Token = privacy.Micro(readyAt), privacy.Micro(expiresAt), token
	x.doc = clone(document)
	s.byToken[string(privacy.TokenHash(token))] = id
	return ctx.Err()
}

// Take returns the document once.
func (s *Exports) Take(ctx context.Context, token string, at time.Time) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byToken[string(privacy.TokenHash(token))]
	if !ok {
		return nil, sp.ErrNotFound
	}
	x := s.byID[id]
	if x.doc == nil || !at.Before(x.e.ExpiresAt) {
		x.doc = nil
		return nil, privacy.ErrExportGone
	}
	doc := x.doc
	x.doc, x.e.Token, x.e.DownloadedAt = nil, "", privacy.Micro(at)
	return doc, nil
}

// EraseCitizen deletes every export of the subject.
func (s *Exports) EraseCitizen(ctx context.Context, subject sp.NIK) (int, error) {
	return s.remove(ctx, func(e privacy.Export) bool { return e.Subject == subject })
}

// PurgeExpiredBefore deletes the exports whose link expired before before
// (and those never made ready, a day after they were asked for).
func (s *Exports) PurgeExpiredBefore(ctx context.Context, before time.Time) (int, error) {
	return s.remove(ctx, func(e privacy.Export) bool {
		if e.ReadyAt.IsZero() {
			return e.RequestedAt.Before(before.Add(-privacy.ExportValidFor))
		}
		return e.ExpiresAt.Before(before)
	})
}

func (s *Exports) remove(ctx context.Context, match func(privacy.Export) bool) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, x := range s.byID {
		if match(x.e) {
			delete(s.byID, id)
			for h, tid := range s.byToken {
				if tid == id {
					delete(s.byToken, h)
				}
			}
			n++
		}
	}
	return n, nil
}
