package postgres

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

var _ cases.Store = (*CaseStore)(nil)

var (
	//go:embed queries/cases_create.sql
	casesCreateSQL string
	//go:embed queries/cases_update.sql
	casesUpdateSQL string
	//go:embed queries/cases_get.sql
	casesGetSQL string
	//go:embed queries/cases_lock.sql
	casesLockSQL string
	//go:embed queries/cases_find.sql
	casesFindSQL string
	//go:embed queries/cases_open_of_service.sql
	casesOpenOfServiceSQL string
	//go:embed queries/cases_list.sql
	casesListSQL string
	//go:embed queries/cases_list_status.sql
	casesListStatusSQL string
	//go:embed queries/cases_open_of_agency.sql
	casesOpenOfAgencySQL string
	//go:embed queries/case_history_of.sql
	caseHistoryOfSQL string
	//go:embed queries/case_history_add.sql
	caseHistoryAddSQL string
	//go:embed queries/cases_count.sql
	casesCountSQL string
	//go:embed queries/cases_count_status.sql
	casesCountStatusSQL string
)

// CaseStore keeps cases in PostgreSQL (tables cases and case_history; see
// the migration). Create writes the case, its first history entry and its
// forward job in one transaction; Update locks the case's row, appends
// its new history entries and enqueues its change job in one
// transaction: a job exists if and only if its record does. The NIK, the
// form fields, the agencies' messages and held events are sealed.
type CaseStore struct {
	db   *DB
	jobs *Queue
}

// NewCaseStore keeps cases on db and inserts their jobs into jobs (the
// River engine on the same database).
func NewCaseStore(db *DB, jobs *Queue) *CaseStore { return &CaseStore{db: db, jobs: jobs} }

// createAttempts bounds how often Create starts again after losing a
// race on a unique index to a concurrent Create.
const createAttempts = 5

// Create stores a copy of in under a new id, with Version 1, its
// history, and its forward job.
func (s *CaseStore) Create(ctx context.Context, in *cases.Case) (stored *cases.Case, created bool, err error) {
	defer wrap(&err, "cases: creating")
	hash := s.citizen(in.Citizen)
	for range createAttempts {
		stored, created = nil, false
		err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
			// Insert first (one statement with its history): a new case,
			// the common one, costs no lookup. Held back by another
			// case's key or open slot, find that case.
			c := in.Clone()
			c.ID, c.Version = newCaseID(), 1
			inserted, err := s.insert(ctx, tx, hash, c)
			if err != nil {
				return err
			}
			if inserted {
				if err := s.jobs.enqueueTx(ctx, tx, c.CreatedAt, cases.FirstJobs(c)...); err != nil {
					return err
				}
				stored, created = c, true
				return nil
			}
			if in.IdempotencyKey != "" {
				c, err := s.findTx(ctx, tx, hash, in.IdempotencyKey)
				if err == nil {
					stored = c
					return nil
				}
				if !errors.Is(err, sp.ErrNotFound) {
					return err
				}
			}
			if in.SingleOpen && in.Status.Open() {
				var id string
				err := tx.QueryRow(ctx, casesOpenOfServiceSQL, hash, in.ServiceID).Scan(&id)
				if err == nil {
					c, err := s.get(ctx, tx, casesGetSQL, id)
					if err != nil {
						return err
					}
					return &cases.InProgress{Case: c}
				}
				if !errors.Is(err, pgx.ErrNoRows) {
					return err
				}
			}
			return errHolderGone
		})
		// The case that held the key or the open slot is gone again
		// (purged or moved on) before it could be read: try again.
		if errors.Is(err, errHolderGone) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		return stored, created, nil
	}
	return nil, false, fmt.Errorf("still conflicting after %d attempts", createAttempts)
}

// errHolderGone: a new case was held back, but no case holds its key or
// open slot any more.
var errHolderGone = errors.New("the case holding the key or open slot is gone")

