package memory

import (
	"context"
	"sync"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/mandates"
)

var _ mandates.Store = (*Mandates)(nil)

// Mandates keeps mandates in process memory.
type Mandates struct {
	mu   sync.Mutex
	byID map[string]mandates.Mandate
}

// NewMandates returns an empty mandate store.
func NewMandates() *Mandates { return &Mandates{byID: map[string]mandates.Mandate{}} }

// Create stores m.
func (s *Mandates) Create(ctx context.Context, m mandates.Mandate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[m.ID] = m.Clone()
	return nil
}

// Update changes mandate id under f.
func (s *Mandates) Update(ctx context.Context, id string, f func(*mandates.Mandate) error) (mandates.Mandate, error) {
	if err := ctx.Err(); err != nil {
		return mandates.Mandate{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.byID[id]
	if !ok {
		return mandates.Mandate{}, sp.ErrNotFound
	}
	m = m.Clone()
	if err := f(&m); err != nil {
		return mandates.Mandate{}, err
	}
	m.ID, m.Grantor, m.Grantee = id, s.byID[id].Grantor, s.byID[id].Grantee
	s.byID[id] = m.Clone()
	return m, nil
}

// OfParty lists the mandates nik gave or received, newest first.
func (s *Mandates) OfParty(ctx context.Context, nik sp.NIK) ([]mandates.Mandate, error) {
	return s.where(ctx, func(m mandates.Mandate) bool { return m.Grantor == nik || m.Grantee == nik })
}

// Between lists the mandates grantor gave grantee, newest first.
func (s *Mandates) Between(ctx context.Context, grantor, grantee sp.NIK) ([]mandates.Mandate, error) {
	return s.where(ctx, func(m mandates.Mandate) bool { return m.Grantor == grantor && m.Grantee == grantee })
}

func (s *Mandates) where(ctx context.Context, keep func(mandates.Mandate) bool) ([]mandates.Mandate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out := []mandates.Mandate{}
	for _, m := range s.byID {
		if keep(m) {
			out = append(out, m.Clone())
		}
	}
	s.mu.Unlock()
	mandates.SortNewest(out)
	return out, nil
}
