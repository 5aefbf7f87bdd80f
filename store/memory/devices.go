package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Devices = (*Devices)(nil)

// Devices keeps device records in process memory: one per token, and per
// citizen the set of their tokens, changed together under one mutex.
type Devices struct {
	mu        sync.Mutex
	byToken   map[string]notifications.Device
	byCitizen map[sp.NIK]map[string]struct{}
}

// NewDevices returns an empty device registry.
func NewDevices() *Devices {
	return &Devices{byToken: map[string]notifications.Device{}, byCitizen: map[sp.NIK]map[string]struct{}{}}
}

// Register stores d under d.Token. The token's earlier owner, if another
// citizen, loses it; the same citizen keeps its RegisteredAt.
func (s *Devices) Register(_ context.Context, d notifications.Device) error {
	if d.Token == "" || d.Citizen == "" {
		return errors.New("memory devices: register: a device needs a token and a citizen")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byToken[d.Token]; ok {
		if old.Citizen == d.Citizen {
			d.RegisteredAt = old.RegisteredAt
		} else {
			s.unlink(old.Citizen, d.Token)
		}
	}
	s.byToken[d.Token] = d
	if s.byCitizen[d.Citizen] == nil {
		s.byCitizen[d.Citizen] = map[string]struct{}{}
	}
	s.byCitizen[d.Citizen][d.Token] = struct{}{}
	return nil
}

// unlink removes token from the citizen's set; s.mu is held.
func (s *Devices) unlink(citizen sp.NIK, token string) {
	delete(s.byCitizen[citizen], token)
	if len(s.byCitizen[citizen]) == 0 {
		delete(s.byCitizen, citizen)
	}
}

// Unregister removes the token if it is the citizen's.
func (s *Devices) Unregister(_ context.Context, citizen sp.NIK, token string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.byToken[token]
	if !ok || d.Citizen != citizen {
		return false, nil
	}
	delete(s.byToken, token)
	s.unlink(citizen, token)
	return true, nil
}

// Delete removes the token whoever owns it.
func (s *Devices) Delete(_ context.Context, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.byToken[token]; ok {
		delete(s.byToken, token)
		s.unlink(d.Citizen, token)
	}
	return nil
}

// OfCitizen lists the citizen's devices seen at or after notBefore, most
// recently seen first, and deletes those seen before.
func (s *Devices) OfCitizen(_ context.Context, citizen sp.NIK, notBefore time.Time) ([]notifications.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []notifications.Device
	for token := range s.byCitizen[citizen] {
		d := s.byToken[token]
		if d.LastSeen.Before(notBefore) {
			delete(s.byToken, token)
			s.unlink(citizen, token)
			continue
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b notifications.Device) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.Token, b.Token))
	})
	return out, nil
}

// Get returns the device of a token, or sp.ErrNotFound.
func (s *Devices) Get(_ context.Context, token string) (notifications.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.byToken[token]
	if !ok {
		return notifications.Device{}, sp.ErrNotFound
	}
	return d, nil
}
