package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Deliveries = (*Deliveries)(nil)

// DeliveryTTL is how long a delivery record is kept after its last Set:
// longer than any redelivery of its queue job.
const DeliveryTTL = 30 * 24 * time.Hour

// Deliveries keeps one JSON string per (notification, token), in the shard
// of the notification id (layout in keys.go), expiring DeliveryTTL after
// it was last set.
type Deliveries struct {
	c goredis.UniversalClient
	k keyspace
}

// NewDeliveries keeps delivery records under prefix. It takes and checks
// a secret as the other engines of a deployment do, though its keys name no
// citizen.
func NewDeliveries(c goredis.UniversalClient, prefix string, secret []byte) (*Deliveries, error) {
	k, err := newKeyspace(prefix, secret, true)
	if err != nil {
		return nil, err
	}
	return &Deliveries{c: c, k: k}, nil
}

// Get returns the record, ok false when there is none.
func (s *Deliveries) Get(ctx context.Context, notificationID, token string) (notifications.Delivery, bool, error) {
	b, err := s.c.Get(ctx, s.k.deliveryKey(notificationID, token)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return notifications.Delivery{}, false, nil
	}
	if err != nil {
		return notifications.Delivery{}, false, fmt.Errorf("redis deliveries: get: %w", err)
	}
	var d notifications.Delivery
	if err := json.Unmarshal(b, &d); err != nil {
		return notifications.Delivery{}, false, fmt.Errorf("redis deliveries: get: %w", err)
	}
	return d, true, nil
}

// Set stores the record, replacing any earlier one.
// claimDeliveryScript takes the right to send one push atomically. The record is
// the JSON of a notifications.Delivery; "claimable" mirrors
// Delivery.Claimable with heldUntil kept in unix milliseconds alongside.
var claimDeliveryScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local attempts = 0
if cur then
  local d = cjson.decode(cur)
  if d.state == 'DELIVERED' or d.state == 'FAILED' then return {0, cur} end
  if d.state == 'SENDING' and tonumber(d.heldUntilMs or 0) > tonumber(ARGV[1]) then return {0, cur} end
  attempts = tonumber(d.attempts or 0)
end
local new = cjson.decode(ARGV[2])
new.attempts = attempts + 1
local enc = cjson.encode(new)
redis.call('SET', KEYS[1], enc, 'PX', ARGV[3])
return {1, enc}
`)

// stored is a Delivery as kept in Redis: heldUntilMs lets the claim
// script compare times.
type storedDelivery struct {
	notifications.Delivery
	HeldUntilMs int64 `json:"heldUntilMs,omitempty"`
}

// Claim takes the right to send one push (see notifications.Deliveries).
func (s *Deliveries) Claim(ctx context.Context, notificationID, token string, at time.Time, lease time.Duration) (notifications.Delivery, bool, error) {
	if notificationID == "" || token == "" {
		return notifications.Delivery{}, false, errors.New("redis deliveries: claim: a delivery needs a notification id and a token")
	}
	held := at.Add(lease)
	b, err := json.Marshal(storedDelivery{
		Delivery:    notifications.Delivery{State: notifications.DeliverySending, At: at, HeldUntil: held},
		HeldUntilMs: held.UnixMilli(),
	})
	if err != nil {
		return notifications.Delivery{}, false, err
	}
	res, err := claimDeliveryScript.Run(ctx, s.c, []string{s.k.deliveryKey(notificationID, token)},
		at.UnixMilli(), string(b), DeliveryTTL.Milliseconds()).Slice()
	if err != nil {
		return notifications.Delivery{}, false, fmt.Errorf("redis deliveries: claim: %w", err)
	}
	var d storedDelivery
	if len(res) != 2 {
		return notifications.Delivery{}, false, fmt.Errorf("redis deliveries: claim: unexpected answer %v", res)
	}
	raw, _ := res[1].(string)
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return notifications.Delivery{}, false, fmt.Errorf("redis deliveries: claim: %w", err)
	}
	ok, _ := res[0].(int64)
	return d.Delivery, ok == 1, nil
}

func (s *Deliveries) Set(ctx context.Context, notificationID, token string, d notifications.Delivery) error {
	if notificationID == "" || token == "" {
		return errors.New("redis deliveries: set: a delivery needs a notification id and a token")
	}
	sd := storedDelivery{Delivery: d}
	if !d.HeldUntil.IsZero() {
		sd.HeldUntilMs = d.HeldUntil.UnixMilli()
	}
	b, err := json.Marshal(sd)
	if err != nil {
		return fmt.Errorf("redis deliveries: set: %w", err)
	}
	if err := s.c.Set(ctx, s.k.deliveryKey(notificationID, token), b, DeliveryTTL).Err(); err != nil {
		return fmt.Errorf("redis deliveries: set: %w", err)
	}
	return nil
}