// insert writes a new case and its history in one statement, unless
// another case holds its idempotency key or open slot (inserted false).
func (s *CaseStore) insert(ctx context.Context, tx pgx.Tx, hash []byte, c *cases.Case) (inserted bool, err error) {
	if len(c.History) == 0 {
		return false, errors.New("a new case without history")
	}
	fields, err := s.sealFields(c)
	if err != nil {
		return false, err
	}
	held, err := s.sealHeld(c)
	if err != nil {
		return false, err
	}
	h := s.historyArrays(c, 0)
	d := c.Delivery
	tag, err := tx.Exec(ctx, casesCreateSQL, c.ID, hash, s.db.keys.Seal([]byte(c.Citizen), caseCitizenContext(c.ID)),
		c.ServiceID, string(c.Agency), string(c.Status), c.Status.Open(), c.SingleOpen, c.CreatedAt, c.CreatedAt.UnixMilli(),
		c.UpdatedAt, c.IdempotencyKey, c.RequestHash, fields, c.AgencyRef, string(d.State), d.Attempts, nullTime(d.LastAttemptAt),
		d.LastError, nullTime(d.DeliveredAt), c.Sequence, held, eventIDs(c.EventIDs), c.Version, len(c.History), s.sealActor(c),
		h.at, h.status, h.source, h.message, h.eventID, h.sequence, h.skipped)
	return tag.RowsAffected() > 0, err
}

// history is a case's history entries from one on, as the arrays the
// history queries unnest.
type history struct {
	at                               []time.Time
	status, source, eventID, skipped []string
	message                          [][]byte
	sequence                         []int32
}

func (s *CaseStore) historyArrays(c *cases.Case, from int) history {
	entries := c.History[from:]
	n := len(entries)
	h := history{at: make([]time.Time, n), status: make([]string, n), source: make([]string, n), eventID: make([]string, n),
		skipped: make([]string, n), message: make([][]byte, n), sequence: make([]int32, n)}
	for i, e := range entries {
		h.at[i], h.status[i], h.source[i], h.eventID[i], h.skipped[i] = e.At, string(e.Status), string(e.Source), e.EventID, string(e.Skipped)
		h.sequence[i] = int32(e.Sequence)
		if e.Message != "" {
			h.message[i] = s.db.keys.Seal([]byte(e.Message), messageContext(c.ID, from+i))
		}
	}
	return h
}

// addHistory appends c.History[from:] as the change to c.Version.
func (s *CaseStore) addHistory(ctx context.Context, tx pgx.Tx, c *cases.Case, from int) error {
	if len(c.History) == from {
		return nil
	}
	h := s.historyArrays(c, from)
	_, err := tx.Exec(ctx, caseHistoryAddSQL, c.ID, from, c.Version, h.at, h.status, h.source, h.message, h.eventID, h.sequence, h.skipped)
	return err
}

// Get returns the case, or sp.ErrNotFound.
func (s *CaseStore) Get(ctx context.Context, id string) (_ *cases.Case, err error) {
	defer wrap(&err, "cases: reading %s", id)
	return s.get(ctx, s.db.pool, casesGetSQL, id)
}

// Find returns the citizen's case of an idempotency key.
func (s *CaseStore) Find(ctx context.Context, citizen sp.NIK, key string) (_ *cases.Case, err error) {
	if key == "" {
		return nil, sp.ErrNotFound
	}
	defer wrap(&err, "cases: finding by key")
	return s.findTx(ctx, s.db.pool, s.citizen(citizen), key)
}

func (s *CaseStore) findTx(ctx context.Context, tx querier, hash []byte, key string) (*cases.Case, error) {
	var id string
	err := tx.QueryRow(ctx, casesFindSQL, hash, key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sp.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.get(ctx, tx, casesGetSQL, id)
}

// querier is the pool or a transaction.
type querier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// get reads one case with query (casesGetSQL, or casesLockSQL to lock it)
// and its history.
func (s *CaseStore) get(ctx context.Context, tx querier, query, id string) (*cases.Case, error) {
	var r caseRow
	err := tx.QueryRow(ctx, query, id).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sp.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c, err := s.fromRow(&r, "")
	if err != nil {
		return nil, err
	}
	return c, s.readHistory(ctx, tx, map[string]*listed{c.ID: {c, r.historyLength}})
}

// listed is a case read, and how many history entries it had then.
type listed struct {
	c       *cases.Case
	entries int
}

// readHistory fills in the histories of the cases, by id. The rows of
// the history are only ever added, so they can be read after the case's,
// outside its transaction: those of changes after it are left out.
func (s *CaseStore) readHistory(ctx context.Context, q querier, byID map[string]*listed) error {
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err := q.Query(ctx, caseHistoryOfSQL, ids)
	if err != nil {
		return err
	}
	var (
		caseID, status, source, eventID, skipped string
		seq, sequence                            int
		at                                       time.Time
		message                                  []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&caseID, &seq, &at, &status, &source, &message, &eventID, &sequence, &skipped}, func() error {
		l := byID[caseID]
		if seq >= l.entries {
			return nil // a later change's
		}
		c := l.c
		if seq != len(c.History) {
			return fmt.Errorf("case %s: history entry %d follows %d entries", caseID, seq, len(c.History))
		}
		e := cases.Entry{At: at, Status: cases.Status(status), Source: cases.Source(source), EventID: eventID,
			Sequence: sequence, Skipped: cases.Status(skipped)}
		if message != nil {
			plain, err := s.db.keys.Open(message, messageContext(caseID, seq))
			if err != nil {
				return fmt.Errorf("case %s: opening entry %d: %w", caseID, seq, err)
			}
			e.Message = string(plain)
		}
		c.History = append(c.History, e)
		return nil
	})
	return err
}

