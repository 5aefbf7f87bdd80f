package postgres

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

var (
	_ privacy.Log         = (*AccessLog)(nil)
	_ privacy.Reader      = (*AccessLog)(nil)
	_ privacy.Retainer    = (*AccessLog)(nil)
	_ privacy.BatchWriter = (*AccessLog)(nil)
)

var (
	//go:embed queries/accesslog_insert.sql
	accessLogInsertSQL string
	//go:embed queries/accesslog_list.sql
	accessLogListSQL string
	//go:embed queries/accesslog_count.sql
	accessLogCountSQL string
	//go:embed queries/accesslog_count_by_agency.sql
	accessLogCountByAgencySQL string
	//go:embed queries/accesslog_partitions.sql
	accessLogPartitionsSQL string
	//go:embed queries/accesslog_lock.sql
	accessLogLockSQL string
)

// AccessLog keeps the access log in PostgreSQL (table access_log, one
// partition per month). Record hands entries to a group commit
// (privacy.Batcher): the entries of many requests go in one INSERT, and
// each Record returns once its entries are committed. The database itself
// refuses any UPDATE or DELETE of the log (a trigger); retention drops
// whole months.
type AccessLog struct {
	db    *DB
	batch *privacy.Batcher
}

// NewAccessLog is the access log on db, writing with opts; Close stops its
// writer (before db closes).
func NewAccessLog(db *DB, opts privacy.BatchOptions) *AccessLog {
	l := &AccessLog{db: db}
	l.batch = privacy.NewBatcher(l, opts)
	return l
}

// Close writes what was handed in and stops the writer.
func (l *AccessLog) Close() error { return l.batch.Close() }

// Record waits until the entries are committed (see privacy.Batcher).
func (l *AccessLog) Record(ctx context.Context, entries ...privacy.Entry) error {
	return l.batch.Record(ctx, entries...)
}

// sealedActor is what of an entry is sealed: whose data, and who touched it.
type sealedActor struct {
	Subject sp.NIK `json:"s"`
	NIK     sp.NIK `json:"n,omitempty"`
	ID      string `json:"i,omitempty"`
	Name    string `json:"m,omitempty"`
}

// sealedContext binds an entry's sealed part to its citizen and kind of
// actor: it opens on no other citizen's entry. (Not to its row: the
// entries of one request share one sealed value, a seal per request
// rather than per agency; and no row can be changed anyway.)
func sealedContext(subjectHash []byte, kind privacy.ActorKind) []byte {
	return fmt.Appendf(nil, "access_log\x00%x\x00%s", subjectHash, kind)
}

// categoryBits is the bit set of categories as the table keeps it.
func categoryBits(cs []privacy.Category) int16 {
	var b int16
	for i, c := range privacy.Categories {
		for _, x := range cs {
			if x == c {
				b |= 1 << i
			}
		}
	}
	return b
}

