package memory

import (
	"context"
	"slices"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// What privacy asks of the memory engines: erasing a citizen's
// convenience data (deleteMyData) and what is past its retention.

var (
	_ privacy.InboxPurger      = (*Inbox)(nil)
	_ privacy.ClosedCasePurger = (*CaseStore)(nil)
	_ privacy.ConsentPurger    = (*Consents)(nil)
	_ privacy.CitizenEraser    = (*Inbox)(nil)
	_ privacy.CitizenEraser    = (*Devices)(nil)
)

// EraseCitizen deletes the citizen's whole inbox.
func (s *Inbox) EraseCitizen(ctx context.Context, citizen sp.NIK) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.byCitizen[citizen])
	delete(s.byCitizen, citizen)
	return n, ctx.Err()
}

// PurgeBefore deletes the notifications created before before.
func (s *Inbox) PurgeBefore(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c, box := range s.byCitizen {
		for id, note := range box {
			if note.CreatedAt.Before(before) {
				delete(box, id)
				n++
			}
		}
		if len(box) == 0 {
			delete(s.byCitizen, c)
		}
	}
	return n, ctx.Err()
}

// EraseCitizen deletes the citizen's devices.
func (s *Devices) EraseCitizen(ctx context.Context, citizen sp.NIK) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for token := range s.byCitizen[citizen] {
		delete(s.byToken, token)
		n++
	}
	delete(s.byCitizen, citizen)
	return n, ctx.Err()
}

// PurgeClosedBefore deletes the cases closed whose last change is before
// before; open cases stay whatever their age.
func (s *CaseStore) PurgeClosedBefore(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, c := range s.cases {
		if c.Status.Open() || !c.UpdatedAt.Before(before) {
			continue
		}
		delete(s.cases, id)
		if s.idem[citizenKey{c.Citizen, c.IdempotencyKey}] == id {
			delete(s.idem, citizenKey{c.Citizen, c.IdempotencyKey})
		}
		if s.open[citizenKey{c.Citizen, c.ServiceID}] == id {
			delete(s.open, citizenKey{c.Citizen, c.ServiceID})
		}
		s.byCitizen[c.Citizen] = slices.DeleteFunc(s.byCitizen[c.Citizen], func(x string) bool { return x == id })
		if len(s.byCitizen[c.Citizen]) == 0 {
			delete(s.byCitizen, c.Citizen)
		}
		n++
	}
	return n, ctx.Err()
}

// PurgeEndedBefore deletes the consents withdrawn or expired before before.
func (s *Consents) PurgeEndedBefore(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for subj, list := range s.bySubj {
		kept := slices.DeleteFunc(list, func(c privacy.Consent) bool {
			return !c.WithdrawnAt.IsZero() && c.WithdrawnAt.Before(before) || !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(before)
		})
		n += len(list) - len(kept)
		if len(kept) == 0 {
			delete(s.bySubj, subj)
		} else {
			s.bySubj[subj] = kept
		}
	}
	return n, ctx.Err()
}