// errIdentity refuses an update that would move a case out of its indexes.
var errIdentity = errors.New("an update must not change a case's id, citizen, service, agency, creation time, " +
	"idempotency key or single-open flag, nor change or drop history entries")

// Update applies f to the case, locked, and stores the result with
// Version+1, its new history entries and their change job.
func (s *CaseStore) Update(ctx context.Context, id string, f func(*cases.Case) error) (result *cases.Case, err error) {
	defer wrap(&err, "cases: updating %s", id)
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		result, err = s.updateTx(ctx, tx, id, f)
		return err
	})
	return result, err
}

// updateTx is Update inside tx (the payments store settles a bill and
// moves its case in one transaction).
func (s *CaseStore) updateTx(ctx context.Context, tx pgx.Tx, id string, f func(*cases.Case) error) (*cases.Case, error) {
	cur, err := s.get(ctx, tx, casesLockSQL, id)
	if err != nil {
		return nil, err
	}
	next := cur.Clone()
	if err := f(next); errors.Is(err, cases.ErrNoChange) {
		return cur, nil
	} else if err != nil {
		return nil, err
	}
	if !sameIdentity(cur, next) {
		return nil, errIdentity
	}
	next.Version = cur.Version + 1
	var fields []byte // nil: unchanged
	if !maps.Equal(cur.Fields, next.Fields) {
		if fields, err = s.sealFields(next); err != nil {
			return nil, err
		}
	}
	held, err := s.sealHeld(next)
	if err != nil {
		return nil, err
	}
	d := next.Delivery
	if _, err := tx.Exec(ctx, casesUpdateSQL, id, string(next.Status), next.Status.Open(), next.UpdatedAt, fields,
		next.AgencyRef, string(d.State), d.Attempts, nullTime(d.LastAttemptAt), d.LastError, nullTime(d.DeliveredAt),
		next.Sequence, held, eventIDs(next.EventIDs), next.Version, len(next.History)); err != nil {
		return nil, err
	}
	if from, to := len(cur.History), len(next.History); to > from {
		if err := s.addHistory(ctx, tx, next, from); err != nil {
			return nil, err
		}
	}
	if err := s.jobs.enqueueTx(ctx, tx, next.UpdatedAt, cases.UpdateJobs(cur, next)...); err != nil {
		return nil, err
	}
	return next, nil
}

// sameIdentity reports whether an update kept what places the case, and
// its history as it was (entries are only added).
func sameIdentity(a, b *cases.Case) bool {
	if a.ID != b.ID || a.Citizen != b.Citizen || a.Actor != b.Actor || a.ServiceID != b.ServiceID || a.Agency != b.Agency ||
		!a.CreatedAt.Equal(b.CreatedAt) || a.SingleOpen != b.SingleOpen || a.IdempotencyKey != b.IdempotencyKey ||
		len(b.History) < len(a.History) {
		return false
	}
	for i, e := range a.History {
		n := b.History[i]
		if !e.At.Equal(n.At) || e.Status != n.Status || e.Source != n.Source || e.Message != n.Message ||
			e.EventID != n.EventID || e.Sequence != n.Sequence || e.Skipped != n.Skipped {
			return false
		}
	}
	return true
}

