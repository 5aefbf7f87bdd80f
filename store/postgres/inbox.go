package postgres

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Inbox = (*Inbox)(nil)

// MaxInbox is how many notifications a citizen keeps; Add drops the oldest.
const MaxInbox = 1000

var (
	//go:embed queries/inbox_add.sql
	inboxAddSQL string
	//go:embed queries/inbox_lock.sql
	inboxLockSQL string
	//go:embed queries/inbox_trim.sql
	inboxTrimSQL string
	//go:embed queries/inbox_get.sql
	inboxGetSQL string
	//go:embed queries/inbox_list.sql
	inboxListSQL string
	//go:embed queries/inbox_list_unread.sql
	inboxListUnreadSQL string
	//go:embed queries/inbox_mark_read.sql
	inboxMarkReadSQL string
	//go:embed queries/inbox_mark_all_read.sql
	inboxMarkAllReadSQL string
	//go:embed queries/inbox_delete.sql
	inboxDeleteSQL string
)

// Inbox keeps each citizen's notifications in PostgreSQL (tables inbox
// and inbox_counts). The citizen is a lookup hash; the title and body are
// sealed.
type Inbox struct{ db *DB }

// NewInbox is the inbox on db.
func NewInbox(db *DB) *Inbox { return &Inbox{db: db} }

// citizenPurpose keeps citizens' lookup hashes apart from other values'.
const citizenPurpose = "nik"

func (s *Inbox) citizen(n sp.NIK) []byte { return s.db.keys.Hash(citizenPurpose, []byte(n)) }

// content is what of a notification is sealed (its kind too: no column
// of its own for a value few notifications carry).
type content struct {
	Title sp.Text            `json:"title"`
	Body  sp.Text            `json:"body"`
	Kind  notifications.Kind `json:"kind,omitempty"`
}

// contentContext binds a sealed content to its row.
func contentContext(citizen []byte, id string) []byte {
	return fmt.Appendf(nil, "inbox.content\x00%x\x00%s", citizen, id)
}

// Add stores n unless the citizen has a notification with its id. An inbox
// keeps the newest MaxInbox (by CreatedAt to the millisecond, then ID): the
// oldest goes, and Add of one older than all of those reports false.
func (s *Inbox) Add(ctx context.Context, n notifications.Notification) (created bool, err error) {
	if n.ID == "" || n.Citizen == "" {
		return false, errors.New("postgres inbox: add: a notification needs an id and a citizen")
	}
	defer wrap(&err, "inbox: adding %s", n.ID)
	citizen := s.citizen(n.Citizen)
	plain, err := json.Marshal(content{Title: n.Title, Body: n.Body, Kind: n.Kind})
	if err != nil {
		return false, err
	}
	var readAt *time.Time
	if n.Read() {
		readAt = &n.ReadAt
	}
	// The common case is one statement. Past the limit, a second
	// transaction trims the inbox with it locked; until it commits the
	// inbox may hold one more (and a failure leaves it so, until the
	// next Add trims both).
	// Kept to the microsecond, as PostgreSQL keeps it, whatever the wire
	// format: the sort key is the millisecond of the time read back.
	at := n.CreatedAt.Truncate(time.Microsecond)
	var total int
	err = s.db.pool.QueryRow(ctx, inboxAddSQL, citizen, n.ID, at, at.UnixMilli(), readAt,
		n.CaseID, n.Status, n.Sequence, n.DeepLink, s.db.keys.Seal(plain, contentContext(citizen, n.ID))).Scan(&total)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	case total <= MaxInbox:
		return true, nil
	}
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, inboxLockSQL, citizen); err != nil {
			return err
		}
		return tx.QueryRow(ctx, inboxTrimSQL, citizen, MaxInbox, n.ID).Scan(&created)
	})
	return created, err
}

// Get returns one of the citizen's notifications, or sp.ErrNotFound.
func (s *Inbox) Get(ctx context.Context, citizen sp.NIK, id string) (_ notifications.Notification, err error) {
	defer wrap(&err, "inbox: reading %s", id)
	hash := s.citizen(citizen)
	var r noteRow
	err = s.db.pool.QueryRow(ctx, inboxGetSQL, hash, id).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return notifications.Notification{}, sp.ErrNotFound
	}
	if err != nil {
		return notifications.Notification{}, err
	}
	return r.notification(s, citizen, hash)
}

