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

var _ privacy.Consents = (*Consents)(nil)

// Consents keeps citizens' consents in process memory.
type Consents struct {
	mu     sync.RWMutex
	bySubj map[sp.NIK][]privacy.Consent
}

// NewConsents returns an empty consent store.
func NewConsents() *Consents { return &Consents{bySubj: map[sp.NIK][]privacy.Consent{}} }

func cloneConsent(c privacy.Consent) privacy.Consent {
	c.Categories = slices.Clone(c.Categories)
	return c
}

// Grant stores c with a new id.
func (s *Consents) Grant(ctx context.Context, c privacy.Consent) (privacy.Consent, error) {
	if err := ctx.Err(); err != nil {
		return privacy.Consent{}, err
	}
	c.ID = ""
	c, err := privacy.NormalizeConsent(c)
	if err != nil {
		return privacy.Consent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bySubj[c.Subject] = append(s.bySubj[c.Subject], cloneConsent(c))
	return cloneConsent(c), nil
}

// Withdraw ends the consent at at; a consent withdrawn already keeps its
// first withdrawal.
func (s *Consents) Withdraw(ctx context.Context, subject sp.NIK, id string, at time.Time) (privacy.Consent, error) {
	if err := ctx.Err(); err != nil {
		return privacy.Consent{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.bySubj[subject]
	for i := range list {
		if list[i].ID == id {
			if list[i].WithdrawnAt.IsZero() {
				list[i].WithdrawnAt = privacy.Micro(at)
			}
			return cloneConsent(list[i]), nil
		}
	}
	return privacy.Consent{}, sp.ErrNotFound
}

// Get returns the subject's consent id.
func (s *Consents) Get(ctx context.Context, subject sp.NIK, id string) (privacy.Consent, error) {
	if err := ctx.Err(); err != nil {
		return privacy.Consent{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.bySubj[subject] {
		if c.ID == id {
			return cloneConsent(c), nil
		}
	}
	return privacy.Consent{}, sp.ErrNotFound
}

// List returns the subject's consents, newest first.
func (s *Consents) List(ctx context.Context, subject sp.NIK) ([]privacy.Consent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := make([]privacy.Consent, 0, len(s.bySubj[subject]))
	for _, c := range s.bySubj[subject] {
		out = append(out, cloneConsent(c))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b privacy.Consent) int {
		return cmp.Or(b.GrantedAt.Compare(a.GrantedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}
