package redis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Devices = (*Devices)(nil)

// Devices keeps device records in Redis (layout in keys.go): one hash per
// token, which says who owns it, and per citizen a set of token names.
//
// A record and its owner's set are in different slots, so no transaction
// spans both. The record is the truth: it is written first (by a script on
// its one key), the sets are fixed after. A set may thus hold a member whose
// record is gone or names someone else; readers check the owner and drop
// such members. A member is never missing for good: whoever removes one
// from a set reads the record again afterwards and puts it back if the
// record names that set's citizen (a concurrent Register got there), and
// every write of a record is followed by an add to its owner's set. Only a
// crash between the two steps leaves a device unlisted, until its app
// registers again.
type Devices struct {
	c goredis.UniversalClient
	k keyspace
}

// NewDevices keeps devices under prefix, naming citizens in keys by an HMAC
// of their NIK under secret (as NewCaseStore).
func NewDevices(c goredis.UniversalClient, prefix string, secret []byte) (*Devices, error) {
	k, err := newKeyspace(prefix, secret, true)
	if err != nil {
		return nil, err
	}
	return &Devices{c: c, k: k}, nil
}

// registerScript writes a record and returns the NIK of its former owner
// ("" if none). The same owner keeps registeredAt; a new one starts afresh.
//
// KEYS[1]: record. ARGV: citizen, token, platform, locale, appVersion,
// registeredAt, lastSeen.
var registerScript = goredis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'citizen')
if old ~= ARGV[1] then
	redis.call('DEL', KEYS[1])
	redis.call('HSET', KEYS[1], 'citizen', ARGV[1], 'registeredAt', ARGV[6])
end
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'platform', ARGV[3], 'locale', ARGV[4],
	'appVersion', ARGV[5], 'lastSeen', ARGV[7])
return old or ''
`)

// unregisterScript deletes the record if it is the citizen's.
//
// KEYS[1]: record. ARGV[1]: citizen.
var unregisterScript = goredis.NewScript(`
if redis.call('HGET', KEYS[1], 'citizen') == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// pruneScript deletes the record if it is still the citizen's and was not
// seen since the caller read it.
//
// KEYS[1]: record. ARGV: citizen, lastSeen.
var pruneScript = goredis.NewScript(`
if redis.call('HGET', KEYS[1], 'citizen') == ARGV[1] and redis.call('HGET', KEYS[1], 'lastSeen') == ARGV[2] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// deleteScript deletes the record and returns its owner's NIK ("" if none).
var deleteScript = goredis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'citizen')
redis.call('DEL', KEYS[1])
return old or ''
`)

// Register stores d under d.Token. The token's earlier owner, if another
// citizen, loses it; the same citizen keeps its RegisteredAt.
func (s *Devices) Register(ctx context.Context, d notifications.Device) error {
	if d.Token == "" || d.Citizen == "" {
		return errors.New("redis devices: register: a device needs a token and a citizen")
	}
	old, err := registerScript.Run(ctx, s.c, []string{s.k.deviceKey(tokenName(d.Token))},
		string(d.Citizen), d.Token, string(d.Platform), string(d.Locale), d.AppVersion,
		formatTime(d.RegisteredAt), formatTime(d.LastSeen)).Text()
	if err != nil {
		return fmt.Errorf("redis devices: register: %w", err)
	}
	name, shard := s.k.citizen(d.Citizen)
	if err := s.c.SAdd(ctx, s.k.devicesKey(shard, name), tokenName(d.Token)).Err(); err != nil {
		return fmt.Errorf("redis devices: register: %w", err)
	}
	if old != "" && old != string(d.Citizen) {
		if err := s.drop(ctx, sp.NIK(old), tokenName(d.Token)); err != nil {
			return fmt.Errorf("redis devices: register: %w", err)
		}
	}
	return nil
}

// drop removes a token name from the citizen's set, then puts it back if
// the record names the citizen after all (a Register ran meanwhile).
func (s *Devices) drop(ctx context.Context, citizen sp.NIK, member string) error {
	name, shard := s.k.citizen(citizen)
	set := s.k.devicesKey(shard, name)
	if err := s.c.SRem(ctx, set, member).Err(); err != nil {
		return err
	}
	owner, err := s.c.HGet(ctx, s.k.deviceKey(member), "citizen").Result()
	if errors.Is(err, goredis.Nil) || err == nil && owner != string(citizen) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.c.SAdd(ctx, set, member).Err()
}