// List pages through the citizen's notifications, newest first by
// CreatedAt (to the millisecond) and then ID. Total and Unread count the
// whole inbox, whatever the filter.
func (s *Inbox) List(ctx context.Context, citizen sp.NIK, q notifications.ListQuery) (_ notifications.Page, err error) {
	after, paged, err := sp.ParsePosition(q.After)
	if err != nil {
		return notifications.Page{}, fmt.Errorf("postgres inbox: cursor %q: %w", q.After, err)
	}
	if !paged {
		after = sp.Position{Ms: math.MaxInt64}
	}
	defer wrap(&err, "inbox: listing")
	query := inboxListSQL
	if q.UnreadOnly {
		query = inboxListUnreadSQL
	}
	size := q.Size()
	hash := s.citizen(citizen)
	// One more than the page tells whether another follows.
	rows, err := s.db.pool.Query(ctx, query, hash, size+1, after.Ms, after.ID)
	if err != nil {
		return notifications.Page{}, err
	}
	// The columns of a notification are null on the row of counts that an
	// empty page is.
	var (
		page                         notifications.Page
		id, caseID, status, deepLink *string
		createdAt, readAt            *time.Time
		sequence                     *int64
		sealed                       []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&page.Total, &page.Unread, &id, &createdAt, &readAt, &caseID, &status, &sequence, &deepLink, &sealed}, func() error {
		if id == nil {
			return nil
		}
		r := noteRow{id: *id, createdAt: *createdAt, readAt: readAt, caseID: *caseID, status: *status,
			sequence: *sequence, deepLink: *deepLink, content: sealed}
		n, err := r.notification(s, citizen, hash)
		page.Items = append(page.Items, n)
		return err
	})
	if err != nil {
		return notifications.Page{}, err
	}
	if len(page.Items) > size {
		page.Items = page.Items[:size]
		page.Next = notifications.CursorAfter(page.Items[size-1])
	}
	return page, nil
}

// MarkRead marks the citizen's given notifications (all when ids is empty)
// read at at; ids not in the citizen's inbox are ignored.
func (s *Inbox) MarkRead(ctx context.Context, citizen sp.NIK, ids []string, at time.Time) (changed int, err error) {
	if at.IsZero() {
		return 0, errors.New("postgres inbox: mark read: a zero time would leave them unread")
	}
	defer wrap(&err, "inbox: marking %d read", len(ids))
	hash := s.citizen(citizen)
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		changed = 0
		if err := lockInbox(ctx, tx, hash); err != nil {
			return err
		}
		if len(ids) == 0 {
			return tx.QueryRow(ctx, inboxMarkAllReadSQL, hash, at).Scan(&changed)
		}
		return tx.QueryRow(ctx, inboxMarkReadSQL, hash, at, ids).Scan(&changed)
	})
	if errors.Is(err, errNoInbox) {
		return 0, nil
	}
	return changed, err
}

// Delete removes one of the citizen's notifications.
func (s *Inbox) Delete(ctx context.Context, citizen sp.NIK, id string) (deleted bool, err error) {
	defer wrap(&err, "inbox: deleting %s", id)
	hash := s.citizen(citizen)
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		if err := lockInbox(ctx, tx, hash); err != nil {
			return err
		}
		var one int
		err := tx.QueryRow(ctx, inboxDeleteSQL, hash, id).Scan(&one)
		deleted = err == nil
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if errors.Is(err, errNoInbox) {
		return false, nil
	}
	return deleted, err
}

// errNoInbox: the citizen has never had a notification.
var errNoInbox = errors.New("no inbox")

func lockInbox(ctx context.Context, tx pgx.Tx, citizen []byte) error {
	var total int
	err := tx.QueryRow(ctx, inboxLockSQL, citizen).Scan(&total)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoInbox
	}
	return err
}

// noteRow is a notification as the queries return it.
type noteRow struct {
	id        string
	createdAt time.Time
	readAt    *time.Time
	caseID    string
	status    string
	sequence  int64
	deepLink  string
	content   []byte
}

func (r *noteRow) dest() []any {
	return []any{&r.id, &r.createdAt, &r.readAt, &r.caseID, &r.status, &r.sequence, &r.deepLink, &r.content}
}

func (r *noteRow) notification(s *Inbox, citizen sp.NIK, hash []byte) (notifications.Notification, error) {
	plain, err := s.db.keys.Open(r.content, contentContext(hash, r.id))
	if err != nil {
		return notifications.Notification{}, fmt.Errorf("opening %s: %w", r.id, err)
	}
	var c content
	if err := json.Unmarshal(plain, &c); err != nil {
		return notifications.Notification{}, fmt.Errorf("reading %s: %w", r.id, err)
	}
	n := notifications.Notification{
		ID: r.id, Citizen: citizen, Kind: c.Kind, CaseID: r.caseID, Status: r.status, Sequence: r.sequence,
		Title: c.Title, Body: c.Body, DeepLink: r.deepLink, CreatedAt: r.createdAt,
	}
	if r.readAt != nil {
		n.ReadAt = *r.readAt
	}
	return n, nil
}
