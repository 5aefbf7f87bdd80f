package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/privacy"
)

// loggedReceivers asks the policy who else receives a citizen's case
// notifications and writes the agency reads it made (the citizen's record
// and family card) to the citizen's access log, as satupintu's system's,
// for the purpose the notifier gives (the case's, "case:<id>"), under the
// case.
type loggedReceivers struct {
	policy interface {
		Receivers(ctx context.Context, subject sp.NIK) ([]sp.NIK, error)
	}
	log privacy.Log // nil: not logged (SATUPINTU_ACCESS_LOG=off)
	now func() time.Time
}

func (r loggedReceivers) Receivers(ctx context.Context, subject sp.NIK) ([]sp.NIK, error) {
	var (
		mu    sync.Mutex
		reads []sp.AgencyRead
	)
	who, err := r.policy.Receivers(agency.WithObserver(ctx, func(read sp.AgencyRead) {
		if read.Called {
			mu.Lock()
			reads = append(reads, read)
			mu.Unlock()
		}
	}), subject)
	if r.log != nil && len(reads) > 0 {
		entries := privacy.ReadEntries(reads, privacy.Actor{Kind: privacy.ActorSystem}, r.now())
		for i := range entries {
			entries[i].CaseID, _ = strings.CutPrefix(entries[i].Purpose, "case:")
		}
		if lerr := r.log.Record(ctx, entries...); lerr != nil {
			return nil, fmt.Errorf("logging the reads that found who receives the notifications: %w", lerr)
		}
	}
	return who, err
}

// receivers is who else receives a citizen's case notifications: the
// policy, its reads logged.
func (a *app) receivers() loggedReceivers {
	r := loggedReceivers{policy: a.policy, now: a.now}
	if a.cfg.AccessLog {
		r.log = a.stores.AccessLog
	}
	return r
}