// Unregister removes the token if it is the citizen's.
func (s *Devices) Unregister(ctx context.Context, citizen sp.NIK, token string) (bool, error) {
	if token == "" {
		return false, nil
	}
	n, err := unregisterScript.Run(ctx, s.c, []string{s.k.deviceKey(tokenName(token))}, string(citizen)).Int()
	if err != nil {
		return false, fmt.Errorf("redis devices: unregister: %w", err)
	}
	// Also when it was not the citizen's: a stale member goes.
	if err := s.drop(ctx, citizen, tokenName(token)); err != nil {
		return false, fmt.Errorf("redis devices: unregister: %w", err)
	}
	return n == 1, nil
}

// Delete removes the token whoever owns it.
func (s *Devices) Delete(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	old, err := deleteScript.Run(ctx, s.c, []string{s.k.deviceKey(tokenName(token))}).Text()
	if err != nil {
		return fmt.Errorf("redis devices: delete: %w", err)
	}
	if old != "" {
		if err := s.drop(ctx, sp.NIK(old), tokenName(token)); err != nil {
			return fmt.Errorf("redis devices: delete: %w", err)
		}
	}
	return nil
}

// OfCitizen lists the citizen's devices seen at or after notBefore, most
// recently seen first, and deletes those seen before. Set members whose
// record is gone or another's are dropped on the way.
func (s *Devices) OfCitizen(ctx context.Context, citizen sp.NIK, notBefore time.Time) ([]notifications.Device, error) {
	name, shard := s.k.citizen(citizen)
	members, err := s.c.SMembers(ctx, s.k.devicesKey(shard, name)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis devices: of citizen: %w", err)
	}
	if len(members) == 0 {
		return nil, nil
	}
	// The records are in many slots: a pipeline, not one MGET.
	records := make([]*goredis.MapStringStringCmd, len(members))
	_, err = s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, m := range members {
			records[i] = p.HGetAll(ctx, s.k.deviceKey(m))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis devices: of citizen: %w", err)
	}
	var out []notifications.Device
	for i, m := range members {
		key := s.k.deviceKey(m)
		fields := records[i].Val()
		d, ok := decodeDevice(fields)
		switch {
		case !ok || d.Citizen != citizen:
			err = s.drop(ctx, citizen, m)
		case d.LastSeen.Before(notBefore):
			var n int
			n, err = pruneScript.Run(ctx, s.c, []string{key}, string(citizen), fields["lastSeen"]).Int()
			if err == nil && n == 1 {
				err = s.drop(ctx, citizen, m)
			}
			// n == 0: registered again meanwhile; listed next time.
		default:
			out = append(out, d)
		}
		if err != nil {
			return nil, fmt.Errorf("redis devices: of citizen: %w", err)
		}
	}
	sortDevices(out)
	return out, nil
}

// sortDevices orders devices most recently seen first, then by token.
func sortDevices(ds []notifications.Device) {
	slices.SortFunc(ds, func(a, b notifications.Device) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.Token, b.Token))
	})
}

// Get returns the device of a token, or sp.ErrNotFound.
func (s *Devices) Get(ctx context.Context, token string) (notifications.Device, error) {
	if token == "" {
		return notifications.Device{}, sp.ErrNotFound
	}
	fields, err := s.c.HGetAll(ctx, s.k.deviceKey(tokenName(token))).Result()
	if err != nil {
		return notifications.Device{}, fmt.Errorf("redis devices: get: %w", err)
	}
	d, ok := decodeDevice(fields)
	if !ok {
		return notifications.Device{}, sp.ErrNotFound
	}
	return d, nil
}

// decodeDevice reads a record; ok is false when there is none (or only
// the remains of one).
func decodeDevice(f map[string]string) (notifications.Device, bool) {
	if f["citizen"] == "" || f["token"] == "" {
		return notifications.Device{}, false
	}
	return notifications.Device{
		Token:        f["token"],
		Citizen:      sp.NIK(f["citizen"]),
		Platform:     notifications.Platform(f["platform"]),
		Locale:       sp.Lang(f["locale"]),
		AppVersion:   f["appVersion"],
		RegisteredAt: parseTime(f["registeredAt"]),
		LastSeen:     parseTime(f["lastSeen"]),
	}, true
}

// formatTime and parseTime keep times as RFC 3339 text with nanoseconds.
func formatTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
