package postgres

import (
	"context"
	_ "embed"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Deliveries = (*Deliveries)(nil)

var (
	//go:embed queries/deliveries_get.sql
	deliveriesGetSQL string
	//go:embed queries/deliveries_current.sql
	deliveriesCurrentSQL string
	//go:embed queries/deliveries_set.sql
	deliveriesSetSQL string
	//go:embed queries/deliveries_claim.sql
	deliveriesClaimSQL string
	//go:embed queries/deliveries_purge.sql
	deliveriesPurgeSQL string
)

// DeliveryTTL is how long a delivery record is kept after its last write,
// as in the other engines: far longer than a push job lives.
const DeliveryTTL = 30 * 24 * time.Hour

// Deliveries keeps push delivery records in PostgreSQL (table
// push_deliveries), keyed by notification and a lookup hash of the token.
type Deliveries struct {
	db  *DB
	now func() time.Time
}

// NewDeliveries is the record of deliveries on db.
func NewDeliveries(db *DB) *Deliveries { return &Deliveries{db: db, now: time.Now} }

func (s *Deliveries) token(token string) []byte { return s.db.keys.Hash(tokenPurpose, []byte(token)) }

// Get returns the record, ok false when there is none (or it expired).
func (s *Deliveries) Get(ctx context.Context, notificationID, token string) (_ notifications.Delivery, ok bool, err error) {
	defer wrap(&err, "push deliveries: reading %s", notificationID)
	d, err := scanDelivery(s.db.pool.QueryRow(ctx, deliveriesGetSQL, notificationID, s.token(token), s.now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return notifications.Delivery{}, false, nil
	}
	return d, err == nil, err
}

// Set stores the record, replacing any earlier one.
func (s *Deliveries) Set(ctx context.Context, notificationID, token string, d notifications.Delivery) (err error) {
	if notificationID == "" || token == "" {
		return errors.New("postgres deliveries: set: a delivery needs a notification id and a token")
	}
	defer wrap(&err, "push deliveries: recording %s", notificationID)
	_, err = s.db.pool.Exec(ctx, deliveriesSetSQL, notificationID, s.token(token), string(d.State), d.Name, d.Reason,
		d.Attempts, d.At, nullTime(d.HeldUntil), s.now().Add(DeliveryTTL))
	return err
}

// Claim takes the right to send one push (see notifications.Deliveries),
// in one statement.
func (s *Deliveries) Claim(ctx context.Context, notificationID, token string, at time.Time, lease time.Duration) (_ notifications.Delivery, ok bool, err error) {
	if notificationID == "" || token == "" {
		return notifications.Delivery{}, false, errors.New("postgres deliveries: claim: a delivery needs a notification id and a token")
	}
	defer wrap(&err, "push deliveries: claiming %s", notificationID)
	th, now := s.token(token), s.now()
	var attempts int
	err = s.db.pool.QueryRow(ctx, deliveriesClaimSQL, notificationID, th, at, at.Add(lease), now.Add(DeliveryTTL), now).Scan(&attempts)
	if err == nil {
		return notifications.Delivery{State: notifications.DeliverySending, Attempts: attempts, At: at, HeldUntil: at.Add(lease)}, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return notifications.Delivery{}, false, err
	}
	// Refused: the record that refused it.
	d, err := scanDelivery(s.db.pool.QueryRow(ctx, deliveriesCurrentSQL, notificationID, th))
	return d, false, err
}

// Purge deletes up to most records that expired before before, and
// returns how many it deleted; a periodic job calls it until it deletes
// fewer than most.
func (s *Deliveries) Purge(ctx context.Context, before time.Time, most int) (_ int, err error) {
	defer wrap(&err, "push deliveries: purging")
	tag, err := s.db.pool.Exec(ctx, deliveriesPurgeSQL, before, most)
	return int(tag.RowsAffected()), err
}

func scanDelivery(row pgx.Row) (notifications.Delivery, error) {
	var (
		d     notifications.Delivery
		state string
		held  *time.Time
	)
	if err := row.Scan(&state, &d.Name, &d.Reason, &d.Attempts, &d.At, &held); err != nil {
		return notifications.Delivery{}, err
	}
	d.State = notifications.DeliveryState(state)
	if held != nil {
		d.HeldUntil = *held
	}
	return d, nil
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