func categoriesOf(b int16) []privacy.Category {
	var out []privacy.Category
	for i, c := range privacy.Categories {
		if b&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// WriteBatch inserts normalized entries in one statement. A month without
// its partition yet (an agency reporting an access long past, a clock far
// ahead) gets one, and the batch is written again.
func (l *AccessLog) WriteBatch(ctx context.Context, entries []privacy.Entry) (err error) {
	defer wrap(&err, "access log: writing %d entries", len(entries))
	n := len(entries)
	var (
		at                                                      = make([]time.Time, n)
		ids, kinds, agencies, purposes, bases, caseIDs, shareID = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		subjects, sealed                                        = make([][]byte, n), make([][]byte, n)
		cats                                                    = make([]int16, n)
	)
	// A request's entries share their citizen and actor: each is hashed
	// and sealed once per batch.
	type sealKey struct {
		who  sealedActor
		kind privacy.ActorKind
	}
	hashes := map[sp.NIK][]byte{}
	seals := map[sealKey][]byte{}
	for i, e := range entries {
		who := sealedActor{Subject: e.Subject, NIK: e.Actor.NIK, ID: e.Actor.ID, Name: e.Actor.Name}
		hash, ok := hashes[e.Subject]
		if !ok {
			hash = l.db.keys.Hash(citizenPurpose, []byte(e.Subject))
			hashes[e.Subject] = hash
		}
		k := sealKey{who, e.Actor.Kind}
		seal, ok := seals[k]
		if !ok {
			plain, err := json.Marshal(who)
			if err != nil {
				return err
			}
			seal = l.db.keys.Seal(plain, sealedContext(hash, e.Actor.Kind))
			seals[k] = seal
		}
		at[i], ids[i], kinds[i], agencies[i] = e.At, e.ID, string(e.Actor.Kind), string(e.Agency)
		purposes[i], bases[i], caseIDs[i], shareID[i] = e.Purpose, string(e.LegalBasis), e.CaseID, e.ShareID
		subjects[i], sealed[i] = hash, seal
		cats[i] = categoryBits(e.Categories)
	}
	insert := func() error {
		_, err := l.db.pool.Exec(ctx, accessLogInsertSQL, at, ids, subjects, kinds, agencies, cats, purposes, bases, caseIDs, shareID, sealed)
		return err
	}
	err = insert()
	if !noPartition(err) {
		return err
	}
	first, last := at[0], at[0]
	for _, t := range at {
		if t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if err := l.Prepare(ctx, first, last); err != nil {
		return err
	}
	return insert()
}

// noPartition: no partition holds a row's time (check_violation).
func noPartition(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514" && strings.Contains(pe.Message, "no partition")
}

// List pages through the subject's entries, newest first.
func (l *AccessLog) List(ctx context.Context, subject sp.NIK, q privacy.LogQuery) (_ privacy.LogPage, err error) {
	at, id, paged, err := privacy.ParseCursor(q.After)
	if err != nil {
		return privacy.LogPage{}, err
	}
	defer wrap(&err, "access log: listing")
	hash := l.db.keys.Hash(citizenPurpose, []byte(subject))
	kinds := make([]string, len(q.ActorKinds))
	for i, k := range q.ActorKinds {
		kinds[i] = string(k)
	}
	from, to := nullTime(q.From), nullTime(q.To)
	cats := categoryBits(q.Categories)
	var page privacy.LogPage
	if err := l.db.pool.QueryRow(ctx, accessLogCountSQL, hash, cats, kinds, from, to).Scan(&page.Total); err != nil {
		return privacy.LogPage{}, err
	}
	var after *time.Time
	if paged {
		after = &at
	}
	size := q.Size()
	rows, err := l.db.pool.Query(ctx, accessLogListSQL, hash, cats, kinds, from, to, after, id, size+1)
	if err != nil {
		return privacy.LogPage{}, err
	}
	var (
		e                   privacy.Entry
		kind, agency, basis string
		bits                int16
		sealed              []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&e.At, &e.ID, &kind, &agency, &bits, &e.Purpose, &basis, &e.CaseID, &e.ShareID, &sealed}, func() error {
		plain, err := l.db.keys.Open(sealed, sealedContext(hash, privacy.ActorKind(kind)))
		if err != nil {
			return fmt.Errorf("opening entry %s: %w", e.ID, err)
		}
		var s sealedActor
		if err := json.Unmarshal(plain, &s); err != nil {
			return fmt.Errorf("reading entry %s: %w", e.ID, err)
		}
		out := e
		out.At = e.At.UTC()
		out.Subject = s.Subject
		out.Actor = privacy.Actor{Kind: privacy.ActorKind(kind), NIK: s.NIK, ID: s.ID, Name: s.Name}
		out.Agency, out.LegalBasis, out.Categories = sp.Agency(agency), privacy.LegalBasis(basis), categoriesOf(bits)
		page.Entries = append(page.Entries, out)
		return nil
	})
	if err != nil {
		return privacy.LogPage{}, err
	}
	if len(page.Entries) > size {
		page.Entries = page.Entries[:size]
		page.Next = privacy.Cursor(page.Entries[size-1])
	}
	return page, nil
}

// CountByAgency counts the subject's entries at or after since, per agency.
func (l *AccessLog) CountByAgency(ctx context.Context, subject sp.NIK, since time.Time) (_ map[sp.Agency]int, err error) {
	defer wrap(&err, "access log: counting")
	rows, err := l.db.pool.Query(ctx, accessLogCountByAgencySQL, l.db.keys.Hash(citizenPurpose, []byte(subject)), since)
	if err != nil {
		return nil, err
	}
	out := map[sp.Agency]int{}
	var agency string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&agency, &n}, func() error {
		out[sp.Agency(agency)] = n
		return nil
	})
	return out, err
}

// partitionName names the partition of the month starting at m.
func partitionName(m time.Time) string {
	return fmt.Sprintf("access_log_y%04dm%02d", m.Year(), int(m.Month()))
}

// monthOf reads a partition's name back; ok is false for another table.
func monthOf(name string) (time.Time, bool) {
	var y, m int
	if _, err := fmt.Sscanf(name, "access_log_y%04dm%02d", &y, &m); err != nil || m < 1 || m > 12 || partitionName(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)) != name {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), true
}

// Prepare makes the partitions of the months from from to until (UTC)
// that do not exist yet.
func (l *AccessLog) Prepare(ctx context.Context, from, until time.Time) (err error) {
	defer wrap(&err, "access log: making months %s to %s", from.UTC().Format("2006-01"), until.UTC().Format("2006-01"))
	return l.db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, accessLogLockSQL); err != nil {
			return err
		}
		have, err := l.months(ctx, tx)
		if err != nil {
			return err
		}
		for m := privacy.MonthStart(from); !m.After(until.UTC()); m = m.AddDate(0, 1, 0) {
			if have[m] {
				continue
			}
			name := pgx.Identifier{partitionName(m)}.Sanitize()
			stmt := fmt.Sprintf("CREATE TABLE %s PARTITION OF access_log FOR VALUES FROM ('%s') TO ('%s')",
				name, m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339))
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
}

// DropBefore drops the partitions of the months that end at or before
// before. Entries are not counted: -1.
func (l *AccessLog) DropBefore(ctx context.Context, before time.Time) (_ int, err error) {
	defer wrap(&err, "access log: dropping months before %s", before.UTC().Format("2006-01"))
	cut := privacy.MonthStart(before)
	err = l.db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, accessLogLockSQL); err != nil {
			return err
		}
		have, err := l.months(ctx, tx)
		if err != nil {
			return err
		}
		for m := range have {
			if m.Before(cut) {
				name := pgx.Identifier{partitionName(m)}.Sanitize()
				// Detached first: the parent's lock is held only for that.
				if _, err := tx.Exec(ctx, "ALTER TABLE access_log DETACH PARTITION "+name); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "DROP TABLE "+name); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return -1, err
}

// months are the partitions the log has, by month.
func (l *AccessLog) months(ctx context.Context, tx pgx.Tx) (map[time.Time]bool, error) {
	rows, err := tx.Query(ctx, accessLogPartitionsSQL)
	if err != nil {
		return nil, err
	}
	have := map[time.Time]bool{}
	var name string
	_, err = pgx.ForEachRow(rows, []any{&name}, func() error {
		if m, ok := monthOf(name); ok {
			have[m] = true
		}
		return nil
	})
	return have, err
}
