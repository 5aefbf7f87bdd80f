package memory

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"sync"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

var _ cases.Store = (*CaseStore)(nil)

// CaseStore keeps cases in process memory. One mutex makes Create and
// Update atomic with their jobs; cases are copied in and out.
type CaseStore struct {
	jobs *Queue

	mu        sync.Mutex
	cases     map[string]*cases.Case
	idem      map[citizenKey]string // (citizen, idempotency key) -> case id
	byCitizen map[sp.NIK][]string
	open      map[citizenKey]string             // (citizen, service id) -> the open case of a single-open service
	byAgency  map[sp.Agency]map[string]struct{} // open case ids
}

type citizenKey struct {
	citizen sp.NIK
	key     string
}

// NewCaseStore returns an empty store that enqueues its forward and
// change jobs on jobs.
func NewCaseStore(jobs *Queue) *CaseStore {
	return &CaseStore{
		jobs:      jobs,
		cases:     map[string]*cases.Case{},
		idem:      map[citizenKey]string{},
		byCitizen: map[sp.NIK][]string{},
		open:      map[citizenKey]string{},
		byAgency:  map[sp.Agency]map[string]struct{}{},
	}
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Find returns the citizen's case of an idempotency key.
func (s *CaseStore) Find(_ context.Context, citizen sp.NIK, key string) (*cases.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.idem[citizenKey{citizen, key}]
	if !ok || key == "" {
		return nil, sp.ErrNotFound
	}
	return s.cases[id].Clone(), nil
}

// Create stores a copy of in under a new id (in is not modified), with
// Version 1, and its forward job.
func (s *CaseStore) Create(ctx context.Context, in *cases.Case) (*cases.Case, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	idem := citizenKey{in.Citizen, in.IdempotencyKey}
	if in.IdempotencyKey != "" {
		if id, ok := s.idem[idem]; ok {
			return s.cases[id].Clone(), false, nil
		}
	}
	slot := citizenKey{in.Citizen, in.ServiceID}
	if in.SingleOpen && in.Status.Open() {
		if id, ok := s.open[slot]; ok && s.cases[id].Status.Open() {
			return nil, false, &cases.InProgress{Case: s.cases[id].Clone()}
		}
	}
	var b [16]byte
	rand.Read(b[:])
	c := in.Clone()
	c.ID, c.Version = idEncoding.EncodeToString(b[:]), 1
	s.cases[c.ID] = c
	if in.IdempotencyKey != "" {
		s.idem[idem] = c.ID
	}
	s.byCitizen[c.Citizen] = append(s.byCitizen[c.Citizen], c.ID)
	if c.Status.Open() {
		if c.SingleOpen {
			s.open[slot] = c.ID
		}
		if s.byAgency[c.Agency] == nil {
			s.byAgency[c.Agency] = map[string]struct{}{}
		}
		s.byAgency[c.Agency][c.ID] = struct{}{}
	}
	if err := s.jobs.Enqueue(ctx, cases.FirstJobs(c)...); err != nil {
		return nil, false, err // unreachable: the job is valid
	}
	return c.Clone(), true, nil
}

// Get returns the case, or sp.ErrNotFound.
func (s *CaseStore) Get(_ context.Context, id string) (*cases.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cases[id]
	if !ok {
		return nil, sp.ErrNotFound
	}
	return c.Clone(), nil
}

// Update applies f to a copy of the case and stores it with Version+1.
func (s *CaseStore) Update(ctx context.Context, id string, f func(*cases.Case) error) (*cases.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateLocked(ctx, id, f)
}

// updateLocked is Update with s.mu held.
func (s *CaseStore) updateLocked(ctx context.Context, id string, f func(*cases.Case) error) (*cases.Case, error) {
	cur, ok := s.cases[id]
	if !ok {
		return nil, sp.ErrNotFound
	}
	next := cur.Clone()
	if err := f(next); errors.Is(err, cases.ErrNoChange) {
		return cur.Clone(), nil
	} else if err != nil {
		return nil, err
	}
	if next.ID != cur.ID || next.Citizen != cur.Citizen || next.Actor != cur.Actor || next.ServiceID != cur.ServiceID ||
		next.Agency != cur.Agency || !next.CreatedAt.Equal(cur.CreatedAt) || next.SingleOpen != cur.SingleOpen {
		return nil, errors.New("memory case store: an update must not change a case's id, citizen, service, agency, creation time or single-open flag")
	}
	next.Version = cur.Version + 1
	if err := s.jobs.Enqueue(ctx, cases.UpdateJobs(cur, next)...); err != nil {
		return nil, err // unreachable: the jobs are valid
	}
	if cur.Status.Open() && !next.Status.Open() {
		slot := citizenKey{cur.Citizen, cur.ServiceID}
		if s.open[slot] == id {
			delete(s.open, slot)
		}
		delete(s.byAgency[cur.Agency], id)
	}
	s.cases[id] = next
	return next.Clone(), nil
}

func positionOf(c *cases.Case) sp.Position { return sp.PositionOf(c.CreatedAt, c.ID) }

// parseCursor decodes a cursor; "" is the start (ok false).
func parseCursor(s string) (sp.Position, bool, error) {
	p, ok, err := sp.ParsePosition(s)
	if err != nil {
		return p, ok, fmt.Errorf("memory case store: cursor %q: %w", s, err)
	}
	return p, ok, nil
}

// List returns a page of the citizen's cases, newest first.
func (s *CaseStore) List(_ context.Context, citizen sp.NIK, q cases.ListQuery) ([]*cases.Case, string, error) {
	first := q.Size()
	after, paged, err := parseCursor(q.After)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*cases.Case
	for _, id := range s.byCitizen[citizen] {
		c := s.cases[id]
		if (q.Status == "" || c.Status == q.Status) && (!paged || positionOf(c).Compare(after) < 0) {
			all = append(all, c)
		}
	}
	slices.SortFunc(all, func(a, b *cases.Case) int { return positionOf(b).Compare(positionOf(a)) })
	next := ""
	if len(all) > first {
		all = all[:first]
		next = positionOf(all[first-1]).Cursor()
	}
	page := make([]*cases.Case, len(all))
	for i, c := range all {
		page[i] = c.Clone()
	}
	return page, next, nil
}

// Count is how many of the citizen's cases are in status ("" for all).
func (s *CaseStore) Count(_ context.Context, citizen sp.NIK, status cases.Status) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range s.byCitizen[citizen] {
		if status == "" || s.cases[id].Status == status {
			n++
		}
	}
	return n, nil
}

// OpenCases lists the ids of the agency's open cases, oldest first.
func (s *CaseStore) OpenCases(_ context.Context, a sp.Agency, after string, limit int) ([]string, string, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	from, paged, err := parseCursor(after)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	var open []sp.Position
	for id := range s.byAgency[a] {
		if p := positionOf(s.cases[id]); !paged || p.Compare(from) > 0 {
			open = append(open, p)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(open, sp.Position.Compare)
	next := ""
	if len(open) > limit {
		open = open[:limit]
		next = open[limit-1].Cursor()
	}
	ids := make([]string, len(open))
	for i, p := range open {
		ids[i] = p.ID
	}
	return ids, next, nil
}