// List returns a page of the citizen's cases, newest first.
func (s *CaseStore) List(ctx context.Context, citizen sp.NIK, q cases.ListQuery) (_ []*cases.Case, next string, err error) {
	after, paged, err := sp.ParsePosition(q.After)
	if err != nil {
		return nil, "", fmt.Errorf("postgres cases: cursor %q: %w", q.After, err)
	}
	if !paged {
		after = sp.Position{Ms: math.MaxInt64}
	}
	defer wrap(&err, "cases: listing")
	size := q.Size()
	query, args := casesListSQL, []any{s.citizen(citizen), after.Ms, after.ID, size + 1}
	if q.Status != "" {
		query, args = casesListStatusSQL, append(args, string(q.Status))
	}
	rows, err := s.db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	var (
		page []*cases.Case
		r    caseRow
		byID = map[string]*listed{}
	)
	if _, err := pgx.ForEachRow(rows, r.dest(), func() error {
		c, err := s.fromRow(&r, citizen)
		if err != nil {
			return err
		}
		page = append(page, c)
		byID[c.ID] = &listed{c, r.historyLength}
		return nil
	}); err != nil {
		return nil, "", err
	}
	if len(page) > 0 {
		if err := s.readHistory(ctx, s.db.pool, byID); err != nil {
			return nil, "", err
		}
	}
	if len(page) > size {
		page = page[:size]
		next = cases.CursorAfter(page[size-1])
	}
	return page, next, nil
}

// Count is how many cases the citizen has in status, or in all statuses
// when status is "": what List pages through. (The port gains it with the
// schema's totalCount.)
func (s *CaseStore) Count(ctx context.Context, citizen sp.NIK, status cases.Status) (n int, err error) {
	defer wrap(&err, "cases: counting")
	if status == "" {
		err = s.db.pool.QueryRow(ctx, casesCountSQL, s.citizen(citizen)).Scan(&n)
	} else {
		err = s.db.pool.QueryRow(ctx, casesCountStatusSQL, s.citizen(citizen), string(status)).Scan(&n)
	}
	return n, err
}

