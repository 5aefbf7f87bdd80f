package memory

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Deliveries = (*Deliveries)(nil)

// deliveryTTL is how long a delivery record is kept after its last Set, as
// in the PostgreSQL engine.
const deliveryTTL = 30 * 24 * time.Hour

// Deliveries keeps delivery records in process memory. Records expire
// deliveryTTL after their last Set; expired ones are swept when the map
// has doubled since the last sweep, so a long-running process stays bounded.
type Deliveries struct {
	now func() time.Time

	mu        sync.Mutex
	records   map[deliveryKey]storedDelivery
	sweepSize int // sweep when the map reaches this size
}

type deliveryKey struct{ notificationID, token string }

type storedDelivery struct {
	d       notifications.Delivery
	expires time.Time
}

// minSweep is the smallest map worth sweeping.
const minSweep = 1024

// NewDeliveries returns an empty record of deliveries. WithNow sets the
// clock of its expiry.
func NewDeliveries(opts ...Option) *Deliveries {
	o := newOptions(opts)
	return &Deliveries{now: o.now, records: map[deliveryKey]storedDelivery{}, sweepSize: minSweep}
}

// Get returns the record, ok false when there is none (or it expired).
func (s *Deliveries) Get(_ context.Context, notificationID, token string) (notifications.Delivery, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[deliveryKey{notificationID, token}]
	if !ok || !now.Before(r.expires) {
		return notifications.Delivery{}, false, nil
	}
	return r.d, true, nil
}

// Claim takes the right to send one push (see notifications.Deliveries).
func (s *Deliveries) Claim(_ context.Context, notificationID, token string, at time.Time, lease time.Duration) (notifications.Delivery, bool, error) {
	if notificationID == "" || token == "" {
		return notifications.Delivery{}, false, errors.New("memory deliveries: claim: a delivery needs a notification id and a token")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := deliveryKey{notificationID, token}
	prev, exists := s.records[k]
	if exists && now.Before(prev.expires) && !prev.d.Claimable(at) {
		return prev.d, false, nil
	}
	attempts := 0
	if exists {
		attempts = prev.d.Attempts
	}
	d := notifications.Delivery{State: notifications.DeliverySending, Attempts: attempts + 1, At: at, HeldUntil: at.Add(lease)}
	s.records[k] = storedDelivery{d: d, expires: now.Add(deliveryTTL)}
	return d, true, nil
}

// Set stores the record, replacing any earlier one.
func (s *Deliveries) Set(_ context.Context, notificationID, token string, d notifications.Delivery) error {
	if notificationID == "" || token == "" {
		return errors.New("memory deliveries: set: a delivery needs a notification id and a token")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[deliveryKey{notificationID, token}] = storedDelivery{d: d, expires: now.Add(deliveryTTL)}
	if len(s.records) >= s.sweepSize {
		for k, r := range s.records {
			if !now.Before(r.expires) {
				delete(s.records, k)
			}
		}
		s.sweepSize = max(minSweep, 2*len(s.records))
	}
	return nil
}
