package postgres

import (
	"context"
	_ "embed"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// What privacy asks of the PostgreSQL engines: erasing a citizen's
// convenience data (deleteMyData) and what is past its retention.

var (
	_ privacy.InboxPurger      = (*Inbox)(nil)
	_ privacy.ConsentPurger    = (*Consents)(nil)
	_ privacy.CitizenEraser    = (*Inbox)(nil)
	_ privacy.CitizenEraser    = (*Devices)(nil)
	_ privacy.ClosedCasePurger = (*CaseStore)(nil)
)

var (
	//go:embed queries/cases_purge_closed.sql
	casesPurgeClosedSQL string
	//go:embed queries/consents_purge.sql
	consentsPurgeSQL string
	//go:embed queries/devices_erase_citizen.sql
	devicesEraseCitizenSQL string
	//go:embed queries/inbox_erase_citizen.sql
	inboxEraseCitizenSQL string
	//go:embed queries/inbox_old_citizens.sql
	inboxOldCitizensSQL string
	//go:embed queries/inbox_purge_citizen.sql
	inboxPurgeCitizenSQL string
)

// EraseCitizen deletes the citizen's devices.
func (s *Devices) EraseCitizen(ctx context.Context, citizen sp.NIK) (_ int, err error) {
	defer wrap(&err, "devices: erasing a citizen's")
	tag, err := s.db.pool.Exec(ctx, devicesEraseCitizenSQL, s.db.keys.Hash(citizenPurpose, []byte(citizen)))
	return int(tag.RowsAffected()), err
}

// EraseCitizen deletes the citizen's whole inbox, with its counts locked
// as every inbox write does.
func (s *Inbox) EraseCitizen(ctx context.Context, citizen sp.NIK) (n int, err error) {
	defer wrap(&err, "inbox: erasing a citizen's")
	hash := s.citizen(citizen)
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		if err := lockInbox(ctx, tx, hash); err != nil && !errors.Is(err, errNoInbox) {
			return err
		}
		return tx.QueryRow(ctx, inboxEraseCitizenSQL, hash).Scan(&n)
	})
	return n, err
}

// purgeBatch is how many old notifications one pass of PurgeBefore looks
// at to find the citizens it then purges one by one.
const purgeBatch = 1000

// PurgeBefore deletes the notifications created before before, a citizen
// at a time with their inbox locked, so the counts stay exact.
func (s *Inbox) PurgeBefore(ctx context.Context, before time.Time) (total int, err error) {
	defer wrap(&err, "inbox: purging")
	ms := before.UnixMilli()
	for {
		rows, err := s.db.pool.Query(ctx, inboxOldCitizensSQL, ms, purgeBatch)
		if err != nil {
			return total, err
		}
		citizens, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return total, err
		}
		if len(citizens) == 0 {
			return total, nil
		}
		for _, hash := range citizens {
			var n int
			err := s.db.WithTx(ctx, func(tx pgx.Tx) error {
				if err := lockInbox(ctx, tx, hash); err != nil && !errors.Is(err, errNoInbox) {
					return err
				}
				return tx.QueryRow(ctx, inboxPurgeCitizenSQL, hash, ms).Scan(&n)
			})
			if err != nil {
				return total, err
			}
			total += n
		}
	}
}

// PurgeEndedBefore deletes the consents that ended before before.
func (s *Consents) PurgeEndedBefore(ctx context.Context, before time.Time) (_ int, err error) {
	defer wrap(&err, "consents: purging")
	tag, err := s.db.pool.Exec(ctx, consentsPurgeSQL, before)
	return int(tag.RowsAffected()), err
}

// purgeCasesBatch is how many closed cases one statement of
// PurgeClosedBefore deletes: short transactions, not one over years.
const purgeCasesBatch = 1000

// PurgeClosedBefore deletes the closed cases whose last change is before
// before, with their history, in batches; open cases stay whatever their
// age.
func (s *CaseStore) PurgeClosedBefore(ctx context.Context, before time.Time) (n int, err error) {
	defer wrap(&err, "cases: purging closed ones")
	for {
		tag, err := s.db.pool.Exec(ctx, casesPurgeClosedSQL, before, purgeCasesBatch)
		if err != nil {
			return n, err
		}
		n += int(tag.RowsAffected())
		if tag.RowsAffected() < purgeCasesBatch {
			return n, nil
		}
	}
}
