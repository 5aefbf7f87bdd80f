// Package mandates keeps the mandates citizens give each other, on the
// model of Finland's Suomi.fi e-Authorizations: a grantor names a grantee,
// the matters the mandate covers (policy.Matter: reading records of a
// domain, applying for a service, receiving case notifications) and when
// it ends, at most a year ahead. It is PENDING until the grantee accepts,
// ACTIVE then, until either side revokes it or it expires by the clock.
// Both sides get an inbox entry and a push at each step.
//
// The package decides nothing about who may act for whom: it answers the
// policy's question "which mandates are in force from this grantor to this
// grantee" (InForce), and asks the policy before a citizen manages their
// mandates.
package mandates

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/policy"
)

// maxEnd is the latest end of a mandate granted at t.
func maxEnd(t time.Time) time.Time { return t.AddDate(1, 0, 0) }

// Status is where a mandate stands at an instant.
type Status string

const (
	StatusPending Status = "PENDING" // granted, not accepted yet: not usable
	StatusActive  Status = "ACTIVE"  // accepted, not revoked, not expired: usable
	StatusRevoked Status = "REVOKED" // revoked by either side
	StatusExpired Status = "EXPIRED" // past its end
)

// Side is a party to a mandate.
type Side string

const (
	SideGrantor Side = "GRANTOR"
	SideGrantee Side = "GRANTEE"
)

// Mandate is one mandate. Zero times are "not yet".
type Mandate struct {
	ID         string
	Grantor    sp.NIK
	Grantee    sp.NIK
	Matters    []policy.Matter
	GrantedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time
	RevokedAt  time.Time
	RevokedBy  Side // set with RevokedAt
}

// StatusAt is where m stands at t.
func (m Mandate) StatusAt(t time.Time) Status {
	switch {
	case !m.RevokedAt.IsZero():
		return StatusRevoked
	case !t.Before(m.ExpiresAt):
		return StatusExpired
	case m.AcceptedAt.IsZero():
		return StatusPending
	}
	return StatusActive
}

// SideOf is nik's side of m, "" when not a party.
func (m Mandate) SideOf(nik sp.NIK) Side {
	switch nik {
	case m.Grantor:
		return SideGrantor
	case m.Grantee:
		return SideGrantee
	}
	return ""
}

// Clone is a deep copy.
func (m Mandate) Clone() Mandate {
	m.Matters = slices.Clone(m.Matters)
	return m
}

// Micro truncates t to what PostgreSQL keeps (microseconds), in UTC, so
// every engine answers the same instants.
func Micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Microsecond).UTC()
}

// Store keeps mandates. Engines: store/memory, store/postgres; both pass
// storetest.TestMandates.
type Store interface {
	// Create stores m as given (its ID set by the caller).
	Create(ctx context.Context, m Mandate) error
	// Update changes mandate id under f, atomically; sp.ErrNotFound when
	// there is none. An error from f is returned and nothing is stored.
	Update(ctx context.Context, id string, f func(*Mandate) error) (Mandate, error)
	// OfParty lists the mandates nik gave or received, newest first.
	OfParty(ctx context.Context, nik sp.NIK) ([]Mandate, error)
	// Between lists the mandates grantor gave grantee, newest first.
	Between(ctx context.Context, grantor, grantee sp.NIK) ([]Mandate, error)
}

// SortNewest orders mandates as every Store lists them: newest first, then
// by id, descending.
func SortNewest(ms []Mandate) {
	slices.SortFunc(ms, func(a, b Mandate) int {
		if c := b.GrantedAt.Compare(a.GrantedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

// matterKey names a matter for duplicates and storage: KIND[:domain|service].
func matterKey(m policy.Matter) string {
	switch {
	case m.Domain != "":
		return string(m.Kind) + ":" + string(m.Domain)
	case m.Service != "":
		return string(m.Kind) + ":" + m.Service
	}
	return string(m.Kind)
}

// EncodeMatters is the matters as stored: KIND[:domain|service], one each.
func EncodeMatters(ms []policy.Matter) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = matterKey(m)
	}
	return out
}

// DecodeMatters reads EncodeMatters back.
func DecodeMatters(keys []string) ([]policy.Matter, error) {
	out := make([]policy.Matter, 0, len(keys))
	for _, k := range keys {
		kind, rest, _ := strings.Cut(k, ":")
		m := policy.Matter{Kind: policy.ActionKind(kind)}
		switch m.Kind {
		case policy.ViewRecords:
			m.Domain = policy.Domain(rest)
		case policy.Apply:
			m.Service = rest
		}
		if err := m.Check(); err != nil {
			return nil, fmt.Errorf("mandates: stored matter %q: %w", k, err)
		}
		out = append(out, m)
	}
	return out, nil
}