// OpenCases lists the ids of the agency's open cases, oldest first.
func (s *CaseStore) OpenCases(ctx context.Context, a sp.Agency, after string, limit int) (ids []string, next string, err error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	from, paged, err := sp.ParsePosition(after)
	if err != nil {
		return nil, "", fmt.Errorf("postgres cases: cursor %q: %w", after, err)
	}
	if !paged {
		from = sp.Position{Ms: math.MinInt64}
	}
	defer wrap(&err, "cases: open cases of %s", a)
	rows, err := s.db.pool.Query(ctx, casesOpenOfAgencySQL, string(a), from.Ms, from.ID, limit)
	if err != nil {
		return nil, "", err
	}
	var last sp.Position
	_, err = pgx.ForEachRow(rows, []any{&last.ID, &last.Ms}, func() error {
		ids = append(ids, last.ID)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(ids) == limit {
		next = last.Cursor()
	}
	return ids, next, nil
}

// caseRow is a row of cases as the queries return it.
type caseRow struct {
	id, serviceID, agency, status, idemKey, requestHash, agencyRef, deliveryState, lastError string
	citizenSealed, fields, held, actorSealed                                                 []byte
	singleOpen                                                                               bool
	createdAt, updatedAt                                                                     time.Time
	lastAttemptAt, deliveredAt                                                               *time.Time
	attempts, sequence, historyLength                                                        int
	eventIDs                                                                                 []string
	version                                                                                  int64
}

func (r *caseRow) dest() []any {
	return []any{&r.id, &r.citizenSealed, &r.serviceID, &r.agency, &r.status, &r.singleOpen, &r.createdAt, &r.updatedAt,
		&r.idemKey, &r.requestHash, &r.fields, &r.agencyRef, &r.deliveryState, &r.attempts, &r.lastAttemptAt, &r.lastError,
		&r.deliveredAt, &r.sequence, &r.held, &r.eventIDs, &r.version, &r.historyLength, &r.actorSealed}
}

// fromRow is the case of a row, its history not read yet. The citizen
// is opened from its sealed copy, unless the caller knows it (a list of
// the citizen's cases, found by the citizen's hash).
func (s *CaseStore) fromRow(r *caseRow, citizen sp.NIK) (*cases.Case, error) {
	if citizen == "" {
		nik, err := s.db.keys.Open(r.citizenSealed, caseCitizenContext(r.id))
		if err != nil {
			return nil, fmt.Errorf("case %s: opening the citizen: %w", r.id, err)
		}
		citizen = sp.NIK(nik)
	}
	c := &cases.Case{ID: r.id, Citizen: citizen, ServiceID: r.serviceID, Agency: sp.Agency(r.agency), Status: cases.Status(r.status),
		CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, IdempotencyKey: r.idemKey, RequestHash: r.requestHash,
		SingleOpen: r.singleOpen, AgencyRef: r.agencyRef, Sequence: r.sequence, EventIDs: r.eventIDs, Version: r.version,
		Delivery: cases.Delivery{State: cases.DeliveryState(r.deliveryState), Attempts: r.attempts, LastError: r.lastError}}
	if len(c.EventIDs) == 0 {
		c.EventIDs = nil
	}
	if r.actorSealed != nil {
		actor, err := s.db.keys.Open(r.actorSealed, caseActorContext(r.id))
		if err != nil {
			return nil, fmt.Errorf("case %s: opening the actor: %w", r.id, err)
		}
		c.Actor = sp.NIK(actor)
	}
	if r.lastAttemptAt != nil {
		c.Delivery.LastAttemptAt = *r.lastAttemptAt
	}
	if r.deliveredAt != nil {
		c.Delivery.DeliveredAt = *r.deliveredAt
	}
	plain, err := s.db.keys.Open(r.fields, fieldsContext(r.id))
	if err != nil {
		return nil, fmt.Errorf("case %s: opening the fields: %w", r.id, err)
	}
	if err := json.Unmarshal(plain, &c.Fields); err != nil {
		return nil, fmt.Errorf("case %s: reading the fields: %w", r.id, err)
	}
	if r.held != nil {
		plain, err := s.db.keys.Open(r.held, heldContext(r.id))
		if err != nil {
			return nil, fmt.Errorf("case %s: opening the held events: %w", r.id, err)
		}
		if err := json.Unmarshal(plain, &c.Held); err != nil {
			return nil, fmt.Errorf("case %s: reading the held events: %w", r.id, err)
		}
	}
	return c, nil
}

func (s *CaseStore) citizen(n sp.NIK) []byte { return s.db.keys.Hash(citizenPurpose, []byte(n)) }

// sealFields seals the form fields: free text a citizen typed.
func (s *CaseStore) sealFields(c *cases.Case) ([]byte, error) {
	fields := c.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	return s.db.keys.Seal(b, fieldsContext(c.ID)), nil
}

// sealHeld seals the events held for an earlier one (agencies' words), or
// is nil when none are.
func (s *CaseStore) sealHeld(c *cases.Case) ([]byte, error) {
	if len(c.Held) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(c.Held)
	if err != nil {
		return nil, err
	}
	return s.db.keys.Seal(b, heldContext(c.ID)), nil
}

// The contexts bind each sealed value to its row and column.
// sealActor is the case's actor sealed, nil when the citizen applied themself.
func (s *CaseStore) sealActor(c *cases.Case) []byte {
	if c.Actor == "" {
		return nil
	}
	return s.db.keys.Seal([]byte(c.Actor), caseActorContext(c.ID))
}

func caseActorContext(id string) []byte { return []byte("cases.actor\x00" + id) }

func caseCitizenContext(id string) []byte { return []byte("cases.citizen\x00" + id) }
func fieldsContext(id string) []byte      { return []byte("cases.fields\x00" + id) }
func heldContext(id string) []byte        { return []byte("cases.held\x00" + id) }
func messageContext(id string, seq int) []byte {
	return fmt.Appendf(nil, "case_history.message\x00%s\x00%d", id, seq)
}

func eventIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// caseIDEncoding is base32hex, lower case: ids sort as their bytes do.
var caseIDEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// newCaseID is 26 URL-safe characters: the milliseconds now (48 bits)
// and 80 random bits, so ids of one millisecond differ and new ones sort
// last in the primary key's index.
func newCaseID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	rand.Read(b[6:])
	return caseIDEncoding.EncodeToString(b[:])
}
