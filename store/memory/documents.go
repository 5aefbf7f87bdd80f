package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents"
)

var (
	_ documents.StatusSlots  = (*StatusSlots)(nil)
	_ documents.Shares       = (*Shares)(nil)
	_ documents.ShareHistory = (*Shares)(nil)
)

// StatusSlots keeps documents' status-list slots in process memory: slots
// numbered from 0 in the order documents were first seen.
type StatusSlots struct {
	mu     sync.Mutex
	byKey  map[string]int64
	status map[int64]uint8 // non-zero only
}

// NewStatusSlots returns slots with none allocated.
func NewStatusSlots() *StatusSlots {
	return &StatusSlots{byKey: map[string]int64{}, status: map[int64]uint8{}}
}

func (s *StatusSlots) Put(_ context.Context, key string, status uint8, _ time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.byKey[key]
	if !ok {
		n = int64(len(s.byKey))
		s.byKey[key] = n
	}
	if status == 0 {
		delete(s.status, n)
	} else {
		s.status[n] = status
	}
	return n, nil
}

func (s *StatusSlots) Statuses(_ context.Context, from, to int64) (map[int64]uint8, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]uint8{}
	for n, v := range s.status {
		if n >= from && n < to {
			out[n] = v
		}
	}
	return out, nil
}

// Shares keeps document shares in process memory.
type Shares struct {
	mu     sync.Mutex
	byID   map[string]*documents.Share
	byCode map[string]string
}

// NewShares returns an empty share store.
func NewShares() *Shares {
	return &Shares{byID: map[string]*documents.Share{}, byCode: map[string]string{}}
}

func (s *Shares) Create(_ context.Context, sh documents.Share) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh.Claims = slices.Clone(sh.Claims)
	s.byID[sh.ID] = &sh
	s.byCode[sh.CodeHash] = sh.ID
	return nil
}

func (s *Shares) ByCode(_ context.Context, codeHash string) (documents.Share, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.byID[s.byCode[codeHash]]
	if !ok {
		return documents.Share{}, sp.ErrNotFound
	}
	return copyShare(sh), nil
}

func (s *Shares) Redeem(_ context.Context, id string, r documents.Redemption) (documents.Share, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.byID[id]
	switch {
	case !ok:
		return documents.Share{}, sp.ErrNotFound
	case !sh.VerifiedAt.IsZero():
		return documents.Share{}, documents.ErrShareUsed
	case !r.At.Before(sh.ExpiresAt):
		return documents.Share{}, documents.ErrShareExpired
	}
	sh.VerifiedAt, sh.VerifierID, sh.VerifierName = r.At, r.VerifierID, r.VerifierName
	return copyShare(sh), nil
}

func (s *Shares) Release(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sh, ok := s.byID[id]; ok {
		sh.VerifiedAt, sh.VerifierID, sh.VerifierName = time.Time{}, "", ""
	}
	return nil
}

func (s *Shares) List(_ context.Context, subject sp.NIK, after *sp.Position, n int) ([]documents.Share, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []documents.Share
	for _, sh := range s.byID {
		if sh.Subject == subject && (after == nil || sh.Position().Compare(*after) < 0) {
			out = append(out, copyShare(sh))
		}
	}
	slices.SortFunc(out, func(a, b documents.Share) int { return b.Position().Compare(a.Position()) })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// EraseCitizen deletes the subject's shares (deleteMyData).
func (s *Shares) EraseCitizen(_ context.Context, subject sp.NIK) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, sh := range s.byID {
		if sh.Subject == subject {
			delete(s.byCode, sh.CodeHash)
			delete(s.byID, id)
			n++
		}
	}
	return n, nil
}

func (s *Shares) Count(_ context.Context, subject sp.NIK) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sh := range s.byID {
		if sh.Subject == subject {
			n++
		}
	}
	return n, nil
}

func copyShare(sh *documents.Share) documents.Share {
	c := *sh
	c.Claims = slices.Clone(sh.Claims)
	return c
}
