package postgres

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Devices = (*Devices)(nil)

var (
	//go:embed queries/devices_register.sql
	devicesRegisterSQL string
	//go:embed queries/devices_unregister.sql
	devicesUnregisterSQL string
	//go:embed queries/devices_delete.sql
	devicesDeleteSQL string
	//go:embed queries/devices_get.sql
	devicesGetSQL string
	//go:embed queries/devices_of_citizen.sql
	devicesOfCitizenSQL string
)

// Devices keeps device records in PostgreSQL (table devices): found by a
// lookup hash of the token, listed by one of the citizen; the token and
// the NIK themselves are sealed.
type Devices struct{ db *DB }

// NewDevices is the device registry on db.
func NewDevices(db *DB) *Devices { return &Devices{db: db} }

// tokenPurpose keeps tokens' lookup hashes apart from other values'.
const tokenPurpose = "fcm-token"

func (s *Devices) token(token string) []byte { return s.db.keys.Hash(tokenPurpose, []byte(token)) }

// The sealed token and NIK of a device are bound to its row.
func tokenContext(tokenHash []byte) []byte { return fmt.Appendf(nil, "devices.token\x00%x", tokenHash) }
func citizenContext(tokenHash []byte) []byte {
	return fmt.Appendf(nil, "devices.citizen\x00%x", tokenHash)
}

// Register stores d under d.Token. The token's earlier owner, if another
// citizen, loses it; the same citizen keeps its RegisteredAt.
func (s *Devices) Register(ctx context.Context, d notifications.Device) (err error) {
	if d.Token == "" || d.Citizen == "" {
		return errors.New("postgres devices: register: a device needs a token and a citizen")
	}
	defer wrap(&err, "devices: registering")
	th := s.token(d.Token)
	keys := s.db.keys
	_, err = s.db.pool.Exec(ctx, devicesRegisterSQL, th, keys.Seal([]byte(d.Token), tokenContext(th)),
		keys.Hash(citizenPurpose, []byte(d.Citizen)), keys.Seal([]byte(d.Citizen), citizenContext(th)),
		string(d.Platform), string(d.Locale), d.AppVersion, d.RegisteredAt, d.LastSeen)
	return err
}

// Unregister removes the token if it is the citizen's.
func (s *Devices) Unregister(ctx context.Context, citizen sp.NIK, token string) (_ bool, err error) {
	defer wrap(&err, "devices: unregistering")
	tag, err := s.db.pool.Exec(ctx, devicesUnregisterSQL, s.token(token), s.db.keys.Hash(citizenPurpose, []byte(citizen)))
	return tag.RowsAffected() > 0, err
}

// Delete removes the token whoever owns it.
func (s *Devices) Delete(ctx context.Context, token string) (err error) {
	defer wrap(&err, "devices: deleting")
	_, err = s.db.pool.Exec(ctx, devicesDeleteSQL, s.token(token))
	return err
}

// OfCitizen lists the citizen's devices seen at or after notBefore, most
// recently seen first, and deletes those seen before.
func (s *Devices) OfCitizen(ctx context.Context, citizen sp.NIK, notBefore time.Time) (_ []notifications.Device, err error) {
	defer wrap(&err, "devices: listing a citizen's")
	rows, err := s.db.pool.Query(ctx, devicesOfCitizenSQL, s.db.keys.Hash(citizenPurpose, []byte(citizen)), notBefore)
	if err != nil {
		return nil, err
	}
	var out []notifications.Device
	var r deviceRow
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		d, err := r.device(s, false)
		d.Citizen = citizen
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	// By token among equals, as the memory engine: the tokens are sealed,
	// so the database cannot order them.
	slices.SortFunc(out, func(a, b notifications.Device) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.Token, b.Token))
	})
	return out, nil
}

// Get returns the device of a token, or sp.ErrNotFound.
func (s *Devices) Get(ctx context.Context, token string) (_ notifications.Device, err error) {
	defer wrap(&err, "devices: reading one")
	var r deviceRow
	err = s.db.pool.QueryRow(ctx, devicesGetSQL, s.token(token)).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return notifications.Device{}, sp.ErrNotFound
	}
	if err != nil {
		return notifications.Device{}, err
	}
	return r.device(s, true)
}

// deviceRow is a device as the queries return it.
type deviceRow struct {
	tokenHash, tokenSealed, citizenSealed []byte
	platform, locale, appVersion          string
	registeredAt, lastSeen                time.Time
}

func (r *deviceRow) dest() []any {
	return []any{&r.tokenHash, &r.tokenSealed, &r.citizenSealed, &r.platform, &r.locale, &r.appVersion, &r.registeredAt, &r.lastSeen}
}

// device opens the row's token, and its NIK if withCitizen.
func (r *deviceRow) device(s *Devices, withCitizen bool) (notifications.Device, error) {
	token, err := s.db.keys.Open(r.tokenSealed, tokenContext(r.tokenHash))
	if err != nil {
		return notifications.Device{}, fmt.Errorf("opening a token: %w", err)
	}
	d := notifications.Device{
		Token: string(token), Platform: notifications.Platform(r.platform), Locale: sp.Lang(r.locale),
		AppVersion: r.appVersion, RegisteredAt: r.registeredAt, LastSeen: r.lastSeen,
	}
	if withCitizen {
		nik, err := s.db.keys.Open(r.citizenSealed, citizenContext(r.tokenHash))
		if err != nil {
			return notifications.Device{}, fmt.Errorf("opening a device's citizen: %w", err)
		}
		d.Citizen = sp.NIK(nik)
	}
	return d, nil
}
